package protocol

import (
	"fmt"
	"maps"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// This file is the one picture of a valid socket URL: CheckQuery reads a
// socket's query string against the table (Params, Conflicts, Models) under
// a QueryRules, and says what is wrong with it; CheckPath does the same for
// its path. The fake refuses a query on exactly the problems it calls
// refusals (and its mux routes the one path CheckPath takes); the client
// checks (CLIENT-3, -4, -17, -18) and the doctor's URL lint are built from
// the same problems, under FaithfulRules.

// QueryRules say which of the table's limits a server enforces.
// FaithfulRules is the live server as docs/protocol.md gives it; the fake's
// deviations and calibrations are other values.
type QueryRules struct {
	Models           []string // the model_ids accepted
	CheckEnums       bool     // an enum value outside Allowed is refused; else the default is used
	CheckRanges      bool     // numeric ranges, list limits and pairs that may not go together (D, S)
	CheckContract    bool     // the same, for the newest contract's parameters (C)
	ExclusiveRanges  bool     // a bound itself is out of range
	RejectDuplicates bool     // a scalar given twice is refused
	RejectUnknown    bool     // an unknown key is refused
	// StrictBools: a boolean written otherwise than true or false (True,
	// FALSE, 1, t) is refused, not read (the fake's choice bool-capitals,
	// switched to refused).
	StrictBools bool
	// AnyCount and AnyLength name the parameters whose MaxItems and MaxLen
	// are not enforced.
	AnyCount, AnyLength map[string]bool
}

// FaithfulRules are the live server's: every limit of the table is
// enforced; a scalar given twice takes its last value and an unknown key is
// ignored (O for vad_commit_strategy; the fake's choice last-duplicate-wins).
func FaithfulRules() QueryRules {
	return QueryRules{Models: slices.Clone(Models), CheckEnums: true, CheckRanges: true, CheckContract: true}
}

// Enforces says whether the limits of a parameter (or pair) of this
// evidence level are checked.
func (r QueryRules) Enforces(level string) bool {
	if Contract(level) {
		return r.CheckContract
	}
	return r.CheckRanges
}

// ProblemKind is what a QueryProblem is about.
type ProblemKind string

const (
	ProblemModelMissing ProblemKind = "model-missing" // no model_id
	ProblemModel        ProblemKind = "model"         // a model_id the server does not take
	ProblemTypoKey      ProblemKind = "typo-key"      // an unknown key that misspells a known one
	ProblemOldKey       ProblemKind = "old-key"       // an old or home-made name (encoding, sample_rate …)
	ProblemUnknownKey   ProblemKind = "unknown-key"   // any other unknown key: drift
	ProblemDuplicate    ProblemKind = "duplicate"     // a scalar given more than once
	ProblemEnum         ProblemKind = "enum"          // not a member of the enum
	ProblemBool         ProblemKind = "bool"          // not a boolean
	ProblemBoolSpelling ProblemKind = "bool-spelling" // a boolean the server reads, not written true or false
	ProblemNumber       ProblemKind = "number"        // not a number (or not a whole one)
	ProblemRange        ProblemKind = "range"         // a number outside the range
	ProblemCount        ProblemKind = "count"         // a list with too many values
	ProblemLength       ProblemKind = "length"        // a value with too many characters
	ProblemConflict     ProblemKind = "conflict"      // two parameters that may not go together
	ProblemLocale       ProblemKind = "locale"        // language_code is a locale (en-US): taken, never transcribes
	ProblemPath         ProblemKind = "path"          // the path is not RealtimePath (CheckPath)
	ProblemOldPath      ProblemKind = "old-path"      // the path is OldRealtimePath (CheckPath)
)

// QueryProblem is one thing wrong with a socket URL's query (or, from
// CheckPath, its path).
type QueryProblem struct {
	Kind  ProblemKind
	Param string // the query key it concerns; "" for the path
	Other string // for a conflict, the other parameter
	Value string // the value concerned: for a scalar, the one the server reads (the last); the path
	// Meant: for an unknown key, the key it misspells or what to use instead
	// of an old name; for a model written otherwise, the model; for a
	// locale, its bare language code.
	Meant string
	// Refused: the server refuses the query (invalid_request, then close
	// 1008). Otherwise it reads on, ignoring the key or taking the value as
	// something: a warning.
	Refused bool
	Text    string // what is wrong, as scribecheck's checks say it
	Fix     string // what to do
	Refusal string // when Refused, the server's invalid_request text ("" for the path: HTTP 404)
}

// CheckPath says what is wrong with the path of a socket URL: nothing on
// RealtimePath, compared exactly as the fake's mux (and the live server)
// routes it, so a trailing / is another path; the old realtime-beta path or
// any other is answered 404 (a calibrated fake may take the old one:
// old-realtime-path).
func CheckPath(path string) []QueryProblem {
	use := "Use " + RealtimePath + "."
	switch path {
	case RealtimePath:
		return nil
	case OldRealtimePath:
		return []QueryProblem{{Kind: ProblemOldPath, Value: path, Refused: true, Fix: use,
			Text: fmt.Sprintf("the path is the old %s (before 2025-11-11): use %s", OldRealtimePath, RealtimePath)}}
	}
	text := fmt.Sprintf("the path is %q, not %s", path, RealtimePath)
	if trimmed := strings.TrimRight(path, "/"); trimmed != path && (trimmed == RealtimePath || trimmed == OldRealtimePath) {
		text += " (the server compares the path exactly: a trailing / is another path, answered 404)"
	}
	return []QueryProblem{{Kind: ProblemPath, Value: path, Refused: true, Text: text, Fix: use}}
}

// Locale is the bare language of a language_code that is a locale with a
// region (en-US, pt_BR: en, pt), and whether it is one: the live server
// accepts a locale but never transcribes (O for en-US; choice
// region-language-silent for the others).
func Locale(lc string) (language string, locale bool) {
	base, _, found := strings.Cut(strings.ReplaceAll(lc, "_", "-"), "-")
	return strings.ToLower(base), found
}

// FirstRefusal is the problem a server refuses the query on: the first
// refused one, in the order CheckQuery reports them.
func FirstRefusal(problems []QueryProblem) (QueryProblem, bool) {
	i := slices.IndexFunc(problems, func(p QueryProblem) bool { return p.Refused })
	if i < 0 {
		return QueryProblem{}, false
	}
	return problems[i], true
}

// QueryValues are a query's parameters as a server reads them, by name: a
// string (model_id, an enum or a string), bool, float64 (any number) or
// []string (a list, as given); the default where the query has none.
type QueryValues map[string]any

func (v QueryValues) Str(name string) string    { s, _ := v[name].(string); return s }
func (v QueryValues) Bool(name string) bool     { b, _ := v[name].(bool); return b }
func (v QueryValues) Float(name string) float64 { x, _ := v[name].(float64); return x }
func (v QueryValues) List(name string) []string { l, _ := v[name].([]string); return l }

// Set says whether a parameter is set, as Conflicts mean it: true, a
// non-empty string, or a list with an item (ListItems).
func (v QueryValues) Set(name string) bool {
	switch x := v[name].(type) {
	case bool:
		return x
	case string:
		return x != ""
	case []string:
		return len(ListItems(x)) > 0
	}
	return false
}

// ListItems are a list's items, given as repeated keys, comma-separated
// values or both; blank items are dropped.
func ListItems(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, e := range strings.Split(v, ",") {
			if e = strings.TrimSpace(e); e != "" {
				out = append(out, e)
			}
		}
	}
	return out
}

