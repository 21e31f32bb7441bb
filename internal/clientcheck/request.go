package clientcheck

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

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
	models := l.Query(protocol.ParamModelID)
	if len(models) == 0 {
		problems = append(problems, "model_id is missing (there is no default): add model_id="+protocol.DefaultModel)
	}
	for _, m := range models {
		switch {
		case slices.Contains(protocol.Models, m):
		case m == "scribe_realtime_v2":
			problems = append(problems, "model_id=scribe_realtime_v2 is the old name (before 2025-11-11): use "+protocol.DefaultModel)
		case m == "scribe_v1" || m == "scribe_v2" || strings.HasPrefix(m, "scribe_v1_"):
			problems = append(problems, fmt.Sprintf("model_id=%s looks like a batch speech-to-text model: the realtime socket takes %s", m, strings.Join(protocol.Models, ", ")))
		default:
			problems = append(problems, fmt.Sprintf("model_id=%q is not a realtime model (%s)", m, strings.Join(protocol.Models, ", ")))
		}
	}
	if len(problems) > 0 {
		return broken(RuleModelPath, v, nil, fmt.Sprintf("%s: %s.", v.id, strings.Join(problems, "; ")), requestLine(l))
	}
	return pass(RuleModelPath, v, fmt.Sprintf("%s: %s with model_id=%s.", v.id, l.Request.Path, models[len(models)-1]))
}

// Classes of an unknown query key.
const (
	keyTypo  = "typo"
	keyOld   = "old"
	keyDrift = "drift"
)

// oldKeys are names old or home-made clients send, and what they meant. The
// first four are protocol.md §2's; the rest are session_started.config's
// echo names and common guesses.
var oldKeys = map[string]string{
	"vad_commit_strategy":     "commit_strategy=vad (vad_commit_strategy is how session_started.config echoes it, not a query key: the server ignores it)",
	"sample_rate":             "audio_format=pcm_<rate> (the rate is part of audio_format)",
	"encoding":                "audio_format (pcm_<rate> or ulaw_8000)",
	"disable_logging":         "enable_logging=false",
	"timestamps_granularity":  "include_timestamps=true",
	"max_tokens_to_recompute": "nothing: it is an echo of session_started.config, not a parameter",
	"model":                   "model_id",
	"language":                "language_code",
	"format":                  "audio_format",
	"commit":                  "commit:true on an input_audio_chunk frame (a commit is not a query parameter)",
}

// classifyKey says what an unknown key is: a typo of a known key (and
// which), an old or home-made name (and what to use), or drift.
func classifyKey(k string) (class, meant string) {
	if use, ok := oldKeys[k]; ok {
		return keyOld, use
	}
	norm := func(s string) string { return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s)) }
	best, bestDist := "", 1<<30
	for _, p := range protocol.Params {
		n := p.Name
		switch {
		case norm(k) == norm(n):
			return keyTypo, n // modelId, model-id, MODEL_ID
		case k+"s" == n || k == n+"s":
			return keyTypo, n // keyterm, secondary_language
		case strings.HasPrefix(n, k+"_"):
			return keyTypo, n // min_speech_duration for min_speech_duration_ms
		}
		if d := editDistance(strings.ToLower(k), n); d < bestDist {
			best, bestDist = n, d
		}
	}
	limit := 0
	switch {
	case len(k) >= 8:
		limit = 2
	case len(k) >= 4:
		limit = 1
	}
	if bestDist <= limit {
		return keyTypo, best
	}
	return keyDrift, ""
}

// editDistance is the Levenshtein distance.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// unknownKey is one query key the socket does not know, classified.
type unknownKey struct {
	key, class, meant string
}

