// Package config is Switchyard's configuration: the schema with its
// documented defaults, the four seed backend presets, loading config.yaml
// (with validation errors that name the file, line and field), atomic 0600
// saving, and the ID_* environment overrides.
//
// The file lives at $XDG_CONFIG_HOME/switchyard/config.yaml (see DefaultPath).
// It never holds an API key: keys live in the OS keychain or come from the
// ID_API_KEYS environment variables, which ApplyEnv returns separately and
// never writes into a Config.
//
// The usual flow is
//
//	fileCfg, err := config.Load(path)      // file + presets, validated
//	cfg, envKeys, err := config.ApplyEnv(fileCfg, os.Getenv)
//	... serve with cfg; persist edits with fileCfg.Save(path) ...
//
// This is the only package that imports github.com/adrg/xdg.
package config

import (
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/adrg/xdg"
)

// Format of a backend's wire protocol.
type Format string

// The wire formats a backend can speak.
const (
	// FormatOpenAI is OpenAI Chat Completions. The base URL includes the
	// version prefix; the gateway appends /chat/completions and /models.
	FormatOpenAI Format = "openai"
	// FormatAnthropic is Anthropic Messages. The base URL is the root; the
	// gateway appends /v1/messages.
	FormatAnthropic Format = "anthropic"
	// FormatResponses is the OpenAI Responses API (POST {base}/responses).
	// The base URL includes the version prefix, like openai. Responses
	// clients (Codex CLI) reach it untouched, the others converted.
	FormatResponses Format = "responses"
	// FormatGemini is the Gemini API (POST {base}/models/{model}:generateContent
	// and :streamGenerateContent?alt=sse; base includes the version, e.g.
	// https://generativelanguage.googleapis.com/v1beta), key in x-goog-api-key.
	FormatGemini Format = "gemini"
)

// Formats lists every format a backend may declare; the gateway has an
// adapter for each (a test holds it to that).
var Formats = []Format{FormatOpenAI, FormatAnthropic, FormatResponses, FormatGemini}

// Documented defaults. A field left out of config.yaml takes these values.
const (
	DefaultListen            = "127.0.0.1:7861"
	DefaultBodyLimitMB       = 32
	DefaultRequestDeadline   = 15 * time.Minute
	DefaultFirstByteTimeout  = 60 * time.Second
	DefaultStreamIdleTimeout = 120 * time.Second

	DefaultTimeout          = 120 * time.Second
	DefaultStreamTimeout    = 600 * time.Second
	DefaultMaxRetries       = 1
	DefaultMaxTokensDefault = 8192
)

// Limits enforced by Validate.
const (
	MaxDuration    = 24 * time.Hour // every timeout is > 0 and <= this
	MaxMaxRetries  = 5              // max_retries is 0..MaxMaxRetries
	MaxBodyLimitMB = 1024           // body_limit_mb is 1..MaxBodyLimitMB
)

// Config is the whole gateway configuration. The zero value is not useful:
// start from Defaults, Load or Parse.
type Config struct {
	// Listen is the gateway's host:port. Default "127.0.0.1:7861";
	// SWITCHYARD_ADDR overrides it.
	Listen string
	// BodyLimitMB is the largest request body in MiB (1..1024). Default 32.
	BodyLimitMB int
	// RequestDeadline bounds one client request overall, every retry and
	// failover included. Default 15m.
	RequestDeadline time.Duration
	// FirstByteTimeout is, per attempt, how long to wait for an upstream's
	// first response byte or event before failing over. Default 60s.
	FirstByteTimeout time.Duration
	// StreamIdleTimeout cuts a stream that stays silent this long after it
	// has started. Default 120s.
	StreamIdleTimeout time.Duration
	// Usage is usage accounting (the usage: section). Default on, 90 days.
	Usage Usage
	// Backends in routing order: sorted by Priority, then by ID, after
	// Load, Parse and ApplyEnv.
	Backends []Backend
}

