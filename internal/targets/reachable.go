package targets

import (
	"context"
	"crypto/x509"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// PreflightTimeout bounds the check that a target answers HTTP at all: a
// server that answers takes milliseconds; one that accepts TCP and never
// answers would otherwise cost every spec its full probe timeout.
const PreflightTimeout = 5 * time.Second

// Reachable checks, before any spec runs, that the target's host accepts a
// connection and answers an HTTP request on the socket's path (any status
// will do: a wrong answer is for the probes to name). A target that does not
// is exit code 3. No credential is sent.
func Reachable(ctx context.Context, t probes.Target) error {
	return reachable(ctx, t, PreflightTimeout)
}

func reachable(ctx context.Context, t probes.Target, bound time.Duration) error {
	u, err := url.Parse(t.BaseURL)
	if err != nil {
		return exitcode.Usagef("bad target URL: %v", err)
	}
	host := u.Host
	if u.Port() == "" {
		port := "80"
		if u.Scheme == "https" {
			port = "443"
		}
		host = net.JoinHostPort(u.Hostname(), port)
	}
	secs := bound.Seconds()
	unreachable := func(format string, args ...any) error {
		return exitcode.Unreachablef("target %s cannot be reached: "+format, append([]any{t.BaseURL}, args...)...)
	}
	dctx, cancel := context.WithTimeout(ctx, bound)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", host)
	if err != nil {
		if errors.Is(err, context.DeadlineExceeded) {
			return unreachable("no TCP connection within %.0f s (%v); check the network or a firewall", secs, err)
		}
		return unreachable("%v; check the host and port, and that a server is listening there", err)
	}
	_ = conn.Close()

	hctx, hcancel := context.WithTimeout(ctx, bound)
	defer hcancel()
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, t.BaseURL+protocol.RealtimePath, nil)
	if err != nil {
		return exitcode.Usagef("bad target URL: %v", err)
	}
	resp, err := probes.NoRedirects(http.DefaultClient).Do(req)
	if err != nil {
		tlsFailure := probes.TLSFailure(err)
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case errors.Is(err, context.DeadlineExceeded):
			return unreachable("%s accepts TCP connections but sent no HTTP answer within %.0f s: it is not an HTTP server, or it hangs; "+
				"check the port, and http:// versus https://", host, secs)
		case tlsFailure == probes.TLSWrongHost:
			var hostErr x509.HostnameError
			errors.As(err, &hostErr)
			return unreachable("its TLS certificate is not for this host (%v); use the host name the certificate names", hostErr)
		case tlsFailure == probes.TLSUntrusted:
			return unreachable("its TLS certificate is not trusted (%v); for a local server, trust its CA through SSL_CERT_FILE", err)
		case tlsFailure == probes.TLSNotSpoken || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
			return unreachable("it does not speak TLS on this port; use http:// instead of https://, or the TLS port")
		}
		return unreachable("no HTTP answer (%v); check the port, and http:// versus https://", err)
	}
	_ = resp.Body.Close()
	return nil
}
