package monitor

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// testKey is the key every fake of these tests accepts, so a fake started
// again on the same port is the same target to the monitor.
const testKey = "sk_monitor_test_0123456789abcdef"

// fakeAt is a fake on a ManualClock, accepting key, started on addr
// ("127.0.0.1:0" for a free port) with faults switched on; closed when t
// ends if not before.
type fakeAt struct {
	srv   *fakeserver.Server
	clock *fakeserver.ManualClock
	addr  string
}

func startFake(t testing.TB, addr, key string, faults ...string) *fakeAt {
	t.Helper()
	clock := fakeserver.NewManualClock(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	srv, err := fakeserver.New(fakeserver.Options{Clock: clock, APIKeys: []string{key}, Faults: faults})
	if err != nil {
		t.Fatal(err)
	}
	var base string
	if addr == "127.0.0.1:0" {
		base, err = startOutsideEphemeral(srv)
	} else {
		base, err = srv.Start(addr)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &fakeAt{srv: srv, clock: clock, addr: strings.TrimPrefix(base, "http://")}
}

// startOutsideEphemeral starts srv on a port below the ephemeral ranges
// (Linux 32768-60999, macOS and Windows from 49152), which the tests that
// stop a fake and start another on its address need: a port from 127.0.0.1:0
// is an ephemeral one, and in the moment it was free, a connection any test
// opened could take it as its own local port (seen: "bind: address already
// in use" beside the memory test's thousands of connections).
func startOutsideEphemeral(srv *fakeserver.Server) (string, error) {
	var err error
	for range 50 {
		var base string
		if base, err = srv.Start(fmt.Sprintf("127.0.0.1:%d", 20000+rand.IntN(12000))); err == nil {
			return base, nil
		}
	}
	return "", err
}

// clock is the monitor's clock in a test: it moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }
func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newMonitor watches the fake at addr as a URL target, with the in-process
// fake's probe timeouts (targets.Fake).
func newMonitor(t testing.TB, f *fakeAt, key string, o Options) (*Monitor, *clock) {
	t.Helper()
	c := &clock{now: time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)}
	o.Target = probes.Target{Name: f.addr, BaseURL: "http://" + f.addr, APIKey: key}
	audio := o.Probe.AudioSeconds
	o.Probe = targets.Fake(f.srv).Probe
	o.Probe.AdvanceClock = nil // a URL target's clock cannot jump
	o.Probe.AudioSeconds = audio
	if o.Now == nil {
		o.Now = c.Now
	}
	return New(o), c
}

// scrape reads what mon serves at path with the Prometheus text parser.
func scrape(t testing.TB, h http.Handler, path string) (map[string]*dto.MetricFamily, string) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body)
	}
	body := rec.Body.String()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(body))
	if err != nil {
		t.Fatalf("GET %s: not the Prometheus text format: %v\n%s", path, err, body)
	}
	return fams, body
}

// value is the value of the series of family name whose labels include
// want; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.GetMetric() {
		got := map[string]string{}
		for _, l := range m.GetLabel() {
			got[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if got[k] != v {
				continue next
			}
		}
		switch {
		case m.Gauge != nil:
			return m.GetGauge().GetValue(), true
		case m.Counter != nil:
			return m.GetCounter().GetValue(), true
		case m.Histogram != nil:
			return float64(m.GetHistogram().GetSampleCount()), true
		}
	}
	return 0, false
}

func mustValue(t testing.TB, fams map[string]*dto.MetricFamily, name string, want map[string]string) float64 {
	t.Helper()
	v, ok := value(fams, name, want)
	if !ok {
		t.Fatalf("no %s%v served", name, want)
	}
	return v
}

func path(p string) map[string]string { return map[string]string{"path": p} }

// cycle runs one cycle of mon and fails t unless it probed.
func cycle(t testing.TB, mon *Monitor) {
	t.Helper()
	if !mon.Cycle(context.Background()) {
		t.Fatal("the cycle probed nothing")
	}
}

