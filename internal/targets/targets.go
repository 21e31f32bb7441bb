// Package targets starts what scribecheck runs against: the in-process fake,
// the live API, or any http(s) URL. It knows nothing of specs or Ginkgo, so
// the doctor and the client commands start a target the way run does.
package targets

import (
	"io"
	"net/url"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// APIKeyEnv is where a key for the live API or a URL target comes from, as in
// the official SDKs.
const APIKeyEnv = "ELEVENLABS_API_KEY"

// Spec says what to run against.
type Spec struct {
	// Name is "fake", "live" or an http(s) URL.
	Name string
	// APIKey for live and URL targets (from ELEVENLABS_API_KEY).
	APIKey string
	// FakeFaults switch on bugs or deviations of the in-process fake.
	FakeFaults []string
	// FakeChoices put switchable choices of the in-process fake in another
	// position (fakeserver.Options.Choices).
	FakeChoices map[string]string
	// FakeLog receives the in-process fake's decisions; discarded if nil.
	FakeLog io.Writer
	// Calibration makes the in-process fake answer these stimuli as a real
	// server was seen to (fakeserver.Options.Calibration; run --calibrate).
	Calibration map[string]protocol.Reaction
}

// Running is a started target: where it is, how probes reach it, and the
// in-process fake when there is one.
type Running struct {
	Target probes.Target
	// Kind is fake, live or url (the target: label of a run).
	Kind  string
	Probe probes.Options
	// Fake is the in-process fake; nil for other targets.
	Fake *fakeserver.Server
}

// Start starts the target s names (Parse reads its name). Stop releases it.
func Start(s Spec) (*Running, error) {
	if s.APIKey != "" && len(s.APIKey) < 8 {
		return nil, exitcode.Usagef("%s is %d characters long: too short for an API key, and too short to redact safely from every output", APIKeyEnv, len(s.APIKey))
	}
	name := NameFake
	if s.Name != "" {
		var err error
		if name, err = Parse("--target", s.Name); err != nil {
			return nil, err
		}
	}
	if len(s.FakeFaults) > 0 && name != NameFake {
		return nil, exitcode.Usagef("--fake-bug only applies to --target fake (the in-process fake); start `scribecheck fake --fake-bug NAME` to give another target a bug")
	}
	if len(s.FakeChoices) > 0 && name != NameFake {
		return nil, exitcode.Usagef("--fake-choice only applies to --target fake (the in-process fake); start `scribecheck fake --fake-choice NAME=POSITION` to put another target's fake in that world")
	}
	if len(s.Calibration) > 0 && name != NameFake {
		return nil, exitcode.Usagef("--calibrate only applies to --target fake (the in-process fake); start `scribecheck fake --calibrate RESULTS_JSON` to serve a calibrated fake to another client")
	}
	switch name {
	case NameFake:
		return startFake(s)
	case NameLive:
		if s.APIKey == "" {
			return nil, exitcode.Usagef("--target live needs an API key: set %s to a key of your ElevenLabs account (it is never printed)", APIKeyEnv)
		}
		return &Running{Kind: "live", Target: probes.Target{Name: NameLive, BaseURL: protocol.LiveBaseURL, APIKey: s.APIKey}}, nil
	}
	if s.APIKey == "" {
		return nil, exitcode.Usagef("--target %s needs an API key: set %s (for a `scribecheck fake`, the test key it printed)", name, APIKeyEnv)
	}
	u, _ := url.Parse(name)
	return &Running{Kind: "url", Target: probes.Target{Name: u.Host, BaseURL: name, APIKey: s.APIKey}}, nil
}

// startFake starts the in-process fake on a free loopback port, its clock
// driven by the probes rather than the wall.
func startFake(s Spec) (*Running, error) {
	clock := fakeserver.NewManualClock(time.Now())
	fake, err := fakeserver.New(fakeserver.Options{Clock: clock, Faults: s.FakeFaults, Choices: s.FakeChoices, Log: s.FakeLog, Calibration: s.Calibration})
	if err != nil {
		return nil, exitcode.Usagef("%v", err) // a fault or calibration the fake does not know
	}
	if _, err := fake.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	r := Fake(fake)
	return &r, nil
}

// Fake is the target of a fake started in this process: its URL and keys,
// and probes that jump its clock when it is a fakeserver.ManualClock.
func Fake(fake *fakeserver.Server) Running {
	r := Running{Kind: "fake", Fake: fake,
		Target: probes.Target{Name: "fake", BaseURL: fake.URL(), APIKey: fake.TestKey(), RestrictedKey: fake.RestrictedKey()}}
	if clock, ok := fake.Clock().(*fakeserver.ManualClock); ok {
		r.Probe.AdvanceClock = clock.Advance
	}
	// The in-process fake answers in order and at once: specs ask it with a
	// barrier whether a frame is there, so these waits only bound a
	// deliberately broken fake (and a slow machine under -race).
	r.Probe.Timeout, r.Probe.CloseWait = 5*time.Second, 500*time.Millisecond
	return r
}

// Stop stops the in-process fake, if any; other targets need no release.
func (r *Running) Stop() {
	if r != nil && r.Fake != nil {
		_ = r.Fake.Close()
	}
}
