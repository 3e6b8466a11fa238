// Package anthropic holds the Anthropic Messages wire types the gateway
// reads and writes, including the streaming event shapes and the error
// envelope Anthropic clients expect. It is stdlib-only; SSE framing lives in
// package sse.
package anthropic

import (
	"bytes"
	"encoding/json"
)

// Version is the anthropic-version header value the gateway sends.
const Version = "2023-06-01"

// MessagesRequest is the body of POST /v1/messages. Unknown top-level keys
// (context_management, output_config, …) are tolerated and dropped by
// json.Unmarshal.
type MessagesRequest struct {
	Model         string          `json:"model"`
	MaxTokens     int             `json:"max_tokens"`
	System        System          `json:"system,omitempty"`
	Messages      []Message       `json:"messages"`
	Metadata      *Metadata       `json:"metadata,omitempty"`
	StopSequences []string        `json:"stop_sequences,omitempty"`
	Stream        bool            `json:"stream,omitempty"`
	Temperature   *float64        `json:"temperature,omitempty"`
	TopP          *float64        `json:"top_p,omitempty"`
	TopK          *int            `json:"top_k,omitempty"`
	Tools         []Tool          `json:"tools,omitempty"`
	ToolChoice    *ToolChoice     `json:"tool_choice,omitempty"`
	Thinking      *Thinking       `json:"thinking,omitempty"`
	OutputConfig  json.RawMessage `json:"output_config,omitempty"`
}

// System is the top-level system prompt: a string or an array of text
// blocks on the wire; always held as blocks here.
type System []Block

// UnmarshalJSON accepts a string, an array of blocks, or null.
func (s *System) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var t string
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		*s = System{TextBlock(t)}
		return nil
	}
	var blocks []Block
	if err := json.Unmarshal(b, &blocks); err != nil {
		return err
	}
	*s = blocks
	return nil
}

// Metadata is the request metadata.
type Metadata struct {
	UserID string `json:"user_id,omitempty"`
}

// Message is one turn. Content is a string or an array of blocks on the
// wire; always held as blocks here (a string becomes one text block).
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
}

// Content is a list of blocks that also unmarshals from a plain string.
type Content []Block

// UnmarshalJSON accepts a string, an array of blocks, or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var t string
		if err := json.Unmarshal(b, &t); err != nil {
			return err
		}
		*c = Content{TextBlock(t)}
		return nil
	}
	if len(b) > 0 && b[0] == '{' {
		// Server-tool results carry an object (e.g. a
		// web_search_tool_result_error); keep it as one block.
		var one Block
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*c = Content{one}
		return nil
	}
	var blocks []Block
	if err := json.Unmarshal(b, &blocks); err != nil {
		return err
	}
	*c = blocks
	return nil
}

// Block is a content block of any type. Pointer fields keep "present but
// empty" (a text block starts with "text":"" in a stream) apart from absent.
type Block struct {
	Type string `json:"type"` // text | image | document | tool_use | tool_result | thinking | redacted_thinking | …

	Text      *string `json:"text,omitempty"`
	Thinking  *string `json:"thinking,omitempty"`
	Signature *string `json:"signature,omitempty"`
	Data      string  `json:"data,omitempty"` // redacted_thinking

	Source *Source `json:"source,omitempty"` // image, document
	Title  string  `json:"title,omitempty"`  // document

	ID    string          `json:"id,omitempty"`    // tool_use
	Name  string          `json:"name,omitempty"`  // tool_use
	Input json.RawMessage `json:"input,omitempty"` // tool_use: a JSON object

	ToolUseID string   `json:"tool_use_id,omitempty"` // tool_result
	Content   *Content `json:"content,omitempty"`     // tool_result: string or blocks
	IsError   bool     `json:"is_error,omitempty"`    // tool_result

	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// TextBlock returns a text block.
func TextBlock(s string) Block { return Block{Type: "text", Text: &s} }

// Source is an image or document source.
type Source struct {
	Type      string `json:"type"` // base64 | url | text
	MediaType string `json:"media_type,omitempty"`
	Data      string `json:"data,omitempty"`
	URL       string `json:"url,omitempty"`
}

// UnmarshalJSON reads a source object; a plain string (the `source` of a
// search_result block) is kept as URL.
func (s *Source) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		*s = Source{}
		return json.Unmarshal(b, &s.URL)
	}
	type plain Source
	return json.Unmarshal(b, (*plain)(s))
}

// Tool is a tool definition (custom tools; server tools carry a Type).
type Tool struct {
	Type         string          `json:"type,omitempty"`
	Name         string          `json:"name"`
	Description  string          `json:"description,omitempty"`
	InputSchema  json.RawMessage `json:"input_schema,omitempty"`
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// ToolChoice is `tool_choice`.
type ToolChoice struct {
	Type                   string `json:"type"` // auto | any | tool | none
	Name                   string `json:"name,omitempty"`
	DisableParallelToolUse bool   `json:"disable_parallel_tool_use,omitempty"`
}

// Thinking is the extended-thinking setting.
type Thinking struct {
	Type         string `json:"type"` // enabled | disabled | adaptive
	BudgetTokens int    `json:"budget_tokens,omitempty"`
}

// Response is a non-streaming Messages response (and the `message` of a
// message_start event).
type Response struct {
	ID           string  `json:"id"`
	Type         string  `json:"type"`
	Role         string  `json:"role"`
	Model        string  `json:"model"`
	Content      []Block `json:"content"`
	StopReason   *string `json:"stop_reason"`
	StopSequence *string `json:"stop_sequence"`
	Usage        Usage   `json:"usage"`
}

// Usage is token accounting. InputTokens EXCLUDES cache reads and writes.
type Usage struct {
	InputTokens              int `json:"input_tokens"`
	OutputTokens             int `json:"output_tokens"`
	CacheCreationInputTokens int `json:"cache_creation_input_tokens"`
	CacheReadInputTokens     int `json:"cache_read_input_tokens"`
}

// Event is one streaming event's data. Type equals the SSE event name.
type Event struct {
	Type         string       `json:"type"`
	Message      *Response    `json:"message,omitempty"`       // message_start
	Index        *int         `json:"index,omitempty"`         // content_block_*
	ContentBlock *Block       `json:"content_block,omitempty"` // content_block_start
	Delta        *EventDelta  `json:"delta,omitempty"`         // content_block_delta, message_delta
	Usage        *Usage       `json:"usage,omitempty"`         // message_delta
	Error        *ErrorDetail `json:"error,omitempty"`         // error
}

// EventDelta is the delta of a content_block_delta (Type set) or of a
// message_delta (StopReason set).
type EventDelta struct {
	Type        string  `json:"type,omitempty"` // text_delta | input_json_delta | thinking_delta | signature_delta | citations_delta
	Text        *string `json:"text,omitempty"`
	PartialJSON *string `json:"partial_json,omitempty"`
	Thinking    *string `json:"thinking,omitempty"`
	Signature   *string `json:"signature,omitempty"`

	StopReason   *string `json:"stop_reason,omitempty"`
	StopSequence *string `json:"stop_sequence,omitempty"`
}

// ErrorBody is Anthropic's error envelope as an HTTP body; in a stream the
// `event: error` data is the same object without request_id.
type ErrorBody struct {
	Type      string      `json:"type"` // always "error"
	Error     ErrorDetail `json:"error"`
	RequestID string      `json:"request_id,omitempty"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Type    string `json:"type"`
	Message string `json:"message"`
}

// CountTokensResponse is the body of POST /v1/messages/count_tokens.
type CountTokensResponse struct {
	InputTokens int `json:"input_tokens"`
}
