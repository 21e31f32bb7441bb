package secrets

import (
	"sort"
	"strings"
	"sync"
)

// MinLength is the shortest value treated as a secret: a shorter one would
// match ordinary text.
const MinLength = 8

// Redactor replaces every secret it knows, by value and in every one of its
// Forms, with what it shows instead (a Fingerprint unless AddAs says
// otherwise). Register a secret the moment it exists. A nil *Redactor
// redacts nothing. Redactor is safe for concurrent use.
//
// Learning a secret costs the same however many are known, and so does
// redacting a text (one pass over it): a load run mints thousands of tokens
// and writes about each one before minting the next.
type Redactor struct {
	mu      sync.RWMutex
	index   map[string]int // a secret → its entry
	entries []entry
	match   matcher // every form of every entry
	off     bool    // NewUnredacting
}

type entry struct {
	secret, shown string
	forms         []Form
}

// New returns a redactor that knows no secret yet.
func New() *Redactor {
	return &Redactor{index: map[string]int{}}
}

// NewUnredacting learns secrets (so the leak scan looks for them) but
// replaces nothing. It exists for tests: those that prove the leak scan finds
// what an unredacted run would write, and those that read back the values a
// recording was given.
func NewUnredacting() *Redactor {
	r := New()
	r.off = true
	return r
}

// Add registers a secret, shown as its Fingerprint. Values shorter than
// MinLength are ignored.
func (r *Redactor) Add(secret string) { r.AddAs(secret, Fingerprint(secret)) }

// AddAs registers a secret shown as shown (a replay shows a credential by its
// shape, <token>). A secret already known keeps how it is shown.
func (r *Redactor) AddAs(secret, shown string) {
	if r == nil || len(secret) < MinLength || r.knows(secret) {
		return
	}
	forms := Forms(secret) // outside the lock: it runs templates
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.index[secret]; ok {
		return
	}
	id := len(r.entries)
	r.entries = append(r.entries, entry{secret: secret, shown: shown, forms: forms})
	r.index[secret] = id
	for _, f := range forms {
		r.match.add(f.Text, id)
	}
}

func (r *Redactor) knows(secret string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	_, ok := r.index[secret]
	return ok
}

// Shown is what Redact writes in place of v: its fingerprint, or the text
// AddAs gave it; v itself when it is no secret the redactor knows (never
// registered, or too short to be), and from a NewUnredacting one. A writer
// that has just registered a credential names it with Shown, not by
// redacting it.
func (r *Redactor) Shown(v string) string {
	if r == nil || r.off {
		return v
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	if i, ok := r.index[v]; ok {
		return r.entries[i].shown
	}
	return v
}

// Known lists the registered secrets, sorted (for the leak scan).
func (r *Redactor) Known() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	out := make([]string, len(r.entries))
	for i, e := range r.entries {
		out[i] = e.secret
	}
	r.mu.RUnlock()
	sort.Strings(out)
	return out
}

// known is every registered secret with its forms, worked out when it was
// registered (for the leak scan).
func (r *Redactor) known() []secretForms {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]secretForms, len(r.entries))
	for i, e := range r.entries {
		out[i] = secretForms{Fingerprint(e.secret), e.forms}
	}
	return out
}

// Redact replaces every known secret in s, in each of its forms; where
// forms of two secrets start at one place, the longer is replaced, so a
// secret inside another is not half-replaced.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.off {
		return s
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.match.replace(s, func(owner int) string { return r.entries[owner].shown })
}

// Fingerprint names a secret without revealing it: its prefix up to the
// first underscore (sk_, sutkn_) and, for secrets of 16 characters or more,
// its last four characters (runes, so the fingerprint stays UTF-8).
func Fingerprint(secret string) string {
	prefix := ""
	if i := strings.Index(secret, "_"); i >= 0 && i <= 8 && i < len(secret)/2 {
		prefix = secret[:i+1]
	}
	if len(secret) < 16 {
		return prefix + "…"
	}
	r := []rune(secret)
	return prefix + "…" + string(r[max(0, len(r)-4):])
}
