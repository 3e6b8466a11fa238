package gemini

import (
	"bytes"
	"encoding/json"
	"strings"
)

// StatusName returns Google's status string for an HTTP status.
func StatusName(status int) string {
	switch status {
	case 400, 413, 415, 422:
		return "INVALID_ARGUMENT"
	case 401:
		return "UNAUTHENTICATED"
	case 403:
		return "PERMISSION_DENIED"
	case 404:
		return "NOT_FOUND"
	case 409:
		return "ABORTED"
	case 429:
		return "RESOURCE_EXHAUSTED"
	case 499:
		return "CANCELLED"
	case 500:
		return "INTERNAL"
	case 405, 501:
		return "UNIMPLEMENTED"
	case 502, 503, 529:
		return "UNAVAILABLE"
	case 504:
		return "DEADLINE_EXCEEDED"
	}
	if status >= 400 && status < 500 {
		return "FAILED_PRECONDITION"
	}
	return "UNKNOWN"
}

// StatusForClient adjusts a status for a Gemini client: 529 (Anthropic's
// overloaded) is 503.
func StatusForClient(status int) int {
	if status == 529 {
		return 503
	}
	return status
}

// ErrorJSON renders an error body in Google's shape.
func ErrorJSON(status int, message string) []byte {
	status = StatusForClient(status)
	b, _ := json.Marshal(ErrorBody{Error: ErrorDetail{Code: status, Message: message, Status: StatusName(status)}})
	return b
}

// ParseError reads a Google error body ({"error":{code,message,status}},
// possibly wrapped in a JSON array as the non-SSE stream form sends it).
// ok is false when body is not one.
func ParseError(body []byte) (e ErrorDetail, ok bool) {
	body = bytes.TrimSpace(body)
	if len(body) > 0 && body[0] == '[' {
		var arr []json.RawMessage
		if json.Unmarshal(body, &arr) != nil || len(arr) == 0 {
			return e, false
		}
		body = arr[0]
	}
	var eb struct {
		Error *ErrorDetail `json:"error"`
	}
	if json.Unmarshal(body, &eb) != nil || eb.Error == nil {
		return e, false
	}
	return *eb.Error, true
}

// HubErrorType maps a Google status string to an error type the hub's
// other converters understand (convert maps these on to Anthropic types).
func HubErrorType(status string) string {
	switch status {
	case "INVALID_ARGUMENT", "FAILED_PRECONDITION", "OUT_OF_RANGE":
		return "invalid_request_error"
	case "UNAUTHENTICATED":
		return "authentication_error"
	case "PERMISSION_DENIED":
		return "permission_error"
	case "NOT_FOUND":
		return "not_found_error"
	case "RESOURCE_EXHAUSTED":
		return "rate_limit_exceeded"
	case "UNAVAILABLE":
		return "overloaded_error"
	case "DEADLINE_EXCEEDED":
		return "timeout_error"
	}
	return "server_error"
}

// StatusForHubType maps a hub error type (OpenAI or Anthropic vocabulary)
// to an HTTP status, for rendering a hub error in Google's shape.
func StatusForHubType(t string) int {
	switch t {
	case "invalid_request_error", "context_length_exceeded", "request_too_large":
		return 400
	case "authentication_error", "invalid_api_key":
		return 401
	case "permission_error", "billing_error", "insufficient_quota":
		return 403
	case "not_found_error", "model_not_found":
		return 404
	case "rate_limit_exceeded", "rate_limit_error":
		return 429
	case "overloaded_error":
		return 503
	case "timeout_error":
		return 504
	}
	return 500
}

// ModelList encodes GET models in Gemini's shape for model ids (with or
// without the "models/" prefix).
func ModelList(ids []string) []byte {
	list := ModelListResponse{Models: make([]Model, 0, len(ids))}
	for _, id := range ids {
		list.Models = append(list.Models, ModelInfo(id))
	}
	b, _ := json.Marshal(list)
	return b
}

// ModelInfo is the entry for one model (GET models/{model}).
func ModelInfo(id string) Model {
	id = strings.TrimPrefix(id, "models/")
	return Model{Name: "models/" + id, DisplayName: id,
		SupportedGenerationMethods: []string{"generateContent", "streamGenerateContent", "countTokens"}}
}

// CountTokensJSON is countTokens' answer for n tokens.
func CountTokensJSON(n int) []byte {
	b, _ := json.Marshal(CountTokensResponse{TotalTokens: n})
	return b
}

// CountRequest returns the generate request inside a countTokens body
// (its generateContentRequest, or its contents).
func (r *CountTokensRequest) CountRequest() *GenerateContentRequest {
	if r.GenerateContentRequest != nil {
		return r.GenerateContentRequest
	}
	return &GenerateContentRequest{Contents: r.Contents}
}
