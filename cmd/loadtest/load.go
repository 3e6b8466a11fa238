package main

// The load generators: closed loop (N clients, each sends its next request
// when the last answer is fully read), open model (requests at fixed
// scheduled times, latency counted from the schedule, so a slow server
// cannot hide its queue by slowing the generator: no coordinated
// omission), and long concurrent streams with per-event delays.

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"math"
	"net"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

const (
	chatJSON   = `{"model":"gpt-4.1","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7}`
	chatStream = `{"model":"gpt-4.1","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7,"stream":true}`
	msgJSON    = `{"model":"claude-sonnet-4-5-20250929","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7}`
	msgStream  = `{"model":"claude-sonnet-4-5-20250929","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7,"stream":true}`
	// The same requests naming a model of the other protocol's backend.
	chatJSONClaude   = `{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7}`
	chatStreamClaude = `{"model":"claude-sonnet-4-5-20250929","messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"Say hello in one short sentence."}],"max_tokens":256,"temperature":0.7,"stream":true}`
	msgJSONGPT       = `{"model":"gpt-4.1","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7}`
	msgStreamGPT     = `{"model":"gpt-4.1","max_tokens":256,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"Say hello in one short sentence."}],"temperature":0.7,"stream":true}`
	// The same requests as a Responses API client (Codex CLI) sends them.
	respJSONClaude   = `{"model":"claude-sonnet-4-5-20250929","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false}`
	respStreamClaude = `{"model":"claude-sonnet-4-5-20250929","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false,"stream":true}`
	respJSONGPT      = `{"model":"gpt-4.1","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false}`
	respStreamGPT    = `{"model":"gpt-4.1","instructions":"You are a helpful assistant.","input":[{"role":"user","content":[{"type":"input_text","text":"Say hello in one short sentence."}]}],"max_output_tokens":256,"temperature":0.7,"store":false,"stream":true}`
	geminiReq        = `{"systemInstruction":{"parts":[{"text":"You are a helpful assistant."}]},"contents":[{"role":"user","parts":[{"text":"Say hello in one short sentence."}]}],"generationConfig":{"maxOutputTokens":256,"temperature":0.7}}`
	chatLong         = `{"model":"gpt-4.1-long","messages":[{"role":"user","content":"Write a long answer."}],"max_tokens":4096,"stream":true}`
)

// maxSamples bounds the latencies kept per measurement (memory).
const maxSamples = 4 << 20

func newClientTransport(conns int) *http.Transport {
	return &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		MaxIdleConns:        conns + 16,
		MaxIdleConnsPerHost: conns + 16,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// request sends one chat request and reads the answer to its end.
func request(ctx context.Context, c *http.Client, url, body string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(body)))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return err
	}
	if resp.StatusCode != 200 {
		return &statusError{resp.StatusCode}
	}
	return nil
}

type statusError struct{ code int }

func (e *statusError) Error() string { return "http " + strconv.Itoa(e.code) }

// result is one measurement: latencies (ns) and counts.
type result struct {
	lat      []int64
	ok, errs int64
	elapsed  time.Duration
	late     int64 // open model: sends that started >1 ms after schedule
}

func (r *result) rate() float64 { return float64(r.ok) / r.elapsed.Seconds() }

