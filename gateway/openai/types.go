// Package openai holds the OpenAI Chat Completions wire types the gateway
// reads and writes, the error shape OpenAI clients expect, and ChunkView,
// the one fast reader of the hub's stream chunks that every hub → client
// converter shares. It imports only the standard library and jscan; SSE
// framing lives in package sse.
package openai

import (
	"bytes"
	"encoding/json"
)

// ChatRequest is the body of POST /v1/chat/completions. Fields the gateway
// does not convert are kept in Extra only where a converter needs them.
type ChatRequest struct {
	Model               string          `json:"model"`
	Messages            []Message       `json:"messages"`
	MaxTokens           *int            `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int            `json:"max_completion_tokens,omitempty"`
	Temperature         *float64        `json:"temperature,omitempty"`
	TopP                *float64        `json:"top_p,omitempty"`
	TopK                *int            `json:"top_k,omitempty"`
	Stop                Strings         `json:"stop,omitempty"`
	Stream              bool            `json:"stream,omitempty"`
	StreamOptions       *StreamOptions  `json:"stream_options,omitempty"`
	N                   *int            `json:"n,omitempty"`
	User                string          `json:"user,omitempty"`
	Tools               []Tool          `json:"tools,omitempty"`
	ToolChoice          json.RawMessage `json:"tool_choice,omitempty"` // "auto"|"none"|"required"|{type:function,function:{name}}
	ParallelToolCalls   *bool           `json:"parallel_tool_calls,omitempty"`
	ReasoningEffort     string          `json:"reasoning_effort,omitempty"`
	ResponseFormat      json.RawMessage `json:"response_format,omitempty"`
}

// StreamOptions is `stream_options`.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// Strings is a JSON value that may be a string or an array of strings
// (OpenAI's `stop`). It always marshals as an array.
type Strings []string

// UnmarshalJSON accepts a string, an array of strings, or null.
func (s *Strings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var one string
		if err := json.Unmarshal(b, &one); err != nil {
			return err
		}
		*s = Strings{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return err
	}
	*s = many
	return nil
}

// Message is one chat message. Content is a string, an array of parts, or
// null (assistant messages with only tool calls).
type Message struct {
	Role             string     `json:"role"`
	Content          Content    `json:"content"`
	Name             string     `json:"name,omitempty"`
	ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
	ToolCallID       string     `json:"tool_call_id,omitempty"`
	ReasoningContent string     `json:"reasoning_content,omitempty"`
	Refusal          string     `json:"refusal,omitempty"`
	// Reasoning is the name some upstreams (OpenRouter, vLLM) use instead
	// of reasoning_content.
	Reasoning string `json:"reasoning,omitempty"`
	// ThinkingBlocks carries Anthropic thinking blocks with their
	// signatures (LiteLLM convention) so an OpenAI client can replay a
	// signed thinking turn to an Anthropic upstream.
	ThinkingBlocks []ThinkingBlock `json:"thinking_blocks,omitempty"`
	// CacheControl is a non-standard message-level Anthropic cache
	// breakpoint (LiteLLM convention), kept for O->A.
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// ThinkingBlock is an Anthropic thinking or redacted_thinking block carried
// on an assistant message (`thinking_blocks`).
type ThinkingBlock struct {
	Type      string `json:"type"` // thinking | redacted_thinking
	Thinking  string `json:"thinking,omitempty"`
	Signature string `json:"signature,omitempty"`
	Data      string `json:"data,omitempty"` // redacted_thinking
}

// Content is a message's content: Text when the wire had a string, Parts
// when it had an array; both nil for null/absent.
type Content struct {
	Text  *string
	Parts []ContentPart
}

// TextContent returns a string Content.
func TextContent(s string) Content { return Content{Text: &s} }

// IsNull reports whether the content was null or absent.
func (c Content) IsNull() bool { return c.Text == nil && c.Parts == nil }

// MarshalJSON writes a string, an array, or null.
func (c Content) MarshalJSON() ([]byte, error) {
	switch {
	case c.Text != nil:
		return json.Marshal(*c.Text)
	case c.Parts != nil:
		return json.Marshal(c.Parts)
	}
	return []byte("null"), nil
}

// UnmarshalJSON reads a string, an array of parts, or null.
func (c *Content) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	*c = Content{}
	switch {
	case len(b) == 0 || bytes.Equal(b, []byte("null")):
		return nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		c.Text = &s
		return nil
	}
	var parts []ContentPart
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if parts == nil {
		parts = []ContentPart{}
	}
	c.Parts = parts
	return nil
}

// ContentPart is one element of an array content.
type ContentPart struct {
	Type         string          `json:"type"` // text | image_url | file | input_audio | refusal
	Text         string          `json:"text,omitempty"`
	ImageURL     *ImageURL       `json:"image_url,omitempty"`
	File         *File           `json:"file,omitempty"`
	Refusal      string          `json:"refusal,omitempty"`
	CacheControl json.RawMessage `json:"cache_control,omitempty"` // non-standard, kept for O->A
}

// ImageURL is an image part's payload: a data: URL or an http(s) URL.
type ImageURL struct {
	URL    string `json:"url"`
	Detail string `json:"detail,omitempty"`
}

// File is a file part's payload.
type File struct {
	FileData string `json:"file_data,omitempty"` // data: URL
	FileID   string `json:"file_id,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// ToolCall is an assistant tool call; in stream deltas Index is set and
// ID/Type/Name appear only on a call's first chunk.
type ToolCall struct {
	Index    *int         `json:"index,omitempty"`
	ID       string       `json:"id,omitempty"`
	Type     string       `json:"type,omitempty"`
	Function FunctionCall `json:"function"`
}

// FunctionCall is a tool call's function name and JSON-encoded arguments.
type FunctionCall struct {
	Name      string `json:"name,omitempty"`
	Arguments string `json:"arguments"`
}

// Tool is a tool definition.
type Tool struct {
	Type     string      `json:"type"`
	Function FunctionDef `json:"function"`
	// CacheControl is a non-standard Anthropic cache breakpoint on a tool
	// (LiteLLM convention), kept for O->A.
	CacheControl json.RawMessage `json:"cache_control,omitempty"`
}

// FunctionDef is a function tool's definition.
type FunctionDef struct {
	Name        string          `json:"name"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// ChatResponse is a non-streaming chat completion.
type ChatResponse struct {
	ID                string   `json:"id"`
	Object            string   `json:"object"`
	Created           int64    `json:"created"`
	Model             string   `json:"model"`
	Choices           []Choice `json:"choices"`
	Usage             *Usage   `json:"usage,omitempty"`
	SystemFingerprint string   `json:"system_fingerprint,omitempty"`
}

// Choice is one choice of a ChatResponse.
type Choice struct {
	Index        int             `json:"index"`
	Message      Message         `json:"message"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// Chunk is one streamed chat.completion.chunk.
type Chunk struct {
	ID      string        `json:"id"`
	Object  string        `json:"object"`
	Created int64         `json:"created"`
	Model   string        `json:"model"`
	Choices []ChunkChoice `json:"choices"`
	Usage   *Usage        `json:"usage,omitempty"`
	// Error is set when an upstream reports an error inside the stream.
	Error *ErrorDetail `json:"error,omitempty"`
}

// ChunkChoice is one choice of a Chunk.
type ChunkChoice struct {
	Index        int             `json:"index"`
	Delta        Delta           `json:"delta"`
	FinishReason *string         `json:"finish_reason"`
	Logprobs     json.RawMessage `json:"logprobs"`
}

// Delta is the incremental message of a ChunkChoice.
type Delta struct {
	Role             string     `json:"role,omitempty"`
	Content          *string    `json:"content,omitempty"`
	ReasoningContent *string    `json:"reasoning_content,omitempty"`
	Reasoning        *string    `json:"reasoning,omitempty"` // some upstreams use this name
	Refusal          *string    `json:"refusal,omitempty"`
	ToolCalls        []ToolCall `json:"tool_calls,omitempty"`
}

// Usage is token accounting. PromptTokens INCLUDES cached tokens.
type Usage struct {
	PromptTokens            int                      `json:"prompt_tokens"`
	CompletionTokens        int                      `json:"completion_tokens"`
	TotalTokens             int                      `json:"total_tokens"`
	PromptTokensDetails     *PromptTokensDetails     `json:"prompt_tokens_details,omitempty"`
	CompletionTokensDetails *CompletionTokensDetails `json:"completion_tokens_details,omitempty"`
	// LiteLLM-style extras, set on A->O conversion.
	CacheCreationInputTokens *int `json:"cache_creation_input_tokens,omitempty"`
	CacheReadInputTokens     *int `json:"cache_read_input_tokens,omitempty"`
}

// PromptTokensDetails breaks down prompt tokens.
type PromptTokensDetails struct {
	CachedTokens     int `json:"cached_tokens"`
	CacheWriteTokens int `json:"cache_write_tokens,omitempty"`
}

// CompletionTokensDetails breaks down completion tokens.
type CompletionTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens,omitempty"`
}

// ErrorBody is OpenAI's error envelope, both as an HTTP body and in-stream.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody.
type ErrorDetail struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// Model is one entry of GET /v1/models.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Object string  `json:"object"`
	Data   []Model `json:"data"`
}
