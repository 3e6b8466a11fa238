package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// TestFakeUpstreamsThroughGateway proves the other half of the harness:
// switchyard serve with the same config talks to both fake upstreams over
// the route it already has (Chat Completions), streaming and not, through
// the scripted tool round trip. When a through-gateway CLI test fails
// later, the fault is in the new route, not in the fakes.
func TestFakeUpstreamsThroughGateway(t *testing.T) {
	t.Parallel()
	for _, format := range upstreamFormats {
		t.Run(format, func(t *testing.T) {
			t.Parallel()
			sc := codexScript(t)
			clientKey := "sk-chat-client-" + randHex(t, 8)
			up := &fakeUpstream{format: format, sc: sc, key: "sk-upstream-" + randHex(t, 8), clientKey: clientKey}
			g := startGateway(t, format, serve(t, up), up.key)
			tools := []any{map[string]any{"type": "function", "function": map[string]any{"name": sc.tool,
				"parameters": map[string]any{"type": "object", "properties": map[string]any{"cmd": map[string]any{"type": "string"}}, "required": []string{"cmd"}}}}}
			for _, stream := range []bool{false, true} {
				msgs := []any{map[string]any{"role": "user", "content": "run it"}}
				name, args, callID, _ := chatTurn(t, g.url, clientKey, msgs, tools, stream)
				if name != sc.tool || args != sc.args || callID == "" {
					t.Fatalf("stream=%v turn 1: tool call %q %q id %q, want %q %q", stream, name, args, callID, sc.tool, sc.args)
				}
				msgs = append(msgs,
					map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"id": callID, "type": "function",
						"function": map[string]any{"name": name, "arguments": args}}}},
					map[string]any{"role": "tool", "tool_call_id": callID, "content": toolMarker + "\n"})
				_, _, _, text := chatTurn(t, g.url, clientKey, msgs, tools, stream)
				if !strings.Contains(text, sc.final) {
					t.Fatalf("stream=%v turn 2: text %q, want %q", stream, text, sc.final)
				}
			}
			up.check(t)
			up.mu.Lock()
			n, streamed := up.n, up.streamed
			up.mu.Unlock()
			if n != 4 || streamed != 2 {
				t.Errorf("upstream saw %d requests (%d streamed), want 4 (2)", n, streamed)
			}
			g.checkLog(t, clientKey, up.key)
		})
	}
}

// chatTurn posts one Chat Completions request to the gateway and returns
// the tool call (name, arguments, id) or the text it answered.
func chatTurn(t *testing.T, base, key string, msgs, tools []any, stream bool) (name, args, id, text string) {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"model": codexModel, "messages": msgs, "tools": tools, "stream": stream})
	req, _ := http.NewRequest(http.MethodPost, base+"/v1/chat/completions", strings.NewReader(string(body)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		var b strings.Builder
		bufio.NewReader(resp.Body).WriteTo(&b)
		t.Fatalf("gateway: %d %s", resp.StatusCode, b.String())
	}
	type call struct {
		ID       string `json:"id"`
		Function struct{ Name, Arguments string }
	}
	if !stream {
		var out struct {
			Choices []struct {
				Message struct {
					Content   string `json:"content"`
					ToolCalls []call `json:"tool_calls"`
				}
			}
		}
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || len(out.Choices) == 0 {
			t.Fatalf("gateway: %v %+v", err, out)
		}
		m := out.Choices[0].Message
		if len(m.ToolCalls) > 0 {
			return m.ToolCalls[0].Function.Name, m.ToolCalls[0].Function.Arguments, m.ToolCalls[0].ID, m.Content
		}
		return "", "", "", m.Content
	}
	var argb, textb strings.Builder
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		data, ok := strings.CutPrefix(sc.Text(), "data: ")
		if !ok || data == "[DONE]" {
			continue
		}
		var ch struct {
			Choices []struct {
				Delta struct {
					Content   string `json:"content"`
					ToolCalls []call `json:"tool_calls"`
				}
			}
		}
		if err := json.Unmarshal([]byte(data), &ch); err != nil {
			t.Fatalf("stream chunk %q: %v", data, err)
		}
		for _, c := range ch.Choices {
			textb.WriteString(c.Delta.Content)
			for _, tc := range c.Delta.ToolCalls {
				if tc.ID != "" {
					id = tc.ID
				}
				if tc.Function.Name != "" {
					name = tc.Function.Name
				}
				argb.WriteString(tc.Function.Arguments)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(fmt.Errorf("reading the stream: %w", err))
	}
	return name, argb.String(), id, textb.String()
}
