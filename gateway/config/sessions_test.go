package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSessionsSection(t *testing.T) {
	c, err := Parse([]byte(""), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Sessions != DefaultSessions() || !c.Sessions.Enabled || c.Sessions.Max != 100000 || c.Sessions.IdleTTL != time.Hour || c.Sessions.CacheTTL != 5*time.Minute {
		t.Fatalf("defaults %+v", c.Sessions)
	}
	c, err = Parse([]byte("sessions:\n  enabled: false\n  max: 500\n  idle_ttl: 600\n  cache_ttl: 120\n"), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Sessions{Enabled: false, Max: 500, IdleTTL: 10 * time.Minute, CacheTTL: 2 * time.Minute}
	if c.Sessions != want {
		t.Fatalf("parsed %+v, want %+v", c.Sessions, want)
	}
	// Saved and read back.
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil || back.Sessions != want {
		t.Fatalf("round trip: %+v %v", back.Sessions, err)
	}
	// Environment: the off switch.
	on, _, err := ApplyEnv(Defaults(), func(k string) string { return map[string]string{EnvSessions: "false"}[k] })
	if err != nil || on.Sessions.Enabled {
		t.Fatalf("SWITCHYARD_SESSIONS=false: %+v %v", on.Sessions, err)
	}
	if _, _, err := ApplyEnv(Defaults(), func(k string) string { return map[string]string{EnvSessions: "maybe"}[k] }); err == nil || !strings.Contains(err.Error(), EnvSessions) {
		t.Fatalf("a bad SWITCHYARD_SESSIONS: %v", err)
	}
	for _, c := range []struct{ yaml, want string }{
		{"sessions:\n  max: 0\n", "sessions.max"},
		{"sessions:\n  idle_ttl: 60\n  cache_ttl: 120\n", "longer than sessions.idle_ttl"},
		{"sessions:\n  cache_tll: 60\n", `did you mean "cache_ttl"`},
		{"sessions: 5\n", "sessions: want a mapping"},
	} {
		if _, err := Parse([]byte(c.yaml), "config.yaml"); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: error %v, want it to mention %q", c.yaml, err, c.want)
		}
	}
}