// parseBool reads a boolean as the server does (choice bools-parse-loosely:
// strconv.ParseBool, so 1, t, True and TRUE too, but not yes or no).
// written says it is spelt as the docs write booleans: true or false (S).
func parseBool(s string) (b, ok, written bool) {
	b, err := strconv.ParseBool(s)
	return b, err == nil, s == "true" || s == "false"
}

// CheckQuery reads a socket's query under rules: the values the server
// reads, and every problem, in the order a server meets them: unknown and
// repeated keys (by key), the model, the parameters in table order, then the
// pairs that may not go together. A server refuses on FirstRefusal.
func CheckQuery(q url.Values, rules QueryRules) (QueryValues, []QueryProblem) {
	var out []QueryProblem
	for _, name := range slices.Sorted(maps.Keys(q)) {
		vs := q[name]
		p, known := LookupParam(name)
		if !known {
			out = append(out, unknownKey(name, rules.RejectUnknown))
			continue
		}
		// A credential given twice is CLIENT-2's (authcause): the server's
		// auth reads the first token, not the last.
		if p.Kind != KindStringList && p.Name != TokenParam && len(vs) > 1 && (rules.RejectDuplicates || len(slices.Compact(slices.Clone(vs))) > 1) {
			out = append(out, duplicate(name, vs, rules.RejectDuplicates))
		}
	}
	out = append(out, modelProblems(q[ParamModelID], rules)...)
	v := QueryValues{}
	for _, p := range Params {
		out = append(out, v.read(p, q[p.Name], rules)...)
	}
	for _, c := range Conflicts {
		if v.Set(c.A) && v.Set(c.B) {
			out = append(out, QueryProblem{Kind: ProblemConflict, Param: c.A, Other: c.B, Refused: rules.Enforces(c.Level),
				Text:    fmt.Sprintf("%s and %s may not go together: drop one", c.A, c.B),
				Fix:     fmt.Sprintf("Send %s or %s, not both.", c.A, c.B),
				Refusal: fmt.Sprintf("%s cannot be used with %s", c.A, c.B)})
		}
	}
	return v, out
}