// pct returns the q-quantile (0..1) of sorted in ms.
func pct(sorted []int64, q float64) float64 {
	if len(sorted) == 0 {
		return math.NaN()
	}
	i := int(math.Ceil(q*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return float64(sorted[i]) / 1e6
}

// closedLoop runs n clients against url for d; every loop is bounded by
// the deadline and by maxSamples.
func closedLoop(c *http.Client, url, body string, n int, d time.Duration) *result {
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	var (
		mu  sync.Mutex
		res result
		wg  sync.WaitGroup
	)
	per := maxSamples / n
	start := time.Now()
	deadline := start.Add(d)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lat := make([]int64, 0, min(per, 1<<16))
			var ok, errs int64
			for time.Now().Before(deadline) {
				t0 := time.Now()
				err := request(ctx, c, url, body)
				if err != nil {
					errs++
					if ctx.Err() != nil {
						break
					}
					time.Sleep(time.Millisecond) // a refusing server must not spin us
					continue
				}
				ok++
				if len(lat) < per {
					lat = append(lat, int64(time.Since(t0)))
				}
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.ok += ok
			res.errs += errs
			mu.Unlock()
		}()
	}
	wg.Wait()
	res.elapsed = time.Since(start)
	slices.Sort(res.lat)
	return &res
}

// openLoop sends rate requests per second for d at scheduled times
// start + i/rate, from a pool of workers; each latency runs from the
// scheduled time to the end of the answer, so queueing (in the pool or in
// the server) shows up in it.
func openLoop(c *http.Client, url, body string, rate float64, workers int, d time.Duration) *result {
	total := int(rate * d.Seconds())
	ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
	defer cancel()
	sched := make(chan time.Time, total)
	var (
		mu   sync.Mutex
		res  result
		wg   sync.WaitGroup
		late atomic.Int64
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var lat []int64
			var ok, errs int64
			for at := range sched {
				if time.Since(at) > time.Millisecond {
					late.Add(1)
				}
				if err := request(ctx, c, url, body); err != nil {
					errs++
					continue
				}
				ok++
				lat = append(lat, int64(time.Since(at)))
			}
			mu.Lock()
			res.lat = append(res.lat, lat...)
			res.ok += ok
			res.errs += errs
			mu.Unlock()
		}()
	}
	start := time.Now()
	interval := time.Duration(float64(time.Second) / rate)
	for i := range total {
		at := start.Add(time.Duration(i) * interval)
		if w := time.Until(at); w > 0 {
			time.Sleep(w)
		}
		sched <- at
	}
	close(sched)
	wg.Wait()
	res.elapsed = d
	res.late = late.Load()
	slices.Sort(res.lat)
	return &res
}

// streamResult is the long-stream measurement: per-event delays (ns).
type streamResult struct {
	delays       []int64
	streamsOK    int64
	streamErrs   int64
	events, want int64
}

// longStreams opens n streams, starting them evenly over ramp, and reads
// each to its end. Every content event carries the upstream's send time;
// its delay is receive time − send time.
func longStreams(c *http.Client, url string, n, events int, ramp, limit time.Duration) *streamResult {
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	var (
		mu  sync.Mutex
		res streamResult
		wg  sync.WaitGroup
	)
	res.want = int64(n * events)
	start := time.Now()
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			time.Sleep(time.Until(start.Add(time.Duration(i) * ramp / time.Duration(n))))
			d, got, err := oneLongStream(ctx, c, url, events)
			mu.Lock()
			res.delays = append(res.delays, d...)
			res.events += int64(got)
			if err != nil || got != events {
				res.streamErrs++
			} else {
				res.streamsOK++
			}
			mu.Unlock()
		}()
	}
	wg.Wait()
	slices.Sort(res.delays)
	return &res
}

var contentKey = []byte(`"content":"`)

func oneLongStream(ctx context.Context, c *http.Client, url string, events int) ([]int64, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader([]byte(chatLong)))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		io.Copy(io.Discard, resp.Body)
		return nil, 0, &statusError{resp.StatusCode}
	}
	delays := make([]int64, 0, events)
	br := bufio.NewReaderSize(resp.Body, 4096)
	for {
		line, err := br.ReadSlice('\n')
		if len(line) > 6 && bytes.HasPrefix(line, []byte("data: ")) {
			now := time.Now().UnixNano()
			if i := bytes.Index(line, contentKey); i >= 0 {
				v := line[i+len(contentKey):]
				if j := bytes.IndexByte(v, '"'); j > 0 {
					if sent, perr := strconv.ParseInt(string(v[:j]), 10, 64); perr == nil {
						delays = append(delays, now-sent)
					}
				}
			}
		}
		if err != nil {
			if err == io.EOF {
				err = nil
			}
			return delays, len(delays), err
		}
	}
}
