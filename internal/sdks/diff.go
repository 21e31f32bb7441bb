package sdks

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/reports"
)

// Side is one install's run as the diff reads it: the driver's events and
// the wire logs the fake recorded.
type Side struct {
	Run       Run
	Logs      []*wirelog.Log
	Exchanges []wirelog.Record
}

// ReadSide reads the wire logs of a run.
func ReadSide(r Run) (Side, error) {
	s := Side{Run: r}
	if r.WireDir == "" || r.Skipped != "" || r.Broken != "" {
		return s, nil
	}
	logs, ex, err := wirelog.ReadDir(r.WireDir)
	if err != nil {
		return s, fmt.Errorf("reading the wire logs of %s: %w", r.Install.Key(), err)
	}
	s.Logs, s.Exchanges = logs, ex
	return s, nil
}

// authPaths are the scenarios whose session is an auth path of an app: the
// diff compares their whole wire and ends with a verdict on each.
var authPaths = []string{"header", "token"}

// Diff compares two installs: what each offers an app (the messages it
// surfaces, its connect options), then scenario by scenario the wire of each auth
// path's session (query, headers, the credential presented, client frame
// fields and their JSON types, commits, keepalive, close), the request and
// close of every other scenario, the reaction to each scenario, and the
// CLIENT rule verdicts on each auth path. A path's upgrade is unsafe when
// the server sees another credential on it, when a MUST rule it kept is
// broken, or when it no longer opens a session.
func Diff(old, neu Side, started time.Time) reports.SDKDiff {
	d := reports.SDKDiff{StartedAt: started, Old: old.Run.Install.Key(), New: neu.Run.Install.Key(),
		Loaded: [2]string{old.Run.Version, neu.Run.Version}, FakeChoices: fakeserver.OtherWorld(old.Run.Choices)}
	breaks := map[string][]string{} // auth path -> why it breaks
	add := func(section, scenario, aspect, o, n string) *reports.SDKDiffRow {
		d.Rows = append(d.Rows, reports.SDKDiffRow{Section: section, Scenario: scenario, Aspect: aspect, Old: o, New: n, Changed: o != n})
		return &d.Rows[len(d.Rows)-1]
	}
	// The API: what each install offers an app, as its driver read it; what
	// the new one no longer offers ends each path's line, since an app that
	// used it must change, whatever the wire says.
	var drops []string
	for _, a := range []struct {
		aspect   string
		old, new []string
	}{{"server messages", old.Run.Offered, neu.Run.Offered}, {"connect options", old.Run.Options, neu.Run.Options}} {
		if len(a.old) == 0 && len(a.new) == 0 {
			continue // neither driver reads it
		}
		o, n := offered(a.old), offered(a.new)
		r := add(reports.DiffAPI, reports.DiffAPIScenario, a.aspect, o, n)
		switch {
		case len(a.old) == 0 || len(a.new) == 0:
			r.Note = "only one driver reads it: nothing to compare" // not a drop
		default: // the same names in another order are no change
			r.Note = listChange(o, n)
			r.Changed = r.Note != ""
			if gone := slices.DeleteFunc(slices.Clone(a.old), func(name string) bool { return slices.Contains(a.new, name) }); len(gone) > 0 {
				drops = append(drops, a.aspect+" "+strings.Join(gone, ", "))
			}
		}
	}
	apiDrops := ""
	if len(drops) > 0 {
		apiDrops = "; it no longer offers: " + strings.Join(drops, "; ")
	}
	// The wire: every aspect of the auth paths, the request and close of the
	// rest; a change another scenario already showed is counted there.
	seen := map[[3]string]int{} // aspect, old, new -> row
	for _, sc := range Scenarios() {
		ow, nw := wireOf(old, sc.Name), wireOf(neu, sc.Name)
		full := slices.Contains(authPaths, sc.Name)
		absent := ow[0] == "0" || nw[0] == "0"
		for i, a := range wireAspects {
			if !full && (!a.everywhere || ow[i] == nw[i] || (absent && i > 1)) {
				continue // the other scenarios list only what changed
			}
			if k := [3]string{a.name, ow[i], nw[i]}; ow[i] != nw[i] {
				if at, ok := seen[k]; ok {
					d.Rows[at].Also++
					continue
				}
				seen[k] = len(d.Rows)
			}
			r := add(reports.DiffWire, sc.Name, a.name, ow[i], nw[i])
			switch {
			case !r.Changed:
			case a.name == "query" || a.name == "headers":
				r.Note = listChange(ow[i], nw[i])
			case a.name == "client frames":
				r.Note = fieldChange(ow[i], nw[i])
			}
			if !full || a.name != aspectCredential || !r.Changed {
				continue
			}
			switch {
			case ow[i] == noConnection:
				r.Note = "new: the old install makes no such connection"
			case nw[i] == noConnection:
				r.Breaks, r.Note = true, "this path no longer connects"
			default:
				r.Breaks, r.Note = true, "the server sees another credential"
			}
			if r.Breaks {
				breaks[sc.Name] = append(breaks[sc.Name], r.Note+": "+oneLine(ow[i])+" → "+oneLine(nw[i]))
			}
		}
	}
	// The reactions.
	for _, sc := range Scenarios() {
		o, _ := outcomeOf(old.Run, sc)
		n, nev := outcomeOf(neu.Run, sc)
		r := add(reports.DiffReaction, sc.Name, reactionAspect(sc), string(o), string(n))
		if !r.Changed {
			continue
		}
		switch {
		case rank(n) > rank(o):
			r.Note = "better"
		case rank(n) < rank(o):
			r.Note = "worse"
		}
		r.Note = strings.TrimPrefix(r.Note+"; new: "+text.Clip(nev, 100), "; ")
		if path := sc.Name; slices.Contains(authPaths, path) && o == Session && n != Session {
			r.Breaks, r.Note = true, "no longer opens a session: "+text.Clip(nev, 100)
			breaks[path] = append(breaks[path], "no longer opens a session")
		}
	}
	// The CLIENT rules, on each auth path's own sessions.
	for _, path := range authPaths {
		ov, nv := ruleVerdicts(old, path), ruleVerdicts(neu, path)
		add(reports.DiffRules, path, reports.DiffEveryRule, ruleSummary(ov), ruleSummary(nv))
		if ov == nil || nv == nil { // one side has no session here: the summary, not 18 rows
			continue
		}
		for _, rule := range clientcheck.Rules {
			o, n := ov[rule.ID], nv[rule.ID]
			r := add(reports.DiffRules, path, rule.ID+" ("+string(rule.Level)+")", o.show(), n.show())
			if !r.Changed {
				continue
			}
			r.Note = text.Clip(n.msg, 160)
			if rule.Level == verdict.Must && n.v.Fails(false) && !o.v.Fails(false) {
				r.Breaks = true
				breaks[path] = append(breaks[path], rule.ID+" (MUST) now "+string(n.v))
			}
		}
	}
	for _, path := range authPaths {
		p := pathVerdict(d, path, breaks[path])
		p.Line += apiDrops
		d.Paths = append(d.Paths, p)
	}
	return d
}

