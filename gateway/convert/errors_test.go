package convert

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseUpstreamError(t *testing.T) {
	long := strings.Repeat("é", 2000) // 4000 bytes
	tests := []struct {
		name, body, msg, typ string
	}{
		{"anthropic", `{"type":"error","error":{"type":"rate_limit_error","message":"slow down"},"request_id":"r"}`, "slow down", "rate_limit_error"},
		{"openai", `{"error":{"message":"Incorrect API key","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, "Incorrect API key", "invalid_request_error"},
		{"openai code only", `{"error":{"message":"quota","code":"insufficient_quota"}}`, "quota", "insufficient_quota"},
		{"openai numeric code", `{"error":{"message":"bad","code":400}}`, "bad", ""},
		{"error string", `{"error":"model not found"}`, "model not found", ""},
		{"message only", `{"message":"upstream timeout","type":"error"}`, "upstream timeout", ""},
		{"fastapi detail", `{"detail":"Not Found"}`, "Not Found", ""},
		{"array wrapper", `[{"error":{"code":429,"message":"Resource exhausted","status":"RESOURCE_EXHAUSTED"}}]`, "Resource exhausted", ""},
		{"error object without message", `{"error":{"type":"server_error"}}`, `{"type":"server_error"}`, "server_error"},
		{"plain text", "  Bad Gateway\n", "Bad Gateway", ""},
		{"html", `<html><body>502</body></html>`, `<html><body>502</body></html>`, ""},
		{"unrelated json", `{"foo":1}`, `{"foo":1}`, ""},
		{"empty", "", "", ""},
		{"json string", `"oops"`, `"oops"`, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg, typ := ParseUpstreamError([]byte(tt.body))
			if msg != tt.msg || typ != tt.typ {
				t.Errorf("= %q, %q; want %q, %q", msg, typ, tt.msg, tt.typ)
			}
		})
	}
	msg, _ := ParseUpstreamError([]byte(long))
	if len(msg) > maxPlainError+len("…") || !utf8.ValidString(msg) || !strings.HasSuffix(msg, "…") {
		t.Errorf("long plain text: %d bytes, valid %v", len(msg), utf8.ValidString(msg))
	}
}

func FuzzParseUpstreamError(f *testing.F) {
	for _, s := range []string{`{"error":{"message":"x"}}`, `{"type":"error","error":{"type":"a","message":"b"}}`, `[{"error":1}]`, "plain", `{"error":null}`, `[]`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		msg, _ := ParseUpstreamError(body)
		if utf8.Valid(body) && !utf8.ValidString(msg) {
			t.Errorf("invalid UTF-8 message %q", msg)
		}
	})
}

func TestErrorMappingFallbacks(t *testing.T) {
	for _, tt := range []struct {
		status       int
		aType, oType string
	}{
		{418, "invalid_request_error", "invalid_request_error"},
		{408, "invalid_request_error", "invalid_request_error"},
		{501, "api_error", "server_error"},
		{200, "api_error", "server_error"},
	} {
		if got := AnthropicErrorType(tt.status); got != tt.aType {
			t.Errorf("AnthropicErrorType(%d) = %q, want %q", tt.status, got, tt.aType)
		}
		if got, code := OpenAIErrorTypeCode(tt.status); got != tt.oType || code != "" {
			t.Errorf("OpenAIErrorTypeCode(%d) = %q, %q", tt.status, got, code)
		}
		if AnthropicStatusForClient(tt.status) != tt.status || OpenAIStatusForClient(tt.status) != tt.status {
			t.Errorf("status %d changed", tt.status)
		}
	}
}
