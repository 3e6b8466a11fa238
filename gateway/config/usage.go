package config

import (
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"github.com/adrg/xdg"
	"go.yaml.in/yaml/v3"
)

// Usage configures usage accounting (package gateway/usage): the file's
// usage: section.
//
//	usage:
//	  enabled: true          # record every proxied request's tokens
//	  retention_days: 90     # 1..36500
//	  prices: prices.yaml    # a price table file (relative to the config file's folder) ...
//	  # prices: {claude-sonnet-4: {input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}}  # ... or inline
type Usage struct {
	// Enabled turns accounting on. Default true.
	Enabled bool
	// RetentionDays is how long records are kept, 1..MaxRetentionDays.
	// Default 90.
	RetentionDays int
	// PricesFile is a YAML or JSON price table file laid over the shipped
	// prices; a relative path is read from the config file's folder.
	// "" = none. Exclusive with Prices.
	PricesFile string
	// Prices is an inline price table laid over the shipped prices: model
	// pattern -> US dollars per million tokens. Exclusive with PricesFile.
	Prices map[string]Price
}

// Price is one model's price in US dollars per million tokens of each kind
// (the usage package's Price, kept here so config stays free of it).
type Price struct {
	Input, Output, CacheRead, CacheWrite float64
}

// Usage defaults and bounds.
const (
	DefaultRetentionDays = 90
	MaxRetentionDays     = 36500
)

// DefaultUsage is accounting on, 90 days, the shipped prices.
func DefaultUsage() Usage { return Usage{Enabled: true, RetentionDays: DefaultRetentionDays} }

func (u Usage) clone() Usage {
	u.Prices = maps.Clone(u.Prices)
	return u
}

// UsageDBPath returns $XDG_DATA_HOME/switchyard/usage.db (the platform's
// equivalent elsewhere). The usage store creates the folder.
func UsageDBPath() string { return filepath.Join(xdg.DataHome, "switchyard", "usage.db") }

// usageProblems checks the usage section.
func (u *Usage) problems(top func(field, msg string)) {
	if u.RetentionDays < 1 || u.RetentionDays > MaxRetentionDays {
		top("usage.retention_days", fmt.Sprintf("%d is out of range; use 1 to %d (days)", u.RetentionDays, MaxRetentionDays))
	}
	if u.PricesFile != "" && len(u.Prices) > 0 {
		top("usage.prices", "give either a file name or an inline table, not both")
	}
	for _, m := range slices.Sorted(maps.Keys(u.Prices)) {
		p := u.Prices[m]
		if strings.TrimSpace(m) == "" {
			top("usage.prices", "a model pattern is empty")
		}
		for _, v := range []float64{p.Input, p.Output, p.CacheRead, p.CacheWrite} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				top(fmt.Sprintf("usage.prices.%q", m), fmt.Sprintf("%v is not a price; use a number of dollars per million tokens, 0 or more", v))
				break
			}
		}
	}
}

// rawUsage is the usage: section as written.
type rawUsage struct {
	enabled       *bool
	retentionDays *int
	pricesFile    *string
	prices        *map[string]Price
}

var (
	usageFields = []string{"enabled", "retention_days", "prices"}
	priceFields = []string{"input", "output", "cache_read", "cache_write"}
)

func (p *parser) usage(v *yaml.Node, lines map[string]int) *rawUsage {
	r := &rawUsage{}
	if isNull(v) {
		return r
	}
	if v.Kind != yaml.MappingNode {
		p.addf(v.Line, "usage: want a mapping (enabled: true, retention_days: 90, prices: ...), not a %s", kindName(v))
		return r
	}
	p.mapping(v, "usage", usageFields, lines, func(key string, n *yaml.Node) {
		f := "usage." + key
		switch key {
		case "enabled":
			r.enabled = p.boolean(n, f)
		case "retention_days":
			r.retentionDays = p.integer(n, f, "a whole number of days, e.g. 90")
		case "prices":
			switch {
			case isNull(n):
			case n.Kind == yaml.ScalarNode:
				r.pricesFile = p.str(n, f)
			case n.Kind == yaml.MappingNode:
				r.prices = p.priceTable(n, f)
			default:
				p.addf(n.Line, "%s: want a price file name or a mapping of model: {input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}, not a %s", f, kindName(n))
			}
		}
	})
	return r
}

func (p *parser) priceTable(n *yaml.Node, at string) *map[string]Price {
	out := map[string]Price{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], deref(n.Content[i+1])
		if k.Kind != yaml.ScalarNode {
			p.addf(k.Line, "%s: model patterns must be plain names", at)
			continue
		}
		f := fmt.Sprintf("%s.%q", at, k.Value)
		if _, dup := out[k.Value]; dup {
			p.addf(k.Line, "%s: listed twice", f)
			continue
		}
		if v.Kind != yaml.MappingNode {
			p.addf(v.Line, "%s: want {input: ..., output: ..., cache_read: ..., cache_write: ...} (dollars per million tokens), not a %s", f, kindName(v))
			continue
		}
		var pr Price
		p.mapping(v, f, priceFields, map[string]int{}, func(key string, x *yaml.Node) {
			var val float64
			if !p.scalar(x, f+"."+key) {
				return
			}
			if (x.Tag != "!!int" && x.Tag != "!!float") || x.Decode(&val) != nil {
				p.addf(x.Line, "%s.%s: %q is not a number of dollars per million tokens", f, key, x.Value)
				return
			}
			switch key {
			case "input":
				pr.Input = val
			case "output":
				pr.Output = val
			case "cache_read":
				pr.CacheRead = val
			case "cache_write":
				pr.CacheWrite = val
			}
		})
		out[k.Value] = pr
	}
	return &out
}

func (r *rawUsage) applyTo(u *Usage) {
	if r == nil {
		return
	}
	set(&u.Enabled, r.enabled)
	set(&u.RetentionDays, r.retentionDays)
	set(&u.PricesFile, r.pricesFile)
	set(&u.Prices, r.prices)
}

// usageNode renders the usage: section.
func usageNode(u Usage) *yaml.Node {
	m := &yaml.Node{Kind: yaml.MappingNode}
	put(m, "enabled", u.Enabled, "record each request's tokens in usage.db (never keys or text)")
	put(m, "retention_days", u.RetentionDays, "")
	switch {
	case u.PricesFile != "":
		put(m, "prices", u.PricesFile, "price table file, dollars per million tokens")
	case len(u.Prices) > 0:
		t := &yaml.Node{Kind: yaml.MappingNode}
		for _, k := range slices.Sorted(maps.Keys(u.Prices)) {
			p := u.Prices[k]
			e := &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle}
			put(e, "input", p.Input, "")
			put(e, "output", p.Output, "")
			put(e, "cache_read", p.CacheRead, "")
			put(e, "cache_write", p.CacheWrite, "")
			putNode(t, k, e, "")
		}
		putNode(m, "prices", t, "dollars per million tokens, over the shipped prices")
	}
	return m
}