// pathVerdict is the one line on an auth path.
func pathVerdict(d reports.SDKDiff, path string, breaks []string) reports.SDKDiffPath {
	if len(breaks) > 0 {
		return reports.SDKDiffPath{Path: path, Line: strings.Join(breaks, "; ")}
	}
	var cred [2]string
	var changed []string
	worse := 0
	for _, r := range d.Rows {
		if r.Scenario != path {
			continue
		}
		if r.Section == reports.DiffWire && r.Aspect == aspectCredential {
			cred = [2]string{r.Old, r.New}
		}
		if r.Changed {
			changed = append(changed, r.Aspect)
		}
	}
	for _, r := range d.Rows {
		if r.Section == reports.DiffReaction && r.Changed && strings.HasPrefix(r.Note, "worse") {
			worse++
		}
	}
	p := reports.SDKDiffPath{Path: path, Safe: true}
	switch {
	case cred[0] == noConnection && cred[1] == noConnection:
		p.Line = "neither install connects on this path"
	case cred[0] == noConnection:
		p.Line = "new in " + d.New + ", which connects with " + cred[1] + "; the old install could not, so no app relies on it"
	case len(changed) == 0:
		p.Line = fmt.Sprintf("the server sees the same credential (%s) and the same session", cred[1])
	default:
		p.Line = fmt.Sprintf("the server sees the same credential (%s), no MUST rule newly broken; changed: %s",
			cred[1], strings.Join(changed, ", "))
	}
	if worse > 0 {
		p.Line += fmt.Sprintf("; review the %s marked worse", text.Plural(worse, "reaction", "reactions"))
	}
	return p
}

