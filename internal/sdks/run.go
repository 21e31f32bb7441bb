package sdks

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/userapp"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// Install is one SDK version the matrix runs: a line of matrix.json.
type Install struct {
	SDK     string `json:"sdk"`
	Version string `json:"version"`
	Lang    string `json:"lang"`
	// Cmd runs the driver in the install folder: a program with a slash is
	// in that folder (a venv's bin/python is its interpreter on any
	// system), a bare name is on PATH.
	Cmd []string `json:"cmd"`
	// Auth is the path the injection scenarios connect with: header (the
	// default), or token for an SDK that has no header (@elevenlabs/client).
	Auth string `json:"auth,omitempty"`
	// TLS: the client hard-codes wss:// (pipecat), so its fake serves
	// https and wss with a throwaway certificate, the plan's URLs say so, and
	// the driver trusts the CA through SSL_CERT_FILE (userapp.NewTLS).
	TLS bool `json:"tls,omitempty"`
	// Lanes is how many lanes the install's driver runs at once against its
	// one fake, each lane its part of the scenarios in order (deal;
	// DefaultLanes when unset), all in one process.
	Lanes int `json:"lanes,omitempty"`
	// Isolate runs each lane in a driver process of its own: for a client
	// that tells its app of events process-wide (videosdk's
	// global_event_emitter), whose sessions one process cannot tell apart.
	Isolate bool `json:"isolate,omitempty"`
}

// Key names an install: elevenlabs-js@2.73.0.
func (i Install) Key() string { return i.SDK + "@" + i.Version }

// Event is one line a driver printed (internal/sdks/README.md, "driver contract").
type Event struct {
	Scenario string          `json:"scenario"`
	Event    string          `json:"event"`
	Data     json.RawMessage `json:"data,omitempty"`
	Attempt  int             `json:"attempt,omitempty"`
	Auth     string          `json:"auth,omitempty"`
	Where    string          `json:"where,omitempty"`
	Error    string          `json:"error,omitempty"`
	Reason   string          `json:"reason,omitempty"`
	SDK      string          `json:"sdk,omitempty"`
	Version  string          `json:"version,omitempty"`
	Events   []string        `json:"events,omitempty"`
	Options  []string        `json:"options,omitempty"`
	// MS is how long the app's silence lasted (_paused).
	MS int `json:"ms,omitempty"`
}

// Run is what one install did.
type Run struct {
	Install Install
	// Skipped says why the install did not run (not installed); Broken why
	// its driver failed as a program.
	Skipped string
	Broken  string
	// Version is what the driver found installed; Offered the SDK's events;
	// Options the connect options its API takes, when the driver reads them.
	Version string
	Offered []string
	Options []string
	// Events by scenario, in order; Ended lists the scenarios that ran to
	// their end (a scenario without an end crashed the driver).
	Events  map[string][]Event
	Ended   map[string]bool
	Stderr  string
	WireDir string
	// Only is the scenarios the run was asked for (Options.Only; every one
	// when empty): it runs no other, and Grade has a row for no other
	// (asked).
	Only []string
	// ConnScenario maps each recorded connection to its scenario.
	ConnScenario map[string]string
	Took         time.Duration
	// Choices are the positions the fake's switchable choices were in
	// (Options.Choices): the world the run was in.
	Choices map[string]string
	// FirstRun holds, for each scenario that ran twice (secondRun), the
	// events of its first run; Events has the second's. FirstConns maps
	// the first run's connections to their scenario; ConnScenario has
	// only the second's.
	FirstRun   map[string][]Event
	FirstConns map[string]string
}

// asked reports whether the run was asked for the scenario (Only).
func (r Run) asked(scenario string) bool {
	return len(r.Only) == 0 || slices.Contains(r.Only, scenario)
}

// Options of a matrix run.
type Options struct {
	// Dir is the install folder (Setup's, or one given with sdks --dir):
	// the drivers and the installs they load.
	Dir string
	// Out receives one folder per install: its wire logs and driver output.
	Out string
	// Timeout bounds one install's driver (default 3 minutes).
	Timeout time.Duration
	// Progress, if set, hears one line per step (RunAll calls it from one
	// install at a time).
	Progress func(string)
	// Only runs these scenarios (every one when empty).
	Only []string
	// Via, if set, gets the fake's base URL and returns the base URL the
	// driver is pointed at instead (a proxy in front of the fake, a replay
	// of a recording), and what to run when the driver has ended.
	Via func(fakeBase string) (base string, stop func(), err error)
	// Redactor learns every key and token of every install (the wire logs
	// learn them as the fakes see them) and redacts the drivers' output
	// before it becomes evidence; the matrix's reports redact and
	// leak-scan with it. RunAll and RunOne make one if nil.
	Redactor *secrets.Redactor
	// Choices put the fakes' switchable choices in another position
	// (fakeserver.Options.Choices): the SDKs run in the world where live
	// does otherwise, which their records do not describe (Grade).
	Choices map[string]string
}

