package reports

import (
	"encoding/base64"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRedactorReplacesEveryForm(t *testing.T) {
	r := NewRedactor()
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
