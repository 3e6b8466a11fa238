package protocol

import "switchyard/gateway/jscan"

// AppendJSONString appends s as a JSON string literal, escaping what JSON
// requires and replacing invalid UTF-8 with U+FFFD, without Marshal's HTML
// escaping (jscan.AppendStringPlain): the string encoder of the stream
// converters, which write their deltas by hand on the hot path.
func AppendJSONString(dst []byte, s string) []byte { return jscan.AppendStringPlain(dst, s) }