// RunAll runs every install at once, each against its own fake.
func RunAll(ctx context.Context, installs []Install, opts Options) []Run {
	if opts.Redactor == nil {
		opts.Redactor = secrets.New()
	}
	if say := opts.Progress; say != nil { // the installs run at once: one line at a time
		var mu sync.Mutex
		opts.Progress = func(s string) {
			mu.Lock()
			defer mu.Unlock()
			say(s)
		}
	}
	runs := make([]Run, len(installs))
	var wg sync.WaitGroup
	for i, in := range installs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			runs[i] = RunOne(ctx, in, opts)
		}()
	}
	wg.Wait()
	return runs
}

// RunOne starts a fake with one script per scenario, runs the install's
// driver against it with the scenarios dealt over its lanes (deal, drive),
// and merges what it printed into one Run.
func RunOne(ctx context.Context, in Install, opts Options) Run {
	start := time.Now()
	run := Run{Install: in, Only: opts.Only, Events: map[string][]Event{}, Ended: map[string]bool{}, ConnScenario: map[string]string{}, Choices: opts.Choices}
	if why := missing(in, opts.Dir); why != "" {
		run.Skipped = why
		return run
	}
	if in.TLS && opts.Via != nil {
		// A proxy or replay in front (the tests' Via) serves plain http:
		// a client that only speaks wss:// cannot reach its fake through it.
		run.Skipped = in.Key() + " speaks only wss:// (tls), which the proxy or replay in front of its fake does not serve"
		return run
	}
	progress(opts, "%s: starting", in.Key())
	dir := filepath.Join(opts.Out, safeName(in.Key()))
	run.WireDir = filepath.Join(dir, "wire")
	_ = os.RemoveAll(run.WireDir)
	red := opts.Redactor
	if red == nil {
		red = secrets.New()
	}
	set, err := wirelog.NewSet(run.WireDir, red)
	if err != nil {
		run.Broken = err.Error()
		return run
	}
	// end stops what is in front of the fake first, while the fake can still
	// answer, then the fake, then the set, once: where the drivers are done
	// (the set is read after it), or on an early return. A client's close
	// that the proxy had read but not yet passed on when the driver exited
	// (the library answers a close at once) so reaches the fake as a close,
	// not as a cut (make test saw the fake close under the proxy's
	// forwarding: "failed to handle control frame opClose").
	var stopVia, stopFake func()
	end := sync.OnceFunc(func() {
		for _, stop := range []func(){stopVia, stopFake} {
			if stop != nil {
				stop()
			}
		}
		_ = set.Close()
	})
	defer end()
	var scenarios []Scenario
	for _, sc := range Scenarios() {
		if run.asked(sc.Name) {
			scenarios = append(scenarios, sc)
		}
	}
	// Each scenario has a key of its own, by which its connections are
	// told apart in the wire logs (attribute), and another for its second
	// run, so that the connections of the two runs are never mixed.
	keys, againKeys := map[string]string{}, map[string]string{} // scenario -> key
	fo := fakeserver.Options{Scripts: map[string]fakeserver.Script{}, Choices: opts.Choices,
		Record: fakeserver.Recording{Socket: func(r *http.Request) fakeserver.Recorder { return set.Open(r) }, Exchange: set.Exchange}}
	for _, sc := range scenarios {
		for _, m := range []map[string]string{keys, againKeys} {
			k := "sk_sdk_" + randomHex(12)
			m[sc.Name] = k
			set.KnownKey(k)
			switch {
			case sc.BadKey:
			case sc.Script != nil:
				fo.Scripts[k] = *sc.Script
			default:
				fo.APIKeys = append(fo.APIKeys, k)
			}
		}
	}
	var env []string
	if in.TLS {
		ca, err := userapp.NewTLS(filepath.Join(dir, "tls"), false)
		if err != nil {
			run.Broken = err.Error()
			return run
		}
		fo.TLS, env = ca.Config, ca.Env()
	}
	srv, err := fakeserver.New(fo)
	if err != nil {
		run.Broken = err.Error()
		return run
	}
	stopFake = func() { _ = srv.Close() }
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		run.Broken = err.Error()
		return run
	}
	if opts.Via != nil {
		via, stop, err := opts.Via(base)
		if err != nil {
			run.Broken = err.Error()
			return run
		}
		stopVia = stop
		base = via
	}
	audio := filepath.Join(dir, "speech-16k.pcm")
	if err := os.WriteFile(audio, formatPCM16k().Speech(4), 0o644); err != nil {
		run.Broken = err.Error()
		return run
	}
	plan := map[string]any{"base_url": base, "ws_url": "ws" + strings.TrimPrefix(base, "http"), "audio_file": abs(audio),
		"audio_format": "pcm_16000", "sample_rate": 16000, "model_id": protocol.DefaultModel, "chunk_bytes": 3200,
		"quiet_ms": 300, "max_ms": maxWait(opts).Milliseconds()}
	timeout := opts.Timeout
	if timeout == 0 {
		timeout = 3 * time.Minute
	}
	cctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stdout, stderr := merge(&run, drive(cctx, in, opts.Dir, env, plan, deal(scenarios, in.Lanes), keys), red)
	run.Stderr = tail(stderr, 4000)
	// The drivers have ended: the set has seen their connections, and
	// whether a scenario reconnected is known before it is judged.
	run.ConnScenario = attribute(set, keys)[0]
	if again := secondRun(run, scenarios, opts); len(again) > 0 && cctx.Err() == nil {
		progress(opts, "%s: %s not as recorded, once more: %s", in.Key(), text.Plural(len(again), "scenario", "scenarios"), scenarioNames(again))
		outs := drive(cctx, in, opts.Dir, env, plan, deal(again, in.Lanes), againKeys)
		run.FirstRun, run.FirstConns = map[string][]Event{}, map[string]string{}
		for _, sc := range again {
			run.FirstRun[sc.Name] = run.Events[sc.Name]
			delete(run.Events, sc.Name)
			delete(run.Ended, sc.Name)
		}
		events, errs := merge(&run, outs, red)
		stdout += events
		run.Stderr = tail(run.Stderr+"[the second run of "+scenarioNames(again)+"]\n"+errs, 4000)
	}
	end()
	// Again once the fake has closed (a connection whose request it had not
	// handled yet is in now): the second run's connections by their keys,
	// and the first run's of a scenario that ran again apart from the rest.
	conns := attribute(set, keys, againKeys)
	run.ConnScenario = conns[1]
	for id, sc := range conns[0] {
		if _, again := run.FirstRun[sc]; again {
			run.FirstConns[id] = sc
		} else {
			run.ConnScenario[id] = sc
		}
	}
	if why := crossedEvents(run); why != "" && run.Broken == "" {
		run.Broken = why
	}
	run.Took = time.Since(start)
	_ = os.WriteFile(filepath.Join(dir, "driver-stdout.jsonl"), []byte(stdout), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "driver-stderr.txt"), []byte(run.Stderr), 0o644)
	if cctx.Err() != nil {
		run.Broken = fmt.Sprintf("the driver did not finish within %s", timeout)
	}
	progress(opts, "%s: %s in %.1fs", in.Key(), text.Plural(len(run.Ended), "scenario", "scenarios"), run.Took.Seconds())
	return run
}

