package secrets

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	htmltemplate "html/template"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactorReplacesEveryForm(t *testing.T) {
	r := New()
	key := "sk_canary_9f2c+/=?&0123456789abcdef"
	tok := "sutkn_0123456789abcdef0123456789aa41b"
	r.Add(key)
	r.Add(tok)
	r.Add("short") // ignored: too short to be told from text
	text := strings.Join([]string{
		"raw " + key,
		"url ws://h/x?token=" + url.QueryEscape(tok) + "&k=" + url.QueryEscape(key),
		"path " + url.PathEscape(key),
		"b64 " + base64.StdEncoding.EncodeToString([]byte(key)),
		"b64url " + base64.RawURLEncoding.EncodeToString([]byte(tok)),
		"short stays",
	}, "\n")
	out := r.Redact(text)
	if leaks := ScanText("out", out, []string{key, tok}); len(leaks) != 0 {
		t.Fatalf("leaks after redaction: %v\n%s", leaks, out)
	}
	for _, want := range []string{"sk_…cdef", "sutkn_…a41b", "short stays"} {
		if !strings.Contains(out, want) {
			t.Errorf("redacted text lacks %q:\n%s", want, out)
		}
	}
}

func TestLeakScanFindsWhatTheRedactorMissed(t *testing.T) {
	key := "sk_canary_0123456789abcdef"
	dir := t.TempDir()
	files := map[string]string{
		"raw.xml":    "<x>" + key + "</x>",
		"url.json":   `{"u":"?token=` + url.QueryEscape(key+"+") + `"}`,
		"b64.md":     base64.StdEncoding.EncodeToString([]byte(key)),
		"clean.html": "<p>" + Fingerprint(key) + "</p>",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	leaks, err := ScanFiles([]string{dir}, []string{key, key + "+"})
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, l := range leaks {
		found[filepath.Base(l.File)] = l.Form
	}
	for name, form := range map[string]string{"raw.xml": "raw", "url.json": "url", "b64.md": "base64"} {
		if found[name] != form {
			t.Errorf("%s: found %q, want a %s leak (all: %v)", name, found[name], form, leaks)
		}
	}
	if _, ok := found["clean.html"]; ok {
		t.Error("a fingerprint was reported as a leak")
	}
}

func TestFingerprint(t *testing.T) {
	for in, want := range map[string]string{
		"sk_abcdef123456":                      "sk_…",
		"sk_abcdef1234567890":                  "sk_…7890",
		"sutkn_0123456789abcdef0123456789a41b": "sutkn_…a41b",
		"plainsecretvalue":                     "…alue",
	} {
		if got := Fingerprint(in); got != want {
			t.Errorf("Fingerprint(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestNilRedactorPassesThrough(t *testing.T) {
	var r *Redactor
	if r.Redact("x") != "x" {
		t.Error("nil redactor changed text")
	}
}

// hostile is a secret holding every character an encoder treats specially.
const hostile = "sk_+&<>\"'% é_0123456789"

// Every form of a secret is redacted and found by the leak scan, and every
// form Go's encoders write in the places our reports put text is one of
// them: html/template in each context, encoding/json, encoding/xml, the URL
// escapers.
func TestEveryEncodedFormIsKnown(t *testing.T) {
	r := New()
	r.Add(hostile)
	for _, f := range Forms(hostile) {
		text := "before " + f.Text + " after"
		if leaks := ScanText(f.Name, text, []string{hostile}); len(leaks) != 1 {
			t.Errorf("the leak scan misses the %s form %q", f.Name, f.Text)
		}
		if out := r.Redact(text); len(ScanText(f.Name, out, []string{hostile})) > 0 || !strings.Contains(out, Fingerprint(hostile)) {
			t.Errorf("the %s form %q is not redacted: %q", f.Name, f.Text, out)
		}
	}
	for _, ctx := range htmlContexts {
		page := htmltemplate.Must(htmltemplate.New("").Parse(ctx))
		var b strings.Builder
		if err := page.Execute(&b, hostile); err != nil {
			t.Fatal(err)
		}
		if len(ScanText(ctx, b.String(), []string{hostile})) == 0 {
			t.Errorf("html/template's %s writes %s, which the leak scan does not know", ctx, b.String())
		}
	}
	js, _ := json.Marshal(map[string]string{"k": hostile})
	var x strings.Builder
	type element struct {
		XMLName xml.Name `xml:"e"`
		A       string   `xml:"a,attr"`
		T       string   `xml:",chardata"`
	}
	if err := xml.NewEncoder(&x).Encode(element{A: hostile, T: hostile}); err != nil {
		t.Fatal(err)
	}
	for name, text := range map[string]string{"json": string(js), "xml": x.String(), "query": url.Values{"token": {hostile}}.Encode()} {
		if len(ScanText(name, text, []string{hostile})) == 0 {
			t.Errorf("the leak scan does not find the secret in %s: %s", name, text)
		}
	}
}

func TestAddAsShowsWhatItIsTold(t *testing.T) {
	r := New()
	r.AddAs("sutkn_0123456789abcdef", "<token>")
	r.Add("sutkn_0123456789abcdef") // already known: keeps <token>
	if got := r.Redact("?token=sutkn_0123456789abcdef"); got != "?token=<token>" {
		t.Errorf("got %q", got)
	}
}

func TestFingerprintStaysUTF8(t *testing.T) {
	if fp := Fingerprint("sk_0123456789abcdéé"); fp != "sk_…cdéé" {
		t.Errorf("Fingerprint = %q", fp)
	}
}
