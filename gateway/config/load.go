package config

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// Load reads the config file at path, lays it over the defaults and presets
// and validates the result. A missing file is not an error: it gives
// Defaults(). Errors name the file, the line and the field.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Defaults(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(data, path)
}

// Parse is Load without the file system: data is config.yaml's content and
// name is what errors call the file.
//
// Every field is optional. A backend whose id is a preset's overrides only
// the fields it lists (lists and maps such as base_urls and aliases are
// replaced, not merged); presets the file does not mention keep their
// defaults and cannot be removed, only disabled. Any other id is a user
// backend, which needs at least format and base_urls. Durations are whole
// seconds. Unknown fields and API keys are errors.
func Parse(data []byte, name string) (*Config, error) {
	p := &parser{name: name}
	root, err := p.decode(data)
	if err != nil {
		return nil, err
	}
	raw := p.config(root)
	if err := p.err(); err != nil {
		return nil, err
	}
	c := raw.merge()
	ps := c.problems()
	if len(ps) == 0 {
		return c, nil
	}
	byID := map[string]*rawBackend{}
	for i := range raw.backends {
		byID[*raw.backends[i].id] = &raw.backends[i]
	}
	for _, pr := range ps {
		line, idx := raw.lines[pr.field], -1
		if line == 0 && strings.HasPrefix(pr.field, "usage.prices.") {
			line = raw.lines["usage.prices"]
		}
		if pr.backend >= 0 {
			r := byID[c.Backends[pr.backend].ID]
			if r == nil { // not from the file: cannot happen for presets, which are valid
				line = 0
			} else {
				line, idx = r.lineOf(pr.field), r.index
			}
		}
		p.add(line, c.where(pr, idx)+pr.msg)
	}
	return nil, p.err()
}

// lineErr is one problem found in the file.
type lineErr struct {
	line int
	msg  string
}

// parser walks the yaml.Node tree, collecting every problem with its line.
type parser struct {
	name string
	errs []lineErr
}

func (p *parser) add(line int, msg string) { p.errs = append(p.errs, lineErr{line, msg}) }

func (p *parser) addf(line int, format string, args ...any) {
	p.add(line, fmt.Sprintf(format, args...))
}

// err joins the problems in line order, each as "name:line: msg".
func (p *parser) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b lineErr) int { return cmp.Compare(a.line, b.line) })
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		if e.line > 0 {
			errs[i] = fmt.Errorf("%s:%d: %s", p.name, e.line, e.msg)
		} else {
			errs[i] = fmt.Errorf("%s: %s", p.name, e.msg)
		}
	}
	return errors.Join(errs...)
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// decode parses data into the root mapping node; nil means an empty file.
func (p *parser) decode(data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, nil
		}
		if m := yamlLineRE.FindStringSubmatch(err.Error()); m != nil {
			msg := m[2]
			if strings.Contains(msg, "expected alphabetic or numeric character") {
				// YAML reads a bare * as an alias: the usual slip is models: *
				msg += `; quote a value that starts with '*' or '&', e.g. models: "*"`
			}
			return nil, fmt.Errorf("%s:%s: %s", p.name, m[1], msg)
		}
		return nil, fmt.Errorf("%s: %s", p.name, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	var next yaml.Node
	if err := dec.Decode(&next); !errors.Is(err, io.EOF) {
		line := next.Line
		if err != nil {
			line = 0
		}
		p.add(line, "only one YAML document is allowed; remove the second '---' and what follows")
		return nil, p.err()
	}
	if len(doc.Content) == 0 {
		return nil, nil
	}
	root := deref(doc.Content[0])
	if root.Kind == yaml.ScalarNode && root.Tag == "!!null" {
		return nil, nil
	}
	if root.Kind != yaml.MappingNode {
		p.add(root.Line, "the file must be a mapping of settings (listen: ..., backends: [...]), not a "+kindName(root))
		return nil, p.err()
	}
	return root, nil
}

// rawConfig is config.yaml as written: nil pointers are fields left out.
type rawConfig struct {
	lines             map[string]int // top-level field -> line
	listen            *string
	bodyLimitMB       *int
	requestDeadline   *time.Duration
	firstByteTimeout  *time.Duration
	streamIdleTimeout *time.Duration
	usage             *rawUsage
	backends          []rawBackend
}

// rawBackend is one item of backends: as written.
type rawBackend struct {
	index int            // position in the file's backends list
	line  int            // line of the item
	lines map[string]int // field path ("timeout", "base_urls[1]", `aliases."x"`) -> line

	id, name, format, models           *string
	priority, maxRetries, maxTokens    *int
	enabled, needsKey, cacheBreakpoint *bool
	timeout, streamTimeout             *time.Duration
	baseURLs, modelList                *[]string
	aliases                            *map[string]string
}

