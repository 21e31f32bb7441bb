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
)

// TokenStore mints and consumes single-use tokens on a clock.
type TokenStore struct {
	clock Clock
	// NeverExpire and NeverConsume are set by faults.
	NeverExpire  bool
	NeverConsume bool

	mu     sync.Mutex
	tokens map[string]*Token
}

// NewTokenStore returns an empty store on clock.
func NewTokenStore(clock Clock) *TokenStore {
	return &TokenStore{clock: clock, tokens: map[string]*Token{}}
}

// Mint creates a token of tokenType, remembering the host it was minted on.
func (s *TokenStore) Mint(tokenType, host, key string) Token {
	t := &Token{Value: protocol.TokenPrefix + randomHex(16), Type: tokenType, Host: host, MintedBy: key, MintedAt: s.clock.Now()}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tokens[t.Value] = t
	return *t
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
