package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// EnvAddr overrides Config.Listen.
const EnvAddr = "SWITCHYARD_ADDR"

// EnvSessions overrides Config.Sessions.Enabled (true/false/1/0/yes/no).
const EnvSessions = "SWITCHYARD_SESSIONS"

// The per-backend environment variables, after EnvPrefix(id) + "_".
const (
	EnvBaseURLs      = "BASE_URLS"      // comma list, replaces base_urls
	EnvAPIKeys       = "API_KEYS"       // comma list; returned by ApplyEnv, never stored
	EnvTimeout       = "TIMEOUT"        // whole seconds
	EnvStreamTimeout = "STREAM_TIMEOUT" // whole seconds
	EnvMaxRetries    = "MAX_RETRIES"    // 0..5
	EnvEnabled       = "ENABLED"        // true/false/1/0/yes/no
)

// ApplyEnv returns a clone of c with the environment overrides applied, and
// the API keys the environment gives per backend id.
//
// For every backend id (see EnvPrefix): ID_BASE_URLS (comma list),
// ID_TIMEOUT and ID_STREAM_TIMEOUT (whole seconds), ID_MAX_RETRIES,
// ID_ENABLED (true/false/1/0/yes/no) and ID_API_KEYS (comma list, trimmed,
// empty entries dropped). SWITCHYARD_ADDR overrides Listen, SWITCHYARD_SESSIONS
// (true/false) Sessions.Enabled. Unset or empty
// variables change nothing. Every bad value is reported, naming the variable
// and what it wants, and the result is validated.
//
// c itself is never modified: keep it for Save, so that environment values,
// above all the keys, are never persisted. The keys map holds only backends
// that got at least one key; it is never nil.
func ApplyEnv(c *Config, getenv func(string) string) (*Config, map[string][]string, error) {
	out := c.Clone()
	keys := map[string][]string{}
	var errs []error
	bad := func(name, val, want string) {
		errs = append(errs, fmt.Errorf("%s=%q: want %s", name, val, want))
	}

	if v := strings.TrimSpace(getenv(EnvAddr)); v != "" {
		if msg := checkListen(v); msg != "" {
			bad(EnvAddr, v, "host:port, e.g. "+DefaultListen)
		} else {
			out.Listen = v
		}
	}

	if v := strings.TrimSpace(getenv(EnvSessions)); v != "" {
		if on, ok := parseBool(v); ok {
			out.Sessions.Enabled = on
		} else {
			bad(EnvSessions, v, "true or false")
		}
	}

	for i := range out.Backends {
		b := &out.Backends[i]
		errs = applyBackendEnv(b, getenv, keys, errs)
	}
	if len(errs) > 0 {
		return nil, nil, errors.Join(errs...)
	}
	out.normalize()
	if err := out.Validate(); err != nil {
		return nil, nil, fmt.Errorf("after environment overrides: %w", err)
	}
	return out, keys, nil
}

// applyBackendEnv applies the ID_* overrides to b, records its ID_API_KEYS
// in keys, and appends what is wrong to errs.
func applyBackendEnv(b *Backend, getenv func(string) string, keys map[string][]string, errs []error) []error {
	bad := func(name, val, want string) {
		errs = append(errs, fmt.Errorf("%s=%q: want %s", name, val, want))
	}
	prefix := EnvPrefix(b.ID) + "_"
	get := func(suffix string) (string, string) {
		name := prefix + suffix
		return name, strings.TrimSpace(getenv(name))
	}

	if name, v := get(EnvBaseURLs); v != "" {
		urls := splitList(v)
		ok := len(urls) > 0
		for j, u := range urls {
			u = normalizeURL(u)
			urls[j] = u
			if msg := checkURL(u); msg != "" {
				errs = append(errs, fmt.Errorf("%s: %q %s", name, redactURL(u), msg))
				ok = false
			}
		}
		if len(urls) == 0 {
			bad(name, v, "a comma-separated list of http(s) URLs, e.g. https://a.example,https://b.example")
		}
		if ok {
			b.BaseURLs = urls
		}
	}
	if name, v := get(EnvTimeout); v != "" {
		if d, want := envSeconds(v, DefaultTimeout); want == "" {
			b.Timeout = d
		} else {
			bad(name, v, want)
		}
	}
	if name, v := get(EnvStreamTimeout); v != "" {
		if d, want := envSeconds(v, DefaultStreamTimeout); want == "" {
			b.StreamTimeout = d
		} else {
			bad(name, v, want)
		}
	}
	if name, v := get(EnvMaxRetries); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n >= 0 && n <= MaxMaxRetries {
			b.MaxRetries = n
		} else {
			bad(name, v, fmt.Sprintf("a whole number from 0 to %d, e.g. %d", MaxMaxRetries, DefaultMaxRetries))
		}
	}
	if name, v := get(EnvEnabled); v != "" {
		if on, ok := parseBool(v); ok {
			b.Enabled = on
		} else {
			bad(name, v, "true or false (also 1/0, yes/no)")
		}
	}
	// Never echo a key's value, not even in an error.
	if ks := splitList(getenv(prefix + EnvAPIKeys)); len(ks) > 0 {
		keys[b.ID] = ks
	}
	return errs
}

// splitList splits a comma list, trimming entries and dropping empty ones.
func splitList(s string) []string {
	var out []string
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// envSeconds parses a whole number of seconds from 1 to MaxDuration. On
// failure it says what it wants, with example as the example.
func envSeconds(s string, example time.Duration) (time.Duration, string) {
	n, err := strconv.Atoi(s)
	if err != nil {
		return 0, fmt.Sprintf("whole seconds, e.g. %d", int(example/time.Second))
	}
	if n < 1 || n > int(MaxDuration/time.Second) {
		return 0, fmt.Sprintf("whole seconds from 1 to %d, e.g. %d", int(MaxDuration/time.Second), int(example/time.Second))
	}
	return time.Duration(n) * time.Second, ""
}
