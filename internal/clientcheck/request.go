package clientcheck

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// The rules on the upgrade request: credentials, path and model, query keys
// and values, tokens' type and age.

// credential: CLIENT-2. authcause reads the credentials once; the causes
// read the same problems.
func (g *grader) credential(v *view) Finding {
	c := g.credsOf(v)
	if len(c.Problems) == 0 {
		return pass(RuleCredential, v, fmt.Sprintf("%s authenticates by %s.", v.id, v.authPath()))
	}
	var problems []string
	for _, p := range c.Problems {
		problems = append(problems, p.Finding)
	}
	return broken(RuleCredential, v, nil, fmt.Sprintf("%s: %s.", v.id, strings.Join(problems, "; ")), requestLine(v.log))
}

// queryProblems are what protocol.CheckQuery, the one picture of a valid
// query (the fake's parser reads it too), finds in the connection's query
// under the live server's rules. The rules below only sort and word them:
// CLIENT-3 the model, CLIENT-4 unknown keys, CLIENT-17 the rest.
func queryProblems(l *wirelog.Log) []protocol.QueryProblem {
	q := url.Values{}
	for _, p := range l.Request.Query {
		q.Add(p.Name, p.Value)
	}
	_, problems := protocol.CheckQuery(q, protocol.FaithfulRules())
	return problems
}

// modelProblem: the problem is CLIENT-3's.
func modelProblem(p protocol.QueryProblem) bool {
	return p.Kind == protocol.ProblemModelMissing || p.Kind == protocol.ProblemModel
}

// keyProblem: the problem is an unknown key, CLIENT-4's.
func keyProblem(p protocol.QueryProblem) bool {
	return p.Kind == protocol.ProblemTypoKey || p.Kind == protocol.ProblemOldKey || p.Kind == protocol.ProblemUnknownKey
}

// modelPath: CLIENT-3.
func modelPath(v *view) Finding {
	l := v.log
	var problems []string
	switch l.Request.Path {
	case protocol.RealtimePath:
	case protocol.OldRealtimePath:
		problems = append(problems, fmt.Sprintf("the path is the old %s (before 2025-11-11): use %s", protocol.OldRealtimePath, protocol.RealtimePath))
	default:
		problems = append(problems, fmt.Sprintf("the path is %q, not %s", l.Request.Path, protocol.RealtimePath))
	}
	for _, p := range queryProblems(l) {
		if modelProblem(p) {
			problems = append(problems, p.Text)
		}
	}
	if len(problems) > 0 {
		return broken(RuleModelPath, v, nil, fmt.Sprintf("%s: %s.", v.id, strings.Join(problems, "; ")), requestLine(l))
	}
	models := l.Query(protocol.ParamModelID)
	return pass(RuleModelPath, v, fmt.Sprintf("%s: %s with model_id=%s.", v.id, l.Request.Path, models[len(models)-1]))
}

// Classes of an unknown query key (protocol.CheckQuery classifies them).
const (
	keyTypo  = protocol.ProblemTypoKey
	keyOld   = protocol.ProblemOldKey
	keyDrift = protocol.ProblemUnknownKey
)

// unknownKey is one query key the socket does not know, classified.
type unknownKey struct {
	key   string
	class protocol.ProblemKind
	meant string
	text  string
}

func unknownKeys(l *wirelog.Log) []unknownKey {
	var out []unknownKey
	for _, p := range queryProblems(l) {
		if keyProblem(p) && !credentialKeys[p.Param] { // credentials are CLIENT-2's
			out = append(out, unknownKey{p.Param, p.Kind, p.Meant, p.Text})
		}
	}
	return out
}

// queryKeys: CLIENT-4.
func queryKeys(v *view) Finding {
	keys := unknownKeys(v.log)
	if len(keys) == 0 {
		return pass(RuleQueryKeys, v, fmt.Sprintf("%s uses only documented query keys.", v.id))
	}
	var wrong, drift []string
	for _, k := range keys {
		switch k.class {
		case keyTypo, keyOld:
			wrong = append(wrong, k.text)
		default:
			drift = append(drift, k.key)
		}
	}
	var msg []string
	if len(wrong) > 0 {
		msg = append(msg, strings.Join(wrong, "; "))
	}
	if len(drift) > 0 {
		msg = append(msg, fmt.Sprintf("drift: %s is not a key scribecheck knows — a newer contract than scribecheck knows, or a home-made key; "+
			"check the API reference and update scribecheck if it is documented", strings.Join(drift, ", ")))
	}
	text := fmt.Sprintf("%s: %s.", v.id, strings.Join(msg, "; "))
	if len(wrong) == 0 {
		return finding(RuleQueryKeys, verdict.Informational, []string{v.id}, nil, text, requestLine(v.log))
	}
	return broken(RuleQueryKeys, v, nil, text, requestLine(v.log))
}