func unknownKey(name string, refused bool) QueryProblem {
	p := QueryProblem{Param: name, Refused: refused, Refusal: "unknown parameter " + name}
	p.Kind, p.Meant = classifyKey(name)
	switch p.Kind {
	case ProblemTypoKey:
		p.Text = fmt.Sprintf("%s looks like a misspelling of %s: rename it (the server ignores %s, so the setting is lost)", name, p.Meant, name)
		p.Fix = fmt.Sprintf("Rename %s to %s.", name, p.Meant)
	case ProblemOldKey:
		p.Text = fmt.Sprintf("%s is an old or home-made name: use %s", name, p.Meant)
		p.Fix = "Use " + p.Meant + "."
	default:
		p.Text = fmt.Sprintf("%s is not a key scribecheck knows (drift: a newer contract than scribecheck knows, or a home-made key); the server ignores keys it does not know", name)
		p.Fix = "Check the API reference: if the key is documented, update scribecheck (protocol.Params); if not, drop it."
	}
	if refused {
		p.Text += "; this server refuses unknown keys"
	}
	return p
}

func duplicate(name string, vs []string, refused bool) QueryProblem {
	p := QueryProblem{Kind: ProblemDuplicate, Param: name, Value: vs[len(vs)-1], Refused: refused,
		Text: fmt.Sprintf("%s is given %d times with different values (%s): which one the server reads is unconfirmed (the fake reads the last); send it once",
			name, len(vs), strings.Join(vs, ", ")),
		Fix: fmt.Sprintf("Send %s once.", name), Refusal: fmt.Sprintf("%s is given %d times", name, len(vs))}
	if refused {
		p.Text = fmt.Sprintf("%s is given %d times; this server refuses a parameter given twice", name, len(vs))
	}
	return p
}

// modelProblems: model_id is required and has no default; the server reads
// the last one given (choice last-duplicate-wins).
func modelProblems(given []string, rules QueryRules) []QueryProblem {
	if len(given) == 0 || given[len(given)-1] == "" {
		return []QueryProblem{{Kind: ProblemModelMissing, Param: ParamModelID, Refused: true,
			Text:    "model_id is missing (there is no default): add model_id=" + DefaultModel,
			Fix:     "Add model_id=" + DefaultModel + ".",
			Refusal: "model_id is required; use " + DefaultModel}}
	}
	m := given[len(given)-1]
	if slices.Contains(rules.Models, m) {
		return nil
	}
	class, meant := ClassifyModel(m)
	text, fix := modelAdvice(m, class, meant, rules.Models)
	return []QueryProblem{{Kind: ProblemModel, Param: ParamModelID, Value: m, Meant: meant, Refused: true, Text: text, Fix: fix,
		Refusal: fmt.Sprintf("model_id %q is not supported; use one of %s", m, strings.Join(rules.Models, ", "))}}
}

// ModelClass is what a model_id is: the one reading behind CheckQuery's
// advice and the fake's model stimuli (model-upper-case, model-padded …).
type ModelClass string

const (
	ModelMissing  ModelClass = "missing"  // none, or empty
	ModelRealtime ModelClass = "realtime" // one of Models, as written
	ModelOldName  ModelClass = "old-name" // OldModelName, the name before 2025-11-11
	ModelCase     ModelClass = "case"     // one of Models in another case
	ModelPadded   ModelClass = "padded"   // one of Models with spaces around it, in any case
	ModelBatch    ModelClass = "batch"    // a batch speech-to-text model (scribe_v1, scribe_v2)
	ModelUnknown  ModelClass = "unknown"  // anything else
)