// Aspects of a scenario's wire.
const (
	aspectCredential = "credential presented"
	noConnection     = "(no connection)"
)

// wireAspects are what the diff compares of a scenario's connections, in
// order; everywhere marks those compared on every scenario, not only on
// the auth paths (the others depend on when the fake closed).
var wireAspects = []struct {
	name       string
	everywhere bool
}{
	{"connections", true}, {aspectCredential, true}, {"path", true}, {"query", true}, {"headers", true},
	{"client frames", false}, {"commit", false}, {"keepalive", false}, {"close", false},
}

// wireOf describes a scenario's connections, one string per wireAspects
// entry; several connections (token-reuse) are joined with " / ".
func wireOf(s Side, scenario string) []string {
	var conns []*wirelog.Log
	for _, l := range s.Logs {
		if s.Run.ConnScenario[l.ID] == scenario {
			conns = append(conns, l)
		}
	}
	out := make([]string, len(wireAspects))
	if len(conns) == 0 {
		for i := range out {
			out[i] = noConnection
		}
		out[0] = "0"
		return out
	}
	per := make([][]string, len(conns))
	for i, l := range conns {
		frames, commit, keepalive := clientFrames(l)
		per[i] = []string{"", credential(l), l.Request.Path, query(l), headers(l), frames, commit, keepalive, closeOf(l)}
	}
	out[0] = fmt.Sprint(len(conns))
	for a := 1; a < len(wireAspects); a++ {
		var vals []string
		for _, p := range per {
			if !slices.Contains(vals, p[a]) {
				vals = append(vals, p[a])
			}
		}
		out[a] = strings.Join(vals, " / ")
	}
	return out
}

// credential names what the server saw, by position and shape: the diff
// compares where a credential is, never its value.
func credential(l *wirelog.Log) string {
	var out []string
	for _, c := range l.Request.Credentials {
		where := c.Where
		if k, ok := c.QueryKey(); ok {
			where = "?" + k + "="
		} else if h, ok := c.HeaderName(); ok {
			where = h + " header"
		}
		out = append(out, where+" ("+c.Shape+")")
	}
	if len(out) == 0 {
		return "none"
	}
	return strings.Join(out, " + ")
}

// query lists the query in order, a credential's value replaced by its shape.
func query(l *wirelog.Log) string {
	var out []string
	for _, p := range l.Request.Query {
		v := p.Value
		if wirelog.IsCredentialQueryKey(p.Name) {
			v = "<" + wirelog.Shape(p.Value) + ">"
		}
		out = append(out, p.Name+"="+v)
	}
	return strings.Join(out, "&")
}

// headers lists the request headers, sorted, with the values that say
// something about the client (not the per-connection key of the handshake,
// not a credential's value).
func headers(l *wirelog.Log) string {
	secret := map[string]bool{}
	for _, c := range l.Request.Credentials {
		if h, ok := c.HeaderName(); ok {
			secret[h] = true
		}
	}
	var out []string
	for _, h := range l.Request.Headers {
		name := strings.ToLower(h.Name)
		switch {
		case name == "sec-websocket-key" || name == "host":
			out = append(out, name)
		case secret[name]:
			out = append(out, name+": <"+wirelog.Shape(h.Value)+">")
		default:
			out = append(out, name+": "+h.Value)
		}
	}
	slices.Sort(out)
	return strings.Join(out, "; ")
}

