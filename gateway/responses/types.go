// Package responses is the OpenAI Responses API's wire format (the
// protocol of Codex CLI and other Responses clients): its types, a fast
// decoder for requests (DecodeRequest), an encoder for responses and
// output items (AppendResponse, AppendOutputItem), the error shape
// (AppendError, ParseError, ErrorType) and response ids (IDs).
//
// The decoder and the encoder give exactly what encoding/json gives for
// the same types (the decoder hands what it would not read exactly to
// encoding/json itself); they exist because a Responses request and its
// answer are the per-request cost of a Responses client.
//
// The adapter is three packages, importing one way:
//
//	responses                   wire types and codecs (this package)
//	responses/responsesconv     requests and responses to and from the hub (RequestToHub, ResponseFromHub, RequestFromHub, ResponseToHub, Notes)
//	responses/responsesstream   the stream converters (NewFromHubStream, NewToHubStream)
//
// Everything here is pure: no I/O, no clocks, no net/http.
package responses

import "encoding/json"

// Request is the body of POST /v1/responses. Fields the gateway has no use
// for are not decoded.
type Request struct {
	Model              string          `json:"model"`
	Input              json.RawMessage `json:"input"` // a string or an array of items
	Instructions       string          `json:"instructions,omitempty"`
	Tools              []Tool          `json:"tools,omitempty"`
	ToolChoice         json.RawMessage `json:"tool_choice,omitempty"`
	ParallelToolCalls  *bool           `json:"parallel_tool_calls,omitempty"`
	MaxOutputTokens    *int            `json:"max_output_tokens,omitempty"`
	Temperature        *float64        `json:"temperature,omitempty"`
	TopP               *float64        `json:"top_p,omitempty"`
	Reasoning          *Reasoning      `json:"reasoning,omitempty"`
	Text               *TextConfig     `json:"text,omitempty"`
	Stop               json.RawMessage `json:"stop,omitempty"` // not in OpenAI's API; some clients send it
	Store              *bool           `json:"store,omitempty"`
	PreviousResponseID string          `json:"previous_response_id,omitempty"`
	Include            []string        `json:"include,omitempty"`
	PromptCacheKey     string          `json:"prompt_cache_key,omitempty"`
	Stream             bool            `json:"stream,omitempty"`
	User               string          `json:"user,omitempty"`
}

// Reasoning is the request's `reasoning` object.
type Reasoning struct {
	Effort  string `json:"effort,omitempty"`
	Summary string `json:"summary,omitempty"`
}

// TextConfig is the request's `text` object.
type TextConfig struct {
	Format *TextFormat `json:"format,omitempty"`
}

