// Package responsesstream holds the OpenAI Responses API's stream
// converters, both pure state machines of package protocol:
// FromHubStream turns hub chunks (chat.completion.chunk events) into the
// Responses events a Responses client reads, ToHubStream turns a
// `format: responses` backend's events into hub chunks. They build on
// package responses (wire types, the encoder, ids) and package
// responsesconv (Notes, usage and finish mapping, ResponseToHub).
//
// Everything here is pure: no I/O, no clocks, no net/http.
package responsesstream