// lineOf finds the line of a problem's field: the field itself, else its
// base field (base_urls for base_urls[3]), else the backend's first line.
func (r *rawBackend) lineOf(field string) int {
	if l, ok := r.lines[field]; ok {
		return l
	}
	if i := strings.IndexAny(field, "[."); i > 0 {
		if l, ok := r.lines[field[:i]]; ok {
			return l
		}
	}
	return r.line
}

var (
	topFields = []string{"listen", "body_limit_mb", "request_deadline", "first_byte_timeout",
		"stream_idle_timeout", "usage", "backends"}
	backendFields = []string{"id", "name", "priority", "format", "enabled", "base_urls", "timeout",
		"stream_timeout", "max_retries", "models", "model_list", "aliases", "needs_key",
		"cache_breakpoints", "max_tokens_default"}
	keyFields = []string{"api_key", "api_keys", "apikey", "key", "keys", "token", "secret"}
	// likelyMeant maps common slips to the field that was meant.
	likelyMeant = map[string]string{
		"base_url": "base_urls", "url": "base_urls", "urls": "base_urls", "baseurl": "base_urls",
		"model": "models", "rule": "models", "models_rule": "models", "alias": "aliases",
		"disabled": "enabled", "addr": "listen", "address": "listen", "type": "format",
		"retries": "max_retries", "max_retry": "max_retries", "max_tokens": "max_tokens_default",
		"models_list": "model_list", "modellist": "model_list",
	}
)

// config walks the root mapping.
func (p *parser) config(root *yaml.Node) *rawConfig {
	raw := &rawConfig{lines: map[string]int{}}
	if root == nil {
		return raw
	}
	p.mapping(root, "", topFields, raw.lines, func(key string, v *yaml.Node) {
		switch key {
		case "listen":
			raw.listen = p.str(v, key)
		case "body_limit_mb":
			raw.bodyLimitMB = p.integer(v, key, "a whole number of MiB, e.g. 32")
		case "request_deadline":
			raw.requestDeadline = p.seconds(v, key)
		case "first_byte_timeout":
			raw.firstByteTimeout = p.seconds(v, key)
		case "stream_idle_timeout":
			raw.streamIdleTimeout = p.seconds(v, key)
		case "usage":
			ul := map[string]int{}
			raw.usage = p.usage(v, ul)
			for k, l := range ul {
				raw.lines["usage."+k] = l
			}
		case "backends":
			raw.backends = p.backends(v)
		}
	})
	return raw
}

func (p *parser) backends(n *yaml.Node) []rawBackend {
	if isNull(n) {
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		p.addf(n.Line, "backends: want a list of backends (lines starting with '- id: ...'), not a %s", kindName(n))
		return nil
	}
	var out []rawBackend
	firstLine := map[string]int{}
	for i, item := range n.Content {
		item = deref(item)
		at := fmt.Sprintf("backends[%d]", i)
		if item.Kind != yaml.MappingNode {
			p.addf(item.Line, "%s: want a mapping of backend settings (id: ..., base_urls: ...), not a %s", at, kindName(item))
			continue
		}
		r := rawBackend{index: i, line: item.Line, lines: map[string]int{}}
		// Find the id first so every later message can name the backend.
		hasID := false
		for j := 0; j+1 < len(item.Content); j += 2 {
			if item.Content[j].Value == "id" && !hasID {
				hasID = true
				r.id = p.str(deref(item.Content[j+1]), at+".id")
			}
		}
		if r.id == nil {
			if hasID {
				continue
			}
			p.addf(item.Line, "%s: id is missing; use a preset's id (antigravity, kiro, anyrouter, copilot) to change it, or a new id for your own backend", at)
			continue
		}
		at = fmt.Sprintf("%s (%s)", at, *r.id)
		if l, dup := firstLine[*r.id]; dup {
			p.addf(r.line, "%s.id: %q is used twice (first on line %d); ids must be unique", at, *r.id, l)
			continue
		}
		firstLine[*r.id] = r.line
		p.mapping(item, at, backendFields, r.lines, func(key string, v *yaml.Node) {
			f := at + "." + key
			switch key {
			case "name":
				r.name = p.str(v, f)
			case "format":
				r.format = p.str(v, f)
			case "models":
				r.models = p.str(v, f)
			case "priority":
				r.priority = p.integer(v, f, "a whole number, 1 or more")
			case "max_retries":
				r.maxRetries = p.integer(v, f, fmt.Sprintf("a whole number from 0 to %d", MaxMaxRetries))
			case "max_tokens_default":
				r.maxTokens = p.integer(v, f, "a whole number, e.g. 8192")
			case "enabled":
				r.enabled = p.boolean(v, f)
			case "needs_key":
				r.needsKey = p.boolean(v, f)
			case "cache_breakpoints":
				r.cacheBreakpoint = p.boolean(v, f)
			case "timeout":
				r.timeout = p.seconds(v, f)
			case "stream_timeout":
				r.streamTimeout = p.seconds(v, f)
			case "base_urls":
				r.baseURLs = p.list(v, f, key, r.lines)
			case "model_list":
				r.modelList = p.list(v, f, key, r.lines)
			case "aliases":
				r.aliases = p.strMap(v, f, key, r.lines)
			}
		})
		out = append(out, r)
	}
	return out
}