// TextFormat is `text.format`: text, json_object or json_schema.
type TextFormat struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Schema      json.RawMessage `json:"schema,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
}

// Tool is one entry of `tools`. Function tools are flat
// ({"type":"function","name",…}); custom (freeform) tools carry a format;
// hosted tools (web_search, file_search, …) only a type.
type Tool struct {
	Type        string          `json:"type"`
	Name        string          `json:"name,omitempty"`
	Description string          `json:"description,omitempty"`
	Parameters  json.RawMessage `json:"parameters,omitempty"`
	Strict      *bool           `json:"strict,omitempty"`
	Format      json.RawMessage `json:"format,omitempty"` // custom tools
	Tools       []Tool          `json:"tools,omitempty"`  // namespace tools
}

// Item is one input item. Which fields are set depends on Type: message
// (Role, Content; Type may be absent), function_call (CallID, Name,
// Arguments), function_call_output (CallID, Output), custom_tool_call
// (CallID, Name, Input), custom_tool_call_output (CallID, Output),
// local_shell_call (CallID, Action), local_shell_call_output (ID or
// CallID, Output), reasoning (Summary, EncryptedContent). Calls made in a
// namespace name it in Namespace.
type Item struct {
	Type             string          `json:"type,omitempty"`
	ID               string          `json:"id,omitempty"`
	Role             string          `json:"role,omitempty"`
	Content          json.RawMessage `json:"content,omitempty"` // a string or parts
	CallID           string          `json:"call_id,omitempty"`
	Name             string          `json:"name,omitempty"`
	Arguments        string          `json:"arguments,omitempty"`
	Input            string          `json:"input,omitempty"`
	Output           json.RawMessage `json:"output,omitempty"` // a string or parts
	Namespace        string          `json:"namespace,omitempty"`
	Action           json.RawMessage `json:"action,omitempty"` // local_shell_call
	Summary          []SummaryPart   `json:"summary,omitempty"`
	EncryptedContent string          `json:"encrypted_content,omitempty"`
}

// Part is one content part of a message item or a tool output.
type Part struct {
	Type     string `json:"type"` // input_text, output_text, input_image, refusal, input_file
	Text     string `json:"text,omitempty"`
	Refusal  string `json:"refusal,omitempty"`
	ImageURL string `json:"image_url,omitempty"`
	FileID   string `json:"file_id,omitempty"`
	Detail   string `json:"detail,omitempty"`
	FileData string `json:"file_data,omitempty"`
	Filename string `json:"filename,omitempty"`
}

// SummaryPart is one entry of a reasoning item's summary.
type SummaryPart struct {
	Type string `json:"type"` // summary_text
	Text string `json:"text"`
}

// Response is the Responses API response object.
type Response struct {
	ID                string             `json:"id"`
	Object            string             `json:"object"` // "response"
	CreatedAt         int64              `json:"created_at"`
	Status            string             `json:"status"` // completed, incomplete, failed, in_progress
	Model             string             `json:"model"`
	Output            []OutputItem       `json:"output"`
	Usage             *Usage             `json:"usage,omitempty"`
	Error             *ErrorDetail       `json:"error"`
	IncompleteDetails *IncompleteDetails `json:"incomplete_details"`
	ParallelToolCalls bool               `json:"parallel_tool_calls"`
	ToolChoice        json.RawMessage    `json:"tool_choice,omitempty"`
	Tools             []json.RawMessage  `json:"tools"`
}

// IncompleteDetails says why a response is incomplete.
type IncompleteDetails struct {
	Reason string `json:"reason"` // max_output_tokens, content_filter
}

// OutputItem is one output item: message, function_call,
// custom_tool_call, local_shell_call or reasoning.
type OutputItem struct {
	ID        string          `json:"id"`
	Type      string          `json:"type"`
	Status    string          `json:"status,omitempty"`
	Role      string          `json:"role,omitempty"`
	Content   []OutputContent `json:"content,omitzero"`
	CallID    string          `json:"call_id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Arguments *string         `json:"arguments,omitempty"`
	Input     *string         `json:"input,omitempty"`
	Namespace string          `json:"namespace,omitempty"`
	Action    json.RawMessage `json:"action,omitempty"` // local_shell_call
	Summary   []SummaryPart   `json:"summary,omitzero"`
}

// OutputContent is a part of an output message.
type OutputContent struct {
	Type        string            `json:"type"` // output_text, refusal
	Text        string            `json:"text,omitempty"`
	Refusal     string            `json:"refusal,omitempty"`
	Annotations []json.RawMessage `json:"annotations"`
}

// Usage is the Responses usage object. InputTokens INCLUDES cached tokens.
type Usage struct {
	InputTokens         int                 `json:"input_tokens"`
	InputTokensDetails  InputTokensDetails  `json:"input_tokens_details"`
	OutputTokens        int                 `json:"output_tokens"`
	OutputTokensDetails OutputTokensDetails `json:"output_tokens_details"`
	TotalTokens         int                 `json:"total_tokens"`
}

// InputTokensDetails breaks down input tokens.
type InputTokensDetails struct {
	CachedTokens int `json:"cached_tokens"`
}

// OutputTokensDetails breaks down output tokens.
type OutputTokensDetails struct {
	ReasoningTokens int `json:"reasoning_tokens"`
}

// ErrorBody is the Responses error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody, and a failed response's error.
type ErrorDetail struct {
	Type    string  `json:"type,omitempty"`
	Code    string  `json:"code,omitempty"`
	Message string  `json:"message"`
	Param   *string `json:"param"`
}