// maxWait is how long an app waits for its session's end after it
// connects (the plan's max_ms): 6 s, and 12 s with a proxy or replay in
// front of the fake (Via). The tests' proxy is race-built, and it logs and
// scans each of the 40 audio chunks before the fake hears it: on a machine
// that also ran the whole matrix and the cmd tests, a session through it
// took longer than 6 s to reach its transcript now and then (the fake had
// sent it; the app had closed).
func maxWait(opts Options) time.Duration {
	if opts.Via != nil {
		return 12 * time.Second
	}
	return 6 * time.Second
}

// DefaultLanes is an install's lanes when matrix.json gives none.
const DefaultLanes = 4

// deal splits an install's scenarios over up to n lanes (the install's
// Lanes; DefaultLanes when unset), which its one driver process runs at
// once: a scenario with a pause (the idle one, whose silence of IdlePause
// is longer than most installs take for all the others together) gets a
// lane to itself, and the others are dealt in turn over the rest, so that
// the slow ones, which come in runs (the error scenarios, where a client that
// hides failures waits out its timeouts), spread evenly. Each lane runs its
// part in scenario order; no scenario depends on another. Lanes cost no
// process start (an SDK's imports are 0.3-1.7 s of CPU), only the sessions
// they hold at once.
func deal(scenarios []Scenario, n int) [][]Scenario {
	if n <= 0 {
		n = DefaultLanes
	}
	n = max(1, min(n, len(scenarios)))
	var parts [][]Scenario
	var rest []Scenario
	for _, sc := range scenarios {
		if sc.Pause > 0 && len(parts) < n-1 {
			parts = append(parts, []Scenario{sc})
		} else {
			rest = append(rest, sc)
		}
	}
	dealt := make([][]Scenario, n-len(parts))
	for i, sc := range rest {
		dealt[i%len(dealt)] = append(dealt[i%len(dealt)], sc)
	}
	return append(parts, dealt...)
}

