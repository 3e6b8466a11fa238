package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"switchyard/gateway/anthropic"
	"switchyard/gateway/convert"
	"switchyard/gateway/gemini"
	"switchyard/gateway/openai"
	"switchyard/gateway/responses"
)

// proto is the protocol a client speaks (and so the shape of its errors).
type proto int

const (
	protoOpenAI proto = iota
	protoAnthropic
	protoGemini    // Gemini API paths (/v1beta/…): Google's error shape
	protoResponses // OpenAI Responses API: OpenAI's error shape
)

func (p proto) String() string {
	switch p {
	case protoAnthropic:
		return "Anthropic Messages"
	case protoGemini:
		return "Gemini"
	case protoResponses:
		return "Responses API"
	}
	return "Chat Completions"
}

// protoFor tells a request's protocol from its path, for the shape of
// errors that come before a handler knows more (guard refusals, unknown
// routes, method errors, panics). Anthropic clients whose base URL wrongly
// ends in /v1 call /v1/v1/messages: that is Anthropic too.
func protoFor(r *http.Request) proto {
	p := r.URL.Path
	switch {
	case strings.HasPrefix(p, "/v1/messages"), strings.HasPrefix(p, "/v1/v1/messages"):
		return protoAnthropic
	case strings.HasPrefix(p, "/v1beta/"), strings.HasPrefix(p, "/v1/models/") && strings.Contains(p, ":"):
		return protoGemini
	}
	return protoOpenAI
}

// apiError is an error on its way to a client: the one type every handler
// returns and the one function below renders, in the caller's protocol.
type apiError struct {
	Status  int    // HTTP status before protocol adjustment
	Type    string // protocol-neutral hint; "" = derived from Status
	Message string // safe for the client: never a key
	Param   string // OpenAI `param`, "" = null
	Code    string // OpenAI `code`; "" = derived from Status
	// RetryAfter is passed through from an upstream 429/503.
	RetryAfter string
}

func (e *apiError) Error() string { return e.Message }

// writeError renders e in p's error shape (conversion.md §4):
// OpenAI {"error":{message,type,param,code}}, Anthropic
// {"type":"error","error":{type,message}}.
func writeError(w http.ResponseWriter, p proto, e *apiError) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	var body []byte
	status := e.Status
	switch p {
	case protoGemini:
		status = gemini.StatusForClient(status)
		body = gemini.ErrorJSON(status, e.Message)
	case protoResponses:
		typ := e.Type
		if isAnthropicType(typ) {
			typ = "" // an upstream's Anthropic type: the status decides
		}
		status = convert.OpenAIStatusForClient(status)
		body = responses.AppendError(nil, status, typ, e.Code, e.Message, e.Param)
	case protoAnthropic:
		typ := e.Type
		if typ == "" || !isAnthropicType(typ) {
			typ = convert.AnthropicErrorType(status)
		}
		// The status stays as it is: the only 503s that reach here are the
		// gateway's own ("all backends failed", "at its limit"), which the
		// contract makes a 503 in either protocol (an upstream 503/529 is a
		// failover, never relayed), so no 503 -> 529 remap.
		body, _ = json.Marshal(anthropic.ErrorBody{Type: "error", Error: anthropic.ErrorDetail{Type: typ, Message: e.Message}})
	default:
		typ, code := convert.OpenAIErrorTypeCode(status)
		if e.Type != "" && !isAnthropicType(e.Type) {
			typ = e.Type
		}
		if e.Code != "" {
			code = e.Code
		}
		d := openai.ErrorDetail{Message: e.Message, Type: typ}
		if code != "" {
			d.Code = &code
		}
		if e.Param != "" {
			d.Param = &e.Param
		}
		status = convert.OpenAIStatusForClient(status)
		body, _ = json.Marshal(openai.ErrorBody{Error: d})
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

func isAnthropicType(t string) bool {
	switch t {
	case "invalid_request_error", "authentication_error", "billing_error", "permission_error",
		"not_found_error", "request_too_large", "rate_limit_error", "api_error", "overloaded_error", "timeout_error":
		return true
	}
	return false
}
