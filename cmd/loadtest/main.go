// Command loadtest measures Switchyard against a direct connection and a
// bare reverse proxy (the floor), in the same run, in alternating rounds,
// and prints a markdown report.
//
//	go run ./cmd/loadtest                                  # closed loop, 1 and 32 clients, 1,000 long streams
//	go run ./cmd/loadtest -duration 10s -rounds 5 -clients 1,32
//	go run ./cmd/loadtest -mode open -rate 2000 -streams 0
//	go run ./cmd/loadtest -idle 60s -mode none -streams 0  # idle cost only
//	go build -o /tmp/switchyard . && go run ./cmd/loadtest -gateway /tmp/switchyard
//	go run ./cmd/loadtest -gateway /tmp/after -extra before=/tmp/before -scenarios stream,r2a-stream \
//	    -clients 32 -rounds 15 -duration 1s -streams 0 -targets switchyard -interleave -skip-direct
//	go run ./cmd/loadtest -targets switchyard,switchyard-usage -skip-direct -interleave \
//	    -clients 32 -scenarios stream,json -rounds 3 -duration 2s -streams 0   # usage accounting off vs on
//	go run ./cmd/loadtest medians bench.txt               # medians of go test -bench output
//
// Processes: the loadtest binary re-executes itself as the fake upstream,
// the floor and (by default) the gateway, so each has its own /proc entry:
// CPU per request is utime+stime of the proxy process over the requests it
// served, and peak RSS its VmHWM. The gateway child builds the server the
// way `switchyard serve` does (stock config with the environment
// overrides COPILOT_BASE_URLS etc., text log on stderr, a state dir);
// -gateway PATH runs a real `switchyard serve` binary instead, with XDG
// directories in a temporary directory. The load generator is this
// process. All traffic stays on 127.0.0.1; every loop is bounded by a
// deadline.
package main

import (
	"bufio"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func main() {
	if len(os.Args) > 1 && os.Args[1] == "medians" {
		runMedians(os.Args[2:])
		return
	}
	if len(os.Args) > 2 && os.Args[1] == "role" {
		switch os.Args[2] {
		case "upstream":
			runUpstream(os.Args[3:])
		case "floor":
			runFloor(os.Args[3:])
		case "gateway":
			runGateway(os.Args[3:])
		default:
			fatal(fmt.Errorf("unknown role %q", os.Args[2]))
		}
		return
	}
	if err := run(); err != nil {
		fatal(err)
	}
}

type options struct {
	duration, warmup      time.Duration
	rounds                int
	clients               []int
	scenarios, targets    []string
	modes                 []string
	rate                  float64
	workers               int
	streams, streamEvents int
	streamInterval, ramp  time.Duration
	streamRounds          int
	idle                  time.Duration
	gatewayBin            string
	extra                 string
	maxInFlight           int
	cpuProfile            string
	interleave            bool
	skipDirect            bool
}

func parseFlags() (*options, error) {
	o := &options{}
	var clients, scen, targets, mode string
	flag.DurationVar(&o.duration, "duration", 5*time.Second, "measured time per round")
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured warm-up before each round")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds per target (targets alternate: A,B,C,A,B,C…)")
	flag.StringVar(&clients, "clients", "1,32", "closed-loop client counts")
	flag.StringVar(&scen, "scenarios", "json,stream", "json (~280 B answer), stream (7 SSE events, ~1.1 kB): OpenAI passthrough; a-json, a-stream: Anthropic passthrough; o2a-json, o2a-stream, a2o-json, a2o-stream: conversion (OpenAI client to Anthropic backend, and back); r2a-json, r2a-stream, r2o-json, r2o-stream: a Responses client to an Anthropic / OpenAI backend; g2a-*, g2o-*: a Gemini API client to an Anthropic / OpenAI backend")
	flag.StringVar(&targets, "targets", "direct,floor,switchyard", "what to measure; direct is the baseline")
	flag.StringVar(&mode, "mode", "closed", "closed, open, closed,open or none")
	flag.Float64Var(&o.rate, "rate", 1000, "open model: requests per second")
	flag.IntVar(&o.workers, "workers", 256, "open model: most requests outstanding at once")
	flag.IntVar(&o.streams, "streams", 1000, "concurrent long streams (0 = skip the test)")
	flag.IntVar(&o.streamEvents, "stream-events", 50, "content events per long stream")
	flag.DurationVar(&o.streamInterval, "stream-interval", 100*time.Millisecond, "time between long-stream events")
	flag.DurationVar(&o.ramp, "stream-ramp", time.Second, "long streams start evenly over this time")
	flag.IntVar(&o.streamRounds, "stream-rounds", 1, "rounds of the long-stream test per target")
	flag.DurationVar(&o.idle, "idle", 0, "measure idle processes for this long, after start and after the load (0 = skip)")
	flag.StringVar(&o.extra, "extra", "", "more gateways to measure alongside, as NAME=PATH[,NAME=PATH] of switchyard binaries (e.g. a build from before a change)")
	flag.StringVar(&o.gatewayBin, "gateway", "self", `"self" (this binary as the gateway) or the path of a switchyard binary to run as "serve"`)
	flag.StringVar(&o.cpuProfile, "gateway-cpuprofile", "", "self gateway: write its CPU profile (whole run) to this file")
	flag.BoolVar(&o.interleave, "interleave", false, "closed loop: run round 1 of every scenario, then round 2 of every scenario, …, so that scenarios compared with each other (r2a-stream vs stream) see the same machine load")
	flag.BoolVar(&o.skipDirect, "skip-direct", false, "closed loop: do not measure the upstream directly (no \"added\" latency; more of the time goes to the proxies compared)")
	flag.IntVar(&o.maxInFlight, "max-in-flight", -1, "self gateway: Options.MaxInFlight; -1 = the gateway default, raised to fit -streams")
	flag.Parse()
	var err error
	if o.clients, err = intList(clients); err != nil {
		return nil, fmt.Errorf("-clients: %w", err)
	}
	o.scenarios, o.targets, o.modes = strings.Split(scen, ","), strings.Split(targets, ","), strings.Split(mode, ",")
	if o.rounds < 1 || o.rounds > 100 || o.duration <= 0 || o.duration > 10*time.Minute {
		return nil, errors.New("want 1..100 rounds of 0..10m")
	}
	if o.rate <= 0 || o.rate > 100000 || o.workers < 1 || o.workers > 10000 {
		return nil, errors.New("want -rate in (0, 100000] and -workers in [1, 10000]")
	}
	if o.streams < 0 || o.streams > 10000 || o.streamEvents < 1 || o.streamEvents > 10000 {
		return nil, errors.New("want -streams in [0, 10000] and -stream-events in [1, 10000]")
	}
	if o.maxInFlight < 0 {
		o.maxInFlight = 0
		if o.streams > 512-16 {
			o.maxInFlight = o.streams + 64
		}
	}
	return o, nil
}

