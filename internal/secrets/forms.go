package secrets

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"html"
	htmltemplate "html/template"
	"net/url"
	"regexp"
	"strings"
	"sync"
	texttemplate "text/template"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/text"
)

// Form is one way a secret can be written into an output.
type Form struct {
	// Name says how it was encoded: raw, url, json, html, xml, base64.
	Name string
	Text string
}

// Forms lists every form of secret that scribecheck's outputs (and the
// encoders they use) can write, each once: the value itself; URL-encoded as
// a query value, as a path segment, as Python's quote and as JavaScript's
// encodeURIComponent write it, each with upper- and lower-case hex;
// JSON-escaped as encoding/json writes it (with and without HTML escaping),
// as JavaScript's JSON.stringify and as Python's json.dumps; HTML-escaped by
// html.EscapeString, by text/template's html and by html/template in each
// context a report template puts text in; XML-escaped as encoding/xml
// writes JUnit; as the Markdown reports and the GitHub workflow commands
// escape text (internal/text); and base64, standard and URL-safe, padded or
// not.
func Forms(secret string) []Form {
	var out []Form
	seen := map[string]bool{}
	add := func(name, text string) {
		if text != "" && !seen[text] {
			seen[text] = true
			out = append(out, Form{name, text})
		}
	}
	add("raw", secret)
	for _, u := range []string{url.QueryEscape(secret), url.PathEscape(secret), percentEncode(secret, unreserved), percentEncode(secret, uriComponent)} {
		add("url", u)
		add("url", lowerHex(u))
	}
	for _, j := range jsonForms(secret) {
		add("json", j)
	}
	for _, h := range htmlForms(secret) {
		add("html", h)
	}
	var x bytes.Buffer
	_ = xml.EscapeText(&x, []byte(secret))
	add("xml", x.String())
	add("markdown", text.Markdown(secret))
	add("workflow command", text.WorkflowData(secret))
	add("workflow command", text.WorkflowProperty(secret))
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		add("base64", enc.EncodeToString([]byte(secret)))
	}
	return out
}

// Bytes percentEncode keeps besides letters and digits.
const (
	// unreserved are RFC 3986's unreserved characters: every other byte is
	// escaped, as Python's urllib.parse.quote(s, safe="") does.
	unreserved = "-_.~"
	// uriComponent are what JavaScript's encodeURIComponent leaves as they
	// are.
	uriComponent = "-_.!~*'()"
)

// percentEncode writes every byte of s as %XX but letters, digits and
// keep.
func percentEncode(s, keep string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(keep, c) >= 0 {
			b.WriteByte(c)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", c)
	}
	return b.String()
}

var percentHex = regexp.MustCompile(`%[0-9A-F]{2}`)

// lowerHex writes every %XX escape with lower-case hex, as html/template's
// URL escaper does.
func lowerHex(s string) string {
	return percentHex.ReplaceAllStringFunc(s, strings.ToLower)
}

// jsonForms are secret inside a JSON string, without the quotes.
func jsonForms(secret string) []string {
	var out []string
	quoted := func(b []byte) string {
		return strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(b)), `"`), `"`)
	}
	if b, err := json.Marshal(secret); err == nil { // HTML-safe: < > & as \u003c …
		out = append(out, quoted(b))
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false) // as JSON.stringify writes it
	if enc.Encode(secret) == nil {
		out = append(out, quoted(b.Bytes()))
	}
	return append(out, asciiJSON(quoted(b.Bytes())))
}

// asciiJSON escapes every non-ASCII character as \uXXXX (a surrogate pair
// above U+FFFF), as Python's json.dumps does by default.
func asciiJSON(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r < utf8.RuneSelf:
			b.WriteRune(r)
		case r > 0xFFFF:
			r -= 0x10000
			fmt.Fprintf(&b, `\u%04x\u%04x`, 0xD800+(r>>10), 0xDC00+(r&0x3FF))
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

// htmlContexts are the places a report template can put text: html/template
// escapes each its own way. ⟦ and ⟧ mark where the secret lands.
var htmlContexts = []string{
	`<p>⟦{{.}}⟧</p>`,
	`<p title="⟦{{.}}⟧">`,
	`<p title=⟦{{.}}⟧>`,
	`<a href="⟦{{.}}⟧">`,
	`<a href="/x?q=⟦{{.}}⟧">`,
	`<script>var s = "⟦{{.}}⟧";</script>`,
	`<script>var s = ⟦{{.}}⟧;</script>`,
	`<style>p { font-family: "⟦{{.}}⟧"; }</style>`,
}

// contextTemplates are htmlContexts parsed, once.
var contextTemplates = sync.OnceValue(func() []*htmltemplate.Template {
	var out []*htmltemplate.Template
	for _, ctx := range htmlContexts {
		out = append(out, htmltemplate.Must(htmltemplate.New("").Parse(ctx)))
	}
	return out
})

// htmlForms are secret as Go's HTML escapers write it, in every context.
// A value quoted by the escaper itself (a JavaScript value) is listed
// without its quotes.
func htmlForms(secret string) []string {
	out := []string{html.EscapeString(secret), texttemplate.HTMLEscapeString(secret)}
	for _, t := range contextTemplates() {
		var b strings.Builder
		if t.Execute(&b, secret) != nil {
			continue // html/template refuses some values in some contexts
		}
		s := b.String()
		if i, j := strings.Index(s, "⟦"), strings.LastIndex(s, "⟧"); i >= 0 && j > i {
			v := s[i+len("⟦") : j]
			if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
				v = v[1 : len(v)-1]
			}
			out = append(out, v)
		}
	}
	return out
}
