package geministream

import (
	"strconv"

	"switchyard/gateway/protocol"
)

// The stream converters read events with package jscan and write the
// client's JSON by hand with these.

// appendJSONQuoted appends s as a JSON string literal (protocol's
// encoder, shared by every converter).
func appendJSONQuoted(dst []byte, s string) []byte { return protocol.AppendJSONString(dst, s) }

func appendInt(dst []byte, v int) []byte { return strconv.AppendInt(dst, int64(v), 10) }
