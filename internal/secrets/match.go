package secrets

import "strings"

// matcher finds many fixed strings (the forms of every secret) in one pass
// over a text, and learns a new one in constant time: a load run learns
// thousands of tokens, each between two redactions, and a
// strings.Replacer would have to be rebuilt from all of them every time.
//
// Every pattern is indexed by its first keyLen bytes; a bitset of the
// patterns' first two bytes lets the scan skip almost every position of
// ordinary text with one load. At a position the longest pattern wins, and
// the scan goes on after it: leftmost-longest, as a replacer given its
// strings longest first.
type matcher struct {
	first    [1 << 16 / 64]uint64
	byPrefix map[uint64][]pattern // longest first
	n        int
}

// pattern is one text to find and the secret (an index) it is a form of.
type pattern struct {
	text  string
	owner int
}

// keyLen is the indexed prefix: every form of a secret is at least
// MinLength bytes long (the array below does not compile otherwise).
const keyLen = 8

var _ [MinLength - keyLen]struct{}

func prefixKey(s string) uint64 {
	_ = s[keyLen-1]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

func pairBit(a, b byte) (int, uint64) {
	p := int(a) | int(b)<<8
	return p >> 6, 1 << (p & 63)
}

// add learns text as a form of owner. A text already known keeps its first
// owner; one shorter than keyLen is no form of a secret and is ignored.
func (m *matcher) add(text string, owner int) {
	if len(text) < keyLen {
		return
	}
	if m.byPrefix == nil {
		m.byPrefix = map[uint64][]pattern{}
	}
	k := prefixKey(text)
	ps := m.byPrefix[k]
	i := 0
	for ; i < len(ps) && len(ps[i].text) >= len(text); i++ {
		if ps[i].text == text {
			return
		}
	}
	ps = append(ps, pattern{})
	copy(ps[i+1:], ps[i:])
	ps[i] = pattern{text, owner}
	m.byPrefix[k] = ps
	w, bit := pairBit(text[0], text[1])
	m.first[w] |= bit
	m.n++
}

// next is the leftmost, longest pattern in s at or after from: its start
// and the pattern; -1 when there is none.
func (m *matcher) next(s string, from int) (int, *pattern) {
	if m.n == 0 {
		return -1, nil
	}
	for i := from; i+keyLen <= len(s); i++ {
		if w, bit := pairBit(s[i], s[i+1]); m.first[w]&bit == 0 {
			continue
		}
		ps := m.byPrefix[prefixKey(s[i:])]
		for j := range ps {
			if strings.HasPrefix(s[i:], ps[j].text) {
				return i, &ps[j]
			}
		}
	}
	return -1, nil
}

// replace writes s with every pattern replaced by with(its owner).
func (m *matcher) replace(s string, with func(owner int) string) string {
	i, p := m.next(s, 0)
	if p == nil {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for p != nil {
		b.WriteString(s[last:i])
		b.WriteString(with(p.owner))
		last = i + len(p.text)
		i, p = m.next(s, last)
	}
	b.WriteString(s[last:])
	return b.String()
}
