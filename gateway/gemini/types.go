// Package gemini is the Gemini API's (generativelanguage v1beta/v1) wire
// format: its types, Path (a backend's URL path for a model), the error
// shape ({"error":{"code","message","status"}}: ErrorJSON, ParseError,
// StatusForClient, StatusName, HubErrorType, StatusForHubType), the models
// list and countTokens answers (ModelList, ModelInfo, CountTokensJSON),
// StreamFormat, and DerivedID for function calls that came without an id.
//
// The adapter is three packages, importing one way:
//
//	gemini                 wire format (this package)
//	gemini/geminiconv      requests and responses to and from the hub
//	gemini/geministream    the stream converters
//
// Six directions, like every protocol adapter:
//
//	Gemini client -> hub     geminiconv.RequestToHub
//	hub -> Gemini client     geminiconv.ResponseFromHub, geministream.NewFromHubStream
//	hub -> Gemini backend    geminiconv.RequestFromHub, Path
//	Gemini backend -> hub    geminiconv.ResponseToHub, geministream.NewToHubStream
//
// Nothing here does I/O; the gateway owns HTTP, credentials (a Gemini
// client sends its key as x-goog-api-key or ?key=; a Gemini backend
// receives the backend's key as x-goog-api-key) and routing (the model is
// in the URL path, not the body).
//
// Gemini function calls may have no id. Converters towards the hub
// synthesize ids ("call_…"); towards a Gemini client the hub's ids are kept
// in functionCall.id so that the client echoes them in functionResponse.id.
package gemini

import "encoding/json"

// GenerateContentRequest is the body of models/{model}:generateContent and
// :streamGenerateContent.
type GenerateContentRequest struct {
	Contents          []Content         `json:"contents"`
	SystemInstruction *Content          `json:"systemInstruction,omitempty"`
	Tools             []Tool            `json:"tools,omitempty"`
	ToolConfig        *ToolConfig       `json:"toolConfig,omitempty"`
	GenerationConfig  *GenerationConfig `json:"generationConfig,omitempty"`
	SafetySettings    json.RawMessage   `json:"safetySettings,omitempty"`
	CachedContent     string            `json:"cachedContent,omitempty"`
	// Model appears only inside countTokens' generateContentRequest.
	Model string `json:"model,omitempty"`
}

// Content is one turn: role "user" or "model" (empty means user) and its
// parts.
type Content struct {
	Role  string `json:"role,omitempty"`
	Parts []Part `json:"parts"`
}

// Part is one element of a Content. Exactly one of the data fields is set;
// Thought marks a text part as the model's thinking, ThoughtSignature is
// an opaque token Gemini 3 wants back on the function calls of the current
// turn.
type Part struct {
	Text                *string           `json:"text,omitempty"`
	Thought             bool              `json:"thought,omitempty"`
	ThoughtSignature    string            `json:"thoughtSignature,omitempty"`
	InlineData          *Blob             `json:"inlineData,omitempty"`
	FileData            *FileData         `json:"fileData,omitempty"`
	FunctionCall        *FunctionCall     `json:"functionCall,omitempty"`
	FunctionResponse    *FunctionResponse `json:"functionResponse,omitempty"`
	ExecutableCode      json.RawMessage   `json:"executableCode,omitempty"`
	CodeExecutionResult json.RawMessage   `json:"codeExecutionResult,omitempty"`
}

// TextPart returns a text part.
func TextPart(s string) Part { return Part{Text: &s} }

// Blob is inline bytes, base64 in JSON.
type Blob struct {
	MimeType string `json:"mimeType"`
	Data     string `json:"data"`
}

// FileData references a file by URI.
type FileData struct {
	MimeType string `json:"mimeType,omitempty"`
	FileURI  string `json:"fileUri"`
}

// FunctionCall is a model's call; ID is optional (the API often omits it).
type FunctionCall struct {
	ID   string          `json:"id,omitempty"`
	Name string          `json:"name"`
	Args json.RawMessage `json:"args,omitempty"`
}