// Backend is one upstream provider: a list of base URLs speaking one format.
// Its API keys are not part of it (see ApplyEnv and the keystore).
type Backend struct {
	// ID names the backend in config, env variables and the keychain:
	// [a-z0-9_-]+, unique. Required.
	ID string
	// Name is shown in the tray and dashboard. Default: the ID.
	Name string
	// Priority orders the backends, lower first; >= 1. Equal priorities are
	// allowed (then ordered by ID). Default for a user backend: after the last.
	Priority int
	// Format is the wire protocol. Required for a user backend.
	Format Format
	// Enabled backends take part in routing. Default true.
	Enabled bool
	// BaseURLs are absolute http(s) URLs without a trailing slash, query,
	// fragment or user info; at least one. Tried in order on failover.
	BaseURLs []string
	// Timeout bounds a whole non-stream upstream call. Default 120s.
	Timeout time.Duration
	// StreamTimeout bounds a whole stream. Default 600s.
	StreamTimeout time.Duration
	// MaxRetries is how many extra tries one (URL, key) pair gets on a
	// transient error before rotating; 0..5. Default 1.
	MaxRetries int
	// Models is the model rule in modelrule syntax; "" or "*" means any.
	Models string
	// ModelList is what GET /v1/models advertises for this backend.
	ModelList []string
	// Aliases maps a client's model name to the upstream's. Never a name to
	// itself, never to another alias.
	Aliases map[string]string
	// NeedsKey says the backend cannot work without an API key. Default false.
	NeedsKey bool
	// CacheBreakpoints adds Anthropic prompt-cache breakpoints when an OpenAI
	// request is converted for this backend. Default true for the anthropic
	// format, false for openai.
	CacheBreakpoints bool
	// MaxTokensDefault is the max_tokens sent to an anthropic-format backend
	// when the client gave none; >= 1. Default 8192.
	MaxTokensDefault int
}

// Defaults returns the built-in configuration: documented defaults and all
// four presets. It is what Load returns for a missing file.
func Defaults() *Config {
	c := &Config{
		Listen:            DefaultListen,
		BodyLimitMB:       DefaultBodyLimitMB,
		RequestDeadline:   DefaultRequestDeadline,
		FirstByteTimeout:  DefaultFirstByteTimeout,
		StreamIdleTimeout: DefaultStreamIdleTimeout,
		Usage:             DefaultUsage(),
		Backends:          Presets(),
	}
	c.sortBackends()
	return c
}

// Presets returns fresh copies of the four seed presets, in priority order.
func Presets() []Backend {
	ps := []Backend{
		{
			ID: "antigravity", Name: "Antigravity", Priority: 1, Format: FormatOpenAI,
			BaseURLs: []string{"http://127.0.0.1:7862/antigravity/v1"},
			Models:   "gemini+2.5 | gemini+3 | claude+sonnet | claude+opus | gpt-oss",
			ModelList: []string{
				"gemini-2.5-pro", "gemini-2.5-flash", "gemini-3-pro-preview",
				"claude-sonnet-4-5", "claude-opus-4-5-thinking", "gpt-oss-120b-medium",
			},
			Aliases: map[string]string{
				"claude-sonnet-4.5":          "claude-sonnet-4-5",
				"claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
				"claude-opus-4.5":            "claude-opus-4-5-thinking",
				"claude-opus-4-5":            "claude-opus-4-5-thinking",
				"claude-opus-4-5-20251101":   "claude-opus-4-5-thinking",
				"gpt-oss-120b":               "gpt-oss-120b-medium",
			},
		},
		{
			ID: "kiro", Name: "Kiro Gateway", Priority: 2, Format: FormatOpenAI,
			BaseURLs:  []string{"http://127.0.0.1:8000/v1"},
			Models:    "claude",
			ModelList: []string{"claude-sonnet-4-5", "claude-haiku-4-5", "claude-opus-4-5", "claude-sonnet-4"},
			Aliases: map[string]string{
				"claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
				"claude-sonnet-4.5":          "claude-sonnet-4-5",
				"claude-haiku-4-5-20251001":  "claude-haiku-4-5",
				"claude-haiku-4.5":           "claude-haiku-4-5",
				"claude-opus-4-5-20251101":   "claude-opus-4-5",
				"claude-opus-4.5":            "claude-opus-4-5",
				"claude-sonnet-4-20250514":   "claude-sonnet-4",
			},
		},
		{
			ID: "anyrouter", Name: "AnyRouter", Priority: 3, Format: FormatAnthropic,
			BaseURLs: []string{
				"https://anyrouter.top",
				"https://pmpjfbhq.cn-nb1.rainapp.top",
				"https://a-ocnfniawgw.cn-shanghai.fcapp.run",
			},
			Models: "claude | gemini+2.5 | gpt-5+codex",
			ModelList: []string{
				"claude-sonnet-4-5-20250929", "claude-opus-4-5-20251101", "claude-haiku-4-5-20251001",
				"claude-sonnet-4-20250514", "claude-opus-4-1-20250805",
			},
			Aliases: map[string]string{
				"claude-sonnet-4.5": "claude-sonnet-4-5-20250929",
				"claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
				"claude-opus-4.5":   "claude-opus-4-5-20251101",
				"claude-opus-4-5":   "claude-opus-4-5-20251101",
				"claude-haiku-4.5":  "claude-haiku-4-5-20251001",
				"claude-haiku-4-5":  "claude-haiku-4-5-20251001",
				"claude-sonnet-4":   "claude-sonnet-4-20250514",
				"claude-opus-4.1":   "claude-opus-4-1-20250805",
				"claude-opus-4-1":   "claude-opus-4-1-20250805",
			},
			NeedsKey:         true,
			CacheBreakpoints: true,
		},
		{
			ID: "copilot", Name: "Copilot", Priority: 4, Format: FormatOpenAI,
			BaseURLs:  []string{"http://127.0.0.1:4141/v1"},
			Models:    "*",
			ModelList: []string{"gpt-4.1", "gpt-5", "gpt-5-mini", "claude-sonnet-4.5", "gemini-2.5-pro"},
			Aliases: map[string]string{
				"claude-sonnet-4-5":          "claude-sonnet-4.5",
				"claude-sonnet-4-5-20250929": "claude-sonnet-4.5",
			},
		},
	}
	for i := range ps {
		// Shared by every preset; the literals above keep only what differs.
		ps[i].Enabled = true
		ps[i].Timeout = DefaultTimeout
		ps[i].StreamTimeout = DefaultStreamTimeout
		ps[i].MaxRetries = DefaultMaxRetries
		ps[i].MaxTokensDefault = DefaultMaxTokensDefault
	}
	return ps
}