// The bug this project started from, switched on between two cycles: the
// fake at the monitor's target is replaced by one with sutkn-query-rejected
// on the same port (the fake cannot switch a fault on while it runs). After
// that one cycle, token-query fails while the header still works, and the
// cause is the doctor's: a fresh token refused, the server's side.
func TestSutknRegressionShowsWithinOneCycle(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	var log bytes.Buffer
	mon, _ := newMonitor(t, f, testKey, Options{Log: &log})
	cycle(t, mon)
	fams, _ := scrape(t, mon.Handler(), "/metrics")
	for _, p := range Paths {
		if v := mustValue(t, fams, "scribecheck_probe_success", path(p.Name)); v != 1 {
			t.Errorf("faithful fake: scribecheck_probe_success{path=%q} = %v, want 1\n%s", p.Name, v, log.String())
		}
	}

	_ = f.srv.Close()
	startFake(t, f.addr, testKey, fakeserver.FaultSutknQueryRejected)
	cycle(t, mon)
	fams, _ = scrape(t, mon.Handler(), "/metrics")
	want := map[string]float64{"header": 1, "token-query": 0, "token-reused": 0, "header-invalid": 1}
	for p, w := range want {
		if v := mustValue(t, fams, "scribecheck_probe_success", path(p)); v != w {
			t.Errorf("sutkn bug: scribecheck_probe_success{path=%q} = %v, want %v", p, v, w)
		}
	}
	cause := map[string]string{"path": "token-query", "outcome": string(probes.OutcomeAuthError), "cause": "token/fresh", "side": "server"}
	if v, ok := value(fams, "scribecheck_probe_cause_info", cause); !ok || v != 1 {
		t.Errorf("no scribecheck_probe_cause_info%v = 1 after the bug", cause)
	}
	if n := len(fams["scribecheck_probe_cause_info"].GetMetric()); n != len(Paths) {
		t.Errorf("%d cause series, want one a path (%d): the last cycle's only", n, len(Paths))
	}
	if v := mustValue(t, fams, "scribecheck_auth_errors_total", path("token-query")); v != 1 {
		t.Errorf("scribecheck_auth_errors_total{path=\"token-query\"} = %v, want 1", v)
	}
	if !strings.Contains(log.String(), "token-query FAILED (auth_error") || !strings.Contains(log.String(), "cause token/fresh, server side") {
		t.Errorf("the log does not name the refusal and its cause:\n%s", log.String())
	}
}

// A target that goes away is down (no HTTP answer, every path failed), and
// up again when it comes back, without a restart of the monitor.
func TestTargetDownThenUp(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	var log bytes.Buffer
	mon, _ := newMonitor(t, f, testKey, Options{Log: &log})
	upAfter := func(what string, want float64) {
		t.Helper()
		cycle(t, mon)
		fams, _ := scrape(t, mon.Handler(), "/metrics")
		if v := mustValue(t, fams, "scribecheck_target_up", nil); v != want {
			t.Fatalf("%s: scribecheck_target_up = %v, want %v\n%s", what, v, want, log.String())
		}
		if v := mustValue(t, fams, "scribecheck_probe_success", path("header")); v != want {
			t.Errorf("%s: header success = %v, want %v", what, v, want)
		}
		if want == 0 {
			if _, ok := value(fams, "scribecheck_probe_cause_info", map[string]string{"path": "header", "outcome": string(probes.OutcomeUnreachable)}); !ok {
				t.Errorf("%s: the header's outcome is not unreachable; the causes: %v\nthe log:\n%s", what, fams["scribecheck_probe_cause_info"], log.String())
			}
		}
	}
	upAfter("running", 1)
	_ = f.srv.Close()
	upAfter("gone", 0)
	startFake(t, f.addr, testKey)
	upAfter("back", 1)
	if !strings.Contains(log.String(), "target DOWN") {
		t.Errorf("the log does not say the target was down:\n%s", log.String())
	}
}