func intList(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 || n > 4096 {
			return nil, fmt.Errorf("%q: want counts 1..4096", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// child is a started role process.
type child struct {
	name  string
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
	pid   int
}

func startRole(dir, role string, args ...string) (*child, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe, append([]string{"role", role}, args...)...)
	return startChild(dir, role, cmd, true)
}

// startChild starts cmd with its stderr in dir/NAME.log. With ready, it
// waits for "READY addr" on stdout; otherwise the caller waits.
func startChild(dir, name string, cmd *exec.Cmd, ready bool) (*child, error) {
	logf, err := os.Create(filepath.Join(dir, name+".log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stderr = logf
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	c := &child{name: name, cmd: cmd, stdin: stdin, pid: cmd.Process.Pid}
	if !ready {
		go io.Copy(io.Discard, out)
		return c, nil
	}
	line := make(chan string, 1)
	go func() {
		br := bufio.NewReader(out)
		l, _ := br.ReadString('\n')
		line <- l
		io.Copy(io.Discard, br)
	}()
	select {
	case l := <-line:
		addr, ok := strings.CutPrefix(strings.TrimSpace(l), "READY ")
		if !ok {
			c.stop()
			return nil, fmt.Errorf("%s did not start (see %s): %q", name, logf.Name(), l)
		}
		c.addr = addr
	case <-time.After(30 * time.Second):
		c.stop()
		return nil, fmt.Errorf("%s did not start within 30s (see %s)", name, logf.Name())
	}
	return c, nil
}

// stop ends the child: stdin EOF and SIGTERM, then SIGKILL after 10 s.
func (c *child) stop() {
	c.stdin.Close()
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// startSwitchyardBin runs a real `switchyard serve` on a free loopback
// port, configured by the environment only, with its XDG directories (so
// config, state and keychain lookups) in dir.
func startSwitchyardBin(dir, bin, upstream string) (*child, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	home := filepath.Join(dir, "home")
	env := []string{"PATH=" + os.Getenv("PATH"), "HOME=" + home,
		"XDG_CONFIG_HOME=" + filepath.Join(home, "config"), "XDG_STATE_HOME=" + filepath.Join(home, "state"),
		"XDG_DATA_HOME=" + filepath.Join(home, "data"), "XDG_CACHE_HOME=" + filepath.Join(home, "cache"),
		"DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(dir, "no-dbus")}
	for k, v := range gatewayEnv(upstream) {
		env = append(env, k+"="+v)
	}
	cmd := exec.Command(bin, "serve", "--addr", addr)
	cmd.Env = env
	c, err := startChild(dir, "switchyard", cmd, false)
	if err != nil {
		return nil, err
	}
	c.addr = addr
	cl := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		if resp, err := cl.Get("http://" + addr + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return c, nil
			}
		}
	}
	c.stop()
	return nil, fmt.Errorf("switchyard serve did not answer /healthz within 30s (see %s)", filepath.Join(dir, "switchyard.log"))
}

// target is one thing measured: where requests go, and which process
// does the proxying (nil for direct).
type target struct {
	name   string
	url    string // base, without the path
	proxy  *child
	client *http.Client
}

func run() error {
	o, err := parseFlags()
	if err != nil {
		return err
	}
	dir, err := os.MkdirTemp("", "switchyard-loadtest-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)

	up, err := startRole(dir, "upstream", "-long-events", strconv.Itoa(o.streamEvents), "-long-interval", o.streamInterval.String())
	if err != nil {
		return err
	}
	defer up.stop()
	upURL := "http://" + up.addr
	upstreamPID = up.pid
	var procs []*child
	targets := map[string]*target{"direct": {name: "direct", url: upURL}}
	for _, t := range o.targets {
		switch t {
		case "direct":
		case "floor":
			fl, err := startRole(dir, "floor", "-upstream", upURL)
			if err != nil {
				return err
			}
			defer fl.stop()
			procs = append(procs, fl)
			targets["floor"] = &target{name: "floor", url: "http://" + fl.addr, proxy: fl}
		case "switchyard":
			var gw *child
			if o.gatewayBin == "self" {
				os.MkdirAll(filepath.Join(dir, "state"), 0o700)
				gw, err = startRole(dir, "gateway", "-upstream", upURL, "-state", filepath.Join(dir, "state"), "-max-in-flight", strconv.Itoa(o.maxInFlight), "-cpuprofile", o.cpuProfile)
			} else {
				gw, err = startSwitchyardBin(dir, o.gatewayBin, upURL)
			}
			if err != nil {
				return err
			}
			defer gw.stop()
			procs = append(procs, gw)
			targets["switchyard"] = &target{name: "switchyard", url: "http://" + gw.addr, proxy: gw}
		case "switchyard-usage":
			// This binary as the gateway with usage accounting on (the
			// "switchyard" target runs it off), for the accounting's cost.
			sd := filepath.Join(dir, "state-usage")
			os.MkdirAll(sd, 0o700)
			gw, err := startRole(sd, "gateway", "-upstream", upURL, "-state", sd, "-max-in-flight", strconv.Itoa(o.maxInFlight),
				"-usage-db", filepath.Join(sd, "usage.db"))
			if err != nil {
				return err
			}
			defer gw.stop()
			gw.name = "switchyard-usage"
			procs = append(procs, gw)
			targets["switchyard-usage"] = &target{name: "switchyard-usage", url: "http://" + gw.addr, proxy: gw}
		default:
			return fmt.Errorf("-targets: unknown %q (want direct, floor, switchyard, switchyard-usage)", t)
		}
	}
	order := []*target{targets["direct"]}
	if o.skipDirect {
		order = nil
	}
	for _, n := range []string{"floor", "switchyard", "switchyard-usage"} {
		if t := targets[n]; t != nil {
			order = append(order, t)
		}
	}
	extras, err := startExtras(dir, o.extra, upURL, targets)
	if err != nil {
		return err
	}
	for _, gw := range extras {
		defer gw.stop()
		procs = append(procs, gw)
		order = append(order, targets[gw.name])
	}
	maxClients := slices.Max(o.clients)
	for _, t := range order {
		tr := newClientTransport(max(maxClients, o.workers))
		defer tr.CloseIdleConnections()
		t.client = &http.Client{Transport: tr}
	}

	return runLoad(o, up, procs, order)
}

// startExtras starts the -extra gateways (NAME=PATH,…), each a target
// named NAME; on an error it stops what it started.
func startExtras(dir, spec, upURL string, targets map[string]*target) ([]*child, error) {
	var out []*child
	stopAll := func() {
		for _, c := range out {
			c.stop()
		}
	}
	for _, e := range strings.Split(spec, ",") {
		if e == "" {
			continue
		}
		name, bin, ok := strings.Cut(e, "=")
		if !ok || targets[name] != nil || name == "" {
			stopAll()
			return nil, fmt.Errorf("-extra: want NAME=PATH with a new name, got %q", e)
		}
		gw, err := startSwitchyardBin(filepath.Join(dir, name), bin, upURL)
		if err != nil {
			stopAll()
			return nil, err
		}
		gw.name = name
		targets[name] = &target{name: name, url: "http://" + gw.addr, proxy: gw}
		out = append(out, gw)
	}
	return out, nil
}

// runLoad runs the load the flags ask for against the started targets and
// writes the report.
func runLoad(o *options, up *child, procs []*child, order []*target) error {
	rep := &report{o: o, start: time.Now(), load0: loadavg()}
	rep.header()
	if o.idle > 0 {
		time.Sleep(2 * time.Second) // let start-up settle
		rep.idle("after start", up, procs, o.idle)
	}
	for _, m := range o.modes {
		switch m {
		case "closed":
			if o.interleave {
				for i := range o.rounds {
					for _, sc := range o.scenarios {
						for _, n := range o.clients {
							rep.closedRound(sc, n, i, order)
						}
					}
				}
				for _, sc := range o.scenarios {
					for _, n := range o.clients {
						rep.closedReport(sc, n, order)
					}
				}
				break
			}
			for _, sc := range o.scenarios {
				for _, n := range o.clients {
					for i := range o.rounds {
						rep.closedRound(sc, n, i, order)
					}
					rep.closedReport(sc, n, order)
				}
			}
		case "open":
			for _, sc := range o.scenarios {
				rep.open(sc, order)
			}
		case "none", "":
		default:
			return fmt.Errorf("-mode: unknown %q", m)
		}
	}
	if o.streams > 0 {
		rep.longStreams(order)
	}
	if o.idle > 0 && (len(o.modes) > 1 || o.modes[0] != "none" || o.streams > 0) {
		for _, t := range order {
			t.client.Transport.(*http.Transport).CloseIdleConnections()
		}
		time.Sleep(2 * time.Second)
		rep.idle("after the load", up, procs, o.idle)
	}
	rep.footer(order)
	return nil
}

func loadavg() string {
	b, _ := os.ReadFile("/proc/loadavg")
	f := strings.Fields(string(b))
	if len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "?"
}

func cpuModel() string {
	b, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "?"
}

// ---- the report ----

type report struct {
	o     *options
	start time.Time
	load0 string
	// checks collects target lines for the summary.
	checks []string
	// byKey keeps medians for the checks: scenario/clients/target.
	med map[string]summary
	// rounds keeps the closed-loop rounds: scenario/clients/target.
	rounds map[string][]closedRound
}

// closedRound is one closed-loop round of one target.
type closedRound struct {
	rate, p50, p99, cpu, ucpu float64
	hwm, errs                 int64
}

type summary struct {
	rate, p50, p99, cpu float64 // req/s, ms, ms, ms per request
	hwm                 int64   // kB
	errs                int64
}

func (r *report) header() {
	fmt.Printf("# Switchyard load test\n\n")
	fmt.Printf("- machine: %d CPUs (%s), %s, GOMAXPROCS %d; load average at start %s\n", runtime.NumCPU(), cpuModel(), runtime.Version(), runtime.GOMAXPROCS(0), r.load0)
	fmt.Printf("- command: `%s`\n", strings.Join(append([]string{"loadtest"}, os.Args[1:]...), " "))
	fmt.Printf("- rounds: %d × %s measured (+%s warm-up) per target, targets alternating; figures are medians over rounds; \"added\" = target − direct (medians of the same run); CPU = utime+stime of the proxy process ÷ requests; peak RSS = largest VmHWM of a round\n\n", r.o.rounds, r.o.duration, r.o.warmup)
}

// conversionChecks compares each conversion scenario with the passthrough
// that gets the same upstream answer: Switchyard's throughput with
// conversion should be at least 85% of it (conversion costs ≤ 15%).
func (r *report) conversionChecks() {
	pairs := [][2]string{{"o2a-json", "a-json"}, {"o2a-stream", "a-stream"}, {"a2o-json", "json"}, {"a2o-stream", "stream"},
		{"r2a-json", "a-json"}, {"r2a-stream", "a-stream"}, {"r2o-json", "json"}, {"r2o-stream", "stream"},
		{"g2a-json", "a-json"}, {"g2a-stream", "a-stream"}, {"g2o-json", "json"}, {"g2o-stream", "stream"}}
	for _, n := range r.o.clients {
		for _, p := range pairs {
			c, okc := r.med[fmt.Sprintf("%s/%d/switchyard", p[0], n)]
			q, okq := r.med[fmt.Sprintf("%s/%d/switchyard", p[1], n)]
			if !okc || !okq {
				continue
			}
			tr := c.rate / q.rate
			r.checks = append(r.checks, fmt.Sprintf("%s vs %s passthrough, %d client(s): throughput %.0f vs %.0f req/s = %.0f%%, CPU per request %s vs %s (+%s) (target: conversion costs ≤ 15%% of throughput) %s",
				p[0], p[1], n, c.rate, q.rate, 100*tr, ms(c.cpu), ms(q.cpu), ms(c.cpu-q.cpu), verdict(tr >= 0.85)))
		}
	}
}

// cpuChecks compares the proxy CPU per request of the Responses
// conversions with the Chat passthrough (target: ≤ 1.25×), for every
// proxy measured; with -interleave also round by round.
func (r *report) cpuChecks(order []*target) {
	pairs := [][2]string{{"r2o-stream", "stream"}, {"r2a-stream", "stream"}, {"r2a-json", "json"}, {"r2o-json", "json"},
		{"g2o-stream", "stream"}, {"g2a-stream", "stream"}, {"g2a-json", "json"}, {"g2o-json", "json"}}
	for _, n := range r.o.clients {
		for _, p := range pairs {
			for _, t := range order {
				if t.proxy == nil || t.name == "floor" {
					continue
				}
				c, okc := r.med[fmt.Sprintf("%s/%d/%s", p[0], n, t.name)]
				q, okq := r.med[fmt.Sprintf("%s/%d/%s", p[1], n, t.name)]
				if !okc || !okq {
					continue
				}
				ratio := c.cpu / q.cpu
				per := ""
				if r.o.interleave {
					a, b := r.rounds[fmt.Sprintf("%s/%d/%s", p[0], n, t.name)], r.rounds[fmt.Sprintf("%s/%d/%s", p[1], n, t.name)]
					var rs []string
					for i := range min(len(a), len(b)) {
						rs = append(rs, strconv.FormatFloat(a[i].cpu/b[i].cpu, 'f', 2, 64))
					}
					per = " (rounds: " + strings.Join(rs, ", ") + ")"
				}
				r.checks = append(r.checks, fmt.Sprintf("%s: %s vs %s, %d client(s): proxy CPU per request %s vs %s = %.2f×%s (target ≤ 1.25×) %s",
					t.name, p[0], p[1], n, ms(c.cpu), ms(q.cpu), ratio, per, verdict(ratio <= 1.25)))
			}
		}
	}
}

func (r *report) footer(order []*target) {
	r.conversionChecks()
	r.cpuChecks(order)
	fmt.Printf("\nLoad average at the end: %s; total time %s.\n", loadavg(), time.Since(r.start).Round(time.Second))
	if len(r.checks) > 0 {
		fmt.Printf("\n## Targets\n\n")
		for _, c := range r.checks {
			fmt.Println("- " + c)
		}
	}
}

func median(xs []float64) float64 {
	var v []float64
	for _, x := range xs {
		if !math.IsNaN(x) {
			v = append(v, x)
		}
	}
	if len(v) == 0 {
		return math.NaN()
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func ms(x float64) string {
	switch {
	case math.IsNaN(x):
		return "–"
	case math.Abs(x) >= 10:
		return strconv.FormatFloat(x, 'f', 1, 64) + " ms"
	case math.Abs(x) >= 1:
		return strconv.FormatFloat(x, 'f', 2, 64) + " ms"
	}
	return strconv.FormatFloat(x, 'f', 3, 64) + " ms"
}

func mb(kb int64) string {
	if kb < 0 {
		return "–"
	}
	return strconv.FormatFloat(float64(kb)/1024, 'f', 1, 64) + " MB"
}

// measure runs f with CPU and peak-RSS accounting of the proxy process.
func measure(t *target, f func() int64) (cpuMS float64, hwm int64) {
	cpuMS, hwm, _ = measureAll(t, f)
	return cpuMS, hwm
}

// upstreamPID is the fake upstream's process, for the CPU it spends.
var upstreamPID int

// measureAll also returns the CPU that the upstream and this load
// generator spent per unit, to show where a saturated machine's time went.
func measureAll(t *target, f func() int64) (cpuMS float64, hwm int64, others [2]float64) {
	pid := -1
	if t.proxy != nil {
		pid = t.proxy.pid
		resetPeakRSS(pid)
	}
	p0, _ := cpuTicks(pid)
	u0, _ := cpuTicks(upstreamPID)
	c0, _ := cpuTicks(os.Getpid())
	n := f()
	p1, _ := cpuTicks(pid)
	u1, _ := cpuTicks(upstreamPID)
	c1, _ := cpuTicks(os.Getpid())
	per := func(d int64) float64 {
		if n <= 0 {
			return math.NaN()
		}
		return float64(d) * (1000 / clkTck) / float64(n)
	}
	others = [2]float64{per(u1 - u0), per(c1 - c0)}
	if t.proxy == nil {
		return math.NaN(), -1, others
	}
	return per(p1 - p0), statusKB(pid, "VmHWM"), others
}

// scenario is what the clients send: through a proxy (gateway, floor)
// and, for direct, the upstream-native request that gets the same answer.
type scenario struct {
	path, body             string // to Switchyard
	nativePath, nativeBody string // to the upstream (direct) and the floor
}

// scenarios: OpenAI passthrough (json, stream), Anthropic passthrough
// (a-json, a-stream), an OpenAI client in front of an Anthropic backend
// (o2a-*) and the reverse (a2o-*). A conversion scenario's upstream answer
// is the same as that of the passthrough of the upstream's protocol
// (o2a-json ~ a-json, a2o-json ~ json), so their difference is the
// conversion's cost.
var scenarios = map[string]scenario{
	"json":       {"/v1/chat/completions", chatJSON, "/v1/chat/completions", chatJSON},
	"stream":     {"/v1/chat/completions", chatStream, "/v1/chat/completions", chatStream},
	"a-json":     {"/v1/messages", msgJSON, "/v1/messages", msgJSON},
	"a-stream":   {"/v1/messages", msgStream, "/v1/messages", msgStream},
	"o2a-json":   {"/v1/chat/completions", chatJSONClaude, "/v1/messages", msgJSON},
	"o2a-stream": {"/v1/chat/completions", chatStreamClaude, "/v1/messages", msgStream},
	"a2o-json":   {"/v1/messages", msgJSONGPT, "/v1/chat/completions", chatJSON},
	"a2o-stream": {"/v1/messages", msgStreamGPT, "/v1/chat/completions", chatStream},
	// A Responses client (Codex CLI) in front of an Anthropic backend
	// (r2a-*) and an OpenAI one (r2o-*).
	"r2a-json":   {"/v1/responses", respJSONClaude, "/v1/messages", msgJSON},
	"r2a-stream": {"/v1/responses", respStreamClaude, "/v1/messages", msgStream},
	"r2o-json":   {"/v1/responses", respJSONGPT, "/v1/chat/completions", chatJSON},
	"r2o-stream": {"/v1/responses", respStreamGPT, "/v1/chat/completions", chatStream},
	// A Gemini API client (Gemini CLI) in front of an Anthropic backend
	// (g2a-*) and an OpenAI one (g2o-*); the model is in the path.
	"g2a-json":   {"/v1beta/models/claude-sonnet-4-5-20250929:generateContent", geminiReq, "/v1/messages", msgJSON},
	"g2a-stream": {"/v1beta/models/claude-sonnet-4-5-20250929:streamGenerateContent?alt=sse", geminiReq, "/v1/messages", msgStream},
	"g2o-json":   {"/v1beta/models/gpt-4.1:generateContent", geminiReq, "/v1/chat/completions", chatJSON},
	"g2o-stream": {"/v1beta/models/gpt-4.1:streamGenerateContent?alt=sse", geminiReq, "/v1/chat/completions", chatStream},
}

// request returns the path and body scenario sc sends to t.
func (sc scenario) request(t *target) (string, string) {
	if t.name == "direct" || t.name == "floor" {
		return sc.nativePath, sc.nativeBody
	}
	return sc.path, sc.body
}

// closedRound runs round i of scenario sc with n clients on every target.
func (r *report) closedRound(sc string, n, i int, order []*target) {
	scen, ok := scenarios[sc]
	if !ok {
		if i == 0 {
			fmt.Fprintf(os.Stderr, "skipping unknown scenario %q\n", sc)
		}
		return
	}
	if r.rounds == nil {
		r.rounds = map[string][]closedRound{}
	}
	for _, t := range order {
		p, body := scen.request(t)
		closedLoop(t.client, t.url+p, body, n, r.o.warmup)
		var res *result
		cpu, hwm, others := measureAll(t, func() int64 {
			res = closedLoop(t.client, t.url+p, body, n, r.o.duration)
			return res.ok
		})
		rd := closedRound{rate: res.rate(), p50: pct(res.lat, 0.5), p99: pct(res.lat, 0.99), cpu: cpu, ucpu: others[0], hwm: hwm, errs: res.errs}
		key := fmt.Sprintf("%s/%d/%s", sc, n, t.name)
		r.rounds[key] = append(r.rounds[key], rd)
		fmt.Fprintf(os.Stderr, "closed %s c=%d round %d %-10s %8.0f req/s p50 %s p99 %s cpu/req %s errs %d (load %s)\n",
			sc, n, i+1, t.name, rd.rate, ms(rd.p50), ms(rd.p99), ms(cpu), res.errs, loadavg())
	}
}

// closedReport prints the medians of scenario sc's closed-loop rounds.
func (r *report) closedReport(sc string, n int, order []*target) {
	if _, ok := scenarios[sc]; !ok {
		return
	}
	rounds := map[string][]closedRound{}
	for _, t := range order {
		rounds[t.name] = r.rounds[fmt.Sprintf("%s/%d/%s", sc, n, t.name)]
	}
	fmt.Printf("\n### %s, %d client(s), closed loop\n\n", sc, n)
	fmt.Printf("| target | req/s (min–max) | × direct | p50 | p99 | added p50 | added p99 | proxy CPU / req | upstream CPU / req | peak RSS | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	sums := map[string]summary{}
	ranges, ucpus := map[string]string{}, map[string]float64{}
	for _, t := range order {
		var rate, p50, p99, cpu, ucpu []float64
		var hwm, errs int64 = -1, 0
		for _, rd := range rounds[t.name] {
			rate, p50, p99, cpu, ucpu = append(rate, rd.rate), append(p50, rd.p50), append(p99, rd.p99), append(cpu, rd.cpu), append(ucpu, rd.ucpu)
			hwm, errs = max(hwm, rd.hwm), errs+rd.errs
		}
		sums[t.name] = summary{rate: median(rate), p50: median(p50), p99: median(p99), cpu: median(cpu), hwm: hwm, errs: errs}
		ranges[t.name] = fmt.Sprintf("%.0f–%.0f", slices.Min(rate), slices.Max(rate))
		ucpus[t.name] = median(ucpu)
	}
	d := sums["direct"]
	for _, t := range order {
		s := sums[t.name]
		added50, added99 := s.p50-d.p50, s.p99-d.p99
		a50, a99 := ms(added50), ms(added99)
		if t.name == "direct" || d.rate == 0 {
			a50, a99 = "–", "–"
		}
		xd := math.NaN()
		if d.rate > 0 {
			xd = s.rate / d.rate
		}
		fmt.Printf("| %s | %.0f (%s) | %.2f | %s | %s | %s | %s | %s | %s | %s | %d |\n", t.name, s.rate, ranges[t.name], xd, ms(s.p50), ms(s.p99), a50, a99, ms(s.cpu), ms(ucpus[t.name]), mb(s.hwm), s.errs)
	}
	if r.med == nil {
		r.med = map[string]summary{}
	}
	for name, sm := range sums {
		r.med[fmt.Sprintf("%s/%d/%s", sc, n, name)] = sm
	}
	f, g := sums["floor"], sums["switchyard"]
	if f.rate > 0 && g.rate > 0 {
		key := fmt.Sprintf("%s, %d client(s)", sc, n)
		if n == 1 {
			ratio := (g.p50 - d.p50) / (f.p50 - d.p50)
			r.checks = append(r.checks, fmt.Sprintf("%s: added p50 %s vs the floor's %s = %.2f× (target ≤ 1.3×) %s", key, ms(g.p50-d.p50), ms(f.p50-d.p50), ratio, verdict(ratio <= 1.3)))
		} else {
			tr := g.rate / f.rate
			r.checks = append(r.checks, fmt.Sprintf("%s: throughput %.0f vs the floor's %.0f req/s = %.0f%% (target ≥ 85%%) %s", key, g.rate, f.rate, 100*tr, verdict(tr >= 0.85)))
		}
		cr := g.cpu / f.cpu
		r.checks = append(r.checks, fmt.Sprintf("%s: CPU per request %s vs the floor's %s = %.2f× (target ≤ 1.3×) %s", key, ms(g.cpu), ms(f.cpu), cr, verdict(cr <= 1.3)))
	}
}

func verdict(ok bool) string {
	if ok {
		return "**met**"
	}
	return "**missed**"
}

func (r *report) open(sc string, order []*target) {
	scen, ok := scenarios[sc]
	if !ok {
		return
	}
	type round struct {
		rate, p50, p99, p999, max, cpu float64
		errs, late                     int64
	}
	rounds := map[string][]round{}
	for i := range r.o.rounds {
		for _, t := range order {
			p, body := scen.request(t)
			closedLoop(t.client, t.url+p, body, 4, r.o.warmup)
			var res *result
			cpu, _ := measure(t, func() int64 {
				res = openLoop(t.client, t.url+p, body, r.o.rate, r.o.workers, r.o.duration)
				return res.ok
			})
			rd := round{rate: res.rate(), p50: pct(res.lat, 0.5), p99: pct(res.lat, 0.99), p999: pct(res.lat, 0.999), max: pct(res.lat, 1), cpu: cpu, errs: res.errs, late: res.late}
			rounds[t.name] = append(rounds[t.name], rd)
			fmt.Fprintf(os.Stderr, "open %s %.0f/s round %d %-10s %8.0f req/s p50 %s p99 %s p99.9 %s late %d errs %d (load %s)\n",
				sc, r.o.rate, i+1, t.name, rd.rate, ms(rd.p50), ms(rd.p99), ms(rd.p999), res.late, res.errs, loadavg())
		}
	}
	fmt.Printf("\n### %s, open model at %.0f req/s (latency from the scheduled send time)\n\n", sc, r.o.rate)
	fmt.Printf("| target | done/s | p50 | p99 | p99.9 | max | added p50 | added p99 | proxy CPU / req | late sends | errors |\n|---|---|---|---|---|---|---|---|---|---|---|\n")
	var d round
	for _, t := range order {
		var rate, p50, p99, p999, mx, cpu []float64
		var errs, late int64
		for _, rd := range rounds[t.name] {
			rate, p50, p99, p999, mx, cpu = append(rate, rd.rate), append(p50, rd.p50), append(p99, rd.p99), append(p999, rd.p999), append(mx, rd.max), append(cpu, rd.cpu)
			errs, late = errs+rd.errs, late+rd.late
		}
		s := round{rate: median(rate), p50: median(p50), p99: median(p99), p999: median(p999), max: median(mx), cpu: median(cpu)}
		a50, a99 := "–", "–"
		if t.name == "direct" {
			d = s
		} else {
			a50, a99 = ms(s.p50-d.p50), ms(s.p99-d.p99)
		}
		fmt.Printf("| %s | %.0f | %s | %s | %s | %s | %s | %s | %s | %d | %d |\n", t.name, s.rate, ms(s.p50), ms(s.p99), ms(s.p999), ms(s.max), a50, a99, ms(s.cpu), late, errs)
	}
}

func (r *report) longStreams(order []*target) {
	o := r.o
	limit := o.ramp + time.Duration(o.streamEvents+1)*o.streamInterval + 60*time.Second
	type row struct {
		res       *streamResult
		cpu       float64
		hwm, peak int64
		others    [2]float64
	}
	rows := map[string][]row{}
	for i := range o.streamRounds {
		for _, t := range order {
			tr := newClientTransport(o.streams)
			c := &http.Client{Transport: tr}
			var peak int64 = -1
			stopSample := make(chan struct{})
			sampled := make(chan struct{})
			if t.proxy != nil {
				go func() { // RSS now and then; this wakes the load test, not the proxy
					defer close(sampled)
					tick := time.NewTicker(250 * time.Millisecond)
					defer tick.Stop()
					for {
						select {
						case <-stopSample:
							return
						case <-tick.C:
							peak = max(peak, statusKB(t.proxy.pid, "VmRSS"))
						}
					}
				}()
			} else {
				close(sampled)
			}
			var res *streamResult
			cpu, hwm, others := measureAll(t, func() int64 {
				res = longStreams(c, t.url+"/v1/chat/completions", o.streams, o.streamEvents, o.ramp, limit)
				return res.events
			})
			close(stopSample)
			<-sampled
			tr.CloseIdleConnections()
			rows[t.name] = append(rows[t.name], row{res, cpu, hwm, peak, others})
			fmt.Fprintf(os.Stderr, "streams %d×%d round %d %-10s ok %d/%d events %d/%d p50 %s p99 %s p99.9 %s peak RSS %s (load %s)\n",
				o.streams, o.streamEvents, i+1, t.name, res.streamsOK, o.streams, res.events, res.want,
				ms(pct(res.delays, .5)), ms(pct(res.delays, .99)), ms(pct(res.delays, .999)), mb(hwm), loadavg())
		}
	}
	fmt.Printf("\n### %d concurrent streams × %d events, one every %s (per-event delay = client receive − upstream send)\n\n", o.streams, o.streamEvents, o.streamInterval)
	fmt.Printf("| target | streams ok | events | delay p50 | p99 | p99.9 | max | added p50 | added p99 | proxy CPU / event | upstream + client CPU / event | peak RSS |\n|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	var d50, d99 float64
	var g99 float64
	var ghwm int64
	for _, t := range order {
		var p50, p99, p999, mx, cpu, ucpu, ccpu []float64
		var ok, events, want int64
		var hwm int64 = -1
		for _, rw := range rows[t.name] {
			p50, p99 = append(p50, pct(rw.res.delays, .5)), append(p99, pct(rw.res.delays, .99))
			p999, mx = append(p999, pct(rw.res.delays, .999)), append(mx, pct(rw.res.delays, 1))
			cpu, ucpu, ccpu = append(cpu, rw.cpu), append(ucpu, rw.others[0]), append(ccpu, rw.others[1])
			ok, events, want = ok+rw.res.streamsOK, events+rw.res.events, want+rw.res.want
			hwm = max(hwm, rw.hwm, rw.peak)
		}
		a50, a99 := "–", "–"
		if t.name == "direct" {
			d50, d99 = median(p50), median(p99)
		} else {
			a50, a99 = ms(median(p50)-d50), ms(median(p99)-d99)
		}
		if t.name == "switchyard" {
			g99, ghwm = median(p99)-d99, hwm
		}
		fmt.Printf("| %s | %d/%d | %d/%d | %s | %s | %s | %s | %s | %s | %s | %s + %s | %s |\n", t.name, ok, int64(o.streams*o.streamRounds), events, want,
			ms(median(p50)), ms(median(p99)), ms(median(p999)), ms(median(mx)), a50, a99, ms(median(cpu)), ms(median(ucpu)), ms(median(ccpu)), mb(hwm))
	}
	if _, ok := rowsHas(rows, "switchyard"); ok {
		r.checks = append(r.checks, fmt.Sprintf("%d concurrent streams: added per-event delay p99 %s (target ≤ 1 ms) %s; peak RSS %s (target ≤ 150 MB) %s",
			o.streams, ms(g99), verdict(g99 <= 1), mb(ghwm), verdict(ghwm >= 0 && ghwm <= 150<<10)))
	}
}

func rowsHas[T any](m map[string][]T, k string) ([]T, bool) {
	v, ok := m[k]
	return v, ok
}

// idle measures processes doing nothing for d: RSS, CPU ticks, and
// context switches (wake-ups) over all threads.
func (r *report) idle(when string, up *child, procs []*child, d time.Duration) {
	all := append([]*child{up}, procs...)
	type snap struct {
		ticks, vol, invol int64
	}
	s0 := map[int]snap{}
	for _, p := range all {
		t, _ := cpuTicks(p.pid)
		v, iv := ctxSwitches(p.pid)
		s0[p.pid] = snap{t, v, iv}
	}
	fmt.Fprintf(os.Stderr, "idle %s: waiting %s\n", when, d)
	time.Sleep(d)
	fmt.Printf("\n### Idle for %s, %s\n\n", d, when)
	fmt.Printf("| process | RSS | peak RSS | threads | CPU | context switches (vol + invol) | per second |\n|---|---|---|---|---|---|---|\n")
	for _, p := range all {
		t, _ := cpuTicks(p.pid)
		v, iv := ctxSwitches(p.pid)
		a := s0[p.pid]
		cs := (v - a.vol) + (iv - a.invol)
		fmt.Printf("| %s | %s | %s | %d | %d ticks (%s) | %d + %d | %.2f |\n", p.name, mb(statusKB(p.pid, "VmRSS")), mb(statusKB(p.pid, "VmHWM")), threads(p.pid),
			t-a.ticks, ms(float64(t-a.ticks)*1000/clkTck), v-a.vol, iv-a.invol, float64(cs)/d.Seconds())
		if p.name == "gateway" || p.name == "switchyard" {
			rss := statusKB(p.pid, "VmRSS")
			r.checks = append(r.checks, fmt.Sprintf("idle %s: gateway RSS %s (target ≤ 30 MB) %s, CPU %d ticks and %d context switches in %s (target: no measurable CPU) %s",
				when, mb(rss), verdict(rss >= 0 && rss <= 30<<10), t-a.ticks, cs, d, verdict(t-a.ticks <= 1)))
		}
	}
}