// isPreset reports whether id names one of the seed presets.
func isPreset(id string) bool {
	switch id {
	case "antigravity", "kiro", "anyrouter", "copilot":
		return true
	}
	return false
}

// DefaultPath returns $XDG_CONFIG_HOME/switchyard/config.yaml (the platform's
// equivalent elsewhere), creating the switchyard folder (0700) if needed.
func DefaultPath() (string, error) {
	p, err := xdg.ConfigFile(filepath.Join("switchyard", "config.yaml"))
	if err != nil {
		return "", fmt.Errorf("finding the config file location: %w", err)
	}
	return p, nil
}

// StateDir returns $XDG_STATE_HOME/switchyard (the platform's equivalent
// elsewhere), creating it with mode 0700 if it does not exist.
func StateDir() (string, error) {
	dir := filepath.Join(xdg.StateHome, "switchyard")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the state folder: %w", err)
	}
	return dir, nil
}

// Clone returns a deep copy of c. Nil slices and maps stay nil.
func (c *Config) Clone() *Config {
	if c == nil {
		return nil
	}
	n := *c
	n.Usage = c.Usage.clone()
	if c.Backends != nil {
		n.Backends = make([]Backend, len(c.Backends))
		for i, b := range c.Backends {
			n.Backends[i] = b.clone()
		}
	}
	return &n
}

func (b Backend) clone() Backend {
	b.BaseURLs = slices.Clone(b.BaseURLs)
	b.ModelList = slices.Clone(b.ModelList)
	b.Aliases = maps.Clone(b.Aliases)
	return b
}

// Backend returns the backend with this id, or nil. The pointer aliases c's
// slice, so changes through it change c.
func (c *Config) Backend(id string) *Backend {
	for i := range c.Backends {
		if c.Backends[i].ID == id {
			return &c.Backends[i]
		}
	}
	return nil
}

// EnvPrefix returns the environment variable prefix of a backend id:
// upper-cased, '-' turned into '_'. "anyrouter" -> "ANYROUTER", so its
// variables are ANYROUTER_BASE_URLS, ANYROUTER_API_KEYS, ...
func EnvPrefix(id string) string {
	return strings.ReplaceAll(strings.ToUpper(id), "-", "_")
}

// sortBackends puts the backends in routing order: priority, then id.
func (c *Config) sortBackends() {
	slices.SortStableFunc(c.Backends, func(a, b Backend) int {
		if a.Priority != b.Priority {
			return a.Priority - b.Priority
		}
		return strings.Compare(a.ID, b.ID)
	})
}

// normalize makes the canonical form Validate expects and Save writes:
// trimmed base URLs without a trailing slash, a name for every backend,
// nil for empty lists and maps, backends in routing order.
func (c *Config) normalize() {
	for i := range c.Backends {
		b := &c.Backends[i]
		for j, u := range b.BaseURLs {
			b.BaseURLs[j] = normalizeURL(u)
		}
		b.Name = strings.TrimSpace(b.Name)
		if b.Name == "" {
			b.Name = b.ID
		}
		if len(b.BaseURLs) == 0 {
			b.BaseURLs = nil
		}
		if len(b.ModelList) == 0 {
			b.ModelList = nil
		}
		if len(b.Aliases) == 0 {
			b.Aliases = nil
		}
	}
	c.sortBackends()
}

// normalizeURL trims spaces and trailing slashes, but never the "//" of a
// bare "http://", which Validate then reports as having no host.
func normalizeURL(u string) string {
	u = strings.TrimSpace(u)
	for strings.HasSuffix(u, "/") && !strings.HasSuffix(u, "://") {
		u = u[:len(u)-1]
	}
	return u
}