// ClassifyModel reads a model_id against Models (the table's, whatever a
// server takes): its class, and for ModelCase and ModelPadded the model it
// is written otherwise for.
func ClassifyModel(m string) (class ModelClass, meant string) {
	trimmed := strings.TrimSpace(m)
	i := slices.IndexFunc(Models, func(k string) bool { return strings.EqualFold(k, trimmed) })
	switch {
	case m == "":
		return ModelMissing, ""
	case slices.Contains(Models, m):
		return ModelRealtime, ""
	case m == OldModelName:
		return ModelOldName, ""
	case i >= 0 && trimmed != m:
		return ModelPadded, Models[i]
	case i >= 0:
		return ModelCase, Models[i]
	case m == "scribe_v1" || m == "scribe_v2" || strings.HasPrefix(m, "scribe_v1_"):
		return ModelBatch, ""
	}
	return ModelUnknown, ""
}

// modelAdvice says what is wrong with a model_id a server taking models
// does not take, and what to use.
func modelAdvice(m string, class ModelClass, meant string, models []string) (text, fix string) {
	use := DefaultModel
	if !slices.Contains(models, use) && len(models) > 0 {
		use = models[0]
	}
	fix = "Use model_id=" + use + "."
	switch class {
	case ModelOldName:
		return fmt.Sprintf("model_id=%s is the old name (before 2025-11-11), refused today: use %s", m, use), fix
	case ModelRealtime:
		return fmt.Sprintf("model_id=%s is documented, but this server does not take it", m), fix
	case ModelCase, ModelPadded:
		return fmt.Sprintf("model_id=%q is %s written otherwise: the server compares it exactly (case and spaces count)", m, meant),
			"Use model_id=" + meant + "."
	case ModelBatch:
		return fmt.Sprintf("model_id=%s looks like a batch speech-to-text model: the realtime socket takes %s", m, strings.Join(models, ", ")), fix
	}
	return fmt.Sprintf("model_id=%q is not a realtime model (%s)", m, strings.Join(models, ", ")), fix
}

// read checks one parameter's values against its row of the table and
// stores the value the server reads.
func (v QueryValues) read(p Param, given []string, rules QueryRules) []QueryProblem {
	var out []QueryProblem
	if p.Kind == KindStringList {
		if p.MaxItems > 0 && len(given) > p.MaxItems {
			out = append(out, QueryProblem{Kind: ProblemCount, Param: p.Name, Refused: rules.Enforces(p.Level) && !rules.AnyCount[p.Name],
				Text:    fmt.Sprintf("%s has %d values; at most %d are allowed", p.Name, len(given), p.MaxItems),
				Fix:     fmt.Sprintf("Send at most %d %s.", p.MaxItems, p.Name),
				Refusal: fmt.Sprintf("%s has %d values; at most %d are allowed", p.Name, len(given), p.MaxItems)})
		}
		for _, s := range given {
			out = append(out, tooLong(p, s, rules)...)
		}
		v[p.Name] = given
		return out
	}
	raw, ok := p.Default, false
	switch {
	case len(given) > 0 && p.Name == TokenParam:
		raw, ok = given[0], true // the fake's auth reads the first token
	case len(given) > 0:
		raw, ok = given[len(given)-1], true // choice last-duplicate-wins
	}
	refuse := func(kind ProblemKind, refused bool, text, fix, refusal string) {
		out = append(out, QueryProblem{Kind: kind, Param: p.Name, Value: raw, Refused: refused, Text: text, Fix: fix, Refusal: refusal})
	}
	switch p.Kind {
	case KindEnum:
		if ok && !slices.Contains(p.Allowed, raw) {
			refuse(ProblemEnum, rules.CheckEnums, fmt.Sprintf("%s=%s is not one of %s", p.Name, raw, strings.Join(p.Allowed, ", ")),
				fmt.Sprintf("Use one of %s.", strings.Join(p.Allowed, ", ")),
				fmt.Sprintf("%s %q is not one of %s", p.Name, raw, strings.Join(p.Allowed, ", ")))
			raw = p.Default
		}
		v[p.Name] = raw
	case KindBool:
		b, parsed, written := parseBool(raw)
		switch {
		case !ok:
		case !parsed:
			refuse(ProblemBool, true, fmt.Sprintf("%s=%s is not a boolean: write true or false", p.Name, raw), fmt.Sprintf("Write %s=true or %s=false.", p.Name, p.Name),
				fmt.Sprintf("%s %q is not a boolean; use true or false", p.Name, raw))
		case !written && rules.StrictBools:
			refuse(ProblemBool, true, fmt.Sprintf("%s=%s is not written true or false, and this server reads no other spelling", p.Name, raw),
				fmt.Sprintf("Write %s=%t.", p.Name, b), fmt.Sprintf("%s %q is not a boolean; use true or false", p.Name, raw))
		case !written:
			refuse(ProblemBoolSpelling, false,
				fmt.Sprintf("%s=%s is read as %t, but the docs write booleans only as true and false: whether the live server reads %s so is unconfirmed", p.Name, raw, b, raw),
				fmt.Sprintf("Write %s=%t.", p.Name, b), "")
		}
		v[p.Name] = b
	case KindFloat, KindInt:
		x, err := strconv.ParseFloat(raw, 64)
		what := "number"
		if p.Kind == KindInt {
			var n int
			n, err = strconv.Atoi(raw)
			x, what = float64(n), "whole number"
		}
		refusal := fmt.Sprintf("%s %q must be a %s from %s to %s", p.Name, raw, what, p.Format(p.Min), p.Format(p.Max))
		fix := fmt.Sprintf("Use a %s from %s to %s.", what, p.Format(p.Min), p.Format(p.Max))
		outside := x < p.Min || x > p.Max
		atBound := x == p.Min || x == p.Max
		switch {
		case !ok:
		case err != nil || math.IsNaN(x) || math.IsInf(x, 0):
			refuse(ProblemNumber, true, fmt.Sprintf("%s=%s is not a %s", p.Name, raw, what), fix, refusal)
			x, _ = strconv.ParseFloat(p.Default, 64)
		case outside:
			refuse(ProblemRange, rules.Enforces(p.Level) || rules.ExclusiveRanges,
				fmt.Sprintf("%s=%s is outside %s–%s", p.Name, raw, p.Format(p.Min), p.Format(p.Max)), fix, refusal)
		case atBound && rules.ExclusiveRanges:
			refuse(ProblemRange, true,
				fmt.Sprintf("%s=%s is a bound of %s–%s, which this server takes as outside", p.Name, raw, p.Format(p.Min), p.Format(p.Max)), fix, refusal)
		}
		v[p.Name] = x
	default:
		out = append(out, tooLong(p, raw, rules)...)
		if lang, locale := Locale(raw); p.Name == ParamLanguageCode && locale {
			use := "language_code=" + lang
			if lang == "" {
				use = "a bare ISO 639-1 or 639-3 code (en, eng)"
			}
			refuse(ProblemLocale, false, fmt.Sprintf("language_code=%s is a locale: the live server accepts it but never transcribes; use %s", raw, use),
				"Use "+use+".", "")
			out[len(out)-1].Meant = lang
		}
		v[p.Name] = raw
	}
	return out
}

