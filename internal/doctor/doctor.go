package doctor

import (
	"context"
	"errors"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/targets"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// Options say what to diagnose.
type Options struct {
	Target probes.Target
	Probe  probes.Options
	// Token is the user's own token to test (consumed by the test).
	Token string
	// URL is a socket URL the user's code builds, to lint (not dialled).
	URL string
	// Repeat runs each path this many times for p50/p95 timings.
	Repeat int
	// SLO bounds p95 timings per metric (upgrade, session_started,
	// first_partial, commit).
	SLO map[string]time.Duration
	// Redactor learns every secret; it also redacts the evidence.
	Redactor *secrets.Redactor
	// Progress is told each path as it starts; may be nil.
	Progress func(path string, run, of int)
}

// Paths is the matrix the doctor runs, in order: the working paths first,
// then each known way a token fails.
var Paths = []probes.AuthPath{
	probes.PathHeader, probes.PathTokenQuery, probes.PathTokenAndHeader, probes.PathTokenReused,
	probes.PathTokenExpired, probes.PathTokenWrongType, probes.PathBadTokenGoodHeader, probes.PathAPIKeyAsToken,
	probes.PathSingleUseTokenParam, probes.PathTokenUndefined,
}

// UserTokenPath is the path of --token: the user's token on ?token=, alone.
const UserTokenPath = "your-token"

// Run diagnoses the target. It never fails: what it could not do is in the
// diagnosis (a skipped path, a harness fault, an unreachable host).
// RealToken reports whether a --token the user gave is a token at all, not
// a placeholder an app sends when it has none (undefined, [object Object])
// or nothing: a real one is a secret, and only its minting server can
// judge it.
func RealToken(token string) bool {
	sh := wirelog.Shape(token)
	return sh != wirelog.ShapePlaceholder && sh != wirelog.ShapeEmpty
}

func Run(ctx context.Context, o Options) reports.Diagnosis {
	if o.Repeat < 1 {
		o.Repeat = 1
	}
	o.Redactor.Add(o.Target.APIKey)
	if RealToken(o.Token) {
		o.Redactor.Add(o.Token) // undefined, [object Object]: no secret, and the finding names it
	}
	o.Probe.Redactor = o.Redactor
	o.Probe = o.Probe.WithDefaults()
	d := newDiagnosis(o.Target, o.Repeat)
	d.Budget.AudioCap = o.Probe.AudioSeconds
	if o.URL != "" {
		d.URLLint = Lint(o.URL, o.Target, o.Target.APIKey, o.Redactor)
	}

	results := map[string][]probes.Result{}
	var order []string
	paths := Paths
	if o.Token != "" { // first: a minted token ages, and token-expired jumps the fake's clock
		paths = append([]probes.AuthPath{userTokenPath(o.Token)}, Paths...)
	}
	for _, p := range paths {
		order = append(order, p.Name)
		runs := o.Repeat
		if p.Name == UserTokenPath || p.NeedsClock {
			runs = 1 // the user's token is spent by its first use; expiry jumps the clock
		}
		for i := range runs {
			if o.Progress != nil {
				o.Progress(p.Name, i+1, runs)
			}
			res := probes.Run(ctx, o.Target, p, o.Probe)
			results[p.Name] = append(results[p.Name], res)
			Spend(&d.Budget, res, o.Probe.AudioSeconds)
			if res.Skip != "" || ctx.Err() != nil {
				break
			}
		}
	}
	for _, name := range order {
		d.Paths = append(d.Paths, row(pathByName(name, paths), results[name], o.Redactor))
	}
	d.SLO = checkSLO(o.SLO, d.Paths)
	diagnose(&d, results, o)
	return d
}

// NotReached is the diagnosis of a target that failed the pre-flight
// (targets.Reachable): no path was run.
func NotReached(t probes.Target, err error, red *secrets.Redactor) reports.Diagnosis {
	red.Add(t.APIKey)
	d := newDiagnosis(t, 1)
	if ns := (*targets.NotScribe)(nil); errors.As(err, &ns) { // an answer, but not the API's
		f := notScribe(red.Redact(ns.Answer), ns.Cause)
		f.Evidence = []string{preflight}
		d.Status, d.Summary, d.Findings = Unreachable, f.Cause, []reports.Finding{f}
		return d
	}
	why := strings.TrimPrefix(err.Error(), "target "+t.BaseURL+" cannot be reached: ")
	unreachable(&d, red.Redact(why), []string{preflight})
	return d
}

// preflight is the evidence of a diagnosis that ended in the pre-flight.
const preflight = "pre-flight: a WebSocket handshake with no credential on the socket's path, before any auth path ran"

// newDiagnosis is an empty diagnosis of t, started now.
func newDiagnosis(t probes.Target, repeat int) reports.Diagnosis {
	return reports.Diagnosis{SchemaVersion: 1, Tool: "scribecheck doctor", Target: t.Name,
		BaseURL: t.BaseURL, StartedAt: time.Now().UTC(), Repeat: repeat}
}

// userTokenPath probes the user's token: ?token=T and no header.
func userTokenPath(token string) probes.AuthPath {
	return probes.CustomPath(UserTokenPath, "your token on ?token= and no header", probes.ExpectSession,
		func(q url.Values) { q.Set(protocol.TokenParam, token) })
}

func pathByName(name string, paths []probes.AuthPath) probes.AuthPath {
	for _, p := range paths {
		if p.Name == name {
			return p
		}
	}
	return probes.AuthPath{Name: name}
}

// Spend adds what res spent on the target to b: the tokens it minted, the
// sessions it opened and the audio it streamed (audio seconds when it did).
func Spend(b *reports.Budget, res probes.Result, audio float64) {
	for _, m := range res.Mints {
		if m.OK() {
			b.TokensMinted++
		}
	}
	for _, tl := range res.Sockets {
		if f, ok := tl.First(); ok && f.Type == protocol.SessionStarted {
			b.Sessions++
		}
	}
	if res.Stages.AudioSent {
		b.AudioSeconds += audio
	}
}

// row turns a path's runs into a matrix row: stages of the last run,
// timings over all of them.
func row(p probes.AuthPath, runs []probes.Result, red *secrets.Redactor) reports.PathRow {
	last := runs[len(runs)-1]
	r := reports.PathRow{Path: p.Name, Sends: p.Sends, Expected: string(p.Expect), Outcome: string(last.Outcome),
		Detail: red.Redact(last.Detail), Skip: last.Skip, Fault: red.Redact(last.Fault), Stages: map[string]string{}}
	if p.Expect == probes.ExpectMintRefused {
		r.Expected = "mint refused"
	}
	r.Evidence = red.Redact(probes.Evidence(last))
	r.AsExpect = authcause.AsExpected(p, last)
	r.Stages = authcause.Stages(p, last)
	switch {
	case last.Skip != "":
		r.Detail = "skipped: " + last.Skip
	case last.Fault != "":
		r.Detail = "harness fault: " + r.Fault
	case last.Precondition != "":
		r.Detail = red.Redact(last.Precondition)
	}
	var up, ss, fp, cm []time.Duration
	for _, res := range runs {
		up = appendIf(up, res.Latency.Upgrade)
		ss = appendIf(ss, res.Latency.SessionStarted)
		fp = appendIf(fp, res.Latency.FirstPartial)
		cm = appendIf(cm, res.Latency.Commit)
	}
	r.Latency = reports.LatencyStats{Upgrade: percentiles(up), SessionStarted: percentiles(ss), FirstPartial: percentiles(fp), Commit: percentiles(cm)}
	return r
}

func appendIf(s []time.Duration, d time.Duration) []time.Duration {
	if d > 0 {
		return append(s, d)
	}
	return s
}

// percentiles: nearest-rank p50 and p95 in milliseconds.
func percentiles(samples []time.Duration) *reports.Percentiles {
	if len(samples) == 0 {
		return nil
	}
	s := append([]time.Duration(nil), samples...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	rank := func(p float64) float64 {
		i := int(p*float64(len(s))+0.999999) - 1
		return float64(s[max(0, min(i, len(s)-1))].Microseconds()) / 1000
	}
	return &reports.Percentiles{P50: rank(0.50), P95: rank(0.95), Samples: len(s)}
}
