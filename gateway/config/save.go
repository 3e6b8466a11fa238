package config

import (
	"bytes"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.yaml.in/yaml/v3"

	"switchyard/atomicfile"
)

const fileHeader = `Switchyard configuration. Durations are whole seconds.
API keys are never stored in this file: put them in the OS keychain with
` + "`switchyard keys set ID`" + `, or set ID_API_KEYS (e.g. ANYROUTER_API_KEYS=k1,k2).
Environment overrides (ID_BASE_URLS, ID_TIMEOUT, SWITCHYARD_ADDR, ...) are
never written here. Switchyard rewrites this file when you change settings
in the app, so comments you add are not kept.`

const backendsComment = `Tried in priority order (lower first); equal priorities go by id. Fields:
  format: openai or responses (base URL includes /v1) or anthropic (base URL is the root)
  base_urls: tried in order on failover
  timeout / stream_timeout: a whole non-stream call / a whole stream
  max_retries: extra tries of one URL+key on a transient error (0-5)
  models: model names it takes: "claude | gemini+2.5" = contains claude, or
    contains gemini and 2.5; "!x" = must not contain x; "*" = any model
  model_list: what GET /v1/models advertises
  aliases: client model name -> upstream model name
  needs_key: the backend cannot work without an API key
  cache_breakpoints: add Anthropic prompt-cache breakpoints to converted requests
  max_tokens_default: max_tokens sent to an anthropic backend when the client gave none
The four presets (antigravity, kiro, anyrouter, copilot) can be changed or
disabled (enabled: false) but not removed.`

// Save writes the whole configuration to path as commented YAML: every
// setting of every backend, so the user can see and edit them. It writes
// atomically (a temporary file in the same folder, fsync, rename) with mode
// 0600, creating the parent folder with mode 0700 if it is missing. If path
// is a symbolic link, the file it points to is replaced.
//
// Save writes exactly c. Give it the config that came from Load (with any
// edits), never the one ApplyEnv returned: environment values, above all
// ID_API_KEYS, must never be persisted. Base URLs are normalized and the
// backends sorted as Load would; sub-second durations are rounded up to
// whole seconds. A config that fails Validate is not written.
func (c *Config) Save(path string) error {
	n := c.Clone()
	n.normalize()
	if err := n.Validate(); err != nil {
		return fmt.Errorf("not saving an invalid config: %w", err)
	}
	data, err := n.marshal()
	if err != nil {
		return fmt.Errorf("encoding config: %w", err)
	}
	if err := WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("saving config: %w", err)
	}
	return nil
}

// marshal renders c as the YAML that Parse reads back to an equal Config.
func (c *Config) marshal() ([]byte, error) {
	root := &yaml.Node{Kind: yaml.MappingNode}
	doc := &yaml.Node{Kind: yaml.DocumentNode, HeadComment: fileHeader, Content: []*yaml.Node{root}}
	put(root, "listen", c.Listen, "host:port to listen on; binding beyond loopback needs a flag and a token")
	put(root, "body_limit_mb", c.BodyLimitMB, "largest request body, MiB")
	put(root, "request_deadline", seconds(c.RequestDeadline), "one client request overall, every retry and failover included")
	put(root, "first_byte_timeout", seconds(c.FirstByteTimeout), "per attempt: no first byte by then means fail over")
	put(root, "stream_idle_timeout", seconds(c.StreamIdleTimeout), "a started stream silent this long is cut")

	putNode(root, "usage", usageNode(c.Usage), "")

	list := &yaml.Node{Kind: yaml.SequenceNode}
	for _, b := range c.Backends {
		list.Content = append(list.Content, backendNode(b))
	}
	putNode(root, "backends", list, "").HeadComment = backendsComment

	var buf bytes.Buffer
	enc := yaml.NewEncoder(&buf)
	enc.SetIndent(2)
	if err := enc.Encode(doc); err != nil {
		return nil, err
	}
	if err := enc.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func backendNode(b Backend) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	idComment := ""
	if isPreset(b.ID) {
		idComment = "built-in preset"
	}
	put(m, "id", b.ID, idComment)
	put(m, "name", b.Name, "")
	put(m, "priority", b.Priority, "")
	put(m, "format", string(b.Format), "")
	put(m, "enabled", b.Enabled, "")
	put(m, "base_urls", nonNil(b.BaseURLs), "")
	put(m, "timeout", seconds(b.Timeout), "")
	put(m, "stream_timeout", seconds(b.StreamTimeout), "")
	put(m, "max_retries", b.MaxRetries, "")
	put(m, "models", b.Models, "")
	put(m, "model_list", nonNil(b.ModelList), "")
	aliases := &yaml.Node{Kind: yaml.MappingNode}
	for _, k := range slices.Sorted(maps.Keys(b.Aliases)) {
		put(aliases, k, b.Aliases[k], "")
	}
	if len(aliases.Content) == 0 {
		aliases.Style = yaml.FlowStyle
	}
	putNode(m, "aliases", aliases, "")
	put(m, "needs_key", b.NeedsKey, "")
	put(m, "cache_breakpoints", b.CacheBreakpoints, "")
	put(m, "max_tokens_default", b.MaxTokensDefault, "")
	return m
}

// put appends key: v to the mapping m, with an optional line comment.
// An empty list is written in flow style ([]).
func put(m *yaml.Node, key string, v any, comment string) {
	val := &yaml.Node{}
	if err := val.Encode(v); err != nil {
		// Only strings, ints, bools and string slices reach here.
		panic(fmt.Sprintf("config: encoding %s: %v", key, err))
	}
	if val.Kind == yaml.SequenceNode && len(val.Content) == 0 {
		val.Style = yaml.FlowStyle
	}
	putNode(m, key, val, comment)
}

// putNode appends key: val to the mapping m and returns the key node.
func putNode(m *yaml.Node, key string, val *yaml.Node, comment string) *yaml.Node {
	k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key}
	val.LineComment = comment
	m.Content = append(m.Content, k, val)
	return k
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// seconds converts d to the file's whole seconds, rounding up.
func seconds(d time.Duration) int64 {
	s := int64(d / time.Second)
	if d%time.Second > 0 {
		s++
	}
	return s
}

// WriteFileAtomic replaces path with data, mode 0600, through the one
// atomic writer (package atomicfile).
func WriteFileAtomic(path string, data []byte) error { return atomicfile.Write(path, data, 0o600) }
