package convert

import (
	"bytes"
	"encoding/json"
	"strings"
	"unicode/utf8"
)

// Error mapping between HTTP statuses and the two protocols' error types
// (docs/conversion.md §4). The gateway's single error-rendering place calls these.
//
//	status       Anthropic error.type     OpenAI type / code
//	400          invalid_request_error    invalid_request_error / null
//	401          authentication_error     invalid_request_error / invalid_api_key
//	402          billing_error            insufficient_quota / insufficient_quota
//	403          permission_error         permission_error / null
//	404          not_found_error          invalid_request_error / model_not_found
//	413          request_too_large        invalid_request_error / null
//	429          rate_limit_error         rate_limit_exceeded / rate_limit_exceeded
//	500          api_error                server_error / null
//	502, 504     api_error                server_error / null
//	503          overloaded_error (529)   server_error / null
//	529          overloaded_error         server_error / null (status 503)
//	other 4xx    invalid_request_error    invalid_request_error / null
//	other        api_error                server_error / null

// AnthropicErrorType returns the Anthropic error.type for an HTTP status.
func AnthropicErrorType(status int) string {
	switch status {
	case 400:
		return "invalid_request_error"
	case 401:
		return "authentication_error"
	case 402:
		return "billing_error"
	case 403:
		return "permission_error"
	case 404:
		return "not_found_error"
	case 413:
		return "request_too_large"
	case 429:
		return "rate_limit_error"
	case 503, 529:
		return "overloaded_error"
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error"
	}
	return "api_error"
}

// OpenAIErrorTypeCode returns the OpenAI error type and code for an HTTP
// status; code "" means null.
func OpenAIErrorTypeCode(status int) (typ string, code string) {
	switch status {
	case 401:
		return "invalid_request_error", "invalid_api_key"
	case 402:
		return "insufficient_quota", "insufficient_quota"
	case 403:
		return "permission_error", ""
	case 404:
		return "invalid_request_error", "model_not_found"
	case 429:
		return "rate_limit_exceeded", "rate_limit_exceeded"
	}
	if status >= 400 && status < 500 {
		return "invalid_request_error", ""
	}
	return "server_error", ""
}

// AnthropicStatusForClient adjusts a status for an Anthropic client: 503
// becomes 529, which Anthropic SDKs treat as overloaded_error (retryable).
func AnthropicStatusForClient(status int) int {
	if status == 503 {
		return 529
	}
	return status
}

// OpenAIStatusForClient adjusts a status for an OpenAI client: 529 is not a
// standard status for them and becomes 503.
func OpenAIStatusForClient(status int) int {
	if status == 529 {
		return 503
	}
	return status
}

// maxPlainError bounds a non-JSON upstream error body kept as a message.
const maxPlainError = 1024

// ParseUpstreamError extracts the message and error type from an upstream
// error body. It accepts the Anthropic shape
// {"type":"error","error":{"type","message"}}, the OpenAI shape
// {"error":{"message","type","code"}}, the variants {"error":"text"},
// {"message":"text"} and {"detail":"text"} (FastAPI servers), a JSON array
// wrapping one of these (Gemini-style), or plain text, which is trimmed and
// truncated to about 1 KB at a UTF-8 boundary. typ is "" when the body does
// not name one (an OpenAI body with only a string code yields the code). It
// never panics.
func ParseUpstreamError(body []byte) (message string, typ string) {
	body = bytes.TrimSpace(body)
	if len(body) == 0 {
		return "", ""
	}
	var v any
	if json.Unmarshal(body, &v) == nil {
		if arr, ok := v.([]any); ok && len(arr) > 0 {
			v = arr[0]
		}
		if m, ok := v.(map[string]any); ok {
			if msg, t, ok := errorFromObject(m); ok {
				return msg, t
			}
		}
	}
	return truncateUTF8(string(body), maxPlainError), ""
}

// errorFromObject reads the known error envelopes from a decoded object.
func errorFromObject(m map[string]any) (msg, typ string, ok bool) {
	switch e := m["error"].(type) {
	case map[string]any:
		msg, _ = e["message"].(string)
		typ, _ = e["type"].(string)
		if typ == "" {
			typ, _ = e["code"].(string)
		}
		if msg == "" {
			if b, err := json.Marshal(e); err == nil {
				msg = truncateUTF8(string(b), maxPlainError)
			}
		}
		return msg, typ, true
	case string:
		if e != "" {
			t, _ := m["type"].(string)
			if t == "error" {
				t = ""
			}
			return e, t, true
		}
	}
	for _, k := range []string{"message", "detail", "error_description"} {
		if s, ok := m[k].(string); ok && s != "" {
			t, _ := m["type"].(string)
			if t == "error" {
				t = ""
			}
			return s, t, true
		}
	}
	return "", "", false
}

// truncateUTF8 cuts s to at most n bytes without splitting a rune and
// appends "…" when it cut.
func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := n
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strings.TrimSpace(s[:cut]) + "…"
}