func unknownKeys(l *wirelog.Log) []unknownKey {
	var out []unknownKey
	seen := map[string]bool{}
	for _, p := range l.Request.Query {
		if seen[p.Name] || credentialKeys[p.Name] {
			continue // credentials are CLIENT-2's
		}
		seen[p.Name] = true
		if _, ok := protocol.LookupParam(p.Name); ok {
			continue
		}
		class, meant := classifyKey(p.Name)
		out = append(out, unknownKey{p.Name, class, meant})
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
		case keyTypo:
			wrong = append(wrong, fmt.Sprintf("%s looks like a misspelling of %s: rename it (the server ignores %s, so the setting is lost)", k.key, k.meant, k.key))
		case keyOld:
			wrong = append(wrong, fmt.Sprintf("%s is an old or home-made name: use %s", k.key, k.meant))
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

// pydanticBools are the strings a lenient server parses as booleans; the
// docs and the SDKs write true and false (S).
var pydanticBools = []string{"true", "false", "1", "0", "yes", "no", "on", "off", "t", "f", "y", "n"}

// valueProblems lists what is wrong with the values of documented
// parameters: problems with documented (or SDK-ranged) ones, and contract
// ones with parameters only the newest contract has (C).
func valueProblems(l *wirelog.Log) (problems, contract []string) {
	isSet := map[string]bool{}
	for _, p := range protocol.Params {
		if p.Name == protocol.ParamModelID || p.Name == protocol.TokenParam {
			continue // CLIENT-3 and CLIENT-2
		}
		vals := l.Query(p.Name)
		if len(vals) == 0 {
			continue
		}
		var ps []string
		bad := func(format string, a ...any) { ps = append(ps, fmt.Sprintf(format, a...)) }
		if p.Kind != protocol.KindStringList && len(slices.Compact(slices.Clone(vals))) > 1 {
			bad("%s is given %d times with different values (%s): which one the server reads is unconfirmed; send it once",
				p.Name, len(vals), strings.Join(vals, ", "))
		}
		switch p.Kind {
		case protocol.KindEnum:
			for _, x := range vals {
				if !slices.Contains(p.Allowed, x) {
					bad("%s=%s is not one of %s", p.Name, x, strings.Join(p.Allowed, ", "))
				}
			}
			isSet[p.Name] = true
		case protocol.KindBool:
			for _, x := range vals {
				if !slices.Contains(pydanticBools, strings.ToLower(x)) {
					bad("%s=%s is not a boolean: write true or false", p.Name, x)
				}
				isSet[p.Name] = strings.EqualFold(x, "true") || x == "1"
			}
		case protocol.KindFloat, protocol.KindInt:
			for _, x := range vals {
				n, err := strconv.ParseFloat(x, 64)
				what := "number"
				if p.Kind == protocol.KindInt {
					var i int
					i, err = strconv.Atoi(x)
					n, what = float64(i), "whole number"
				}
				switch {
				case err != nil || math.IsNaN(n) || math.IsInf(n, 0):
					bad("%s=%s is not a %s", p.Name, x, what)
				case n < p.Min || n > p.Max:
					bad("%s=%s is outside %s–%s", p.Name, x, p.Format(p.Min), p.Format(p.Max))
				}
			}
		case protocol.KindStringList:
			if p.MaxItems > 0 && len(vals) > p.MaxItems {
				bad("%s has %d values; at most %d are allowed", p.Name, len(vals), p.MaxItems)
			}
			for _, x := range vals {
				if p.MaxLen > 0 && len([]rune(x)) > p.MaxLen {
					bad("a %s value (%q) has %d characters; at most %d are allowed", p.Name, x, len([]rune(x)), p.MaxLen)
				}
				isSet[p.Name] = isSet[p.Name] || x != ""
			}
		default:
			for _, x := range vals {
				if p.MaxLen > 0 && len([]rune(x)) > p.MaxLen {
					bad("%s has %d characters; at most %d are allowed", p.Name, len([]rune(x)), p.MaxLen)
				}
				isSet[p.Name] = isSet[p.Name] || x != ""
			}
		}
		if protocol.Contract(p.Level) {
			contract = append(contract, ps...)
		} else {
			problems = append(problems, ps...)
		}
	}
	for _, c := range protocol.Conflicts {
		if isSet[c.A] && isSet[c.B] {
			s := fmt.Sprintf("%s and %s may not go together: drop one", c.A, c.B)
			if protocol.Contract(c.Level) {
				contract = append(contract, s)
			} else {
				problems = append(problems, s)
			}
		}
	}
	return problems, contract
}

// queryValues: CLIENT-17. A problem with a parameter only the newest
// contract has (C) is INFORMATIONAL: nothing documents it yet.
func queryValues(v *view) Finding {
	l := v.log
	problems, contract := valueProblems(l)
	refused := ""
	if e := v.first(protocol.ErrInvalidRequest); e != nil {
		refused = fmt.Sprintf(" The server answered invalid_request (%s): %q.", where(e.rec, e.idx), e.text)
	}
	switch {
	case len(problems) > 0:
		return broken(RuleQueryValues, v, nil, fmt.Sprintf("%s: %s.%s", v.id, strings.Join(append(problems, contract...), "; "), refused), requestLine(l))
	case len(contract) > 0:
		return finding(RuleQueryValues, verdict.Informational, []string{v.id}, nil,
			fmt.Sprintf("%s: %s (parameters of the newest contract, not yet documented).%s", v.id, strings.Join(contract, "; "), refused), requestLine(l))
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
			seen = fmt.Sprintf(" (%s came back empty here)", plural(empty, "committed_transcript", "committed_transcripts"))
		}
		return broken(RuleLanguageCode, v, nil,
			fmt.Sprintf("%s: language_code=%s is a locale: the live server accepts it but never transcribes%s; use language_code=%s.", v.id, lc, seen, strings.ToLower(base)),
			requestLine(v.log))
	}
	return pass(RuleLanguageCode, v, fmt.Sprintf("%s: language_code=%s.", v.id, lc))
}

// tokenType: CLIENT-15.
func (g *grader) tokenType(v *view) Finding {
	presented, minted := g.mintedTokens(v)
	switch {
	case presented == 0:
		return notApplicable(RuleTokenType, v, fmt.Sprintf("%s presents no single-use token.", v.id))
	case len(minted) == 0:
		return notApplicable(RuleTokenType, v, fmt.Sprintf("%s: the token was not minted during this recording; its type is unknown.", v.id))
	}
	var other, types []string
	for _, m := range minted {
		t := mintedType(m.ex)
		types = append(types, t)
		if t != protocol.TokenRealtimeScribe {
			other = append(other, fmt.Sprintf("%s was minted as %s (POST %s)", m.cred.Shown, t, m.ex.Path))
		}
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
	presented, minted := g.mintedTokens(v)
	switch {
	case presented == 0:
		return notApplicable(RuleTokenAge, v, fmt.Sprintf("%s presents no single-use token.", v.id))
	case len(minted) == 0:
		return notApplicable(RuleTokenAge, v, fmt.Sprintf("%s: the token was not minted during this recording; its age is unknown.", v.id))
	}
	var old, ages []string
	for _, m := range minted {
		age := v.when.Sub(m.ex.At)
		ages = append(ages, secs(age))
		if age >= protocol.TokenLifetime {
			old = append(old, fmt.Sprintf("%s was minted %.1f min before this connection", m.cred.Shown, age.Minutes()))
		}
	}
	if len(old) > 0 {
		return broken(RuleTokenAge, v, nil,
			fmt.Sprintf("%s: %s: tokens expire after 15 minutes; mint right before connecting.", v.id, strings.Join(old, "; ")), requestLine(v.log))
	}
	return pass(RuleTokenAge, v, fmt.Sprintf("%s: the token was %s old.", v.id, strings.Join(ages, ", ")))
}
