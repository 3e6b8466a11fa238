package responses

import (
	"strconv"

	"switchyard/gateway/protocol"
)

func appendJSONString(dst []byte, s string) []byte { return protocol.AppendJSONString(dst, s) }

func appendInt(dst []byte, n int) []byte { return strconv.AppendInt(dst, int64(n), 10) }