// entries are the plan's scenarios, lane by lane: each with its lane, its
// key, and the install's auth where the scenario takes it.
func entries(in Install, lanes [][]Scenario, keys map[string]string) []map[string]any {
	list := []map[string]any{}
	for lane, part := range lanes {
		for _, sc := range part {
			auth := sc.Auth
			if sc.installAuth() && in.Auth != "" {
				auth = in.Auth
			}
			entry := map[string]any{"name": sc.Name, "auth": auth, "api_key": keys[sc.Name], "lane": lane}
			if sc.Pause > 0 {
				entry["pause_ms"] = sc.Pause.Milliseconds()
			}
			list = append(list, entry)
		}
	}
	return list
}

// driverOutput is what one driver process of an install printed.
type driverOutput struct {
	stdout, stderr []byte
	err            error
}

// runDriver runs the install's driver once, with a plan on stdin.
func runDriver(ctx context.Context, in Install, dir string, env []string, stdin []byte) driverOutput {
	cmd := exec.CommandContext(ctx, executable(dir, in.Cmd[0]), in.Cmd[1:]...)
	cmd.Dir = dir
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...) // the last of a repeated key wins
	cmd.Stdin = bytes.NewReader(stdin)
	cmd.WaitDelay = 5 * time.Second
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return driverOutput{stdout.Bytes(), stderr.Bytes(), err}
}

// drive runs the install's driver on the plan's lanes: all in one process,
// or each in one of its own (Install.Isolate), all at once.
func drive(ctx context.Context, in Install, dir string, env []string, plan map[string]any, lanes [][]Scenario, keys map[string]string) []driverOutput {
	groups := [][][]Scenario{lanes}
	if in.Isolate {
		groups = nil
		for _, lane := range lanes {
			groups = append(groups, [][]Scenario{lane})
		}
	}
	outs := make([]driverOutput, len(groups))
	var wg sync.WaitGroup
	for i, g := range groups {
		p := maps.Clone(plan)
		p["scenarios"] = entries(in, g, keys)
		stdin, _ := json.Marshal(p)
		wg.Add(1)
		go func() {
			defer wg.Done()
			outs[i] = runDriver(ctx, in, dir, env, stdin)
		}()
	}
	wg.Wait()
	return outs
}

// merge puts what an install's driver processes printed into its one Run:
// each scenario's events come from the one process that ran it, in its
// order. Every process prints the install's _sdk line; they must agree. A
// process that failed before that line breaks the run. It returns their
// stdout and stderr, one after another, redacted.
func merge(run *Run, outs []driverOutput, red *secrets.Redactor) (string, string) {
	var stdout, stderr []string
	for i, o := range outs {
		events := red.Redact(string(o.stdout)) // before any of it is clipped into evidence
		errs := red.Redact(string(o.stderr))
		stdout = append(stdout, events)
		if len(outs) > 1 && errs != "" {
			errs = fmt.Sprintf("[driver %d of %d]\n%s", i+1, len(outs), errs)
		}
		stderr = append(stderr, errs)
		hello, ok := parseEvents(run, []byte(events))
		switch {
		case !ok && o.err != nil && run.Broken == "":
			run.Broken = fmt.Sprintf("the driver failed (%v): %s", o.err, lastLine(red.Redact(string(o.stderr))))
		case !ok:
		case run.Version == "":
			run.Version, run.Offered, run.Options = hello.Version, hello.Events, hello.Options
		case hello.Version != run.Version || !slices.Equal(hello.Events, run.Offered) || !slices.Equal(hello.Options, run.Options):
			run.Broken = fmt.Sprintf("the install's drivers disagree on what is installed: %s %v, then %s %v", run.Version, run.Offered, hello.Version, hello.Events)
		}
	}
	return strings.Join(stdout, ""), strings.Join(stderr, "")
}

