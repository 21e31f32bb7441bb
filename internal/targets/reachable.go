package targets

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// PreflightTimeout bounds the check that a target answers HTTP at all: a
// server that answers takes milliseconds; one that accepts TCP and never
// answers would otherwise cost every spec its full probe timeout.
const PreflightTimeout = 5 * time.Second

// Reachable checks, before any spec runs, that the target's host accepts a
// connection and answers the socket's handshake as the Scribe API does: it
// upgrades (and, with no credential sent, refuses in-band, docs/protocol.md §3),
// or refuses the credential itself. A target that does not is exit code 3:
// one that cannot be reached, and one that answers as something else (a web
// server's 404, a redirect, a gateway), a *NotScribe, decided as the doctor
// decides it (probes.HTTPCause.NotScribe). No credential is sent.
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
	req, err := http.NewRequestWithContext(hctx, http.MethodGet, t.BaseURL+protocol.RealtimePath+"?"+probes.DefaultQuery().Encode(), nil)
	if err != nil {
		return exitcode.Usagef("bad target URL: %v", err)
	}
	handshake(req.Header)
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
	defer resp.Body.Close() // on a 101, the upgraded connection: closing it leaves the socket
	if resp.StatusCode == http.StatusSwitchingProtocols {
		return nil
	}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10)) // as much as the probes read of a refusal
	c := probes.ExplainHTTP(probes.AtUpgrade, resp.StatusCode, resp.Header, string(body))
	if !c.NotScribe() {
		return nil // the API refuses the credential at the handshake: the probes name it
	}
	return &exitcode.Error{Code: exitcode.Unreachable, Err: &NotScribe{Base: t.BaseURL, Cause: c, Answer: c.Line(probes.AtUpgrade, resp.Header, string(body))}}
}

// handshake makes h a WebSocket handshake's: the Scribe API answers a plain
// GET on the socket's path in its own way (unconfirmed), a handshake as its
// socket.
func handshake(h http.Header) {
	key := make([]byte, 16)
	_, _ = rand.Read(key)
	h.Set("Connection", "Upgrade")
	h.Set("Upgrade", "websocket")
	h.Set("Sec-WebSocket-Version", "13")
	h.Set("Sec-WebSocket-Key", base64.StdEncoding.EncodeToString(key))
}

// NotScribe is the pre-flight's finding that a target answered the socket's
// handshake, but not as the Scribe API: a web server, a redirect, a proxy or
// a gateway (probes.HTTPCause.NotScribe).
type NotScribe struct {
	Base string
	// Cause names the answer and its fix.
	Cause probes.HTTPCause
	// Answer is the answer on one line (HTTPCause.Line).
	Answer string
}

func (e *NotScribe) Error() string {
	return fmt.Sprintf("target %s %s: %s; %s", e.Base, probes.NotScribeAPI, e.Answer, text.Clause(e.Cause.Fix))
}