// mapping checks n is a mapping of known, unique keys and calls set for
// each. at names the mapping in messages ("" for the top level, else e.g.
// "backends[1] (kiro)"); lines receives each key's line.
func (p *parser) mapping(n *yaml.Node, at string, known []string, lines map[string]int, set func(key string, v *yaml.Node)) {
	in := ""
	if at != "" {
		in = at + ": "
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.addf(k.Line, "%skeys must be plain names such as listen or base_urls", in)
			continue
		}
		key := k.Value
		f := key
		if at != "" {
			f = at + "." + key
		}
		if l, dup := lines[key]; dup {
			p.addf(k.Line, "%s: given twice (first on line %d); keep one", f, l)
			continue
		}
		lines[key] = k.Line
		switch {
		case slices.Contains(known, key):
			set(key, v)
		case slices.Contains(keyFields, strings.ToLower(key)):
			p.addf(k.Line, "%s: %s", f, keysElsewhere(at))
		default:
			p.addf(k.Line, "%sunknown field %q%s", in, key, suggest(key, known))
		}
	}
}

// keysElsewhere tells the user where API keys live instead. at is the
// mapping's name, which holds the backend id in parentheses.
func keysElsewhere(at string) string {
	id, env := "ID", "ID_API_KEYS"
	if i, j := strings.Index(at, "("), strings.LastIndex(at, ")"); i >= 0 && j > i {
		id = at[i+1 : j]
		env = EnvPrefix(id) + "_API_KEYS"
	}
	return fmt.Sprintf("API keys are never stored in the config file; put them in the OS keychain with `switchyard keys set %s`, or set %s (comma-separated)", id, env)
}

// suggest returns a "; did you mean ...?" hint for an unknown key, or "".
func suggest(key string, known []string) string {
	l := strings.ToLower(key)
	if m, ok := likelyMeant[l]; ok && slices.Contains(known, m) {
		return fmt.Sprintf("; did you mean %q?", m)
	}
	best, bestD := "", 3
	for _, k := range known {
		if d := editDistance(l, k); d < bestD {
			best, bestD = k, d
		}
	}
	if best != "" {
		return fmt.Sprintf("; did you mean %q?", best)
	}
	switch {
	case slices.Contains(known, "id") && slices.Contains(topFields, l):
		return "; that is a top-level setting, not a backend's: move it out of backends"
	case !slices.Contains(known, "id") && slices.Contains(backendFields, l):
		return "; that is a backend's setting: move it under one of the backends"
	}
	return "; the fields are " + strings.Join(known, ", ")
}

// editDistance is the Levenshtein distance between a and b (ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// scalar checks v holds one value and returns false (after recording why)
// if it does not.
func (p *parser) scalar(v *yaml.Node, at string) bool {
	switch {
	case isNull(v):
		p.addf(v.Line, "%s: no value given; write one or remove the line", at)
	case v.Kind != yaml.ScalarNode:
		p.addf(v.Line, "%s: want a single value, not a %s", at, kindName(v))
	default:
		return true
	}
	return false
}

func (p *parser) str(v *yaml.Node, at string) *string {
	if !p.scalar(v, at) {
		return nil
	}
	s := strings.TrimSpace(v.Value)
	return &s
}

func (p *parser) integer(v *yaml.Node, at, want string) *int {
	if !p.scalar(v, at) {
		return nil
	}
	var n int
	if v.Tag != "!!int" || v.Decode(&n) != nil {
		p.addf(v.Line, "%s: %q is not %s", at, v.Value, want)
		return nil
	}
	return &n
}

func (p *parser) seconds(v *yaml.Node, at string) *time.Duration {
	n := p.integer(v, at, "whole seconds; write a number, e.g. 120")
	if n == nil {
		return nil
	}
	if *n < 0 || *n > int(MaxDuration/time.Second) {
		p.addf(v.Line, "%s: %d is out of range; use 1 to %d (whole seconds)", at, *n, int(MaxDuration/time.Second))
		return nil
	}
	d := time.Duration(*n) * time.Second
	return &d
}

func (p *parser) boolean(v *yaml.Node, at string) *bool {
	if !p.scalar(v, at) {
		return nil
	}
	b, ok := parseBool(v.Value)
	if !ok {
		p.addf(v.Line, "%s: %q: want true or false", at, v.Value)
		return nil
	}
	return &b
}

