package usage

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Price is what a model costs, in US dollars per million tokens of each
// kind. The zero value is free, which is different from unknown: a model
// missing from the PriceTable has no Price at all.
type Price struct {
	Input      float64 `json:"input" yaml:"input"`             // uncached input
	Output     float64 `json:"output" yaml:"output"`           // output, reasoning included
	CacheRead  float64 `json:"cache_read" yaml:"cache_read"`   // cache hits
	CacheWrite float64 `json:"cache_write" yaml:"cache_write"` // cache creation
}

// Tokens is a count of tokens by kind, with the meaning of Record's fields.
type Tokens struct {
	Input      int64 `json:"input"`
	Output     int64 `json:"output"`
	CacheRead  int64 `json:"cache_read"`
	CacheWrite int64 `json:"cache_write"`
	Reasoning  int64 `json:"reasoning"` // part of Output, not priced on its own
}

func (t *Tokens) add(o Tokens) {
	t.Input += o.Input
	t.Output += o.Output
	t.CacheRead += o.CacheRead
	t.CacheWrite += o.CacheWrite
	t.Reasoning += o.Reasoning
}

// Cost is the estimated price of t in US dollars.
func (p Price) Cost(t Tokens) float64 {
	return (float64(t.Input)*p.Input + float64(t.Output)*p.Output +
		float64(t.CacheRead)*p.CacheRead + float64(t.CacheWrite)*p.CacheWrite) / 1e6
}

// PriceTable maps a model pattern to its Price. A pattern matches a model
// name when it occurs in it as a whole run of name parts: both are
// compared in lower case with '.', '_', ':', '/' and '@' read as '-', and
// the match must start and end at a part boundary. So "claude-sonnet-4"
// matches "claude-sonnet-4-5-20250929" and "us.anthropic.claude-sonnet-4-v1:0"
// but "gpt-5" does not match "gpt-50". The longest matching pattern wins,
// so "gpt-5-codex" prices gpt-5-codex models and "gpt-5" the rest.
//
// A PriceTable is a plain map so that the config file can hold one
// (YAML or JSON, see ParsePrices); treat a table as read-only once it is
// handed to a Store.
type PriceTable map[string]Price

// DefaultPrices returns a fresh copy of the shipped price table.
//
// These are ESTIMATES: vendors' public list prices for standard (not
// batch, not long-context, not priority) usage as known to the author on
// 2026-12-04, not checked against the vendors on that date. Anthropic
// cache writes are the 5-minute rate (1.25 x input), cache reads 0.1 x
// input; OpenAI bills no cache writes (priced as input); Gemini 2.5 Pro is
// the <= 200k-token prompt tier and its cache storage fee is not counted.
// Edit them in the config when they matter.
func DefaultPrices() PriceTable {
	return PriceTable{
		// Anthropic
		"claude-sonnet-4":  {Input: 3, Output: 15, CacheRead: 0.30, CacheWrite: 3.75}, // also 4.5
		"claude-opus-4":    {Input: 15, Output: 75, CacheRead: 1.50, CacheWrite: 18.75},
		"claude-opus-4-1":  {Input: 15, Output: 75, CacheRead: 1.50, CacheWrite: 18.75},
		"claude-opus-4-5":  {Input: 5, Output: 25, CacheRead: 0.50, CacheWrite: 6.25},
		"claude-3-5-haiku": {Input: 0.80, Output: 4, CacheRead: 0.08, CacheWrite: 1},
		"claude-haiku-3-5": {Input: 0.80, Output: 4, CacheRead: 0.08, CacheWrite: 1},
		"claude-haiku-4-5": {Input: 1, Output: 5, CacheRead: 0.10, CacheWrite: 1.25},
		// OpenAI
		"gpt-4o":       {Input: 2.50, Output: 10, CacheRead: 1.25, CacheWrite: 2.50},
		"gpt-4o-mini":  {Input: 0.15, Output: 0.60, CacheRead: 0.075, CacheWrite: 0.15},
		"gpt-4-1":      {Input: 2, Output: 8, CacheRead: 0.50, CacheWrite: 2},
		"gpt-4-1-mini": {Input: 0.40, Output: 1.60, CacheRead: 0.10, CacheWrite: 0.40},
		"gpt-4-1-nano": {Input: 0.10, Output: 0.40, CacheRead: 0.025, CacheWrite: 0.10},
		"gpt-5":        {Input: 1.25, Output: 10, CacheRead: 0.125, CacheWrite: 1.25},
		"gpt-5-mini":   {Input: 0.25, Output: 2, CacheRead: 0.025, CacheWrite: 0.25},
		"gpt-5-nano":   {Input: 0.05, Output: 0.40, CacheRead: 0.005, CacheWrite: 0.05},
		"gpt-5-codex":  {Input: 1.25, Output: 10, CacheRead: 0.125, CacheWrite: 1.25},
		"o3":           {Input: 2, Output: 8, CacheRead: 0.50, CacheWrite: 2},
		"o3-mini":      {Input: 1.10, Output: 4.40, CacheRead: 0.55, CacheWrite: 1.10},
		"o4-mini":      {Input: 1.10, Output: 4.40, CacheRead: 0.275, CacheWrite: 1.10},
		// Google
		"gemini-2-5-pro":        {Input: 1.25, Output: 10, CacheRead: 0.31, CacheWrite: 1.25},
		"gemini-2-5-flash":      {Input: 0.30, Output: 2.50, CacheRead: 0.075, CacheWrite: 0.30},
		"gemini-2-5-flash-lite": {Input: 0.10, Output: 0.40, CacheRead: 0.025, CacheWrite: 0.10},
	}
}

