package gateway_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"switchyard/gateway/config"
)

// TestStreamEventsFlowAsSent asserts timing, not just text: the upstream
// sends one event every 150ms and waits for the gateway to forward each
// before it sends the next; each event must reach the client before the
// upstream sends the following one.
func TestStreamEventsFlowAsSent(t *testing.T) {
	const n = 4
	sent := make(chan time.Time, n)
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fl := w.(http.Flusher)
		for i := 0; i < n; i++ {
			fmt.Fprintf(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"part%d \"},\"finish_reason\":null}]}\n\n", i)
			fl.Flush()
			sent <- time.Now()
			time.Sleep(150 * time.Millisecond) // the upstream is slow on purpose: the thing under test
		}
		fmt.Fprint(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\ndata: [DONE]\n\n")
	})
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
	stream := g.openai().Chat.Completions.NewStreaming(context.Background(), chatParams("m"))
	var got []string
	var lags []time.Duration
	for stream.Next() {
		ch := stream.Current()
		if len(ch.Choices) == 0 || ch.Choices[0].Delta.Content == "" {
			continue
		}
		at := time.Now()
		s := <-sent
		lags = append(lags, at.Sub(s))
		got = append(got, ch.Choices[0].Delta.Content)
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, "") != "part0 part1 part2 part3 " {
		t.Fatalf("got %q", got)
	}
	for i, l := range lags {
		if l > 100*time.Millisecond {
			t.Fatalf("event %d reached the client %v after the upstream sent it: buffered, not streamed (lags %v)", i, l, lags)
		}
	}
}

func TestStreamFailoverBeforeFirstByte(t *testing.T) {
	// 200 + an error event before any content: a failure, invisible to the client.
	bad := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"error\":{\"message\":\"overloaded\",\"type\":\"server_error\"}}\n\n")
	})
	good := newUpstream(t, chatOK("good"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, bad.URL), backend("b", 2, config.FormatOpenAI, good.URL)})
	stream := g.openai().Chat.Completions.NewStreaming(context.Background(), chatParams("m"))
	var text strings.Builder
	for stream.Next() {
		if ch := stream.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if err := stream.Err(); err != nil {
		t.Fatal(err)
	}
	if text.String() != "hello from good" {
		t.Fatalf("got %q", text.String())
	}
}

func TestStreamCutAfterFirstByteEndsWithError(t *testing.T) {
	up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		fmt.Fprint(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"partial\"},\"finish_reason\":null}]}\n\n")
		// and the connection ends without [DONE]
	})
	other := newUpstream(t, chatOK("other"))
	g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL), backend("b", 2, config.FormatOpenAI, other.URL)})
	stream := g.openai().Chat.Completions.NewStreaming(context.Background(), chatParams("m"))
	var text strings.Builder
	for stream.Next() {
		if ch := stream.Current(); len(ch.Choices) > 0 {
			text.WriteString(ch.Choices[0].Delta.Content)
		}
	}
	if stream.Err() == nil || !strings.Contains(stream.Err().Error(), "ended prematurely") {
		t.Fatalf("a cut stream must end in an error, got %v", stream.Err())
	}
	if text.String() != "partial" || other.count.Load() != 0 {
		t.Fatalf("text %q, other backend called %d times: no splicing after the first byte", text.String(), other.count.Load())
	}
}

func TestClientAbortCancelsUpstream(t *testing.T) {
	for _, phase := range []string{"before first byte", "mid-stream"} {
		t.Run(phase, func(t *testing.T) {
			cancelled := make(chan struct{}, 1)
			started := make(chan struct{}, 1)
			up := newUpstream(t, func(w http.ResponseWriter, r *http.Request) {
				if phase == "mid-stream" {
					w.Header().Set("Content-Type", "text/event-stream")
					fmt.Fprint(w, "data: {\"id\":\"c\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n")
					w.(http.Flusher).Flush()
				}
				started <- struct{}{}
				<-r.Context().Done()
				cancelled <- struct{}{}
			})
			g := startGateway(t, []config.Backend{backend("a", 1, config.FormatOpenAI, up.URL)})
			ctx, cancel := context.WithCancel(context.Background())
			req, _ := http.NewRequestWithContext(ctx, "POST", g.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m","stream":true,"messages":[{"role":"user","content":"hi"}]}`))
			req.Header.Set("Content-Type", "application/json")
			done := make(chan struct{})
			firstEvent := make(chan struct{}) // closed when the client has read the first event's line
			go func() {
				defer close(done)
				resp, err := http.DefaultClient.Do(req)
				if err == nil {
					bufio.NewReader(resp.Body).ReadString('\n')
					close(firstEvent)
					<-ctx.Done()
					resp.Body.Close()
				}
			}()
			<-started
			if phase == "mid-stream" {
				select { // the first event has reached the client
				case <-firstEvent:
				case <-time.After(3 * time.Second):
					t.Fatal("the first event did not reach the client")
				}
			}
			at := time.Now()
			cancel()
			select {
			case <-cancelled:
				if d := time.Since(at); d > 500*time.Millisecond {
					t.Fatalf("upstream cancelled %v after the client left", d)
				}
			case <-time.After(3 * time.Second):
				t.Fatal("client abort did not cancel the upstream request")
			}
			<-done
			st := g.status(t)
			if st.Backends[0].Failures != 0 {
				t.Fatalf("a client abort counted against the backend: %+v", st.Backends[0])
			}
		})
	}
}
