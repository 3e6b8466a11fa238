package convert

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"strings"

	"switchyard/gateway/protocol"
)

// Tool ids, tool-call arguments and schemas: what the requests, the
// responses and the streams of both directions share.

// SanitizeToolID makes id match Anthropic's ^[a-zA-Z0-9_-]+$ by replacing
// every other character with '_' (spec §1.3); "" stays "".
func SanitizeToolID(id string) string { return protocol.SanitizeToolID(id) }

const idAlphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// NewToolID returns a fresh Anthropic-style tool id, toolu_ followed by 24
// random base62 characters (docs/conversion.md §1.3, for upstream calls without an id).
func NewToolID() string { return "toolu_" + randomBase62(24) }

func randomBase62(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = idAlphabet[rand.IntN(len(idAlphabet))]
	}
	return string(b)
}

// ParseArguments turns tool-call arguments into a tool_use input object.
// With repair (the output was cut at max tokens) truncated JSON is closed;
// anything else invalid, or not an object, becomes {}.
func ParseArguments(args string, repair bool) json.RawMessage {
	if isJSONObject(args) {
		return CompactJSON([]byte(args))
	}
	if repair {
		if fixed, ok := repairJSON(args); ok && isJSONObject(fixed) {
			return CompactJSON([]byte(fixed))
		}
	}
	return json.RawMessage("{}")
}

func isJSONObject(s string) bool {
	var m map[string]json.RawMessage
	return json.Unmarshal([]byte(s), &m) == nil && m != nil
}

// inputArguments renders a tool_use input as compact JSON; absent or
// non-object input becomes "{}".
func inputArguments(in json.RawMessage) string {
	t := strings.TrimSpace(string(in))
	if t == "" || t[0] != '{' || !json.Valid(in) {
		return "{}"
	}
	return string(CompactJSON(in))
}

// CompactJSON returns b without insignificant whitespace (b itself if it
// is not valid JSON).
func CompactJSON(b []byte) json.RawMessage {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return json.RawMessage(b)
	}
	return buf.Bytes()
}

// emptyObjectSchema is the schema of a tool without parameters.
var emptyObjectSchema = json.RawMessage(`{"type":"object","properties":{}}`)

// EmptyObjectSchema returns the schema of a tool without parameters (an
// Anthropic input_schema, an OpenAI function's parameters).
func EmptyObjectSchema() json.RawMessage { return emptyObjectSchema }
