package doc

import (
	"bytes"
	"fmt"
	"sort"
)

// SyntaxError is a file connect cannot read: it names the file, line and
// column, and the file is left untouched.
type SyntaxError struct {
	File      string
	Line, Col int
	Msg       string
}

func (e *SyntaxError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("%s: %s; connect left it untouched", e.File, e.Msg)
	}
	return fmt.Sprintf("%s:%d:%d: %s; connect left it untouched", e.File, e.Line, e.Col, e.Msg)
}

// SyntaxErrAt is a SyntaxError at byte offset off of src.
func SyntaxErrAt(file string, src []byte, off int, format string, args ...any) *SyntaxError {
	line, col := lineCol(src, off)
	return &SyntaxError{File: file, Line: line, Col: col, Msg: fmt.Sprintf(format, args...)}
}

// lineCol converts a byte offset to a 1-based line and column.
func lineCol(src []byte, off int) (int, int) {
	if off > len(src) {
		off = len(src)
	}
	line := 1 + bytes.Count(src[:off], []byte("\n"))
	col := off - (bytes.LastIndexByte(src[:off], '\n') + 1) + 1
	return line, col
}

// DetectEOL is the line break a file uses: \r\n when its first one is, else \n.
func DetectEOL(src []byte) string {
	if i := bytes.IndexByte(src, '\n'); i > 0 && src[i-1] == '\r' {
		return "\r\n"
	}
	return "\n"
}

// Edit is one splice of the source.
type Edit struct {
	Pos, Del int
	Ins      string
}

// SortedEdits orders edits last first, so that applying one leaves the
// offsets of the others valid. Insertions at the same offset end up in
// the order they were listed.
func SortedEdits(edits []Edit) []Edit {
	out := make([]Edit, len(edits))
	for i := range edits {
		out[i] = edits[len(edits)-1-i]
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Pos > out[j].Pos })
	return out
}

// LineStart is the offset where the line holding pos begins.
func LineStart(src []byte, pos int) int { return bytes.LastIndexByte(src[:pos], '\n') + 1 }

// IndentAt is the leading whitespace of the line holding pos.
func IndentAt(src []byte, pos int) string {
	s := LineStart(src, pos)
	e := s
	for e < len(src) && (src[e] == ' ' || src[e] == '\t') {
		e++
	}
	return string(src[s:e])
}

// EndOfLine returns the offset of the line break (\r\n or \n) at or
// after i, or len(s).
func EndOfLine(s []byte, i int) int {
	if i >= len(s) {
		return len(s)
	}
	j := bytes.IndexByte(s[i:], '\n')
	if j < 0 {
		return len(s)
	}
	j += i
	if j > i && s[j-1] == '\r' {
		return j - 1
	}
	return j
}

// SkipBreak passes the line break (\r\n or \n) at i, if any.
func SkipBreak(s []byte, i int) int {
	if i < len(s) && s[i] == '\r' {
		i++
	}
	if i < len(s) && s[i] == '\n' {
		i++
	}
	return i
}

// LineBreakBefore is the offset of the line break ending the line before
// the line that holds pos (including a \r of \r\n).
func LineBreakBefore(src []byte, pos int) int {
	s := LineStart(src, pos) - 1
	if s > 0 && src[s-1] == '\r' {
		s--
	}
	return s
}
