package clientcheck_test

import (
	"fmt"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/doctor"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// The fake, the client grader and the doctor's URL lint read one picture of
// a valid query (protocol.CheckQuery). This walk checks it from outside, on
// the real things: each query below is sent to a real fake on 127.0.0.1, the
// recorded connection is graded, and the URL is linted.

// paramCase is one query of the walk, and what the table (protocol.Params,
// Conflicts, Models, and the booleans' rule) says a faithful server does
// with it.
type paramCase struct {
	name    string
	query   url.Values // model_id is scribe_v2_realtime unless the case sets it; an empty list drops it
	refused bool       // invalid_request, then close
	warned  bool       // taken, but named by the checks as a warning
}

// paramRules are the CLIENT rules built from the query's problems.
var paramRules = []string{clientcheck.RuleModelPath, clientcheck.RuleQueryKeys, clientcheck.RuleQueryValues, clientcheck.RuleLanguageCode}

// sample is a value each parameter takes, and another.
func sample(p protocol.Param) (string, string) {
	switch p.Name {
	case protocol.ParamLanguageCode, protocol.ParamSecondaryLanguages:
		return "en", "fr"
	case protocol.ParamKeyterms:
		return "Scribe", "ElevenLabs"
	case protocol.ParamEntityDetection, protocol.ParamEntityRedaction:
		return "pii", "all"
	case protocol.ParamTranscriptEdit:
		return "lowercase", "uppercase"
	}
	switch p.Kind {
	case protocol.KindBool:
		return "true", "false"
	case protocol.KindEnum:
		return p.Allowed[0], p.Allowed[len(p.Allowed)-1]
	case protocol.KindFloat, protocol.KindInt:
		return p.Format(p.Min), p.Format(p.Max)
	}
	return "x", "y"
}

// paramWalk walks the table both ways: for every parameter, values a
// faithful server takes (the default, each enum member, each bound, the
// boolean spellings strconv.ParseBool reads, lists at their limits) and
// values it refuses (just outside a range, a wrong enum or boolean word, a
// list one over its limits); a parameter given twice; each pair that may not
// go together; the models; unknown and old keys.
func paramWalk() []paramCase {
	var out []paramCase
	add := func(refused, warned bool, kv ...string) {
		q := url.Values{protocol.ParamModelID: {protocol.DefaultModel}}
		set := map[string]bool{}
		var name []string
		for i := 0; i+1 < len(kv); i += 2 {
			if !set[kv[i]] {
				q.Del(kv[i])
				set[kv[i]] = true
			}
			if kv[i+1] != "\x00" { // \x00: drop the key
				q.Add(kv[i], kv[i+1])
			}
			name = append(name, kv[i]+"="+clip(kv[i+1]))
		}
		out = append(out, paramCase{name: strings.Join(name, "&"), query: q, refused: refused, warned: warned})
	}
	accept := func(kv ...string) { add(false, false, kv...) }
	warn := func(kv ...string) { add(false, true, kv...) }
	refuse := func(kv ...string) { add(true, false, kv...) }

	for _, p := range protocol.Params {
		n := p.Name
		var bad []string // values of p the server refuses
		switch p.Kind {
		case protocol.KindEnum:
			for _, v := range p.Allowed {
				accept(n, v)
			}
			bad = []string{"bogus", strings.ToUpper(p.Allowed[0]), " " + p.Allowed[0], ""}
		case protocol.KindBool:
			accept(n, "true")
			accept(n, "false")
			for _, v := range []string{"True", "FALSE", "TRUE", "False", "1", "0", "t", "F"} {
				warn(n, v) // the fake reads them (choice bools-parse-loosely); the docs write true and false
			}
			bad = []string{"yes", "no", "Yes", "on", "off", "y", "n", "", "2", "tRUE", "truee"}
		case protocol.KindFloat, protocol.KindInt:
			accept(n, p.Default)
			accept(n, p.Format(p.Min))
			accept(n, p.Format(p.Max))
			bad = []string{p.Format(p.Min - p.Step()), p.Format(p.Max + p.Step()), "abc", "NaN", "Inf", "", "-"}
			if p.Kind == protocol.KindInt {
				bad = append(bad, p.Format(p.Min)+".5", "1e2")
			} else {
				accept(n, p.Format(p.Max)+"0") // 3.00
			}
		case protocol.KindStringList:
			a, b := sample(p)
			accept(n, a)
			accept(n, a, n, b)
			accept(n, a+","+b)
			accept(n, "")
			if p.MaxItems > 0 {
				var kv []string
				for i := range p.MaxItems {
					kv = append(kv, n, fmt.Sprintf("t%d", i))
				}
				accept(kv...)
				refuse(append(kv, n, "one-more")...)
			}
			if p.MaxLen > 0 {
				accept(n, strings.Repeat("é", p.MaxLen)) // characters, not bytes
				refuse(n, strings.Repeat("k", p.MaxLen+1))
			}
			continue // a list given twice is a list
		case protocol.KindString:
			if n == protocol.TokenParam {
				continue // a credential: CLIENT-2 and the lint's credential checks
			}
			if n == protocol.ParamModelID {
				continue // the models, below
			}
			a, b := sample(p)
			accept(n, a)
			accept(n, b)
			if p.MaxLen > 0 {
				accept(n, strings.Repeat("x", p.MaxLen))
				bad = []string{strings.Repeat("x", p.MaxLen+1)}
			}
		}
		for _, v := range bad {
			refuse(n, v)
		}
		// Given twice: the server reads the last value (choice
		// last-duplicate-wins); different values are a warning.
		a, b := sample(p)
		accept(n, a, n, a)
		warn(n, a, n, b)
		if len(bad) > 0 {
			warn(n, bad[0], n, a)
			refuse(n, a, n, bad[0])
		}
	}

	// Each pair that may not go together, and each alone.
	on := func(name string) string {
		p, _ := protocol.LookupParam(name)
		if p.Kind == protocol.KindBool {
			return "true"
		}
		a, _ := sample(p)
		return a
	}
	off := func(name string) string {
		p, _ := protocol.LookupParam(name)
		if p.Kind == protocol.KindBool {
			return "false"
		}
		return ""
	}
	for _, c := range protocol.Conflicts {
		refuse(c.A, on(c.A), c.B, on(c.B))
		accept(c.A, on(c.A))
		accept(c.B, on(c.B))
		accept(c.A, off(c.A), c.B, on(c.B))
		accept(c.A, on(c.A), c.B, off(c.B))
	}

	// The models (docs/protocol.md §10: the live server names lite as supported
	// and refuses the old name with invalid_request and close 1008).
	m := protocol.ParamModelID
	for _, model := range protocol.Models {
		accept(m, model)
	}
	for _, model := range []string{"\x00", "", protocol.OldModelName, protocol.UnknownModel, strings.ToUpper(protocol.DefaultModel),
		" " + protocol.DefaultModel + " ", protocol.DefaultModel + "_", "scribe_v1", "scribe_v2"} {
		refuse(m, model)
	}
	warn(m, protocol.OldModelName, m, protocol.LiteModel)
	refuse(m, protocol.DefaultModel, m, protocol.OldModelName)

	// A locale is taken and never transcribes (docs/protocol.md §2, O): a
	// warning, CLIENT-18's; the last of two is the one read.
	lc := protocol.ParamLanguageCode
	warn(lc, "en-US")
	warn(lc, "pt_BR")
	warn(lc, "en", lc, "en-US")
	warn(lc, "en-US", lc, "en") // given twice with different values: CLIENT-17's warning

	// Keys the server ignores: typos, old names, drift.
	for _, k := range []string{"encoding", "sample_rate", "vad_commit_strategy", "disable_logging", "keyterm", "modelId", "langauge_code", "noise_reduction"} {
		warn(k, "1")
	}
	return out
}

func clip(s string) string {
	if r := []rune(s); len(r) > 12 {
		return fmt.Sprintf("%s…(%d)", string(r[:8]), len(r))
	}
	if s == "\x00" {
		return "(none)"
	}
	return s
}

// walkParams sends every case to a fake started with opts, grades the
// recording and lints each URL. It returns, for each case, what disagrees:
// the fake with the table, or the grader or the lint with the fake.
func walkParams(t *testing.T, opts fakeserver.Options, cases []paramCase) [][]string {
	t.Helper()
	h := start(t, opts, false)
	hdr := http.Header{protocol.APIKeyHeader: {h.srv.TestKey()}}
	socket := "ws" + strings.TrimPrefix(h.base, "http") + protocol.RealtimePath
	refused := make([]bool, len(cases))
	for i, c := range cases {
		conn := h.mustDial(c.query.Encode(), hdr)
		first, err := conn.read()
		if err != nil {
			t.Fatalf("%s: no first frame: %v", c.name, err)
		}
		switch gjson.Get(first, protocol.MessageTypeField).String() {
		case protocol.SessionStarted:
			conn.closeNormal()
		case protocol.ErrInvalidRequest:
			refused[i] = true
			if code := conn.expectClose(); code != 1008 {
				t.Errorf("%s: invalid_request, then close %d; want 1008", c.name, code)
			}
		default:
			t.Fatalf("%s: the fake answered %s", c.name, first)
		}
	}
	rep := h.grade()
	logs, _, err := wirelog.ReadDir(h.set.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if len(logs) != len(cases) || len(rep.Conns) != len(cases) {
		t.Fatalf("%d logs, %d graded connections for %d queries", len(logs), len(rep.Conns), len(cases))
	}
	out := make([][]string, len(cases))
	for i, c := range cases {
		var wrong []string
		bad := func(format string, a ...any) { wrong = append(wrong, fmt.Sprintf(format, a...)) }
		if got := recordedQuery(logs[i]); !reflect.DeepEqual(got, c.query) {
			t.Fatalf("%s: connection %d recorded the query %v", c.name, i, got)
		}
		conn := rep.Conns[i]
		if refused[i] != c.refused {
			bad("the fake refused=%t, the table says %t", refused[i], c.refused)
		}
		// (b) the grader fails the connection iff the fake refused it, on a
		// rule of the query.
		failed := conn.Verdict == verdict.Failed
		var named, failing []string
		for _, f := range conn.Results {
			if f.Verdict == verdict.Failed {
				failing = append(failing, f.Rule)
			}
			if slices.Contains(paramRules, f.Rule) && f.Verdict != verdict.OK && f.Verdict != verdict.NotApplicable {
				named = append(named, f.Rule+" "+string(f.Verdict)+": "+f.Message)
			}
		}
		switch {
		case failed != refused[i]:
			bad("the grader's verdict is %s (%s) though the fake refused=%t", conn.Verdict, strings.Join(named, " | "), refused[i])
		case failed && !slices.ContainsFunc(failing, func(r string) bool { return slices.Contains(paramRules, r) }):
			bad("the grader fails it on %v, no rule of the query", failing)
		}
		// (c) the lint has an error iff the fake refused; a warning only
		// where the grader names it too.
		var errs, warns []string
		for _, l := range doctor.Lint(socket+"?"+c.query.Encode(), probes.Target{}, "", secrets.New()) {
			switch l.Severity {
			case doctor.SevError:
				errs = append(errs, l.Problem)
			case doctor.SevWarning:
				warns = append(warns, l.Problem)
			}
		}
		if (len(errs) > 0) != refused[i] {
			bad("the lint has errors %q though the fake refused=%t", errs, refused[i])
		}
		if !refused[i] {
			if (len(warns) > 0) != (len(named) > 0) {
				bad("the lint warns %q, the grader names %q: not alike", warns, named)
			}
			if (len(named) > 0) != c.warned {
				bad("the grader names %q; the walk expects a warning: %t", named, c.warned)
			}
		}
		out[i] = wrong
	}
	return out
}

// recordedQuery is a connection's query as its log holds it.
func recordedQuery(l *wirelog.Log) url.Values {
	q := url.Values{}
	for _, p := range l.Request.Query {
		q.Add(p.Name, p.Value)
	}
	return q
}

// TestParamsOnePicture: every query the faithful fake refuses is a client
// finding that fails the connection and a lint error; no query it takes
// fails either; a query it takes is warned about by both or by neither.
func TestParamsOnePicture(t *testing.T) {
	t.Parallel()
	cases := paramWalk()
	// The walk covers the table: every parameter but the token, both ways
	// where the table has a limit, every pair and every model.
	covered := map[string][2]int{}
	for _, c := range cases {
		for k := range c.query {
			n := covered[k]
			if c.refused {
				n[1]++
			} else {
				n[0]++
			}
			covered[k] = n
		}
	}
	for _, p := range protocol.Params {
		n := covered[p.Name]
		paired := slices.ContainsFunc(protocol.Conflicts, func(c protocol.Conflict) bool { return c.A == p.Name || c.B == p.Name })
		limited := p.Kind == protocol.KindEnum || p.Kind == protocol.KindBool || p.Kind == protocol.KindFloat || p.Kind == protocol.KindInt ||
			p.MaxItems > 0 || p.MaxLen > 0 || p.Name == protocol.ParamModelID || paired
		switch {
		case p.Name == protocol.TokenParam:
		case n[0] == 0 || (limited && n[1] == 0):
			t.Errorf("the walk sends %s in %d taken and %d refused queries", p.Name, n[0], n[1])
		}
	}
	if len(cases) < 200 {
		t.Errorf("only %d cases", len(cases))
	}

	for i, wrong := range walkParams(t, fakeserver.Options{}, cases) {
		for _, w := range wrong {
			t.Errorf("%s: %s", cases[i].name, w)
		}
	}
}

// TestParamsWalkSeesADisagreement: the walk fails when the fake and the
// checks disagree. A fake that does not check enums (a bug named
// enum-unchecked) takes a wrong audio_format the grader and the lint call a
// refusal: each such case, and only those, is a disagreement.
func TestParamsWalkSeesADisagreement(t *testing.T) {
	t.Parallel()
	var cases []paramCase
	var enum []bool
	for _, c := range paramWalk() {
		if c.query.Has(protocol.ParamAudioFormat) || c.query.Has(protocol.ParamIncludeTimestamps) {
			cases = append(cases, c)
			_, problems := protocol.CheckQuery(c.query, protocol.FaithfulRules())
			enum = append(enum, slices.ContainsFunc(problems, func(p protocol.QueryProblem) bool {
				return p.Refused && p.Kind == protocol.ProblemEnum
			}))
		}
	}
	got := walkParams(t, fakeserver.Options{Faults: []string{fakeserver.FaultEnumUnchecked}}, cases)
	seen := 0
	for i, wrong := range got {
		if !enum[i] {
			if len(wrong) > 0 {
				t.Errorf("%s: %q, though enum-unchecked does not touch it", cases[i].name, wrong)
			}
			continue
		}
		seen++
		all := strings.Join(wrong, "; ")
		for _, want := range []string{"the fake refused=false, the table says true", "the grader's verdict is FAILED", "the lint has errors"} {
			if !strings.Contains(all, want) {
				t.Errorf("%s under enum-unchecked: %q, want %q among the disagreements", cases[i].name, wrong, want)
			}
		}
	}
	if seen < 4 {
		t.Errorf("only %d wrong audio_format cases", seen)
	}
}

// TestPathOnePicture: the path is one picture too. Each path below is dialled
// on a faithful fake: it opens a session on the realtime path alone (its mux
// matches exactly, so a trailing / is another path); CLIENT-3 fails every
// connection the fake answered 404, and only those; the lint has an error for
// exactly those URLs.
func TestPathOnePicture(t *testing.T) {
	t.Parallel()
	for _, path := range []string{protocol.RealtimePath, protocol.RealtimePath + "/", protocol.OldRealtimePath, protocol.OldRealtimePath + "/",
		"/v1/speech-to-text", "/v1/speech-to-text/realtime/stream", "/V1/speech-to-text/realtime", "/"} {
		h := start(t, fakeserver.Options{}, false)
		query := url.Values{protocol.ParamModelID: {protocol.DefaultModel}}.Encode()
		c, resp, err := h.dial(path, query, http.Header{protocol.APIKeyHeader: {h.srv.TestKey()}})
		refused := err != nil
		switch {
		case err == nil:
			c.expect(protocol.SessionStarted)
			c.closeNormal()
		case resp == nil || resp.StatusCode != http.StatusNotFound:
			t.Fatalf("%s: %v", path, err)
		}
		rep := h.grade()
		if len(rep.Conns) != 1 {
			t.Fatalf("%s: %d graded connections", path, len(rep.Conns))
		}
		f := result(t, rep, 0, clientcheck.RuleModelPath)
		if (f.Verdict == verdict.Failed) != refused || (f.Verdict != verdict.OK && f.Verdict != verdict.Failed) {
			t.Errorf("%s: the fake refused=%t; CLIENT-3 %s %q", path, refused, f.Verdict, f.Message)
		}
		socket := "ws" + strings.TrimPrefix(h.base, "http") + path + "?" + query
		var errs []string
		for _, l := range doctor.Lint(socket, probes.Target{}, "", secrets.New()) {
			if l.Severity == doctor.SevError {
				errs = append(errs, l.Problem)
			}
		}
		if (len(errs) > 0) != refused {
			t.Errorf("%s: the fake refused=%t; the lint's errors %q", path, refused, errs)
		}
	}
}
