package targets

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/probes"
)

// Reachable dials the target's host once; a target that cannot be reached
// is exit code 3, before any spec runs.
func Reachable(ctx context.Context, t probes.Target) error {
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
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", host)
	if err != nil {
		what := "check the host and port, and that a server is listening there"
		if errors.Is(err, context.DeadlineExceeded) {
			what = "nothing answered within 5 s; check the network or a firewall"
		}
		return &exitcode.Error{Code: exitcode.Unreachable, Err: fmt.Errorf("target %s cannot be reached (%v): %s", t.BaseURL, err, what)}
	}
	_ = conn.Close()
	return nil
}
