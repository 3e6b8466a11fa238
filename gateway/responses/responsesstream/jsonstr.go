package responsesstream

import (
	"strconv"

	"switchyard/gateway/jscan"
	"switchyard/gateway/protocol"
)

func appendJSONString(dst []byte, s string) []byte { return protocol.AppendJSONString(dst, s) }

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }

// appendOptString appends key and s as encoding/json writes an omitempty
// string field: nothing when s is empty.
func appendOptString(dst []byte, key, s string) []byte {
	if s == "" {
		return dst
	}
	return jscan.AppendString(append(dst, key...), s)
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
