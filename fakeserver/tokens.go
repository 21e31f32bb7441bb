package fakeserver

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// Token is what the fake remembers of a minted single-use token.
type Token struct {
	Value    string
	Type     string
	Host     string // the Host the token was minted on
	MintedBy string // the API key that minted it (its session runs that key's Script)
	MintedAt time.Time
	Used     bool
}

// Reasons a token is refused; the socket answers all of them with the same
// auth_error text (O), these only name the cause in the fake's log.
var (
	ErrTokenUnknown   = errors.New("token unknown")
	ErrTokenUsed      = errors.New("token already used")
	ErrTokenExpired   = errors.New("token expired")
	ErrTokenWrongType = errors.New("token of another type")
	// ErrTooManyTokens refuses a mint: the store holds Max tokens already.
	ErrTooManyTokens = errors.New("too many tokens")
)

// DefaultMaxTokens caps a TokenStore whose Max is zero: about 55 mints a
// second for the 30 minutes a token is remembered (some 25 MB).
const DefaultMaxTokens = 100000

// tokenMemory is how long the store remembers a token after minting it:
// its lifetime, then as long again, so that a token used late is still
// refused as expired (not unknown) for a while.
const tokenMemory = 2 * protocol.TokenLifetime

// TokenStore mints and consumes single-use tokens on a clock.
type TokenStore struct {
	clock Clock
	// NeverExpire and NeverConsume are set by faults.
	NeverExpire  bool
	NeverConsume bool
	// Max tokens remembered at once; Mint refuses more (U; choice
	// token-cap). DefaultMaxTokens if zero.
	Max int

	mu     sync.Mutex
	tokens map[string]*Token
	order  []*Token // in mint order, so the oldest are forgotten first
}

// NewTokenStore returns an empty store on clock.
func NewTokenStore(clock Clock) *TokenStore {
	return &TokenStore{clock: clock, tokens: map[string]*Token{}}
}

// Mint creates a token of tokenType, remembering the host it was minted on,
// whatever the cap (TryMint is what the token endpoint uses).
func (s *TokenStore) Mint(tokenType, host, key string) Token {
	t, _ := s.mint(tokenType, host, key, false)
	return t
}

// TryMint is Mint, but refuses with ErrTooManyTokens when the store holds
// Max tokens already.
func (s *TokenStore) TryMint(tokenType, host, key string) (Token, error) {
	return s.mint(tokenType, host, key, true)
}

// mint first forgets the tokens minted tokenMemory or more ago (unless they
// never expire), then creates one.
func (s *TokenStore) mint(tokenType, host, key string, capped bool) (Token, error) {
	value := protocol.TokenPrefix + randomHex(16)
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now() // under the lock: mint order is time order
	s.forgetLocked(now)
	limit := s.Max
	if limit == 0 {
		limit = DefaultMaxTokens
	}
	if capped && len(s.tokens) >= limit {
		return Token{}, ErrTooManyTokens
	}
	t := &Token{Value: value, Type: tokenType, Host: host, MintedBy: key, MintedAt: now}
	s.tokens[t.Value] = t
	s.order = append(s.order, t)
	return *t, nil
}

// forgetLocked drops the tokens minted tokenMemory or more before now: a
// token flood costs memory for 30 minutes on the clock, not for ever.
func (s *TokenStore) forgetLocked(now time.Time) {
	if s.NeverExpire {
		return
	}
	for len(s.order) > 0 && now.Sub(s.order[0].MintedAt) >= tokenMemory {
		delete(s.tokens, s.order[0].Value)
		s.order[0] = nil // the array's front stays until append moves it; the token need not
		s.order = s.order[1:]
	}
}

// Len is the number of tokens the store remembers.
func (s *TokenStore) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.tokens)
}

// Consume spends value for a socket of wantType. The first socket that opens
// with a token consumes it (O); a spent, expired, unknown or wrong-typed token
// is refused.
func (s *TokenStore) Consume(value, wantType string) (Token, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	if !ok {
		return Token{}, ErrTokenUnknown
	}
	if t.Used && !s.NeverConsume {
		return *t, ErrTokenUsed
	}
	if !s.NeverExpire && s.clock.Now().Sub(t.MintedAt) >= protocol.TokenLifetime {
		return *t, ErrTokenExpired
	}
	if t.Type != wantType {
		return *t, ErrTokenWrongType
	}
	t.Used = true
	return *t, nil
}

// Lookup returns what the store knows of value.
func (s *TokenStore) Lookup(value string) (Token, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, ok := s.tokens[value]
	if !ok {
		return Token{}, false
	}
	return *t, true
}

func randomHex(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on Linux
	}
	return hex.EncodeToString(b)
}