// FunctionResponse answers a FunctionCall; Response is a JSON object.
type FunctionResponse struct {
	ID       string          `json:"id,omitempty"`
	Name     string          `json:"name"`
	Response json.RawMessage `json:"response,omitempty"`
}

// Tool is one entry of `tools`. Only function declarations convert; the
// built-in tools (googleSearch, codeExecution, urlContext, …) are kept raw
// so that they can be recognised and dropped.
type Tool struct {
	FunctionDeclarations  []FunctionDeclaration `json:"functionDeclarations,omitempty"`
	GoogleSearch          json.RawMessage       `json:"googleSearch,omitempty"`
	GoogleSearchRetrieval json.RawMessage       `json:"googleSearchRetrieval,omitempty"`
	CodeExecution         json.RawMessage       `json:"codeExecution,omitempty"`
	URLContext            json.RawMessage       `json:"urlContext,omitempty"`
}

// FunctionDeclaration declares a function. Parameters is Gemini's Schema
// dialect (OpenAPI 3.0 subset: upper-case types, nullable, …);
// ParametersJSONSchema is plain JSON Schema. At most one is set.
type FunctionDeclaration struct {
	Name                 string          `json:"name"`
	Description          string          `json:"description,omitempty"`
	Parameters           json.RawMessage `json:"parameters,omitempty"`
	ParametersJSONSchema json.RawMessage `json:"parametersJsonSchema,omitempty"`
}

// ToolConfig is `toolConfig`.
type ToolConfig struct {
	FunctionCallingConfig *FunctionCallingConfig `json:"functionCallingConfig,omitempty"`
}

// FunctionCallingConfig: Mode is AUTO, ANY, NONE or VALIDATED.
type FunctionCallingConfig struct {
	Mode                 string   `json:"mode,omitempty"`
	AllowedFunctionNames []string `json:"allowedFunctionNames,omitempty"`
}

// GenerationConfig is `generationConfig`.
type GenerationConfig struct {
	StopSequences      []string        `json:"stopSequences,omitempty"`
	ResponseMimeType   string          `json:"responseMimeType,omitempty"`
	ResponseSchema     json.RawMessage `json:"responseSchema,omitempty"`
	ResponseJSONSchema json.RawMessage `json:"responseJsonSchema,omitempty"`
	CandidateCount     *int            `json:"candidateCount,omitempty"`
	MaxOutputTokens    *int            `json:"maxOutputTokens,omitempty"`
	Temperature        *float64        `json:"temperature,omitempty"`
	TopP               *float64        `json:"topP,omitempty"`
	TopK               *float64        `json:"topK,omitempty"`
	Seed               *int            `json:"seed,omitempty"`
	PresencePenalty    *float64        `json:"presencePenalty,omitempty"`
	FrequencyPenalty   *float64        `json:"frequencyPenalty,omitempty"`
	ThinkingConfig     *ThinkingConfig `json:"thinkingConfig,omitempty"`
}

// ThinkingConfig: ThinkingBudget -1 is dynamic, 0 off; ThinkingLevel is
// MINIMAL, LOW, MEDIUM or HIGH (Gemini 3).
type ThinkingConfig struct {
	IncludeThoughts bool   `json:"includeThoughts,omitempty"`
	ThinkingBudget  *int   `json:"thinkingBudget,omitempty"`
	ThinkingLevel   string `json:"thinkingLevel,omitempty"`
}

// IncludeThoughts reports whether a client asked to see thought parts.
func (r *GenerateContentRequest) IncludeThoughts() bool {
	g := r.GenerationConfig
	return g != nil && g.ThinkingConfig != nil && g.ThinkingConfig.IncludeThoughts
}

// GenerateContentResponse is a response, or one streamed chunk of one.
type GenerateContentResponse struct {
	Candidates     []Candidate     `json:"candidates,omitempty"`
	PromptFeedback *PromptFeedback `json:"promptFeedback,omitempty"`
	UsageMetadata  *UsageMetadata  `json:"usageMetadata,omitempty"`
	ModelVersion   string          `json:"modelVersion,omitempty"`
	ResponseID     string          `json:"responseId,omitempty"`
}

