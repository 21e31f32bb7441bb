package replay

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/protocol"
)

// isAuthHeader: a header compared by shape, one a client authenticates to
// the API with (a cookie is no Scribe credential and is not compared).
func isAuthHeader(name string) bool {
	return slices.ContainsFunc(wirelog.AuthHeaders(), func(h string) bool { return strings.EqualFold(h, name) })
}

// cred is one credential in one position: where (query:token,
// header:xi-api-key), its shape, what a report may show of it, and for a live
// one its value (never reported).
type cred struct {
	where, shape, shown, id, value string
}

// showShape is what a report shows of a credential: a placeholder or an
// empty value as itself (no secret, and exactly the client's bug), anything
// else as <shape>.
func showShape(shape, value string) string {
	switch shape {
	case wirelog.ShapePlaceholder:
		return value
	case wirelog.ShapeEmpty:
		return `""`
	}
	return "<" + shape + ">"
}

// recordedCreds are the recorded request's credentials in the compared
// positions: from its credential records, or, for a log without them (a
// converted HAR), classified from its redacted values.
func recordedCreds(req wirelog.Record) []cred {
	var out []cred
	if len(req.Credentials) > 0 {
		for _, c := range req.Credentials {
			k, name, _ := strings.Cut(c.Where, ":")
			if (k == "query" && wirelog.IsCredentialQueryKey(name)) || (k == "header" && isAuthHeader(name)) {
				shown := showShape(c.Shape, c.Shown)
				out = append(out, cred{where: c.Where, shape: c.Shape, shown: shown, id: c.ID})
			}
		}
		return out
	}
	for _, p := range req.Query {
		if wirelog.IsCredentialQueryKey(p.Name) {
			s := wirelog.Shape(p.Value)
			out = append(out, cred{where: "query:" + p.Name, shape: s, shown: showShape(s, p.Value)})
		}
	}
	for _, p := range req.Headers {
		if isAuthHeader(p.Name) {
			v := wirelog.HeaderCredential(p.Name, p.Value)
			s := wirelog.Shape(v)
			out = append(out, cred{where: wirelog.HeaderPosition(p.Name), shape: s, shown: showShape(s, v)})
		}
	}
	return out
}

// liveCreds are the credentials of a request the replay received.
func liveCreds(r *http.Request) []cred {
	var out []cred
	pairs := wirelog.QueryPairs(r.URL.RawQuery)
	for _, k := range wirelog.CredentialQueryKeys() {
		for _, p := range pairs {
			if p.Name == k {
				s := wirelog.Shape(p.Value)
				out = append(out, cred{where: "query:" + k, shape: s, shown: showShape(s, p.Value), value: p.Value})
			}
		}
	}
	for _, h := range wirelog.AuthHeaders() {
		for _, v := range r.Header.Values(h) {
			v = wirelog.HeaderCredential(h, v)
			s := wirelog.Shape(v)
			out = append(out, cred{where: wirelog.HeaderPosition(h), shape: s, shown: showShape(s, v), value: v})
		}
	}
	return out
}

// byName groups query values by name, names in first-seen order.
func byName(pairs []wirelog.Pair) (names []string, values map[string][]string) {
	values = map[string][]string{}
	for _, p := range pairs {
		if _, ok := values[p.Name]; !ok {
			names = append(names, p.Name)
		}
		values[p.Name] = append(values[p.Name], p.Value)
	}
	return names, values
}

func showValues(name string, vs []string) string {
	if len(vs) == 0 {
		return "(absent)"
	}
	parts := make([]string, len(vs))
	for i, v := range vs {
		parts[i] = name + "=" + v
	}
	return strings.Join(parts, "&")
}

