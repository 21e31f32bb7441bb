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
type Redactor struct {
	mu      sync.RWMutex
	secrets map[string]entry
	rep     *strings.Replacer // built on the first Redact after an Add
	off     bool              // NewUnredacting
}

type entry struct {
	shown string
	forms []Form
}

// New returns a redactor that knows no secret yet.
func New() *Redactor {
	return &Redactor{secrets: map[string]entry{}}
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
	if r == nil || len(secret) < MinLength {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.secrets[secret]; ok {
		return
	}
	r.secrets[secret] = entry{shown: shown, forms: Forms(secret)}
	r.rep = nil
}

// Known lists the registered secrets, sorted (for the leak scan).
func (r *Redactor) Known() []string {
	if r == nil {
		return nil
	}
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]string, 0, len(r.secrets))
	for s := range r.secrets {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// Redact replaces every known secret in s, in each of its forms.
func (r *Redactor) Redact(s string) string {
	if r == nil || r.off {
		return s
	}
	return r.replacer().Replace(s)
}

// replacer is one replacer for every form of every secret, longest first so
// that a secret inside another is not half-replaced. It is built once per
// change to the set: a load run mints thousands of tokens and redacts at the
// end.
func (r *Redactor) replacer() *strings.Replacer {
	r.mu.RLock()
	rep := r.rep
	r.mu.RUnlock()
	if rep != nil {
		return rep
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.rep != nil {
		return r.rep
	}
	type pair struct{ from, to string }
	var pairs []pair
	for _, e := range r.secrets {
		for _, f := range e.forms {
			pairs = append(pairs, pair{f.Text, e.shown})
		}
	}
	sort.Slice(pairs, func(i, j int) bool {
		if len(pairs[i].from) != len(pairs[j].from) {
			return len(pairs[i].from) > len(pairs[j].from)
		}
		return pairs[i].from < pairs[j].from
	})
	args := make([]string, 0, 2*len(pairs))
	for _, p := range pairs {
		args = append(args, p.from, p.to)
	}
	r.rep = strings.NewReplacer(args...)
	return r.rep
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
