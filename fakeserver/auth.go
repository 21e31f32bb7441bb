package fakeserver

import (
	"context"
	"errors"
	"net/http"

	"github.com/scribecheck/scribecheck/protocol"
)

// authResult is the fake's decision on a socket's credentials. why is for the
// log only: the client sees the same auth_error text for every refusal (O).
type authResult struct {
	ok  bool
	via string // "token" or "header"
	why string
	key string // the API key the session acts for: the header's, or the one that minted the token
	// wrongType: refused for a token of another type (tts_websocket,
	// batch_scribe), the stimulus token-wrong-type (calibrate.go).
	wrongType bool
}

// authenticator decides a realtime socket's credentials. Faults wrap it.
type authenticator func(r *http.Request) authResult

// authenticate decides a realtime socket's credentials (docs/protocol.md §3): the
// token is tried first and there is no fall-back to the header.
func (s *Server) authenticate(r *http.Request) authResult {
	if usesToken(r) { // choice token-param-present-wins
		return s.authenticateToken(r.URL.Query().Get(protocol.TokenParam))
	}
	switch key := r.Header.Get(protocol.APIKeyHeader); {
	case key == "":
		return authResult{why: "no credentials"}
	case s.keys[key] == keyFull:
		return authResult{ok: true, via: "header", key: key}
	case s.keys[key] == keyRestricted:
		return authResult{why: "key lacks speech_to_text"} // choice restricted-key-refused-on-socket
	default:
		return authResult{why: "invalid api key"}
	}
}

func (s *Server) authenticateToken(value string) authResult {
	t, err := s.tokens.Consume(value, protocol.TokenRealtimeScribe)
	if err != nil { // choice wrong-type-token-refused
		return authResult{why: err.Error(), wrongType: errors.Is(err, ErrTokenWrongType)}
	}
	return authResult{ok: true, via: "token", key: t.MintedBy}
}

// headerFallback tries the xi-api-key header when the token is refused: the
// bug header-fallback, and the choice header-beside-token switched to fallback.
func headerFallback(next authenticator) authenticator {
	return func(r *http.Request) authResult {
		res := next(r)
		if res.ok || !usesToken(r) {
			return res
		}
		return next(withoutToken(r))
	}
}

// usesToken: a ?token= key is present, even empty.
func usesToken(r *http.Request) bool { return r.URL.Query().Has(protocol.TokenParam) }

// withoutToken is r with ?token= removed from its URL.
func withoutToken(r *http.Request) *http.Request {
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Del(protocol.TokenParam)
	r2.URL.RawQuery = q.Encode()
	return r2
}

// A decision taken before the upgrade travels with the request.
type authKey struct{}

func withAuth(ctx context.Context, res authResult) context.Context {
	return context.WithValue(ctx, authKey{}, res)
}

func authFrom(ctx context.Context) (authResult, bool) {
	res, ok := ctx.Value(authKey{}).(authResult)
	return res, ok
}
