package responses

import (
	"bytes"
	"encoding/json"
)

var (
	keyContent = []byte(`"content":`)
	slowKeys   = [][]byte{[]byte(`"tool_calls"`), []byte(`"reasoning`), []byte(`"refusal"`), []byte(`"usage"`),
		[]byte(`"error"`), []byte(`"finish_reason":"`), []byte(`"choices":[]`)}
)

// textOnly recognises a hub chunk that carries nothing but (possibly
// empty) delta text, and returns the text. In valid JSON a key such as
// "content": cannot occur inside a string value (its quotes would be
// escaped), so plain searches are exact; the chunk is still validated.
// ok is false for anything else, which takes the full decode.
func textOnly(data []byte) (string, bool) {
	for _, k := range slowKeys {
		if bytes.Contains(data, k) {
			return "", false
		}
	}
	i := bytes.Index(data, keyContent)
	if i < 0 || bytes.Count(data, keyContent) != 1 || !bytes.Contains(data, []byte(`"choices":[{`)) {
		return "", false
	}
	v := data[i+len(keyContent):]
	for len(v) > 0 && (v[0] == ' ' || v[0] == '\t' || v[0] == '\n' || v[0] == '\r') {
		v = v[1:]
	}
	if len(v) == 0 || v[0] != '"' {
		return "", bytes.HasPrefix(v, []byte("null")) && json.Valid(data)
	}
	end, esc := 1, false
	for ; end < len(v); end++ {
		if v[end] == '\\' {
			esc = true
			end++
			continue
		}
		if v[end] == '"' {
			break
		}
	}
	if end >= len(v) || !json.Valid(data) {
		return "", false
	}
	if !esc {
		return string(v[1:end]), true
	}
	var s string
	if json.Unmarshal(v[:end+1], &s) != nil {
		return "", false
	}
	return s, true
}
