package probes

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"os"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/hostile"
	"github.com/scribecheck/scribecheck/internal/tlscert"
)

// hostileOpts: a short probe timeout; every probe must end within a few of
// them whatever the server does.
var hostileOpts = Options{Timeout: time.Second, CloseWait: 300 * time.Millisecond}

// hangBound is a generous hang detector, not a speed test: a probe waits at
// most the dial, the first frame and the close wait (3 s here).
const hangBound = 10 * time.Second

func probeHostile(t *testing.T, base string, p AuthPath) Result {
	t.Helper()
	start := time.Now()
	res := Run(context.Background(), Target{Name: "hostile", BaseURL: base, APIKey: "sk_test_0123456789"}, p, hostileOpts)
	took := time.Since(start)
	t.Logf("%s: %v: %s %s", p.Name, took, res.Outcome, res.Detail)
	if took > hangBound {
		t.Errorf("probe took %v: it must end within its timeouts (%v each)", took, hostileOpts.Timeout)
	}
	return res
}

func wantDetail(t *testing.T, res Result, outcome Outcome, says ...string) {
	t.Helper()
	if res.Outcome != outcome {
		t.Errorf("outcome %q, want %q: %s", res.Outcome, outcome, res.Detail)
	}
	for _, s := range says {
		if !strings.Contains(res.Detail, s) {
			t.Errorf("detail %q does not say %q", res.Detail, s)
		}
	}
}

func TestHostileNeverAnswersTCP(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Silent(t), PathNone)
	wantDetail(t, res, OutcomeNoAnswer, "no HTTP answer", "timeout")
}

func TestHostileUpgradeThenSilence(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Upgraded(t, hostile.Hold), PathNone)
	wantDetail(t, res, OutcomeNoAnswer, "upgraded, then no frame")
}

func TestHostileTrickledHeaders(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Trickle(t, 100*time.Millisecond), PathNone)
	wantDetail(t, res, OutcomeNoAnswer, "no HTTP answer", "before the timeout")
}

// A 100 MB frame is cut at the read limit: the probe's memory grows by
// about the limit, not the frame. Not parallel: it weighs the process's
// allocations, and the parallel tests run only once it has ended.
func TestHostileHundredMegabyteFrame(t *testing.T) {
	base := hostile.HugeFrame(t, 100<<20)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	res := probeHostile(t, base, PathNone)
	runtime.ReadMemStats(&after)
	grew := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %.1f MiB during the probe (read limit %d KiB)", float64(grew)/(1<<20), ReadLimit>>10)
	if grew > 32<<20 {
		t.Errorf("the probe allocated %d MiB for a 100 MB frame: the read limit must stop it", grew>>20)
	}
	wantDetail(t, res, OutcomeDropped, "read limited")
}

func TestHostileInvalidUTF8(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Frames(t, []byte("{\"message_type\":\"session_started\",\"x\":\"\xff\xfe\"}")), PathNone)
	wantDetail(t, res, OutcomeGarbage, "not valid UTF-8")
}

func TestHostileInvalidJSON(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Frames(t, []byte(`{"message_type":"session_started",`)), PathNone)
	wantDetail(t, res, OutcomeGarbage, "not JSON")
}

func TestHostileOddCloseCodes(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		code uint16
		says string
	}{
		{1001, "close 1001 (going away"},
		{1011, "close 1011 (internal error"},
		{4000, "close 4000 (application-defined"},
		{4999, "close 4999 (application-defined"},
		{0, "close 1005 (no status"},
	} {
		t.Run(strings.Fields(c.says)[1], func(t *testing.T) {
			t.Parallel()
			res := probeHostile(t, hostile.CloseWith(t, c.code, "odd"), PathNone)
			wantDetail(t, res, OutcomeDropped, c.says)
			if res.Outcome.Refused() {
				t.Errorf("close %d before any frame counted as a refusal", c.code)
			}
		})
	}
}

