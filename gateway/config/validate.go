package config

import (
	"errors"
	"fmt"
	"maps"
	"net"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"switchyard/gateway/modelrule"
)

// problem is one validation finding. Validate formats it on its own; Parse
// adds the file name and line and uses the backend's index in the file.
type problem struct {
	backend int    // index into Config.Backends; -1 for a top-level field
	field   string // "listen", "base_urls[1]", `aliases."x"`, "" for the whole backend
	msg     string
}

// Validate checks the whole configuration and returns every problem it finds,
// joined with errors.Join, or nil. Each message names the field and what to do.
// A Config from Load, Parse or ApplyEnv has already passed it.
func (c *Config) Validate() error {
	ps := c.problems()
	if len(ps) == 0 {
		return nil
	}
	errs := make([]error, len(ps))
	for i, p := range ps {
		errs[i] = errors.New(c.where(p, -1) + p.msg)
	}
	return errors.Join(errs...)
}

// where renders the location part of a problem: "listen: " or
// "backends[2] (anyrouter).timeout: ". fileIndex, if >= 0, replaces the
// backend's index in c.Backends.
func (c *Config) where(p problem, fileIndex int) string {
	if p.backend < 0 {
		return p.field + ": "
	}
	idx := p.backend
	if fileIndex >= 0 {
		idx = fileIndex
	}
	s := fmt.Sprintf("backends[%d]", idx)
	if id := c.Backends[p.backend].ID; id != "" {
		s += fmt.Sprintf(" (%s)", id)
	}
	if p.field != "" {
		s += "." + p.field
	}
	return s + ": "
}

var idRE = regexp.MustCompile(`^[a-z0-9_-]+$`)

// problems lists everything wrong with c, top-level fields first.
func (c *Config) problems() []problem {
	var ps []problem
	top := func(field, msg string) { ps = append(ps, problem{-1, field, msg}) }
	if msg := checkListen(c.Listen); msg != "" {
		top("listen", msg)
	}
	if c.BodyLimitMB < 1 || c.BodyLimitMB > MaxBodyLimitMB {
		top("body_limit_mb", fmt.Sprintf("%d is out of range; use 1 to %d (MiB)", c.BodyLimitMB, MaxBodyLimitMB))
	}
	for _, d := range []struct {
		field string
		v     time.Duration
	}{
		{"request_deadline", c.RequestDeadline},
		{"first_byte_timeout", c.FirstByteTimeout},
		{"stream_idle_timeout", c.StreamIdleTimeout},
	} {
		if msg := checkDuration(d.v); msg != "" {
			top(d.field, msg)
		}
	}

	c.Usage.problems(top)

	seenID := map[string]int{}
	seenPrefix := map[string]int{}
	for i := range c.Backends {
		ps = append(ps, c.backendProblems(i, seenID, seenPrefix)...)
	}
	return ps
}

func (c *Config) backendProblems(i int, seenID, seenPrefix map[string]int) []problem {
	var ps []problem
	add := func(field, msg string) { ps = append(ps, problem{i, field, msg}) }
	b := &c.Backends[i]
	c.idProblems(i, seenID, seenPrefix, add)
	if b.Priority < 1 {
		add("priority", fmt.Sprintf("%d is out of range; use 1 or more (lower is tried first)", b.Priority))
	}
	switch {
	case slices.Contains(Formats, b.Format):
	case b.Format == "":
		add("format", `missing; use "openai", "anthropic", "responses" or "gemini"`)
	default:
		add("format", fmt.Sprintf(`%q is not a format; use "openai", "anthropic", "responses" or "gemini"`, string(b.Format)))
	}

	urlProblems(b, add)
	if msg := checkDuration(b.Timeout); msg != "" {
		add("timeout", msg)
	}
	if msg := checkDuration(b.StreamTimeout); msg != "" {
		add("stream_timeout", msg)
	}
	if b.MaxRetries < 0 || b.MaxRetries > MaxMaxRetries {
		add("max_retries", fmt.Sprintf("%d is out of range; use 0 to %d", b.MaxRetries, MaxMaxRetries))
	}
	if _, err := modelrule.Parse(b.Models); err != nil {
		add("models", err.Error()+`; write e.g. "claude | gemini+2.5", or "*" for any model`)
	}

	modelNameProblems(b, add)
	if b.MaxTokensDefault < 1 {
		add("max_tokens_default", fmt.Sprintf("%d is out of range; use 1 or more, e.g. %d", b.MaxTokensDefault, DefaultMaxTokensDefault))
	}
	return ps
}

// idProblems checks backend i's id: present, well-formed, unique, and
// with an environment prefix of its own.
func (c *Config) idProblems(i int, seenID, seenPrefix map[string]int, add func(field, msg string)) {
	b := &c.Backends[i]
	switch {
	case b.ID == "":
		add("id", "missing; give every backend an id made of a-z, 0-9, '_' and '-'")
	case !idRE.MatchString(b.ID):
		msg := fmt.Sprintf("%q may only use a-z, 0-9, '_' and '-'", b.ID)
		if l := strings.ToLower(b.ID); isPreset(l) {
			msg += fmt.Sprintf("; did you mean %q?", l)
		}
		add("id", msg)
	default:
		if j, dup := seenID[b.ID]; dup {
			add("id", fmt.Sprintf("%q is used twice (also backends[%d]); ids must be unique", b.ID, j))
		} else {
			seenID[b.ID] = i
			p := EnvPrefix(b.ID)
			if j, dup := seenPrefix[p]; dup {
				add("id", fmt.Sprintf("%q and %q share the environment prefix %s_; rename one", c.Backends[j].ID, b.ID, p))
			} else {
				seenPrefix[p] = i
			}
		}
	}
}

