package usage

import "testing"

func TestPriceLookupLongestPartMatch(t *testing.T) {
	p := DefaultPrices()
	for model, want := range map[string]float64{ // model -> input price; -1 unknown
		"claude-sonnet-4-5-20250929":                 3,
		"us.anthropic.claude-sonnet-4-20250514-v1:0": 3,
		"claude-opus-4-1-20250805":                   15,
		"claude-opus-4-5":                            5,
		"claude-3-5-haiku-20241022":                  0.80,
		"Claude-Haiku-4.5":                           1,
		"gpt-4o":                                     2.50,
		"gpt-4o-mini-2024-07-18":                     0.15,
		"gpt-4.1":                                    2,
		"openai/gpt-5-codex":                         1.25,
		"gpt-5-mini":                                 0.25,
		"o3":                                         2,
		"o4-mini":                                    1.10,
		"gemini-2.5-pro":                             1.25,
		"models/gemini-2.5-flash":                    0.30,
		"gemini-2.5-flash-lite":                      0.10,
		"gpt-50":                                     -1,
		"pro3":                                       -1,
		"llama-3-70b":                                -1,
		"":                                           -1,
	} {
		got, ok := p.Lookup(model)
		if (want < 0) == ok || (ok && got.Input != want) {
			t.Errorf("Lookup(%q) = %+v, %v; want input %v", model, got, ok, want)
		}
	}
	if got, _ := p.Lookup("gpt-5-codex"); got.Output != 10 {
		t.Errorf("gpt-5-codex output = %v", got.Output)
	}
}

func TestParsePrices(t *testing.T) {
	yml := []byte("claude-sonnet-4: {input: 2, output: 10, cache_read: 0.2, cache_write: 2.5}\nmy-local-model: {}\n")
	tab, err := ParsePrices(yml)
	if err != nil {
		t.Fatal(err)
	}
	js, err := ParsePrices([]byte(`{"claude-sonnet-4": {"input": 2, "output": 10, "cache_read": 0.2, "cache_write": 2.5}, "my-local-model": {}}`))
	if err != nil {
		t.Fatal(err)
	}
	if tab["claude-sonnet-4"] != js["claude-sonnet-4"] || tab["claude-sonnet-4"].CacheWrite != 2.5 {
		t.Errorf("yaml %+v, json %+v", tab, js)
	}
	merged := DefaultPrices().Merge(tab)
	if p, ok := merged.Lookup("my-local-model-q4"); !ok || p.Cost(Tokens{Input: 1e6}) != 0 {
		t.Errorf("free local model: %+v %v (free is known, not unknown)", p, ok)
	}
	if p, _ := merged.Lookup("claude-sonnet-4-5"); p.Input != 2 {
		t.Errorf("override not applied: %+v", p)
	}
	for _, bad := range []string{`x: {input: -1}`, `"": {input: 1}`, `x: [1, 2]`} {
		if _, err := ParsePrices([]byte(bad)); err == nil {
			t.Errorf("ParsePrices(%q) accepted", bad)
		}
	}
}
