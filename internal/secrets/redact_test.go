package secrets

import (
	"encoding/base64"
	"encoding/json"
	"encoding/xml"
	htmltemplate "html/template"
	"math/rand/v2"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
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

// A browser app builds its socket URL with encodeURIComponent, which keeps
// !'()* as they are (the outputs here are node's).
func TestEncodeURIComponentFormIsKnown(t *testing.T) {
	const secret = "sk_!'()*~ é+_0123456789"
	for _, written := range []string{
		"sk_!'()*~%20%C3%A9%2B_0123456789", // encodeURIComponent
		"sk_!'()*~%20%c3%a9%2b_0123456789", // the same with lower-case hex
	} {
		if len(ScanText("url", "?token="+written, []string{secret})) != 1 {
			t.Errorf("the leak scan misses %s", written)
		}
	}
}

func TestShown(t *testing.T) {
	r := New()
	r.Add("sk_0123456789abcdef")
	r.AddAs("sutkn_0123456789abcdef", "<token>")
	var none *Redactor
	for _, c := range []struct {
		r        *Redactor
		in, want string
	}{
		{r, "sk_0123456789abcdef", "sk_…cdef"},
		{r, "sutkn_0123456789abcdef", "<token>"},
		{r, "not-registered-value", "not-registered-value"},
		{r, "short", "short"},
		{none, "sk_0123456789abcdef", "sk_0123456789abcdef"},
	} {
		if got := c.r.Shown(c.in); got != c.want {
			t.Errorf("Shown(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	u := NewUnredacting()
	u.Add("sk_0123456789abcdef")
	if got := u.Shown("sk_0123456789abcdef"); got != "sk_0123456789abcdef" {
		t.Errorf("an unredacting redactor shows %q", got)
	}
}

// Redact replaces as one strings.Replacer given every form of every secret,
// longest first, would (what it did before it learnt secrets one at a
// time): a secret inside another is never half-replaced, whatever the order
// they were learnt in.
func TestRedactAsOneReplacer(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	word := func(n int) string {
		const alphabet = "ab_+&%é<"
		b := make([]rune, n)
		for i := range b {
			b[i] = []rune(alphabet)[rng.IntN(len([]rune(alphabet)))]
		}
		return string(b)
	}
	for round := range 200 {
		r := New()
		var known []string
		for range 1 + rng.IntN(6) {
			s := word(8 + rng.IntN(8))
			if len(known) > 0 && rng.IntN(3) == 0 { // one inside another
				s = word(rng.IntN(3)) + known[rng.IntN(len(known))] + word(rng.IntN(3))
			}
			known = append(known, s)
			r.Add(s)
		}
		var text strings.Builder
		for range 20 {
			if rng.IntN(2) == 0 {
				fs := Forms(known[rng.IntN(len(known))])
				text.WriteString(fs[rng.IntN(len(fs))].Text)
			} else {
				text.WriteString(word(rng.IntN(5)))
			}
		}
		if got, want := r.Redact(text.String()), reference(known).Replace(text.String()); got != want {
			t.Fatalf("round %d, secrets %q:\n text %q\n got  %q\n want %q", round, known, text.String(), got, want)
		}
	}
}

// reference is the one replacer of every form, longest first.
func reference(known []string) *strings.Replacer {
	type pair struct{ from, to string }
	var pairs []pair
	seen := map[string]bool{}
	for _, s := range known {
		if len(s) < MinLength {
			continue
		}
		for _, f := range Forms(s) {
			if !seen[f.Text] {
				seen[f.Text] = true
				pairs = append(pairs, pair{f.Text, Fingerprint(s)})
			}
		}
	}
	sort.SliceStable(pairs, func(i, j int) bool { return len(pairs[i].from) > len(pairs[j].from) })
	var args []string
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	return strings.NewReplacer(args...)
}

// Secrets learnt while others are redacting (a load run's sessions).
func TestRedactorConcurrent(t *testing.T) {
	r := New()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 50 {
				tok := token(w*1000 + i)
				r.Add(tok)
				if got := r.Redact("t=" + tok); got != "t="+Fingerprint(tok) {
					t.Errorf("Redact = %q", got)
				}
			}
		}()
	}
	wg.Wait()
	if n := len(r.Known()); n != 200 {
		t.Errorf("%d secrets known, want 200", n)
	}
}