// urlProblems checks the base URLs: at least one, each usable, none twice.
func urlProblems(b *Backend, add func(field, msg string)) {
	if len(b.BaseURLs) == 0 {
		add("base_urls", "at least one URL is required, e.g. [http://127.0.0.1:9000/v1]")
	}
	seenURL := map[string]int{}
	for j, u := range b.BaseURLs {
		field := fmt.Sprintf("base_urls[%d]", j)
		if msg := checkURL(u); msg != "" {
			add(field, fmt.Sprintf("%q %s", redactURL(u), msg))
		} else if strings.HasSuffix(u, "/") {
			add(field, fmt.Sprintf("%q ends with '/'; drop the trailing slash", u))
		} else if k, dup := seenURL[u]; dup {
			add(field, fmt.Sprintf("%q is listed twice (also base_urls[%d])", u, k))
		}
		seenURL[u] = j
	}
}

// modelNameProblems checks model_list and aliases.
func modelNameProblems(b *Backend, add func(field, msg string)) {
	seenModel := map[string]int{}
	for j, m := range b.ModelList {
		field := fmt.Sprintf("model_list[%d]", j)
		switch k, dup := seenModel[m]; {
		case strings.TrimSpace(m) == "":
			add(field, "empty model name; remove it")
		case dup:
			add(field, fmt.Sprintf("%q is listed twice (also model_list[%d])", m, k))
		}
		seenModel[m] = j
	}
	for _, k := range slices.Sorted(maps.Keys(b.Aliases)) {
		v := b.Aliases[k]
		field := fmt.Sprintf("aliases.%q", k)
		switch _, chained := b.Aliases[v]; {
		case strings.TrimSpace(k) == "":
			add("aliases", fmt.Sprintf("an empty client model name (mapped to %q); remove it", v))
		case strings.TrimSpace(v) == "":
			add(field, "empty upstream model name; give the name the upstream expects")
		case k == v:
			add(field, "maps the name to itself; remove it")
		case chained:
			add(field, fmt.Sprintf("points at %q, which is itself an alias; point straight at the upstream name %q", v, b.Aliases[v]))
		}
	}
}

// checkDuration returns why d is not a usable timeout, or "".
func checkDuration(d time.Duration) string {
	if d <= 0 || d > MaxDuration {
		return fmt.Sprintf("%s is out of range; use 1 to %d (whole seconds)", secondsString(d), int(MaxDuration/time.Second))
	}
	return ""
}

// secondsString shows d as the file writes it: "120", or "0.5s" if it is
// not whole seconds.
func secondsString(d time.Duration) string {
	if d%time.Second == 0 {
		return strconv.FormatInt(int64(d/time.Second), 10)
	}
	return d.String()
}

// checkListen returns why s is not a host:port to listen on, or "".
func checkListen(s string) string {
	_, port, err := net.SplitHostPort(s)
	if err == nil {
		if n, perr := strconv.Atoi(port); perr != nil || n < 0 || n > 65535 {
			err = errors.New("bad port")
		}
	}
	if err != nil {
		return fmt.Sprintf("%q is not host:port; use e.g. %s", s, DefaultListen)
	}
	return ""
}

// checkURL returns why s is not a usable base URL, or "". The message does
// not repeat s (the caller quotes it, redacted).
func checkURL(s string) string {
	u, err := url.Parse(s)
	switch {
	case s == "":
		return "is empty; give an http:// or https:// URL"
	case err != nil:
		return "is not a URL; give e.g. https://example.com/v1"
	case u.Scheme != "http" && u.Scheme != "https":
		return "is not an http:// or https:// URL"
	case u.Host == "" || u.Hostname() == "":
		return "has no host; give e.g. https://example.com/v1"
	case u.User != nil:
		return "must not hold a user name or password; keys go in the keychain (switchyard keys set ID) or ID_API_KEYS"
	case u.RawQuery != "" || u.ForceQuery:
		return "must not have a query (?...)"
	case u.Fragment != "" || strings.Contains(s, "#"):
		return "must not have a fragment (#...)"
	}
	return ""
}

// redactURL hides the parts of a URL that may hold a secret (user info,
// query, fragment) so that an error message can quote the rest.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		if strings.ContainsAny(s, "@?#") {
			return "…"
		}
		return s
	}
	if u.User == nil && u.RawQuery == "" && u.Fragment == "" {
		return s
	}
	r := *u
	r.User, r.RawQuery, r.ForceQuery, r.Fragment, r.RawFragment = nil, "", false, "", ""
	out := r.String()
	if u.User != nil {
		out = strings.Replace(out, "://", "://…@", 1)
	}
	if u.RawQuery != "" {
		out += "?…"
	}
	if u.Fragment != "" {
		out += "#…"
	}
	return out
}