// The budget: a cycle may stream at most a second on each of the 4 paths
// and streams 2 s (header, token-query). With 6 s a day the first two
// cycles fit (0+4, 2+4), the third could pass it: probing stops, says so
// once, and resumes the next UTC day.
func TestBudgetStopsProbingForTheDay(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	var log bytes.Buffer
	mon, clk := newMonitor(t, f, testKey, Options{Log: &log, BudgetAudioSeconds: 6})
	cycle(t, mon)
	cycle(t, mon)
	for range 2 {
		if mon.Cycle(context.Background()) {
			t.Fatalf("a cycle ran past the budget\n%s", log.String())
		}
	}
	fams, _ := scrape(t, mon.Handler(), "/metrics")
	for name, want := range map[string]float64{"scribecheck_budget_exhausted": 1, "scribecheck_budget_spent_audio_seconds": 4,
		"scribecheck_audio_seconds_total": 4, "scribecheck_tokens_minted_total": 4, "scribecheck_cycles_total": 2, "scribecheck_budget_audio_seconds": 6} {
		if v := mustValue(t, fams, name, nil); v != want {
			t.Errorf("%s = %v, want %v", name, v, want)
		}
	}
	// All four paths (4 s) could pass it too; one path alone (1 s) would fit.
	if _, body := scrape(t, mon.Handler(), "/probe"); !strings.Contains(body, "scribecheck_budget_exhausted 1") || strings.Contains(body, "scribecheck_probe_success") {
		t.Errorf("/probe with the budget spent probed, or did not say why not:\n%s", body)
	}
	if n := strings.Count(log.String(), "budget reached"); n != 1 {
		t.Errorf("the log says the budget was reached %d times, want once:\n%s", n, log.String())
	}

	clk.Advance(24 * time.Hour)
	cycle(t, mon)
	fams, _ = scrape(t, mon.Handler(), "/metrics")
	if v := mustValue(t, fams, "scribecheck_budget_exhausted", nil); v != 0 {
		t.Errorf("the next day: scribecheck_budget_exhausted = %v, want 0", v)
	}
	if !strings.Contains(log.String(), "probing resumes") {
		t.Errorf("the log does not say probing resumed:\n%s", log.String())
	}
}

// /probe runs what the scrape asks for, of the monitored paths, on the
// monitor's own target only.
func TestProbeEndpoint(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	mon, _ := newMonitor(t, f, testKey, Options{})
	h := mon.Handler()
	fams, _ := scrape(t, h, "/probe?path=token-query&target=http://"+f.addr)
	if v := mustValue(t, fams, "scribecheck_probe_success", path("token-query")); v != 1 {
		t.Errorf("/probe?path=token-query: success %v", v)
	}
	if _, ok := value(fams, "scribecheck_probe_success", path("header")); ok {
		t.Error("/probe?path=token-query probed the header too")
	}
	if v := mustValue(t, fams, "scribecheck_probe_stage_seconds", map[string]string{"path": "token-query", "stage": "commit"}); v <= 0 {
		t.Errorf("no commit time: %v", v)
	}
	fams, _ = scrape(t, h, "/probe")
	if n := len(fams["scribecheck_probe_success"].GetMetric()); n != len(Paths) {
		t.Errorf("/probe with no path probed %d paths, want all %d", n, len(Paths))
	}
	// The spending of a scrape counts in /metrics; the cycles' state does not.
	fams, _ = scrape(t, h, "/metrics")
	if v := mustValue(t, fams, "scribecheck_tokens_minted_total", nil); v != 3 {
		t.Errorf("scribecheck_tokens_minted_total = %v after the scrapes, want 3", v)
	}
	if _, ok := value(fams, "scribecheck_probe_success", nil); ok {
		t.Error("/metrics shows a path's success before any cycle")
	}
	for _, bad := range []string{"/probe?target=http://elsewhere.example:8080", "/probe?path=token-expired"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, bad, nil))
		if rec.Code != http.StatusBadRequest {
			t.Errorf("GET %s: %d, want 400", bad, rec.Code)
		}
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
	if rec.Code != http.StatusOK || rec.Body.String() != "ok\n" {
		t.Errorf("/healthz: %d %q", rec.Code, rec.Body)
	}
}

