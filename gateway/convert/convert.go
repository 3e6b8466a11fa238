// Package convert translates between the OpenAI Chat Completions and the
// Anthropic Messages protocols: requests, non-streaming responses, and
// streams. Everything here is pure: no I/O, no gin, no clocks other than
// values passed in. Stream converters are state machines that take one
// upstream SSE event and append the client's wire bytes to a buffer.
//
// The rules implement ../shared/docs/conversion.md; each test vector of that
// spec is a golden test under testdata/.
package convert

import (
	"switchyard/gateway/sse"
)

// RequestOptions are the per-backend settings a request conversion needs.
type RequestOptions struct {
	// UpstreamModel replaces the request's model (alias already applied).
	UpstreamModel string
	// MaxTokensDefault is used for Anthropic upstreams when the client sent
	// no max_tokens (Anthropic requires it). 0 means 8192.
	MaxTokensDefault int
	// CacheBreakpoints adds up to four cache_control breakpoints (tools,
	// system, the last two user turns) on O->A, keeping any the client sent.
	CacheBreakpoints bool
}

// Error is a conversion failure caused by the request itself (HTTP 400):
// the gateway returns it to the client with no upstream call.
type Error struct {
	Param   string // the offending field, e.g. "n"
	Message string
}

func (e *Error) Error() string { return e.Message }

// ToolNames maps upstream tool names back to the client's (A->O renames
// names longer than 64 chars or with invalid characters). nil means none.
type ToolNames map[string]string

// Client returns the client's name for an upstream tool name.
func (m ToolNames) Client(upstream string) string {
	if c, ok := m[upstream]; ok {
		return c
	}
	return upstream
}

// StreamOptions configure a stream converter.
type StreamOptions struct {
	ClientModel   string    // model name shown to the client
	Created       int64     // unix seconds for OpenAI chunks
	IncludeUsage  bool      // OpenAI client asked for stream_options.include_usage
	InputEstimate int       // local prompt-token estimate for message_start when upstream gives none
	ToolNames     ToolNames // A client <- O upstream: restore renamed tools
	// MessageID overrides the generated id (tests); "" = derive/generate.
	MessageID string
	// BufferToolArgs is the backend flag buffer_tool_args (O upstream -> A
	// client, spec §3.2 rule 2): start no tool_use block while streaming;
	// at the finish emit each call, in index order, as start + one
	// input_json_delta with the whole arguments + stop. For upstreams that
	// interleave the fragments of parallel calls.
	BufferToolArgs bool
}

// Step is what one upstream event produced.
type Step struct {
	// Out is dst with the client's wire bytes appended (complete SSE
	// events, ready to write and flush).
	Out []byte
	// Content reports that this step emitted meaningful content (text,
	// reasoning, or a tool call), as opposed to only framing such as
	// message_start or the role chunk. The gateway commits a stream to its
	// upstream at the first step with Content (the first-byte rule).
	Content bool
	// Done reports that the client stream is complete (terminator
	// written); further upstream events are ignored.
	Done bool
	// Err is set when the upstream reported an error or the stream was
	// cut; Out then ends with one error event in the client's protocol and
	// no terminator. Done is also true.
	Err *StreamError
}

// StreamError describes an upstream failure inside a stream.
type StreamError struct {
	Type    string // Anthropic error type (api_error, overloaded_error, …) or OpenAI type
	Message string
}

func (e *StreamError) Error() string { return e.Type + ": " + e.Message }

// StreamConverter is implemented by both stream directions.
type StreamConverter interface {
	// Event processes one upstream SSE event.
	Event(dst []byte, ev sse.Event) Step
	// End is called when the upstream body ends; readErr is nil for a
	// clean EOF. If the stream had not finished, it emits the error event
	// (e.g. "upstream stream ended prematurely") and reports Err.
	End(dst []byte, readErr error) Step
}