// Candidate is one candidate answer.
type Candidate struct {
	Content       *Content        `json:"content,omitempty"`
	FinishReason  string          `json:"finishReason,omitempty"`
	FinishMessage string          `json:"finishMessage,omitempty"`
	Index         int             `json:"index"`
	SafetyRatings json.RawMessage `json:"safetyRatings,omitempty"`
}

// PromptFeedback says why a prompt was blocked (then there are no
// candidates).
type PromptFeedback struct {
	BlockReason string `json:"blockReason,omitempty"`
}

// UsageMetadata is Gemini's token accounting. PromptTokenCount includes
// CachedContentTokenCount; CandidatesTokenCount excludes
// ThoughtsTokenCount; TotalTokenCount is their sum (plus tool-use prompt
// tokens).
type UsageMetadata struct {
	PromptTokenCount        int `json:"promptTokenCount"`
	CandidatesTokenCount    int `json:"candidatesTokenCount"`
	CachedContentTokenCount int `json:"cachedContentTokenCount,omitempty"`
	ThoughtsTokenCount      int `json:"thoughtsTokenCount,omitempty"`
	ToolUsePromptTokenCount int `json:"toolUsePromptTokenCount,omitempty"`
	TotalTokenCount         int `json:"totalTokenCount"`
}

// CountTokensRequest is the body of models/{model}:countTokens: either
// contents or a whole generateContentRequest.
type CountTokensRequest struct {
	Contents               []Content               `json:"contents,omitempty"`
	GenerateContentRequest *GenerateContentRequest `json:"generateContentRequest,omitempty"`
}

// CountTokensResponse is countTokens' answer.
type CountTokensResponse struct {
	TotalTokens int `json:"totalTokens"`
}

// Model is one entry of GET models.
type Model struct {
	Name                       string   `json:"name"` // "models/<id>"
	Version                    string   `json:"version,omitempty"`
	DisplayName                string   `json:"displayName"`
	Description                string   `json:"description,omitempty"`
	InputTokenLimit            int      `json:"inputTokenLimit,omitempty"`
	OutputTokenLimit           int      `json:"outputTokenLimit,omitempty"`
	SupportedGenerationMethods []string `json:"supportedGenerationMethods"`
}

// ModelListResponse is the body of GET models.
type ModelListResponse struct {
	Models        []Model `json:"models"`
	NextPageToken string  `json:"nextPageToken,omitempty"`
}

// ErrorBody is Google's error envelope.
type ErrorBody struct {
	Error ErrorDetail `json:"error"`
}

// ErrorDetail is the inside of ErrorBody; Status is the google.rpc.Code
// name ("INVALID_ARGUMENT", …).
type ErrorDetail struct {
	Code    int             `json:"code"`
	Message string          `json:"message"`
	Status  string          `json:"status"`
	Details json.RawMessage `json:"details,omitempty"`
}

// Path returns the upstream path of a generate call, relative to a base URL
// that includes the API version (https://generativelanguage.googleapis.com/v1beta):
// /models/{model}:generateContent, or :streamGenerateContent?alt=sse.
func Path(model string, stream bool) string {
	if stream {
		return "/models/" + model + ":streamGenerateContent?alt=sse"
	}
	return "/models/" + model + ":generateContent"
}

// StreamFormat is how a Gemini client receives a stream.
type StreamFormat uint8

const (
	// StreamFormatSSE is streamGenerateContent?alt=sse: `data: {chunk}`
	// events (Content-Type text/event-stream).
	StreamFormatSSE StreamFormat = iota
	// StreamFormatJSONArray is streamGenerateContent without alt=sse: one
	// JSON array written incrementally, `[{chunk}` then `,\r\n{chunk}`
	// and a closing `]` (Content-Type application/json).
	StreamFormatJSONArray
)