// Run runs a cycle at once and one on every tick of its ticker, and
// returns when its context ends; the test's ticker is a channel it sends
// on, and it waits on the log's lines, not on time.
func TestRunCyclesOnTicks(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	lines := make(chan string, 16)
	tick := make(chan time.Time)
	stopped := make(chan struct{})
	mon, _ := newMonitor(t, f, testKey, Options{Log: lineWriter(lines), Interval: time.Hour,
		Ticker: func(d time.Duration) (<-chan time.Time, func()) {
			if d != time.Hour {
				t.Errorf("ticker of %v, want the interval", d)
			}
			return tick, func() { close(stopped) }
		}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { mon.Run(ctx); close(done) }()
	for i := 1; i <= 3; i++ {
		if i > 1 {
			tick <- time.Now()
		}
		if l := <-lines; !strings.HasPrefix(l, "monitor: cycle "+string(rune('0'+i))+":") {
			t.Fatalf("line %d: %q", i, l)
		}
	}
	cancel()
	<-done
	<-stopped
}

// lineWriter sends each line written to it on ch.
type lineWriter chan string

func (w lineWriter) Write(p []byte) (int, error) {
	for _, l := range strings.Split(strings.TrimRight(string(p), "\n"), "\n") {
		w <- l
	}
	return len(p), nil
}

// canaryKey holds every character an encoder rewrites and a non-ASCII
// letter, as cmd/scribecheck's planted key does: each output escapes in its
// own way, and a redaction that misses a form leaks it there.
const canaryKey = `sk_c@n+ry&k<e>y"q'p% é_0123456789abcdef`

// madeToken is a token the fake mints.
var madeToken = regexp.MustCompile(`sutkn_[0-9a-f]{32}`)

// The key appears in nothing the monitor serves or logs, in any encoded
// form, nor does any token it minted: through healthy cycles, refusals
// (the sutkn bug), a target gone, /probe and its refusals, and every page.
func TestCanaryKeyInNothingServedOrLogged(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", canaryKey)
	var log bytes.Buffer
	mon, _ := newMonitor(t, f, canaryKey, Options{Log: &log, BudgetAudioSeconds: 60})
	h := mon.Handler()
	var served strings.Builder
	get := func(path string) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		fmt.Fprintf(&served, "GET %s: %d %v\n%s\n", path, rec.Code, rec.Header(), rec.Body)
	}
	pages := func() {
		for _, p := range []string{"/metrics", "/probe", "/probe?path=token-reused", "/probe?path=nope", "/probe?target=http://elsewhere.example", "/healthz", "/"} {
			get(p)
		}
	}
	cycle(t, mon)
	pages()
	_ = f.srv.Close()
	f = startFake(t, f.addr, canaryKey, fakeserver.FaultSutknQueryRejected)
	cycle(t, mon)
	pages()
	_ = f.srv.Close()
	cycle(t, mon)
	pages()

	// A target that echoes the credentials it was sent in its refusals, as
	// a debugging proxy might: the key is in the details the log quotes.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		msg := "refused " + r.Header.Get(protocol.APIKeyHeader) + " " + r.URL.RawQuery
		_ = json.NewEncoder(w).Encode(map[string]any{"detail": map[string]string{"status": "invalid_api_key", "message": msg}})
	}))
	defer echo.Close()
	echoing := New(Options{Target: probes.Target{Name: "echo", BaseURL: echo.URL, APIKey: canaryKey}, Log: &log})
	cycle(t, echoing)
	h = echoing.Handler()
	pages()

	text := served.String() + log.String()
	if !strings.Contains(text, secrets.Fingerprint(canaryKey)) {
		t.Errorf("the key's fingerprint is nowhere: the echoing target's refusals were not quoted, so the scan looked nowhere the key was\n%s", log.String())
	}
	for _, leak := range secrets.ScanText("the monitor's pages and log", text, []string{canaryKey}) {
		t.Error(leak)
	}
	if m := madeToken.FindString(text); m != "" {
		t.Errorf("a token the monitor minted is served or logged whole: %s", secrets.Fingerprint(m))
	}
	if !strings.Contains(log.String(), "token-query FAILED") || !strings.Contains(served.String(), "scribecheck_probe_success") {
		t.Fatalf("the test saw no refusal or no metrics: it looked nowhere a key could be\n%s", log.String())
	}
}

