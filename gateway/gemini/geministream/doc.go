// Package geministream holds the Gemini API's stream converters, pure
// state machines of package protocol: FromHubStream (NewFromHubStream)
// turns hub chunks into what a Gemini client reads, in either
// gemini.StreamFormat; ToHubStream (NewToHubStream) turns a Gemini
// backend's streamGenerateContent chunks (read by a jscan pass, parse.go)
// into hub chunks. They build on package gemini (wire types, errors, ids)
// and package geminiconv (finish and usage mappings).
//
// Everything here is pure: no I/O, no clocks, no net/http.
package geministream
