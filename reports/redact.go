package reports

import (
	"encoding/base64"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Redactor replaces every secret it knows, by value, with a fingerprint such
// as sk_…9f2c. Register a secret the moment it exists; Redact is safe for
// concurrent use.
type Redactor struct {
	mu       sync.RWMutex
	secrets  map[string]string // secret -> fingerprint
	replacer *strings.Replacer
	off      bool // NewUnredactingRedactor
}

// NewRedactor returns a redactor that knows no secret yet.
func NewRedactor() *Redactor {
	return &Redactor{secrets: map[string]string{}, replacer: strings.NewReplacer()}
}

// NewUnredactingRedactor learns secrets (so the leak scan looks for them) but
// replaces nothing. It exists for one purpose: the test that proves the leak
// scan finds what an unredacted run would write.
func NewUnredactingRedactor() *Redactor {
	return &Redactor{secrets: map[string]string{}, replacer: strings.NewReplacer(), off: true}
}

// MinSecretLength: shorter values are not treated as secrets (they would
// match ordinary text).
const MinSecretLength = 8

// Add registers a secret. Empty and very short values are ignored.
func (r *Redactor) Add(secret string) {
	if len(secret) < MinSecretLength {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.secrets[secret]; ok {
		return
	}
	r.secrets[secret] = Fingerprint(secret)
	r.rebuild()
}

// Secrets lists the registered secrets (for the leak scan).
func (r *Redactor) Secrets() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// rebuild makes one replacer for every encoded form of every secret, longest
// first so that a secret inside another is not half-replaced.
func (r *Redactor) rebuild() {
	type pair struct{ from, to string }
	var pairs []pair
	for s, fp := range r.secrets {
		for _, form := range EncodedForms(s) {
			pairs = append(pairs, pair{form, fp})
		}
	}
	sort.Slice(pairs, func(i, j int) bool { return len(pairs[i].from) > len(pairs[j].from) })
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	r.replacer = strings.NewReplacer(args...)
}

// Redact replaces every known secret in s.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.off {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.replacer.Replace(s)
}

// Fingerprint names a secret without revealing it: its prefix up to the
// first underscore (sk_, sutkn_) and, for secrets of 16 characters or more,
// its last four characters.
func Fingerprint(secret string) string {
	prefix := ""
	if i := strings.Index(secret, "_"); i >= 0 && i <= 8 && i < len(secret)/2 {
		prefix = secret[:i+1]
	}
	if len(secret) < 16 {
		return prefix + "…"
	}
	return prefix + "…" + secret[len(secret)-4:]
}

// EncodedForms are the ways a secret can appear in an artifact: raw,
// URL-encoded (query and path), base64 (standard and URL, padded or not).
func EncodedForms(secret string) []string {
	forms := []string{
		secret,
		url.QueryEscape(secret),
		url.PathEscape(secret),
		base64.StdEncoding.EncodeToString([]byte(secret)),
		base64.RawStdEncoding.EncodeToString([]byte(secret)),
		base64.URLEncoding.EncodeToString([]byte(secret)),
		base64.RawURLEncoding.EncodeToString([]byte(secret)),
	}
	seen := map[string]bool{}
	out := forms[:0]
	for _, f := range forms {
		if !seen[f] {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}
