package suites

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// Exit codes of run (and doctor), the contract scripts rely on.
const (
	ExitOK          = 0
	ExitFailed      = 1
	ExitUsage       = 2
	ExitUnreachable = 3
)

// ExitError carries the exit code a failure maps to.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

func usageError(format string, args ...any) error {
	return &ExitError{Code: ExitUsage, Err: fmt.Errorf(format, args...)}
}

// APIKeyEnv is where a key for the live API or a URL target comes from, as in
// the official SDKs.
const APIKeyEnv = "ELEVENLABS_API_KEY"

// TargetSpec says what to run against.
type TargetSpec struct {
	// Name is "fake", "live" or an http(s) URL.
	Name string
	// APIKey for live and URL targets (from ELEVENLABS_API_KEY).
	APIKey string
	// FakeFaults switch on bugs or deviations of the in-process fake.
	FakeFaults []string
	// FakeLog receives the in-process fake's decisions; discarded if nil.
	FakeLog io.Writer
	// Calibration makes the in-process fake answer these stimuli as a real
	// server was seen to (fakeserver.Options.Calibration; run --calibrate).
	Calibration map[string]protocol.Reaction
}

// Setup builds the run's environment for a target and returns a function
// that releases it (stops the in-process fake).
func Setup(ts TargetSpec) (*Env, func(), error) {
	env := &Env{}
	noop := func() {}
	if ts.APIKey != "" && len(ts.APIKey) < 8 {
		return nil, noop, usageError("%s is %d characters long: too short for an API key, and too short to redact safely from every output", APIKeyEnv, len(ts.APIKey))
	}
	if len(ts.FakeFaults) > 0 && ts.Name != "fake" {
		return nil, noop, usageError("--fake-bug only applies to --target fake (the in-process fake); start `scribecheck fake --bug NAME` to give another target a bug")
	}
	if len(ts.Calibration) > 0 && ts.Name != "" && ts.Name != "fake" {
		return nil, noop, usageError("--calibrate only applies to --target fake (the in-process fake); start `scribecheck fake --calibrate RESULTS_JSON` to serve a calibrated fake to another client")
	}
	switch ts.Name {
	case "", "fake":
		clock := fakeserver.NewManualClock(time.Now())
		fake, err := fakeserver.New(fakeserver.Options{Clock: clock, Faults: ts.FakeFaults, Log: ts.FakeLog, Calibration: ts.Calibration})
		if err != nil {
			return nil, noop, usageError("%v", err)
		}
		base, err := fake.Start("127.0.0.1:0")
		if err != nil {
			return nil, noop, err
		}
		env.Fake, env.TargetKind = fake, "fake"
		env.Target = probes.Target{Name: "fake", BaseURL: base, APIKey: fake.TestKey(), RestrictedKey: fake.RestrictedKey()}
		env.Probe.AdvanceClock = clock.Advance
		// The in-process fake answers in order and at once: specs ask it with a
		// barrier whether a frame is there, so these waits only bound a
		// deliberately broken fake (and a slow machine under -race).
		env.Probe.Timeout, env.Probe.CloseWait = 5*time.Second, 500*time.Millisecond
		return env, func() { _ = fake.Close() }, nil
	case "live":
		if ts.APIKey == "" {
			return nil, noop, usageError("--target live needs an API key: set %s to a key of your ElevenLabs account (it is never printed)", APIKeyEnv)
		}
		env.TargetKind = "live"
		env.Target = probes.Target{Name: "live", BaseURL: protocol.LiveBaseURL, APIKey: ts.APIKey}
	default:
		base, err := probes.ParseBaseURL(ts.Name)
		if err != nil {
			return nil, noop, usageError("--target must be fake, live or an http(s)://HOST[:PORT] URL: %v", err)
		}
		if ts.APIKey == "" {
			return nil, noop, usageError("--target %s needs an API key: set %s (for a `scribecheck fake`, the test key it printed)", base, APIKeyEnv)
		}
		u, _ := url.Parse(base)
		env.TargetKind = "url"
		env.Target = probes.Target{Name: u.Host, BaseURL: base, APIKey: ts.APIKey}
	}
	return env, noop, nil
}

// CheckReachable dials the target's host once; a target that cannot be
// reached is exit code 3, before any spec runs.
func CheckReachable(ctx context.Context, t probes.Target) error {
	u, err := url.Parse(t.BaseURL)
	if err != nil {
		return usageError("bad target URL: %v", err)
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
		return &ExitError{Code: ExitUnreachable, Err: fmt.Errorf("target %s cannot be reached (%v): %s", t.BaseURL, err, what)}
	}
	_ = conn.Close()
	return nil
}
