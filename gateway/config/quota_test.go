package config

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestQuotaAndNotificationSettings(t *testing.T) {
	d := Defaults()
	if d.Notifications || d.QuotaInterval != 10*time.Minute || d.QuotaLow != "5%" {
		t.Errorf("defaults: notifications %v, quota_interval %v, quota_low %q", d.Notifications, d.QuotaInterval, d.QuotaLow)
	}
	if d.Backend("anyrouter").Quota != QuotaNewAPI || d.Backend("copilot").Quota != QuotaCopilot || d.Backend("kiro").Quota != QuotaNone {
		t.Error("preset quota kinds")
	}
	src := "notifications: true\nquota_interval: 300\nquota_low: 1.5\nbackends:\n  - id: relay\n    format: openai\n    base_urls: [https://relay.example/v1]\n    quota: NewAPI\n  - id: anyrouter\n    quota: none\n"
	c, err := Parse([]byte(src), "c.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !c.Notifications || c.QuotaInterval != 5*time.Minute || c.QuotaLow != "1.5" || c.Backend("relay").Quota != QuotaNewAPI || c.Backend("anyrouter").Quota != QuotaNone {
		t.Errorf("parsed %+v", c)
	}
	// Saved and read back: the same.
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	back, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !back.Notifications || back.QuotaInterval != c.QuotaInterval || back.QuotaLow != "1.5" || back.Backend("relay").Quota != QuotaNewAPI || back.Backend("anyrouter").Quota != QuotaNone {
		t.Errorf("round trip %+v", back)
	}
	for src, want := range map[string]string{
		"quota_low: 5 USD\n":                      `c.yaml:1: quota_low: "5 USD": want an amount`,
		"quota_low: 150%\n":                       `quota_low: "150%"`,
		"quota_interval: 10\n":                    "quota_interval: 10 is out of range; use 60 to",
		"backends:\n  - id: kiro\n    quota: x\n": `c.yaml:3: backends[0] (kiro).quota: "x" is not a quota kind`,
		"notifications: maybe\n":                  `notifications: "maybe": want true or false`,
	} {
		_, err := Parse([]byte(src), "c.yaml")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", src, err, want)
		}
	}
}
