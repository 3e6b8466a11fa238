// Package convert translates between the OpenAI Chat Completions and the
// Anthropic Messages protocols: requests, non-streaming responses, and
// streams. Everything here is pure: no I/O, no gin, no clocks other than
// values passed in. Stream converters are state machines that take one
// upstream SSE event and append the client's wire bytes to a buffer.
//
// The rules implement docs/conversion.md; each test vector of that
// spec is a golden test under testdata/.
package convert

import "switchyard/gateway/protocol"

// The adapter contract lives in package protocol; these aliases keep the
// converters' signatures short.
type (
	RequestOptions  = protocol.RequestOptions
	Error           = protocol.Error
	ToolNames       = protocol.ToolNames
	StreamOptions   = protocol.StreamOptions
	Step            = protocol.Step
	StreamError     = protocol.StreamError
	StreamConverter = protocol.StreamConverter
)
