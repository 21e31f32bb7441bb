package clientcheck

import (
	"fmt"
	"net/url"
	"slices"
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

// queryProblems are what protocol.CheckPath and protocol.CheckQuery, the one
// picture of a valid socket URL (the fake routes and parses by it too), find
// in the connection's path and query under the live server's rules: the
// view computes them once. The rules below only sort them (problemRule) and
// say them in the problems' own words.
func queryProblems(l *wirelog.Log) []protocol.QueryProblem {
	q := url.Values{}
	for _, p := range l.Request.Query {
		q.Add(p.Name, p.Value)
	}
	_, problems := protocol.CheckQuery(q, protocol.FaithfulRules())
	return append(protocol.CheckPath(l.Request.Path), problems...)
}

// problemRule is the rule a problem of the path or query belongs to:
// CLIENT-3 the path and the model, CLIENT-4 unknown keys, CLIENT-18 a
// locale, CLIENT-17 the other values; "" for credentials (CLIENT-2's, read
// by authcause).
func problemRule(p protocol.QueryProblem) string {
	if wirelog.IsCredentialQueryKey(p.Param) {
		return ""
	}
	switch p.Kind {
	case protocol.ProblemPath, protocol.ProblemOldPath, protocol.ProblemModelMissing, protocol.ProblemModel:
		return RuleModelPath
	case protocol.ProblemTypoKey, protocol.ProblemOldKey, protocol.ProblemUnknownKey:
		return RuleQueryKeys
	case protocol.ProblemLocale:
		return RuleLanguageCode
	}
	return RuleQueryValues
}

// problemsOf are the view's problems of one rule, in CheckQuery's order.
func (v *view) problemsOf(rule string) []protocol.QueryProblem {
	var out []protocol.QueryProblem
	for _, p := range v.problems {
		if problemRule(p) == rule {
			out = append(out, p)
		}
	}
	return out
}

// texts are the problems' Texts.
func texts(ps []protocol.QueryProblem) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Text
	}
	return out
}

// modelPath: CLIENT-3.
func modelPath(v *view) Finding {
	l := v.log
	if problems := texts(v.problemsOf(RuleModelPath)); len(problems) > 0 {
		return broken(RuleModelPath, v, nil, fmt.Sprintf("%s: %s.", v.id, strings.Join(problems, "; ")), requestLine(l))
	}
	models := l.Query(protocol.ParamModelID)
	return pass(RuleModelPath, v, fmt.Sprintf("%s: %s with model_id=%s.", v.id, l.Request.Path, models[len(models)-1]))
}

// queryKeys: CLIENT-4. A key that is only drift (not a typo, not an old
// name) is INFORMATIONAL.
func queryKeys(v *view) Finding {
	keys := v.problemsOf(RuleQueryKeys)
	if len(keys) == 0 {
		return pass(RuleQueryKeys, v, fmt.Sprintf("%s uses only documented query keys.", v.id))
	}
	text := fmt.Sprintf("%s: %s.", v.id, strings.Join(texts(keys), "; "))
	if !slices.ContainsFunc(keys, func(p protocol.QueryProblem) bool { return p.Kind != protocol.ProblemUnknownKey }) {
		return finding(RuleQueryKeys, verdict.Informational, []string{v.id}, nil, text, requestLine(v.log))
	}
	return broken(RuleQueryKeys, v, nil, text, requestLine(v.log))
}

// valueProblems are CLIENT-17's problems: those the server refuses, and
// warnings, which it reads on past (a parameter given twice with different
// values, a boolean not written true or false).
func valueProblems(v *view) (refused, warnings []protocol.QueryProblem) {
	for _, p := range v.problemsOf(RuleQueryValues) {
		if p.Refused {
			refused = append(refused, p)
		} else {
			warnings = append(warnings, p)
		}
	}
	return refused, warnings
}

// queryValues: CLIENT-17. A value the server refuses fails, whatever the
// evidence level of its parameter (the contract's limits are enforced as
// the documented ones are); a warning alone is INFORMATIONAL.
func queryValues(v *view) Finding {
	l := v.log
	refusedBy, warnings := valueProblems(v)
	refused := ""
	if e := v.first(protocol.ErrInvalidRequest); e != nil {
		refused = fmt.Sprintf(" The server answered invalid_request (%s): %q.", where(e.rec, e.idx), e.text)
	}
	switch {
	case len(refusedBy) > 0:
		return broken(RuleQueryValues, v, nil, fmt.Sprintf("%s: %s.%s", v.id, strings.Join(texts(append(refusedBy, warnings...)), "; "), refused), requestLine(l))
	case len(warnings) > 0:
		return finding(RuleQueryValues, verdict.Informational, []string{v.id}, nil,
			fmt.Sprintf("%s: %s (warnings: the server reads on past them).%s", v.id, strings.Join(texts(warnings), "; "), refused), requestLine(l))
	}
	return pass(RuleQueryValues, v, fmt.Sprintf("%s: every documented parameter has an allowed value.", v.id))
}

// languageCode: CLIENT-18, on CheckQuery's locale warning.
func languageCode(v *view) Finding {
	lc, ok := queryValue(v.log, protocol.ParamLanguageCode)
	if !ok || lc == "" {
		return notApplicable(RuleLanguageCode, v, fmt.Sprintf("%s sends no language_code (automatic detection).", v.id))
	}
	if locale := v.problemsOf(RuleLanguageCode); len(locale) > 0 {
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
		return broken(RuleLanguageCode, v, nil, fmt.Sprintf("%s: %s%s.", v.id, locale[0].Text, seen), requestLine(v.log))
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
			return text.Seconds(age), fmt.Sprintf("%s was minted %.1f min before this connection", m.cred.Shown, age.Minutes())
		}
		return text.Seconds(age), ""
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
