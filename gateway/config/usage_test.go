package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestUsageDefaults(t *testing.T) {
	c, err := Parse([]byte("listen: 127.0.0.1:7861\n"), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if want := (Usage{Enabled: true, RetentionDays: 90}); !reflect.DeepEqual(c.Usage, want) {
		t.Fatalf("usage = %+v, want %+v", c.Usage, want)
	}
}

func TestUsageParse(t *testing.T) {
	c, err := Parse([]byte(`usage:
  enabled: false
  retention_days: 30
  prices:
    claude-sonnet-4: {input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}
    my-model: {output: 2}
`), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	want := Usage{RetentionDays: 30, Prices: map[string]Price{
		"claude-sonnet-4": {Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75},
		"my-model":        {Output: 2},
	}}
	if !reflect.DeepEqual(c.Usage, want) {
		t.Fatalf("usage = %+v, want %+v", c.Usage, want)
	}
	c, err = Parse([]byte("usage: {prices: my-prices.yaml}\n"), "config.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if c.Usage.PricesFile != "my-prices.yaml" || !c.Usage.Enabled {
		t.Fatalf("usage = %+v", c.Usage)
	}
}

func TestUsageErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"usage:\n  retention_days: 0\n", "config.yaml:2: usage.retention_days: 0 is out of range"},
		{"usage:\n  retention_days: x\n", "config.yaml:2: usage.retention_days: \"x\" is not a whole number"},
		{"usage:\n  enabled: maybe\n", "usage.enabled"},
		{"usage:\n  retension_days: 3\n", `unknown field "retension_days"; did you mean "retention_days"?`},
		{"usage:\n  prices:\n    m: {input: -1}\n", `config.yaml:2: usage.prices."m": -1 is not a price`},
		{"usage:\n  prices:\n    m: {input: lots}\n", `usage.prices."m".input: "lots" is not a number`},
		{"usage:\n  prices:\n    m: {inptu: 1}\n", `unknown field "inptu"`},
		{"usage:\n  prices: [a]\n", "usage.prices: want a price file name or a mapping"},
		{"usage: 3\n", "usage: want a mapping"},
	} {
		_, err := Parse([]byte(tc.in), "config.yaml")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to contain %q", tc.in, err, tc.want)
		}
	}
}

func TestUsageSaveRoundTrip(t *testing.T) {
	for _, u := range []Usage{
		{Enabled: false, RetentionDays: 7, PricesFile: "p.yaml"},
		{Enabled: true, RetentionDays: 365, Prices: map[string]Price{"gpt-5": {Input: 1.25, Output: 10, CacheRead: 0.125}}},
	} {
		c := Defaults()
		c.Usage = u
		p := filepath.Join(t.TempDir(), "config.yaml")
		if err := c.Save(p); err != nil {
			t.Fatal(err)
		}
		got, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got.Usage, u) {
			t.Errorf("round trip: got %+v, want %+v", got.Usage, u)
		}
	}
	c := Defaults()
	c.Usage.Prices = map[string]Price{"m": {Input: 1}}
	d := c.Clone()
	d.Usage.Prices["m"] = Price{Input: 2}
	if c.Usage.Prices["m"].Input != 1 {
		t.Error("Clone shares the price table")
	}
}

func TestUsageDBPath(t *testing.T) {
	if p := UsageDBPath(); filepath.Base(p) != "usage.db" || filepath.Base(filepath.Dir(p)) != "switchyard" {
		t.Errorf("UsageDBPath() = %q", p)
	}
}