// missing says why an install cannot run here, or "".
func missing(in Install, dir string) string {
	bin := executable(dir, in.Cmd[0])
	needs := map[string]string{"node": "Node.js and npm", "python": "Python 3 with venv"}[in.Lang]
	if needs == "" {
		needs = in.Lang
	}
	if bin == in.Cmd[0] && !filepath.IsAbs(bin) {
		if _, err := exec.LookPath(bin); err != nil {
			return fmt.Sprintf("%s needs %s, which is not on PATH", in.Key(), bin)
		}
	} else if _, err := os.Stat(bin); err != nil {
		return fmt.Sprintf("%s is not installed in %s (%s missing): `scribecheck sdks install` installs it (needs %s)", in.Key(), dir, in.Cmd[0], needs)
	}
	if in.Lang == "node" && len(in.Cmd) > 2 {
		if _, err := os.Stat(filepath.Join(dir, "node", "node_modules", in.Cmd[2], "package.json")); err != nil {
			return fmt.Sprintf("%s is not installed in %s (node/node_modules/%s missing): `scribecheck sdks install` installs it (needs %s)", in.Key(), dir, in.Cmd[2], needs)
		}
	}
	return ""
}

// parseEvents adds a driver's scenario events to run, and returns its _sdk
// line (ok: it printed one).
func parseEvents(run *Run, stdout []byte) (hello Event, ok bool) {
	sc := bufio.NewScanner(bytes.NewReader(stdout))
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for sc.Scan() {
		var ev Event
		if json.Unmarshal(sc.Bytes(), &ev) != nil {
			continue // not a contract line (an SDK printed to stdout)
		}
		switch {
		case ev.Event == "_sdk":
			hello, ok = ev, true
		case ev.Scenario == "":
		case ev.Event == "_end":
			run.Ended[ev.Scenario] = true
		default:
			run.Events[ev.Scenario] = append(run.Events[ev.Scenario], ev)
		}
	}
	return hello, ok
}

// crossedEvents names a scenario whose app heard more session starts than
// its connections began (the fake starts at most one session on each):
// events of other scenarios' sessions reached it, as they do from a client
// whose events are process-wide when lanes share a process (Install.Isolate).
// "" when there is none; a scenario with no connection of its own in the
// logs (a replay in front of the fake) is not judged.
func crossedEvents(run Run) string {
	check := func(events map[string][]Event, conns map[string]string) string {
		n := map[string]int{}
		for _, sc := range conns {
			n[sc]++
		}
		for _, sc := range slices.Sorted(maps.Keys(events)) {
			started := 0
			for _, ev := range events[sc] {
				if ev.Event == protocol.SessionStarted {
					started++
				}
			}
			if n[sc] > 0 && started > n[sc] {
				return fmt.Sprintf("the app of scenario %s heard session_started %d times over %s: events of other scenarios' sessions reach it (a client whose events are process-wide needs \"isolate\": true in matrix.json)",
					sc, started, text.Plural(n[sc], "connection", "connections"))
			}
		}
		return ""
	}
	if why := check(run.Events, run.ConnScenario); why != "" {
		return why
	}
	return check(run.FirstRun, run.FirstConns)
}

// attribute maps each connection to its scenario by the key it used on the
// header, or the key that minted its token: one map for each set of keys
// (scenario -> key), from what the set has seen so far (no log is read).
func attribute(set *wirelog.Set, keySets ...map[string]string) []map[string]string {
	type owner struct {
		set      int
		scenario string
	}
	conns := make([]map[string]string, len(keySets))
	byID := map[string]owner{}
	for i, keys := range keySets {
		conns[i] = map[string]string{}
		for sc, k := range keys {
			byID[set.ID(k)] = owner{i, sc}
		}
	}
	seen := set.Seen()
	for _, creds := range seen.Exchanges {
		var minter owner
		var token string
		for _, c := range creds {
			if c.Where == wirelog.WhereKeyHeader {
				minter = byID[c.ID]
			}
			if c.Where == wirelog.WhereBodyToken {
				token = c.ID
			}
		}
		if minter.scenario != "" && token != "" {
			byID[token] = minter
		}
	}
	for id, creds := range seen.Conns {
		for _, c := range creds {
			if o, ok := byID[c.ID]; ok {
				conns[o.set][id] = o.scenario
				break
			}
		}
	}
	return conns
}

func progress(opts Options, format string, a ...any) {
	if opts.Progress != nil {
		opts.Progress(fmt.Sprintf(format, a...))
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func safeName(s string) string { return strings.NewReplacer("/", "_", "@", "-").Replace(s) }

func abs(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return lines[len(lines)-1]
}

func formatPCM16k() protocol.AudioFormat {
	return protocol.AudioFormat{Name: "pcm_16000", SampleRate: 16000}
}
