package doctor

import (
	"context"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/testfake"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// fake starts an in-process fake with faults and extra keys (the first is
// the one the doctor uses) and returns the options a doctor run against it
// needs.
func fake(t *testing.T, keys []string, faults ...string) (Options, *fakeserver.Server) {
	t.Helper()
	s, _ := testfake.Start(t, fakeserver.Options{Faults: faults, APIKeys: keys})
	o := against(s, 2.5)
	if len(keys) > 0 {
		o.Target.APIKey = keys[0]
	}
	return o, s
}

// against is a doctor run against the in-process fake s, reached as
// targets.Fake reaches it, streaming audio seconds of audio.
func against(s *fakeserver.Server, audio float64) Options {
	r := targets.Fake(s)
	r.Probe.AudioSeconds = audio
	return Options{Target: r.Target, Probe: r.Probe, Redactor: secrets.New()}
}

func has(d reports.Diagnosis, cause string) bool {
	for _, f := range d.Findings {
		if strings.Contains(f.Cause, cause) {
			return true
		}
	}
	return false
}

func TestHealthyFake(t *testing.T) {
	o, _ := fake(t, nil)
	d := Run(context.Background(), o)
	if d.Status != Healthy {
		t.Fatalf("status %s: %+v", d.Status, d.Findings)
	}
	for _, p := range d.Paths {
		if !p.AsExpect {
			t.Errorf("%s: %s", p.Path, p.Detail)
		}
	}
	if d.Budget.TokensMinted == 0 || d.Budget.AudioSeconds == 0 {
		t.Errorf("budget %+v", d.Budget)
	}
	hdr := d.Paths[0]
	if hdr.Stages["committed_transcript"] != reports.StageOK || hdr.Latency.FirstPartial == nil || hdr.Latency.Commit == nil {
		t.Errorf("header row %+v", hdr)
	}
}

func TestSutknBugIsNamedServerSide(t *testing.T) {
	o, _ := fake(t, nil, fakeserver.FaultSutknQueryRejected)
	d := Run(context.Background(), o)
	if d.Status != Problem || !has(d, "server refuses valid single-use tokens") || d.Findings[0].Confidence != verdict.Observed {
		t.Errorf("status %s, findings %+v", d.Status, d.Findings)
	}
}

func TestUsersOwnTokenCauses(t *testing.T) {
	o, _ := fake(t, nil)
	spent := testkit.Token(t, o.Target.BaseURL, o.Target.APIKey, "realtime_scribe")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(o.Target.BaseURL, "http", "ws", 1)+"/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token="+spent, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, _, _ = c.Read(ctx) // session_started: the token is spent
	c.Close(websocket.StatusNormalClosure, "")

	for _, tc := range []struct {
		name, token, cause string
	}{
		{"spent", spent, "already used"},
		{"wrong type", testkit.Token(t, o.Target.BaseURL, o.Target.APIKey, "tts_websocket"), "of another type"},
		{"api key", o.Target.APIKey, "API key is sent as ?token="},
		{"undefined", "undefined", "?token=undefined: the token was not awaited before connecting, a missing value"},
		{"object", "[object Object]", "the mint response object, not its token"},
	} {
		oo := o
		oo.Token = tc.token
		d := Run(context.Background(), oo)
		if d.Status != Problem || !has(d, tc.cause) {
			t.Errorf("%s: status %s, findings %+v", tc.name, d.Status, d.Findings)
		}
	}
	oo := o
	oo.Token = testkit.Token(t, o.Target.BaseURL, o.Target.APIKey, "realtime_scribe")
	if d := Run(context.Background(), oo); d.Status != Healthy || !has(d, "Your token works") {
		t.Errorf("fresh token: %s %+v", d.Status, d.Findings)
	}
}

func TestUnreachableHostIsNotAuth(t *testing.T) {
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := ln.Addr().String()
	ln.Close()
	o := Options{Target: probes.Target{Name: "gone", BaseURL: "http://" + addr, APIKey: "sk_test_0123456789"},
		Probe: probes.Options{Timeout: time.Second, CloseWait: 100 * time.Millisecond}, Redactor: secrets.New()}
	d := Run(context.Background(), o)
	if d.Status != Unreachable || !has(d, "cannot be reached") {
		t.Errorf("status %s, findings %+v", d.Status, d.Findings)
	}
}

func TestRepeatAndSLO(t *testing.T) {
	o, _ := fake(t, nil)
	o.Repeat = 3
	o.SLO = map[string]time.Duration{"session_started": time.Hour, "commit": time.Nanosecond}
	d := Run(context.Background(), o)
	if p := d.Paths[0].Latency.SessionStarted; p == nil || p.Samples != 3 || p.P50 > p.P95 {
		t.Errorf("session_started percentiles %+v", p)
	}
	var passed, failed int
	for _, s := range d.SLO {
		if s.Pass {
			passed++
		} else {
			failed++
		}
	}
	if passed == 0 || failed == 0 || d.Status != Problem || !has(d, "Latency SLO missed") {
		t.Errorf("slo %+v, status %s", d.SLO, d.Status)
	}
}

// Canary: a planted key and token never reach any file or the console; with
// the redactor off, the leak scan finds them (the scan can fail).
func TestCanarySecretsNeverLeak(t *testing.T) {
	canary := "sk_canary_" + strings.Repeat("7e1f", 6)
	for _, redacting := range []bool{true, false} {
		o, _ := fake(t, []string{canary}, fakeserver.FaultSutknQueryRejected) // failures print URLs and headers
		o.Redactor = secrets.New()
		if !redacting {
			o.Redactor = secrets.NewUnredacting()
		}
		o.Token = testkit.Token(t, o.Target.BaseURL, o.Target.APIKey, "realtime_scribe")
		o.URL = "wss://api.elevenlabs.io/v1/speech-to-text/realtime?token=" + o.Token + "&xi-api-key=" + canary
		d := Run(context.Background(), o)
		dir := t.TempDir()
		_, werr := reports.WriteDiagnosis(dir, d, o.Redactor)
		var console strings.Builder
		reports.WriteDiagnosisConsole(&console, d, o.Redactor)
		leaks, err := secrets.ScanFiles([]string{dir}, []string{canary, o.Token})
		if err != nil {
			t.Fatal(err)
		}
		leaks = append(leaks, secrets.ScanText("console", console.String(), []string{canary, o.Token})...)
		files, _ := filepath.Glob(filepath.Join(dir, "*"))
		tokenPattern := regexp.MustCompile(`sutkn_[0-9a-f]{32}`)
		for _, f := range files {
			b, _ := os.ReadFile(f)
			if m := tokenPattern.Find(b); m != nil && redacting {
				t.Errorf("%s holds a whole token", f)
			}
		}
		switch {
		case redacting && (len(leaks) > 0 || werr != nil):
			t.Errorf("leaks with the redactor on: %v %v", leaks, werr)
		case !redacting && (len(leaks) == 0 || werr == nil):
			t.Errorf("with the redactor off the scan found nothing (%v, %v): it cannot fail", leaks, werr)
		}
		if len(files) < 4 {
			t.Errorf("only %d report files", len(files))
		}
	}
}

// The doctor and the client grader read one refusal the same way: a doctor
// run against a fake, recorded as an app's traffic is, is diagnosed by both
// in authcause's words, with the same confidence (they had their own words
// and constants, and disagreed).
func TestDoctorAndClientGraderAgree(t *testing.T) {
	// A fake with the sutkn bug refuses a fresh token: the server's fault.
	t.Run("fresh token refused", func(t *testing.T) {
		d, rep := doctorRecorded(t, []string{fakeserver.FaultSutknQueryRejected}, nil)
		doc := d.Findings[0]
		fp := regexp.MustCompile(`sutkn_…[0-9a-f]+`).FindString(doc.Cause)
		if fp == "" {
			t.Fatalf("the doctor's finding names no token: %q", doc.Cause)
		}
		ref := refusalSaying(rep, fp)
		if ref == nil {
			t.Fatalf("the client grader did not diagnose the refusal of %s: %+v", fp, rep.Refusals)
		}
		same := "he server refused a fresh token on its first use: " + fp + " was minted as realtime_scribe"
		for _, says := range []string{same, "the server refuses valid single-use tokens on ?token=: a server-side problem"} {
			if !strings.Contains(doc.Cause, says) || !strings.Contains(ref.Cause, says) {
				t.Errorf("two readings of one refused token:\n doctor: %s\n client: %s", doc.Cause, ref.Cause)
			}
		}
		if ref.Side != clientcheck.SideServer || ref.Confidence != doc.Confidence || authcause.Sentence(ref.Fix) != doc.Fix {
			t.Errorf("doctor %s %q; client %s %s %q", doc.Confidence, doc.Fix, ref.Side, ref.Confidence, ref.Fix)
		}
	})
	// ELEVENLABS_API_KEY holds a single-use token: the header path sends it
	// in xi-api-key. The doctor called it a wrong or revoked key, the
	// grader a token in the key header.
	t.Run("token in the key header", func(t *testing.T) {
		d, rep := doctorRecorded(t, nil, func(o *Options, s *fakeserver.Server) {
			o.Target.APIKey = testkit.Token(t, o.Target.BaseURL, s.TestKey(), protocol.TokenRealtimeScribe)
		})
		doc := d.Findings[0]
		const says = "single-use token is sent in the xi-api-key header, which takes an API key"
		ref := refusalSaying(rep, says)
		if ref == nil || !strings.Contains(doc.Cause, says) || strings.Contains(doc.Cause, "revoked") {
			t.Fatalf("two readings of one refused header:\n doctor: %s\n client: %+v", doc.Cause, rep.Refusals)
		}
		if ref.Key != "credential/header-token" || ref.Confidence != doc.Confidence || authcause.Sentence(ref.Fix) != doc.Fix {
			t.Errorf("doctor %s %q; client %s %s %q", doc.Confidence, doc.Fix, ref.Key, ref.Confidence, ref.Fix)
		}
	})
}

// doctorRecorded runs the doctor against a fake with faults (set changes
// the options first), recording the fake's traffic as an app's is, and
// grades the recording; the doctor must have found a problem.
func doctorRecorded(t *testing.T, faults []string, set func(*Options, *fakeserver.Server)) (reports.Diagnosis, clientcheck.Report) {
	t.Helper()
	logs, err := wirelog.NewSet(t.TempDir(), secrets.New())
	if err != nil {
		t.Fatal(err)
	}
	s, clock := testfake.Start(t, fakeserver.Options{Faults: faults,
		Record: fakeserver.Recording{Socket: func(r *http.Request) fakeserver.Recorder { return logs.Open(r) }, Exchange: logs.Exchange}})
	logs.SetClock(clock.Now) // the expired-token path jumps the clock: the log must see it
	logs.KnownKey(s.TestKey())
	o := against(s, 0.5)
	if set != nil {
		set(&o, s)
	}
	d := Run(context.Background(), o)
	_ = s.Close()
	if err := logs.Close(); err != nil {
		t.Fatal(err)
	}
	recorded, ex, err := wirelog.ReadDir(logs.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if d.Status != Problem || len(d.Findings) == 0 {
		t.Fatalf("doctor: %s %+v", d.Status, d.Findings)
	}
	return d, clientcheck.Grade(recorded, ex)
}

// refusalSaying is the first refusal whose cause says says, or nil.
func refusalSaying(rep clientcheck.Report, says string) *clientcheck.Refusal {
	for i, r := range rep.Refusals {
		if strings.Contains(r.Cause, says) {
			return &rep.Refusals[i]
		}
	}
	return nil
}
