package targets

import (
	"context"
	"crypto/tls"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/hostile"
	"github.com/scribecheck/scribecheck/internal/tlscert"
	"github.com/scribecheck/scribecheck/probes"
)

// The pre-flight finds, within its bound, a target that does not answer
// HTTP, or answers the socket's handshake as something other than the
// Scribe API; an upgrade, or the API refusing the credential, it lets
// through for the probes to name.
func TestReachableNeedsAnHTTPAnswer(t *testing.T) {
	t.Parallel()
	closed, _ := net.Listen("tcp", "127.0.0.1:0")
	gone := "http://" + closed.Addr().String()
	closed.Close()
	pair, err := tlscert.New()
	if err != nil {
		t.Fatal(err)
	}
	ok := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	// The bound is short where it is what the case tests (nothing answers);
	// where the target answers at once it only has to cover a TLS handshake
	// under -race beside the other packages' tests: 1 s did not, once.
	const short, answers = time.Second, 10 * time.Second
	for _, c := range []struct {
		name  string
		base  func(t *testing.T) string
		says  string // "" for reachable
		bound time.Duration
	}{
		{"closed port", func(*testing.T) string { return gone }, "check the host and port", answers},
		{"silent port", hostileSilent, "sent no HTTP answer within 1 s", short},
		{"trickle", func(t *testing.T) string { return hostile.Trickle(t, 100*time.Millisecond) }, "sent no HTTP answer", short},
		{"self-signed", func(t *testing.T) string { return hostile.SelfSigned(t, ok) }, "TLS certificate is not trusted", answers},
		{"wrong host", func(t *testing.T) string {
			return hostile.TLS(t, "127.0.0.2", &tls.Config{Certificates: []tls.Certificate{pair.Server}}, ok)
		}, "TLS certificate", answers},
		{"TLS to plain HTTP", func(t *testing.T) string {
			return strings.Replace(hostile.Status(t, 404, nil, ""), "http://", "https://", 1)
		}, "does not speak TLS", answers},
		{"web server 404", func(t *testing.T) string { return hostile.Status(t, 404, nil, "no") }, "does not answer as the Scribe realtime API (not an API key problem): HTTP 404 at the upgrade", answers},
		{"gateway 502", func(t *testing.T) string { return hostile.Status(t, 502, nil, "") }, "a proxy or gateway in the way", answers},
		{"redirect", func(t *testing.T) string { return hostile.Redirect(t, 301, "http://elsewhere.invalid") }, "a redirect to http://elsewhere.invalid", answers},
		{"the API refusing the credential at the upgrade", func(t *testing.T) string {
			return hostile.Status(t, 401, http.Header{"Content-Type": {"application/json"}}, `{"detail":{"status":"needs_authorization","message":"no key"}}`)
		}, "", answers},
		{"upgrade then silence", func(t *testing.T) string { return hostile.Upgraded(t, hostile.Hold) }, "", answers},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			base := c.base(t)
			start := time.Now()
			bound := c.bound
			err := reachable(context.Background(), probes.Target{BaseURL: base}, bound)
			took := time.Since(start)
			t.Logf("%v: %v", took, err)
			if took > bound*2+5*time.Second {
				t.Errorf("took %v with a bound of %v", took, bound)
			}
			switch {
			case c.says == "" && err != nil:
				t.Errorf("an HTTP answer is reachable: %v", err)
			case c.says != "" && (exitcode.Of(err) != exitcode.Unreachable || !strings.Contains(err.Error(), c.says)):
				t.Errorf("got %v (exit %d), want exit 3 saying %q", err, exitcode.Of(err), c.says)
			}
		})
	}
}

func hostileSilent(t *testing.T) string { return hostile.Silent(t) }
