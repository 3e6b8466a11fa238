package convert

import "testing"

func TestModelFamilies(t *testing.T) {
	tests := []struct {
		name               string
		reasoning, exclSmp bool
		maxOut             int
	}{
		{"gpt-5", true, false, 0},
		{"gpt-5-mini-2025-08-07", true, false, 0},
		{"openai/gpt-5.1", true, false, 0},
		{"o1", true, false, 0},
		{"o3-mini", true, false, 0},
		{"O4-Mini", true, false, 0},
		{"gpt-4o", false, false, 0},
		{"gpt-4.1-mini", false, false, 0},
		{"o1x", false, false, 0},
		{"deepseek-chat", false, false, 0},
		{"claude-3-haiku-20240307", false, false, 4096},
		{"claude-3-opus-latest", false, false, 4096},
		{"claude-3-5-sonnet-20241022", false, false, 8192},
		{"anthropic.claude-3-5-haiku-20241022-v1:0", false, false, 8192},
		{"claude-3-7-sonnet-20250219", false, false, 64000},
		{"claude-sonnet-4-20250514", false, false, 64000},
		{"claude-opus-4-20250514", false, false, 32000},
		{"claude-opus-4-1-20250805", false, true, 32000},
		{"claude-opus-4-1", false, true, 32000},
		{"claude-sonnet-4-5-20250929", false, true, 64000},
		{"us.anthropic.claude-sonnet-4-5-20250929-v1:0", false, true, 64000},
		{"claude-sonnet-4-5@20250929", false, true, 64000},
		{"claude-haiku-4-5", false, true, 64000},
		{"claude-opus-4-5-20251101", false, true, 64000},
		{"claude-opus-4-6", false, true, 0},
		{"claude-sonnet-5", false, true, 0},
		{"claude-instant-1.2", false, false, 0},
		{"", false, false, 0},
	}
	for _, tt := range tests {
		if got := isOpenAIReasoningModel(tt.name); got != tt.reasoning {
			t.Errorf("isOpenAIReasoningModel(%q) = %v", tt.name, got)
		}
		if got := ExclusiveSampling(tt.name); got != tt.exclSmp {
			t.Errorf("ExclusiveSampling(%q) = %v", tt.name, got)
		}
		if got := ClaudeMaxOutput(tt.name); got != tt.maxOut {
			t.Errorf("ClaudeMaxOutput(%q) = %d, want %d", tt.name, got, tt.maxOut)
		}
	}
}