func TestHostileTCPReset(t *testing.T) {
	t.Parallel()
	res := probeHostile(t, hostile.Reset(t), PathNone)
	wantDetail(t, res, OutcomeDropped, "without a close frame")
}

func TestHostileBadCertificates(t *testing.T) {
	t.Parallel()
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	t.Run("self-signed", func(t *testing.T) {
		t.Parallel()
		res := probeHostile(t, hostile.SelfSigned(t, ok), PathNone)
		wantDetail(t, res, OutcomeNoAnswer, "TLS certificate is not trusted")
	})
	t.Run("wrong host", func(t *testing.T) {
		t.Parallel()
		pair, err := tlscert.New() // for 127.0.0.1 and localhost, served on 127.0.0.2
		if err != nil {
			t.Fatal(err)
		}
		res := probeHostile(t, hostile.TLS(t, "127.0.0.2", &tls.Config{Certificates: []tls.Certificate{pair.Server}}, ok), PathNone)
		wantDetail(t, res, OutcomeNoAnswer, "TLS certificate")
	})
}

// A redirect is named with where it points and never followed: the key
// would go to another host.
func TestHostileRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	elsewhere := hostile.Raw(t, func(c net.Conn, r *http.Request) { hits.Add(1) })
	for _, status := range []int{http.StatusMovedPermanently, http.StatusTemporaryRedirect} {
		base := hostile.Redirect(t, status, elsewhere)
		res := probeHostile(t, base, PathHeader)
		wantDetail(t, res, OutcomeUpgradeFailed, "redirect to "+elsewhere, "not followed")
		res = probeHostile(t, base, PathTokenQuery)
		if !strings.Contains(res.Fault, "redirect to "+elsewhere) {
			t.Errorf("HTTP %d at minting: fault %q does not name the redirect", status, res.Fault)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the redirect's target was contacted %d times; the key went along", n)
	}
}

// A web server's 404 page is summarised on one line, not dumped.
func TestHostileWebServer404(t *testing.T) {
	t.Parallel()
	page := "<!DOCTYPE HTML>\n<html><head><title>Error response</title></head><body><h1>Error response</h1>\n<p>Error code: 404</p></body></html>\n"
	base := hostile.Status(t, http.StatusNotFound, http.Header{"Content-Type": {"text/html;charset=utf-8"}}, page)
	res := probeHostile(t, base, PathHeader)
	wantDetail(t, res, OutcomeUpgradeFailed, "HTTP 404 at the upgrade", "host or path is wrong", `titled "Error response"`)
	if strings.Contains(res.Detail, "\n") || strings.Contains(res.Detail, "<h1>") {
		t.Errorf("the page is dumped into the detail: %q", res.Detail)
	}
}

// A panic in the frame reader's goroutine (a scribecheck bug) would end the
// process with a Go stack: it ends the socket instead, named in one ERROR
// line. Not parallel: it swaps the package's parser while no other test runs.
func TestPanicInTheReaderIsOneErrorLine(t *testing.T) {
	parseFrame = func(time.Duration, bool, []byte) Frame { panic("injected: a parser bug") }
	defer func() { parseFrame = ParseFrame }()
	res := probeHostile(t, hostile.Frames(t, []byte(`{"message_type":"session_started"}`)), PathNone)
	tl, _ := res.Decisive()
	if !strings.HasPrefix(tl.Err, "ERROR: scribecheck bug: the frame reader panicked: injected: a parser bug") || strings.Contains(tl.Err, "\n") {
		t.Errorf("timeline error %q", tl.Err)
	}
	wantDetail(t, res, OutcomeDropped, "ERROR: scribecheck bug", "please report it")
	if m := regexp.MustCompile(`the stack is in (\S+):`).FindStringSubmatch(tl.Err); m == nil {
		t.Errorf("no stack file named: %q", tl.Err)
	} else {
		_ = os.Remove(m[1])
	}
}