// heapAfterGC is the live heap once garbage is collected.
func heapAfterGC() uint64 {
	var ms runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// The exporter's memory stays flat over 1,000 cycles against the fake: the
// heap after cycle 1,000 is within a slack of the heap after cycle 100 (by
// then every pool and buffer has its size), and no goroutine is left
// behind. Between cycles the fake's clock and the monitor's move on by an
// interval of 5 minutes, as they would, so the fake forgets tokens minted
// 30 minutes before; the fake runs in this process, so its memory is
// counted too. It runs without the race detector: its heap is the one users
// run (the detector empties sync.Pools at random), and its 1,000 cycles took
// 15 s and 17 CPU-s under it, 2.8 s without; the other tests here run
// cycles under it.
func TestMemoryFlatOver1000Cycles(t *testing.T) {
	testkit.SkipUnderRace(t, "1,000 cycles, and a heap measured as users run it")
	f := startFake(t, "127.0.0.1:0", testKey)
	mon, clk := newMonitor(t, f, testKey, Options{Interval: 5 * time.Minute, Probe: probes.Options{AudioSeconds: 0.25}})
	const first, last, slack = 100, 1000, 1 << 20
	var heapFirst, heapLast uint64
	var goFirst, goLast int
	start := time.Now()
	var firstDur time.Duration
	for i := 1; i <= last; i++ {
		cycle(t, mon)
		f.clock.Advance(5 * time.Minute)
		clk.Advance(5 * time.Minute)
		switch i {
		case first:
			firstDur = time.Since(start)
			heapFirst, goFirst = heapAfterGC(), runtime.NumGoroutine()
		case last:
			heapLast, goLast = heapAfterGC(), runtime.NumGoroutine()
		}
	}
	per := (time.Since(start) - firstDur) / (last - first)
	t.Logf("heap after GC: %d KiB at cycle %d, %d KiB at cycle %d; goroutines %d, %d; a cycle took %v (mean of cycles %d-%d)",
		heapFirst>>10, first, heapLast>>10, last, goFirst, goLast, per, first+1, last)
	if heapLast > heapFirst+slack {
		t.Errorf("the heap grew by %d KiB from cycle %d to %d, over the %d KiB slack", (heapLast-heapFirst)>>10, first, last, slack>>10)
	}
	if goLast > goFirst {
		t.Errorf("%d goroutines at cycle %d, %d at cycle %d: some are left behind", goFirst, first, goLast, last)
	}
}

// Every scribecheck_ metric the shipped files and docs/monitor.md name is
// one the monitor serves, on /metrics or /probe (a histogram's _bucket,
// _sum and _count by its name): a renamed metric breaks no rule silently.
func TestShippedFilesNameServedMetrics(t *testing.T) {
	t.Parallel()
	f := startFake(t, "127.0.0.1:0", testKey)
	mon, _ := newMonitor(t, f, testKey, Options{BudgetAudioSeconds: 60})
	cycle(t, mon)
	served := map[string]bool{}
	for _, page := range []string{"/metrics", "/probe"} {
		fams, _ := scrape(t, mon.Handler(), page)
		for name := range fams {
			served[name] = true
		}
	}
	named := regexp.MustCompile(`scribecheck_[a-z_]+[a-z]`)
	for _, file := range []string{"alerts.yml", "alerts_test.yml", "prometheus.yml", "grafana-dashboard.json", filepath.Join("..", "monitor.md")} {
		b, err := os.ReadFile(filepath.Join(rulesDir, file))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, m := range named.FindAllString(string(b), -1) {
			base := m
			for _, suffix := range []string{"_bucket", "_sum", "_count"} {
				base = strings.TrimSuffix(base, suffix)
			}
			n++
			if !served[base] {
				t.Errorf("%s names %s, which the monitor does not serve", file, m)
			}
		}
		if n == 0 && file != "prometheus.yml" {
			t.Errorf("%s names no metric: the reader is broken", file)
		}
	}
}
