package fakeserver

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

func newStore() (*TokenStore, *ManualClock) {
	c := NewManualClock(time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC))
	return NewTokenStore(c), c
}

func TestMintRemembersTypeHostAndTime(t *testing.T) {
	t.Parallel()
	s, c := newStore()
	tok := s.Mint(protocol.TokenRealtimeScribe, "api.example:443", "sk_test")
	if !strings.HasPrefix(tok.Value, "sutkn_") || len(tok.Value) != len("sutkn_")+32 {
		t.Errorf("token %q is not sutkn_ and 32 hex", tok.Value)
	}
	got, ok := s.Lookup(tok.Value)
	if !ok || got.Type != protocol.TokenRealtimeScribe || got.Host != "api.example:443" || !got.MintedAt.Equal(c.Now()) || got.Used {
		t.Errorf("store remembers %+v", got)
	}
	if other := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test"); other.Value == tok.Value {
		t.Error("two mints gave the same token")
	}
}

func TestConsumeOnce(t *testing.T) {
	t.Parallel()
	s, _ := newStore()
	tok := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	if _, err := s.Consume(tok.Value, protocol.TokenRealtimeScribe); err != nil {
		t.Fatalf("first use refused: %v", err)
	}
	if _, err := s.Consume(tok.Value, protocol.TokenRealtimeScribe); !errors.Is(err, ErrTokenUsed) {
		t.Errorf("second use: %v, want ErrTokenUsed", err)
	}
	if _, err := s.Consume("sutkn_unknown", protocol.TokenRealtimeScribe); !errors.Is(err, ErrTokenUnknown) {
		t.Errorf("unknown token: %v", err)
	}
}

func TestExpiryFollowsTheClock(t *testing.T) {
	t.Parallel()
	s, c := newStore()
	fresh := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	old := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	c.Advance(protocol.TokenLifetime - time.Second)
	if _, err := s.Consume(fresh.Value, protocol.TokenRealtimeScribe); err != nil {
		t.Errorf("token refused one second before expiry: %v", err)
	}
	c.Advance(time.Second)
	if _, err := s.Consume(old.Value, protocol.TokenRealtimeScribe); !errors.Is(err, ErrTokenExpired) {
		t.Errorf("token at 15 minutes: %v, want ErrTokenExpired", err)
	}
}

func TestTypeScoping(t *testing.T) {
	t.Parallel()
	s, _ := newStore()
	tts := s.Mint(protocol.TokenTTSWebsocket, "h", "sk_test")
	if _, err := s.Consume(tts.Value, protocol.TokenRealtimeScribe); !errors.Is(err, ErrTokenWrongType) {
		t.Errorf("tts token on the STT socket: %v, want ErrTokenWrongType", err)
	}
	if got, _ := s.Lookup(tts.Value); got.Used {
		t.Error("a refused wrong-type token was consumed")
	}
}

func TestFaultsLoosenTheStore(t *testing.T) {
	t.Parallel()
	s, c := newStore()
	s.NeverConsume, s.NeverExpire = true, true
	tok := s.Mint(protocol.TokenRealtimeScribe, "h", "sk_test")
	c.Advance(time.Hour)
	for i := range 2 {
		if _, err := s.Consume(tok.Value, protocol.TokenRealtimeScribe); err != nil {
			t.Errorf("use %d under token-not-consumed and token-never-expires: %v", i+1, err)
		}
	}
}
