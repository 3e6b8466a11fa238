package responses

import (
	"encoding/json"
	"strconv"
)

// ErrorType gives the Responses (OpenAI) error type and code for an HTTP
// status the gateway answers with.
func ErrorType(status int) (typ, code string) {
	switch {
	case status == 400 || status == 413 || status == 415 || status == 422:
		return "invalid_request_error", "invalid_request"
	case status == 401:
		return "authentication_error", "invalid_api_key"
	case status == 403:
		return "permission_error", "forbidden"
	case status == 404:
		return "invalid_request_error", "not_found"
	case status == 429:
		return "rate_limit_error", "rate_limit_exceeded"
	case status == 504:
		return "timeout_error", "timeout"
	case status == 503:
		return "server_error", "service_unavailable"
	}
	return "server_error", "server_error"
}

// AppendError appends an error body in the Responses shape:
// {"error":{"type","code","message","param"}}. typ and code default from
// status when empty.
func AppendError(dst []byte, status int, typ, code, message, param string) []byte {
	dt, dc := ErrorType(status)
	if typ == "" {
		typ = dt
	}
	if code == "" {
		code = dc
	}
	e := ErrorBody{Error: ErrorDetail{Type: typ, Code: code, Message: message}}
	if param != "" {
		e.Error.Param = &param
	}
	b, _ := json.Marshal(e)
	return append(dst, b...)
}

// ParseError reads an upstream Responses (or OpenAI) error body; ok is
// false when it is not one.
func ParseError(body []byte) (detail ErrorDetail, ok bool) {
	var e struct {
		Error *struct {
			Type    string          `json:"type"`
			Code    json.RawMessage `json:"code"`
			Message string          `json:"message"`
		} `json:"error"`
	}
	if json.Unmarshal(body, &e) != nil || e.Error == nil || e.Error.Message == "" {
		return ErrorDetail{}, false
	}
	code := string(e.Error.Code)
	if s, err := strconv.Unquote(code); err == nil {
		code = s
	} else if code == "null" {
		code = ""
	}
	return ErrorDetail{Type: e.Error.Type, Code: code, Message: e.Error.Message}, true
}