// clientFrames describes the client's frames: each distinct set of fields
// with their JSON types and how many frames had it; the commits (on an
// empty chunk or with audio); and empty chunks sent without a commit.
func clientFrames(l *wirelog.Log) (frames, commit, keepalive string) {
	shapes, count := []string{}, map[string]int{}
	commits, commitEmpty, empty := 0, 0, 0
	for _, f := range l.Sent(wirelog.FromClient) {
		p, err := f.Payload()
		shape := "unreadable record"
		var obj map[string]any
		switch {
		case err != nil:
		case !p.Text():
			shape = "binary frame"
		case p.Clipped:
			shape = "clipped text frame"
		case json.Unmarshal(p.Data, &obj) != nil || obj == nil:
			shape = "text that is no JSON object"
		default:
			shape = fieldTypes(obj)
			audio, _ := obj["audio_base_64"].(string)
			if c, _ := obj["commit"].(bool); c {
				commits++
				if audio == "" {
					commitEmpty++
				}
			} else if audio == "" {
				empty++
			}
		}
		if count[shape] == 0 {
			shapes = append(shapes, shape)
		}
		count[shape]++
	}
	var parts []string
	for _, s := range shapes {
		parts = append(parts, fmt.Sprintf("%d× %s", count[s], s))
	}
	frames = strings.Join(parts, ", ")
	if frames == "" {
		frames = "none"
	}
	switch {
	case commits == 0:
		commit = "no commit"
	default:
		commit = fmt.Sprintf("%s (%d on an empty chunk, %d with audio)", text.Plural(commits, "commit", "commits"), commitEmpty, commits-commitEmpty)
	}
	keepalive = fmt.Sprintf("%s without a commit (no silence in these scenarios)", text.Plural(empty, "empty chunk", "empty chunks"))
	return frames, commit, keepalive
}

// fieldTypes is {name: JSON type, …} with the names sorted.
func fieldTypes(obj map[string]any) string {
	var out []string
	for k, v := range obj {
		t := "null"
		switch v.(type) {
		case string:
			t = "string"
		case bool:
			t = "boolean"
		case float64:
			t = "number"
		case []any:
			t = "array"
		case map[string]any:
			t = "object"
		}
		out = append(out, k+": "+t)
	}
	slices.Sort(out)
	return "{" + strings.Join(out, ", ") + "}"
}

// closeOf says who ended a connection and with which code.
func closeOf(l *wirelog.Log) string {
	c := l.Close
	switch {
	case !l.Upgraded():
		status := 0
		if l.Response != nil {
			status = l.Response.Status
		}
		return fmt.Sprintf("refused at the upgrade (HTTP %d)", status)
	case c == nil:
		return "not recorded"
	case c.By == wirelog.ByCut:
		return "cut (no close frame)"
	case c.Code == 1005 || c.Code == 0:
		return c.By + " close without a code (1005)"
	}
	s := fmt.Sprintf("%s %d", c.By, c.Code)
	if c.Reason != "" {
		s += fmt.Sprintf(" %q", c.Reason)
	}
	return s
}

// outcomeOf classifies a scenario, or says why the install did not run.
func outcomeOf(r Run, sc Scenario) (Outcome, string) {
	if r.Skipped != "" || r.Broken != "" {
		return NotRun, r.Skipped + r.Broken
	}
	return Classify(r, sc)
}

// reactionAspect names what a scenario tests.
func reactionAspect(sc Scenario) string {
	switch {
	case sc.Inject != "":
		return "injected " + sc.Inject
	case sc.BadKey:
		return "a key the server refuses"
	case sc.Auth == "token-reuse":
		return "a spent token, second session"
	case sc.Pause > 0:
		return "a silence of " + text.Seconds(sc.Pause)
	}
	return "a session on the " + sc.Auth
}

// rank orders outcomes from worst to best for an app.
func rank(o Outcome) int {
	switch o {
	case Session, OwnEvent, Refused, KeptAlive:
		return 5
	case GenericError, CloseNoCode:
		return 4
	case TextLost, Reconnected: // the app knows something failed, not why; it goes on, the audio before a silence lost
		return 3
	case Dropped, LostInSilence:
		return 2
	case Unsupported:
		return 1
	}
	return 0 // crashed, no session, not run
}

