// Package protocol is the contract every protocol adapter implements, and
// the one path conversions take between protocols.
//
// Switchyard speaks four wire protocols (OpenAI Chat Completions, Anthropic
// Messages, the OpenAI Responses API and the Gemini API). Rather than a
// converter for every pair, each protocol converts to and from one hub, the
// OpenAI Chat Completions form (package switchyard/gateway/openai): a
// request goes client → hub → backend, a response or stream goes backend →
// hub → client, and either leg is the identity when that side already
// speaks Chat. Same-protocol traffic is passed through untouched.
//
// Everything here is pure: no I/O, no clocks, no gin. Stream converters are
// state machines that take one upstream SSE event and append the client's
// wire bytes to a buffer; Chain joins two of them through the hub.
package protocol

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"switchyard/gateway/sse"
)

// RequestOptions are the per-backend settings a request conversion needs.
type RequestOptions struct {
	// UpstreamModel replaces the request's model (alias already applied).
	UpstreamModel string
	// MaxTokensDefault is used for upstreams that require a token limit
	// (Anthropic) when the client sent none. 0 means 8192.
	MaxTokensDefault int
	// CacheBreakpoints adds up to four cache_control breakpoints (tools,
	// system, the last two user turns) on hub -> Anthropic, keeping any the
	// client sent.
	CacheBreakpoints bool
}

// Error is a conversion failure caused by the request itself (HTTP 400):
// the gateway returns it to the client with no upstream call.
type Error struct {
	Param   string // the offending field, e.g. "n" or "input[3].type"
	Message string
}

func (e *Error) Error() string { return e.Message }

// ToolNames maps upstream tool names back to the client's (names longer
// than 64 chars or with invalid characters are renamed on the way up).
// nil means none.
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
	Created       int64     // unix seconds for ids and created fields
	IncludeUsage  bool      // OpenAI client asked for stream_options.include_usage
	InputEstimate int       // local prompt-token estimate when the upstream gives none
	ToolNames     ToolNames // restore renamed tools
	// MessageID overrides the generated id (tests); "" = derive/generate.
	MessageID string
	// BufferToolArgs (hub upstream -> Anthropic client): start no tool_use
	// block while streaming; at the finish emit each call, in index order,
	// as start + one input_json_delta with the whole arguments + stop. For
	// upstreams that interleave the fragments of parallel calls.
	BufferToolArgs bool
	// JSONTool (Anthropic upstream -> hub) names the tool that carries a
	// json_schema response_format: its input streams as the message's
	// text, and its call is no tool call (convert.Notes.JSONTool).
	JSONTool string
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
	Type    string // error type in the upstream's or the hub's vocabulary
	Message string
}

func (e *StreamError) Error() string { return e.Type + ": " + e.Message }

// StreamConverter turns one upstream stream into the client's.
type StreamConverter interface {
	// Event processes one upstream SSE event.
	Event(dst []byte, ev sse.Event) Step
	// End is called when the upstream body ends; readErr is nil for a
	// clean EOF. If the stream had not finished, it emits the error event
	// (e.g. "upstream stream ended prematurely") and reports Err.
	End(dst []byte, readErr error) Step
}

// Releaser is implemented by converters that recycle their state. The
// relay calls Release once, after the stream's last Event or End, when
// nothing it returned is used any more; the converter is not used after.
// A converter that is never released is simply collected.
type Releaser interface {
	Release()
}

// Release releases c if it recycles its state.
func Release(c StreamConverter) {
	if r, ok := c.(Releaser); ok {
		r.Release()
	}
}

// KeepAliver is implemented by converters that can write a keep-alive
// while the upstream is silent (an SSE comment or a ping event).
type KeepAliver interface {
	KeepAlive(dst []byte) []byte
}

// Upstream returns a safe tool name for a client tool name and records
// the rename in m so that Client can restore it: a name longer than 64
// characters or with a character outside [A-Za-z0-9_-] becomes its
// sanitized 55-character prefix, "_", and the first 8 hex digits of its
// SHA-256. m must be non-nil when a rename can happen.
func (m ToolNames) Upstream(name string) string {
	if len(name) <= 64 && name != "" && SanitizeToolID(name) == name {
		return name
	}
	sum := sha256.Sum256([]byte(name))
	prefix := SanitizeToolID(name)
	if len(prefix) > 55 {
		prefix = prefix[:55]
	}
	up := prefix + "_" + hex.EncodeToString(sum[:4])
	m[up] = name
	return up
}

// SanitizeToolID makes id match ^[a-zA-Z0-9_-]+$ (Anthropic's rule for
// tool ids and names) by replacing every other character with '_'; ""
// stays "".
func SanitizeToolID(id string) string {
	ok := true
	for i := 0; i < len(id); i++ {
		if !toolIDChar(id[i]) {
			ok = false
			break
		}
	}
	if ok {
		return id
	}
	var b strings.Builder
	for _, r := range id {
		if r < 0x80 && toolIDChar(byte(r)) {
			b.WriteRune(r)
		} else {
			b.WriteByte('_')
		}
	}
	return b.String()
}

func toolIDChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
