package protocols

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

// Error is an error on its way to a client: the one type every handler
// returns and the one function below renders, in the caller's protocol.
type Error struct {
	Status  int    // HTTP status before protocol adjustment
	Type    string // protocol-neutral hint; "" = derived from Status
	Message string // safe for the client: never a key
	Param   string // OpenAI `param`, "" = null
	Code    string // OpenAI `code`; "" = derived from Status
	// RetryAfter is passed through from an upstream 429/503.
	RetryAfter string
}

func (e *Error) Error() string { return e.Message }

// HTTPStatus is the status e answers with (dashboard.StatusError).
func (e *Error) HTTPStatus() int { return e.Status }

// WriteError renders e in p's error shape (p.RenderError): every error a
// client gets, from guard refusals to the 503 summary, goes through here.
func WriteError(w http.ResponseWriter, p *Client, e *Error) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	if e.RetryAfter != "" {
		h.Set("Retry-After", e.RetryAfter)
	}
	status, body := p.RenderError(e)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body)
}

// renderOpenAIError is OpenAI's shape (docs/conversion.md §4), for Chat
// and Responses clients: {"error":{message,type,param,code}}.
func renderOpenAIError(e *Error) (int, []byte) {
	typ, code := convert.OpenAIErrorTypeCode(e.Status)
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
	body, _ := json.Marshal(openai.ErrorBody{Error: d})
	return convert.OpenAIStatusForClient(e.Status), body
}

// renderAnthropicError is Anthropic's shape (docs/conversion.md §4):
// {"type":"error","error":{type,message}}.
func renderAnthropicError(e *Error) (int, []byte) {
	typ := e.Type
	if typ == "" || !isAnthropicType(typ) {
		typ = convert.AnthropicErrorType(e.Status)
	}
	// The status stays as it is: the only 503s that reach here are the
	// gateway's own ("all backends failed", "at its limit"), which the
	// contract makes a 503 in either protocol (an upstream 503/529 is a
	// failover, never relayed), so no 503 -> 529 remap.
	body, _ := json.Marshal(anthropic.ErrorBody{Type: "error", Error: anthropic.ErrorDetail{Type: typ, Message: e.Message}})
	return e.Status, body
}

// renderResponsesError is the Responses API's shape:
// {"error":{type,code,message,param}}.
func renderResponsesError(e *Error) (int, []byte) {
	typ := e.Type
	if isAnthropicType(typ) {
		typ = "" // an upstream's Anthropic type: the status decides
	}
	status := convert.OpenAIStatusForClient(e.Status)
	return status, responses.AppendError(nil, status, typ, e.Code, e.Message, e.Param)
}

// renderGeminiError is Google's shape: {"error":{code,message,status}}.
func renderGeminiError(e *Error) (int, []byte) {
	status := gemini.StatusForClient(e.Status)
	msg := e.Message
	if e.Param != "" && !strings.Contains(msg, e.Param) {
		msg += " at '" + e.Param + "'" // Google names the field so
	}
	return status, gemini.ErrorJSON(status, msg)
}

func isAnthropicType(t string) bool {
	switch t {
	case "invalid_request_error", "authentication_error", "billing_error", "permission_error",
		"not_found_error", "request_too_large", "rate_limit_error", "api_error", "overloaded_error", "timeout_error":
		return true
	}
	return false
}