// parseBool accepts true/false, 1/0, yes/no and on/off, in any case.
func parseBool(s string) (bool, bool) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "true", "1", "yes", "on":
		return true, true
	case "false", "0", "no", "off":
		return false, true
	}
	return false, false
}

// list reads a list of strings; a single string is a list of one.
func (p *parser) list(v *yaml.Node, at, field string, lines map[string]int) *[]string {
	out := []string{}
	switch {
	case isNull(v):
	case v.Kind == yaml.ScalarNode:
		out = append(out, strings.TrimSpace(v.Value))
		lines[field+"[0]"] = v.Line
	case v.Kind == yaml.SequenceNode:
		for i, item := range v.Content {
			item = deref(item)
			s := p.str(item, fmt.Sprintf("%s[%d]", at, i))
			if s == nil {
				return nil
			}
			out = append(out, *s)
			lines[fmt.Sprintf("%s[%d]", field, i)] = item.Line
		}
	default:
		p.addf(v.Line, "%s: want a list such as [a, b], not a %s", at, kindName(v))
		return nil
	}
	return &out
}

// strMap reads a mapping of string to string.
func (p *parser) strMap(v *yaml.Node, at, field string, lines map[string]int) *map[string]string {
	out := map[string]string{}
	if isNull(v) {
		return &out
	}
	if v.Kind != yaml.MappingNode {
		p.addf(v.Line, "%s: want a mapping such as {client-name: upstream-name}, not a %s", at, kindName(v))
		return nil
	}
	for i := 0; i+1 < len(v.Content); i += 2 {
		k, val := deref(v.Content[i]), deref(v.Content[i+1])
		ks := p.str(k, at)
		if ks == nil {
			return nil
		}
		f := fmt.Sprintf("%s.%q", field, *ks)
		if l, dup := lines[f]; dup {
			p.addf(k.Line, "%s.%q: given twice (first on line %d); keep one", at, *ks, l)
			return nil
		}
		lines[f] = k.Line
		vs := p.str(val, fmt.Sprintf("%s.%q", at, *ks))
		if vs == nil {
			return nil
		}
		out[*ks] = *vs
	}
	return &out
}

func deref(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.Tag == "!!null" }

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "list"
	case yaml.MappingNode:
		return "mapping"
	case yaml.ScalarNode:
		return "single value (" + strconv.Quote(n.Value) + ")"
	}
	return "YAML node"
}

// merge lays the file over Defaults() and returns the normalized result.
func (raw *rawConfig) merge() *Config {
	c := Defaults()
	set(&c.Listen, raw.listen)
	set(&c.BodyLimitMB, raw.bodyLimitMB)
	set(&c.RequestDeadline, raw.requestDeadline)
	set(&c.FirstByteTimeout, raw.firstByteTimeout)
	set(&c.StreamIdleTimeout, raw.streamIdleTimeout)
	raw.usage.applyTo(&c.Usage)

	var unplaced []int // user backends without a priority, in file order
	for i := range raw.backends {
		r := &raw.backends[i]
		b := c.Backend(*r.id)
		isNew := b == nil
		if isNew {
			c.Backends = append(c.Backends, Backend{
				ID: *r.id, Enabled: true, Models: "*",
				Timeout: DefaultTimeout, StreamTimeout: DefaultStreamTimeout,
				MaxRetries: DefaultMaxRetries, MaxTokensDefault: DefaultMaxTokensDefault,
			})
			b = &c.Backends[len(c.Backends)-1]
			if r.priority == nil {
				unplaced = append(unplaced, len(c.Backends)-1)
			}
		}
		r.applyTo(b)
		if r.cacheBreakpoint == nil && (isNew || r.format != nil) {
			b.CacheBreakpoints = b.Format == FormatAnthropic
		}
	}
	last := 0
	for _, b := range c.Backends {
		last = max(last, b.Priority)
	}
	for _, i := range unplaced {
		last++
		c.Backends[i].Priority = last
	}
	c.normalize()
	return c
}

func (r *rawBackend) applyTo(b *Backend) {
	set(&b.Name, r.name)
	if r.format != nil {
		b.Format = Format(strings.ToLower(*r.format))
	}
	set(&b.Models, r.models)
	set(&b.Priority, r.priority)
	set(&b.MaxRetries, r.maxRetries)
	set(&b.MaxTokensDefault, r.maxTokens)
	set(&b.Enabled, r.enabled)
	set(&b.NeedsKey, r.needsKey)
	set(&b.CacheBreakpoints, r.cacheBreakpoint)
	set(&b.Timeout, r.timeout)
	set(&b.StreamTimeout, r.streamTimeout)
	set(&b.BaseURLs, r.baseURLs)
	set(&b.ModelList, r.modelList)
	set(&b.Aliases, r.aliases)
}

// set copies *v into *dst when the file gave v.
func set[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}