// valueProblems lists what is wrong with the values of known parameters
// (the model and the token aside: CLIENT-3's and CLIENT-2's): those the
// server refuses, and warnings, which it reads on past (a parameter given
// twice with different values, a boolean not written true or false).
func valueProblems(l *wirelog.Log) (refused, warnings []string) {
	for _, p := range queryProblems(l) {
		switch {
		case modelProblem(p) || keyProblem(p) || p.Param == protocol.TokenParam:
		case p.Refused:
			refused = append(refused, p.Text)
		default:
			warnings = append(warnings, p.Text)
		}
	}
	return refused, warnings
}

// queryValues: CLIENT-17. A value the server refuses fails, whatever the
// evidence level of its parameter (the contract's limits are enforced as
// the documented ones are); a warning alone is INFORMATIONAL.
func queryValues(v *view) Finding {
	l := v.log
	refusedBy, warnings := valueProblems(l)
	refused := ""
	if e := v.first(protocol.ErrInvalidRequest); e != nil {
		refused = fmt.Sprintf(" The server answered invalid_request (%s): %q.", where(e.rec, e.idx), e.text)
	}
	switch {
	case len(refusedBy) > 0:
		return broken(RuleQueryValues, v, nil, fmt.Sprintf("%s: %s.%s", v.id, strings.Join(append(refusedBy, warnings...), "; "), refused), requestLine(l))
	case len(warnings) > 0:
		return finding(RuleQueryValues, verdict.Informational, []string{v.id}, nil,
			fmt.Sprintf("%s: %s (warnings: the server reads on past them).%s", v.id, strings.Join(warnings, "; "), refused), requestLine(l))
	}
	return pass(RuleQueryValues, v, fmt.Sprintf("%s: every documented parameter has an allowed value.", v.id))
}

// languageCode: CLIENT-18.
func languageCode(v *view) Finding {
	lc, ok := queryValue(v.log, protocol.ParamLanguageCode)
	if !ok || lc == "" {
		return notApplicable(RuleLanguageCode, v, fmt.Sprintf("%s sends no language_code (automatic detection).", v.id))
	}
	if base, _, found := strings.Cut(strings.ReplaceAll(lc, "_", "-"), "-"); found {
		empty := 0
		for _, s := range v.server {
			if s.typ == protocol.CommittedTranscript && strings.Contains(s.rec.Data, `"text":""`) {
				empty++
			}
		}
		seen := ""
		if empty > 0 {
			seen = fmt.Sprintf(" (%s came back empty here)", text.Plural(empty, "committed_transcript", "committed_transcripts"))
		}
		return broken(RuleLanguageCode, v, nil,
			fmt.Sprintf("%s: language_code=%s is a locale: the live server accepts it but never transcribes%s; use language_code=%s.", v.id, lc, seen, strings.ToLower(base)),
			requestLine(v.log))
	}
	return pass(RuleLanguageCode, v, fmt.Sprintf("%s: language_code=%s.", v.id, lc))
}

// tokenType: CLIENT-15.
func (g *grader) tokenType(v *view) Finding {
	types, other, na := g.judgeMinted(v, RuleTokenType, "type", func(m mintedToken) (string, string) {
		t := mintedType(m.ex)
		if t != protocol.TokenRealtimeScribe {
			return t, fmt.Sprintf("%s was minted as %s (POST %s)", m.cred.Shown, t, m.ex.Path)
		}
		return t, ""
	})
	if na != nil {
		return *na
	}
	if len(other) > 0 {
		refused := ""
		if v.refusedAuth() {
			refused = " and the server refused it (auth_error)"
		}
		return finding(RuleTokenType, verdict.Informational, []string{v.id}, nil,
			fmt.Sprintf("%s: %s%s: mint a realtime_scribe token for this socket (what the live server does with another type is unconfirmed).",
				v.id, strings.Join(other, "; "), refused), requestLine(v.log))
	}
	return pass(RuleTokenType, v, fmt.Sprintf("%s: the token was minted as %s.", v.id, strings.Join(types, ", ")))
}

// tokenAge: CLIENT-16.
func (g *grader) tokenAge(v *view) Finding {
	ages, old, na := g.judgeMinted(v, RuleTokenAge, "age", func(m mintedToken) (string, string) {
		age := v.when.Sub(m.ex.At)
		if age >= protocol.TokenLifetime {
			return secs(age), fmt.Sprintf("%s was minted %.1f min before this connection", m.cred.Shown, age.Minutes())
		}
		return secs(age), ""
	})
	if na != nil {
		return *na
	}
	if len(old) > 0 {
		return broken(RuleTokenAge, v, nil,
			fmt.Sprintf("%s: %s: tokens expire after 15 minutes; mint right before connecting.", v.id, strings.Join(old, "; ")), requestLine(v.log))
	}
	return pass(RuleTokenAge, v, fmt.Sprintf("%s: the token was %s old.", v.id, strings.Join(ages, ", ")))
}