// ruleResult is one rule's verdict on an auth path, and what it said.
type ruleResult struct {
	v   verdict.Verdict
	msg string
}

func (r ruleResult) show() string {
	if r.v == "" {
		return noConnection
	}
	return string(r.v)
}

// ruleVerdicts grades an auth path's connections with the CLIENT rules:
// each rule's worst verdict over them. nil: no connection on the path.
func ruleVerdicts(s Side, path string) map[string]ruleResult {
	var logs []*wirelog.Log
	for _, l := range s.Logs {
		if s.Run.ConnScenario[l.ID] == path {
			logs = append(logs, l)
		}
	}
	if len(logs) == 0 {
		return nil
	}
	rep := clientcheck.Grade(logs, s.Exchanges)
	out := map[string]ruleResult{}
	for rule, f := range rep.Worst() {
		out[rule] = ruleResult{f.Verdict, f.Message}
	}
	return out
}

// ruleSummary is the CLIENT verdict of a path as one cell: the fold, and
// the rules that failed.
func ruleSummary(vs map[string]ruleResult) string {
	if vs == nil {
		return noConnection
	}
	var all []verdict.Verdict
	var failing []string
	for _, rule := range clientcheck.Rules {
		r := vs[rule.ID]
		all = append(all, r.v)
		if r.v.Fails(true) {
			failing = append(failing, rule.ID)
		}
	}
	if len(failing) == 0 {
		return string(verdict.Fold(all...))
	}
	return string(verdict.Fold(all...)) + ": " + strings.Join(failing, ", ")
}

// listChange says what a list-valued aspect (query pairs, headers, frame
// shapes) gained and lost, counting repeats: "audio_format=pcm_16000 2× → 1×".
func listChange(o, n string) string {
	if o == noConnection || n == noConnection {
		return ""
	}
	split := func(s string) []string {
		return strings.FieldsFunc(s, func(r rune) bool { return r == '&' || r == ';' })
	}
	count := func(items []string) map[string]int {
		m := map[string]int{}
		for _, it := range items {
			m[strings.TrimSpace(it)]++
		}
		return m
	}
	oi, ni := split(o), split(n)
	oc, nc := count(oi), count(ni)
	var out []string
	for _, it := range append(oi, ni...) {
		it = strings.TrimSpace(it)
		a, b := oc[it], nc[it]
		switch {
		case a == b || a < 0:
			continue
		case a == 0:
			out = append(out, "added "+it)
		case b == 0:
			out = append(out, "dropped "+it)
		default:
			out = append(out, fmt.Sprintf("%s %d× → %d×", it, a, b))
		}
		oc[it] = -1 // each item once
	}
	return strings.Join(out, "; ")
}

// fieldChange says which "name: type" fields the client frames gained or
// lost over all their shapes, or that each shape came in another count.
func fieldChange(o, n string) string {
	if o == noConnection || n == noConnection {
		return ""
	}
	fields := func(s string) []string {
		var out []string
		for _, shape := range strings.Split(s, "{")[1:] {
			body, _, _ := strings.Cut(shape, "}")
			for _, f := range strings.Split(body, ", ") {
				if f != "" && !slices.Contains(out, f) {
					out = append(out, f)
				}
			}
		}
		return out
	}
	of, nf := fields(o), fields(n)
	var out []string
	for _, f := range of {
		if !slices.Contains(nf, f) {
			out = append(out, "dropped "+f)
		}
	}
	for _, f := range nf {
		if !slices.Contains(of, f) {
			out = append(out, "added "+f)
		}
	}
	if len(out) == 0 {
		return "the same fields, in other frames or counts"
	}
	return strings.Join(out, "; ")
}

func oneLine(s string) string { return text.OneLine(s, 120) }

// offered is a list of names an SDK offers as one aspect value; a driver
// that does not read it shows so.
func offered(names []string) string {
	if len(names) == 0 {
		return "(not reported by its driver)"
	}
	return strings.Join(names, "; ")
}
