package gemini

import (
	"crypto/sha256"
	"strconv"
)

const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// DerivedID is "call_" + 24 base62 characters derived from seed and n:
// the id of a function call that came without one, the same for the same
// seed and n.
func DerivedID(seed string, n int) string {
	sum := sha256.Sum256([]byte("switchyard gemini ids\x00" + seed + "\x00" + strconv.Itoa(n)))
	b := []byte("call_")
	for i := range 24 {
		b = append(b, base62[int(sum[i])%62])
	}
	return string(b)
}
