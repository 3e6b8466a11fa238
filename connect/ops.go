package connect

import (
	"fmt"
	"path/filepath"
	"strings"

	"switchyard/connect/doc"
	"switchyard/connect/dotenv"
	"switchyard/connect/jsonc"
	"switchyard/connect/tomledit"
	"switchyard/connect/yamledit"
)

type format int

const (
	formatJSON format = iota // JSON with comments and trailing commas
	formatTOML
	formatYAML
	formatEnv
)

func parseDoc(f format, name string, data []byte) (doc.Doc, error) {
	switch f {
	case formatTOML:
		return tomledit.Parse(name, data)
	case formatYAML:
		return yamledit.Parse(name, data)
	case formatEnv:
		return dotenv.Parse(name, data)
	}
	return jsonc.Parse(name, data)
}

// formatOf guesses a recorded file's format from its name.
func formatOf(path string) format {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return formatTOML
	case ".yaml", ".yml":
		return formatYAML
	case ".env":
		return formatEnv
	}
	if filepath.Base(path) == ".env" {
		return formatEnv
	}
	return formatJSON
}

// fileSpec is one file of a tool and the settings connect writes to it.
type fileSpec struct {
	path     string
	format   format
	ops      []op
	template string // the text a new file starts from
}

// op is one setting.
type op struct {
	path  []string
	value any
	// match: path is a list and the setting is its element whose
	// fields have these values (added when there is none).
	match obj
	// key: the setting sends the tool's requests to the gateway
	// (Status calls a tool connected when all of these are in place).
	key bool
	// ifAbsent: written only when the file has no value there (a
	// placeholder key, a default model).
	ifAbsent bool
	// unless: not written when any of these paths has a value.
	unless [][]string
}

// docOp is the setting as the editors take it.
func (o op) docOp() doc.Op {
	return doc.Op{Path: o.path, Value: o.value, Match: o.match, IfAbsent: o.ifAbsent, Unless: o.unless}
}

// obj is an object whose keys keep their order (doc.Obj).
type obj = doc.Obj

// SyntaxError is a file connect cannot read: it names the file, line and
// column, and the file is left untouched.
type SyntaxError = doc.SyntaxError

// toolDef is a tool and how to set it up.
type toolDef struct {
	Tool
	// files are the tool's files for this setup, with their settings.
	files func(s *Setup) []fileSpec
	// allFiles are all files the tool may use (undo looks for records
	// of them); nil means files.
	others func(s *Setup) []fileSpec
	// notes are what the user should know after connecting.
	notes func(s *Setup) []string
}

func (t *toolDef) allFiles(s *Setup) []fileSpec {
	all := t.files(s)
	if t.others != nil {
		all = append(all, t.others(s)...)
	}
	return all
}

// describe says what Apply wrote, for the user.
func describe(ch change) string {
	if ch.Match != nil {
		if ch.Had {
			return fmt.Sprintf("%s: replaced the %s entry", doc.ShowPath(ch.Path), doc.MatchName(ch.Match))
		}
		return fmt.Sprintf("%s: added the %s entry", doc.ShowPath(ch.Path), doc.MatchName(ch.Match))
	}
	s := doc.ShowPath(ch.Path) + " = " + doc.ShowValue(ch.New)
	if ch.Had {
		if secretish(ch.Path) {
			s += " (replaced the value it had)"
		} else {
			s += " (was " + strings.TrimSpace(shorten(ch.Old)) + ")"
		}
	}
	return s
}

func describeOp(o op) string {
	if o.match != nil {
		return fmt.Sprintf("%s: the %s entry", doc.ShowPath(o.path), doc.MatchName(plainMatchObj(o.match)))
	}
	return doc.ShowPath(o.path) + " = " + doc.ShowValue(doc.Plain(o.value))
}

func plainMatchObj(m obj) map[string]any {
	p, _ := doc.Plain(m).(map[string]any)
	return p
}

// undescribe says what undo took out or put back.
func undescribe(ch change) string {
	if ch.Match != nil {
		if ch.Had {
			return fmt.Sprintf("%s: put the %s entry back as it was", doc.ShowPath(ch.Path), doc.MatchName(ch.Match))
		}
		return fmt.Sprintf("%s: removed the %s entry", doc.ShowPath(ch.Path), doc.MatchName(ch.Match))
	}
	if ch.Had {
		if secretish(ch.Path) {
			return doc.ShowPath(ch.Path) + ": put the old value back"
		}
		return doc.ShowPath(ch.Path) + " = " + strings.TrimSpace(shorten(ch.Old)) + " (as before)"
	}
	return "removed " + doc.ShowPath(ch.Path)
}

func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 80 {
		return s[:77] + "…"
	}
	return s
}

// secretish reports whether a setting's name suggests it holds a
// credential: its old value is never printed.
func secretish(path []string) bool {
	if len(path) == 0 {
		return false
	}
	k := strings.ToUpper(path[len(path)-1])
	for _, w := range []string{"KEY", "TOKEN", "SECRET", "PASSWORD", "AUTH"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}