// Lookup returns the Price of the longest pattern matching model, and
// false when no pattern matches (the cost is unknown, not zero).
func (t PriceTable) Lookup(model string) (Price, bool) {
	name := normalizeModel(model)
	best, found, bestLen := Price{}, false, -1
	for pat, p := range t {
		np := normalizeModel(pat)
		if np == "" || len(np) <= bestLen || !partMatch(name, np) {
			continue
		}
		best, found, bestLen = p, true, len(np)
	}
	return best, found
}

// Merge returns a new table with the entries of over added to (and
// replacing those of) t.
func (t PriceTable) Merge(over PriceTable) PriceTable {
	out := make(PriceTable, len(t)+len(over))
	for k, v := range t {
		out[k] = v
	}
	for k, v := range over {
		out[k] = v
	}
	return out
}

// Validate reports a pattern that is empty or a price that is negative or
// not a number.
func (t PriceTable) Validate() error {
	for pat, p := range t {
		if normalizeModel(pat) == "" {
			return fmt.Errorf("price table: empty model pattern %q", pat)
		}
		for _, v := range []float64{p.Input, p.Output, p.CacheRead, p.CacheWrite} {
			if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("price table: %q: price %v is not a non-negative number", pat, v)
			}
		}
	}
	return nil
}

// ParsePrices reads a price table from YAML or JSON:
//
//	claude-sonnet-4: {input: 3, output: 15, cache_read: 0.3, cache_write: 3.75}
func ParsePrices(data []byte) (PriceTable, error) {
	var t PriceTable
	if err := yaml.Unmarshal(data, &t); err != nil {
		return nil, fmt.Errorf("parsing price table: %w", err)
	}
	if err := t.Validate(); err != nil {
		return nil, err
	}
	return t, nil
}

var modelSeparators = strings.NewReplacer(".", "-", "_", "-", ":", "-", "/", "-", "@", "-", " ", "-")

func normalizeModel(s string) string {
	return strings.Trim(modelSeparators.Replace(strings.ToLower(s)), "-")
}

// partMatch reports whether pat occurs in name starting and ending at a
// '-' boundary (or the ends of name).
func partMatch(name, pat string) bool {
	for i := 0; i+len(pat) <= len(name); {
		j := strings.Index(name[i:], pat)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(pat)
		if (start == 0 || name[start-1] == '-') && (end == len(name) || name[end] == '-') {
			return true
		}
		i = start + 1
	}
	return false
}