// tooLong is the problem of a value over the parameter's MaxLen characters.
func tooLong(p Param, s string, rules QueryRules) []QueryProblem {
	n := utf8.RuneCountInString(s)
	if p.MaxLen == 0 || n <= p.MaxLen {
		return nil
	}
	text := fmt.Sprintf("%s has %d characters; at most %d are allowed", p.Name, n, p.MaxLen)
	if p.Kind == KindStringList {
		shown := s
		if r := []rune(s); len(r) > 40 {
			shown = string(r[:40]) + "…"
		}
		text = fmt.Sprintf("a %s value (%q) has %d characters; at most %d are allowed", p.Name, shown, n, p.MaxLen)
	}
	return []QueryProblem{{Kind: ProblemLength, Param: p.Name, Value: s, Refused: rules.Enforces(p.Level) && !rules.AnyLength[p.Name],
		Text: text, Fix: fmt.Sprintf("Keep each %s value within %d characters.", p.Name, p.MaxLen),
		Refusal: fmt.Sprintf("a %s value has %d characters; at most %d are allowed", p.Name, n, p.MaxLen)}}
}

// oldKeys are names old or home-made clients send, and what they meant. The
// first four are docs/protocol.md §2's; the rest are session_started.config's
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
// which: ProblemTypoKey), an old or home-made name (and what to use:
// ProblemOldKey), or drift (ProblemUnknownKey).
func classifyKey(k string) (kind ProblemKind, meant string) {
	if use, ok := oldKeys[k]; ok {
		return ProblemOldKey, use
	}
	norm := func(s string) string { return strings.NewReplacer("_", "", "-", "").Replace(strings.ToLower(s)) }
	best, bestDist := "", 1<<30
	for _, p := range Params {
		n := p.Name
		switch {
		case norm(k) == norm(n):
			return ProblemTypoKey, n // modelId, model-id, MODEL_ID
		case k+"s" == n || k == n+"s":
			return ProblemTypoKey, n // keyterm, secondary_language
		case strings.HasPrefix(n, k+"_"):
			return ProblemTypoKey, n // min_speech_duration for min_speech_duration_ms
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
		return ProblemTypoKey, best
	}
	return ProblemUnknownKey, ""
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