// compareQuery compares the non-credential query parameters per name: the
// order of different names does not matter, the values of one name are a list.
func compareQuery(want, got []wirelog.Pair) []Divergence {
	wn, wv := byName(want)
	gn, gv := byName(got)
	var out []Divergence
	seen := map[string]bool{}
	for _, name := range append(wn, gn...) {
		if wirelog.IsCredentialQueryKey(name) || seen[name] {
			continue
		}
		seen[name] = true
		w, wok := wv[name]
		g, gok := gv[name]
		if slices.Equal(w, g) {
			continue
		}
		d := Divergence{Kind: KindQuery, Want: showValues(name, w), Got: showValues(name, g)}
		switch {
		case !gok:
			d.Detail = fmt.Sprintf("query %s: the client does not send it", name)
		case !wok:
			d.Detail = fmt.Sprintf("query %s: not in the recording", name)
		case sameSet(w, g):
			d.Detail = fmt.Sprintf("query %s: the same values in another order", name)
		case len(w) != len(g):
			d.Detail = fmt.Sprintf("query %s: sent %s, recorded %d", name, text.Plural(len(g), "time", "times"), len(w))
		default:
			d.Detail = fmt.Sprintf("query %s differs", name)
		}
		out = append(out, d)
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	sort.Strings(a)
	sort.Strings(b)
	return slices.Equal(a, b)
}

// showRequest is a request line with credentials shown by shape.
func showRequest(r *http.Request) string {
	var parts []string
	for _, p := range wirelog.QueryPairs(r.URL.RawQuery) {
		v := p.Value
		if wirelog.IsCredentialQueryKey(p.Name) {
			v = showShape(wirelog.Shape(v), v)
		}
		parts = append(parts, p.Name+"="+v)
	}
	s := r.Method + " " + r.URL.Path
	if len(parts) > 0 {
		s += "?" + strings.Join(parts, "&")
	}
	for _, h := range wirelog.AuthHeaders() {
		for _, v := range r.Header.Values(h) {
			v = wirelog.HeaderCredential(h, v)
			s += fmt.Sprintf(" [%s: %s]", strings.ToLower(h), showShape(wirelog.Shape(v), v))
		}
	}
	return s
}

// compareFrame compares a client frame with the recorded one. It returns ""
// when they match, else what differs.
func compareFrame(want wirelog.Record, binary bool, got []byte) string {
	rec, err := want.Payload()
	if err != nil {
		return fmt.Sprintf("it cannot be compared: %v", err)
	}
	if rec.Text() == binary {
		return fmt.Sprintf("want a %s frame, got a %s frame", kindName(!rec.Text()), kindName(binary))
	}
	if rec.Clipped {
		if len(got) != rec.Len || !bytes.HasPrefix(got, rec.Data) {
			return fmt.Sprintf("want %d bytes (recorded clipped), got %d bytes", rec.Len, len(got))
		}
		return ""
	}
	if rec.Kind != wirelog.FrameText {
		if !bytes.Equal(rec.Data, got) {
			return fmt.Sprintf("%s frame differs: want %d bytes, got %d bytes", kindName(binary), len(rec.Data), len(got))
		}
		return ""
	}
	wantBytes := rec.Data
	if !json.Valid(wantBytes) {
		if string(wantBytes) != string(got) {
			return "text differs"
		}
		return ""
	}
	var w, g any
	_ = json.Unmarshal(wantBytes, &w)
	if json.Unmarshal(got, &g) != nil {
		return "want JSON, got text that is not JSON"
	}
	wo, wIsObj := w.(map[string]any)
	gobj, gIsObj := g.(map[string]any)
	if !wIsObj || !gIsObj {
		if !reflect.DeepEqual(w, g) {
			return "JSON differs"
		}
		return ""
	}
	if wt, gt := wo[protocol.MessageTypeField], gobj[protocol.MessageTypeField]; !reflect.DeepEqual(wt, gt) {
		return fmt.Sprintf("%s: want %s, got %s", protocol.MessageTypeField, showJSON(wt, true), showJSON(gt, true))
	}
	return strings.Join(fieldDiffs(wo, gobj), "; ")
}

// fieldDiffs names the fields of two JSON objects that differ, in name
// order, at most 4 and a count of the rest; audio_base_64 by its decoded
// length. The order of fields is not compared.
func fieldDiffs(wo, gobj map[string]any) []string {
	keys := make([]string, 0, len(wo)+len(gobj))
	for k := range wo {
		keys = append(keys, k)
	}
	for k := range gobj {
		if _, ok := wo[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var diffs []string
	for _, k := range keys {
		wv, wok := wo[k]
		gv, gok := gobj[k]
		if k == audioField && wok && gok {
			wl, gl := audioLen(wv), audioLen(gv)
			if wl != gl {
				diffs = append(diffs, fmt.Sprintf("%s: want %s, got %s", audioField, wl, gl))
			}
			continue
		}
		if wok == gok && reflect.DeepEqual(wv, gv) {
			continue
		}
		diffs = append(diffs, fmt.Sprintf("%s: want %s, got %s", k, showJSON(wv, wok), showJSON(gv, gok)))
	}
	if len(diffs) > 4 {
		diffs = append(diffs[:4], fmt.Sprintf("and %s more", text.Plural(len(diffs)-4, "field", "fields")))
	}
	return diffs
}

func kindName(binary bool) string {
	if binary {
		return "binary"
	}
	return "text"
}

// audioField is input_audio_chunk's audio (docs/protocol.md §4).
const audioField = "audio_base_64"

// audioLen is the decoded length of an audio_base_64 value, in words.
func audioLen(v any) string {
	s, ok := v.(string)
	if !ok {
		return showJSON(v, true)
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return fmt.Sprintf("invalid base64 (%d characters)", len(s))
	}
	return fmt.Sprintf("%d bytes", len(b))
}

func showJSON(v any, present bool) string {
	if !present {
		return "(absent)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return text.Clip(string(b), 60)
}

// showFrame is a frame for a report: text as is but with audio_base_64
// replaced by its decoded length, binary as its size; clipped.
func showFrame(binary bool, data []byte) string {
	if binary {
		return fmt.Sprintf("(binary, %d bytes)", len(data))
	}
	s := string(data)
	if !utf8.ValidString(s) {
		return fmt.Sprintf("(text that is not UTF-8, %d bytes)", len(data))
	}
	if a := gjson.Get(s, audioField); a.Exists() && a.Type == gjson.String && a.Index > 0 {
		s = s[:a.Index] + `"<` + audioLen(a.String()) + `>"` + s[a.Index+len(a.Raw):]
	}
	return text.Clip(s, 240)
}

// showRecorded is showFrame for a recorded frame.
func showRecorded(f wirelog.Record) string {
	p, err := f.Payload()
	if err != nil {
		return "(" + err.Error() + ")"
	}
	if p.Clipped && !p.Text() {
		return fmt.Sprintf("(binary, %d bytes, recorded clipped)", p.Len)
	}
	if p.Clipped {
		return showFrame(false, p.Data) + fmt.Sprintf(" (recorded clipped: %d bytes on the wire)", p.Len)
	}
	return showFrame(!p.Text(), p.Data)
}

// redactDivergence is d with every secret red knows replaced.
func redactDivergence(red *secrets.Redactor, d Divergence) Divergence {
	return secrets.Redacted(red, d)
}
