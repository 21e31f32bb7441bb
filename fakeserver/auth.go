package fakeserver

import (
	"net/http"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// authResult is the fake's decision on a socket's credentials. why is for the
// log only: the client sees the same auth_error text for every refusal (O).
type authResult struct {
	ok  bool
	via string // "token" or "header"
	why string
}

// authenticate decides a realtime socket's credentials (protocol.md §3): the
// token is tried first and there is no fall-back to the header.
func (s *Server) authenticate(r *http.Request) authResult {
	q := r.URL.Query()
	if q.Has(protocol.TokenParam) { // choice token-param-present-wins
		res := s.authenticateToken(q.Get(protocol.TokenParam))
		if res.ok || !s.faults.has(FaultHeaderFallback) {
			return res
		}
	}
	key := r.Header.Get(protocol.APIKeyHeader)
	switch {
	case key == "" && s.faults.has(FaultAnonymousAllowed):
		return authResult{ok: true, via: "none", why: "fault " + FaultAnonymousAllowed}
	case key == "":
		return authResult{why: "no credentials"}
	case s.faults.has(FaultHeaderRejected):
		return authResult{why: "fault " + FaultHeaderRejected}
	case s.keys[key] == keyFull:
		return authResult{ok: true, via: "header"}
	case s.faults.has(FaultAnyKeyAccepted):
		return authResult{ok: true, via: "header", why: "fault " + FaultAnyKeyAccepted}
	case s.keys[key] == keyRestricted:
		return authResult{why: "key lacks speech_to_text"} // choice restricted-key-refused-on-socket
	default:
		return authResult{why: "invalid api key"}
	}
}

func (s *Server) authenticateToken(value string) authResult {
	if s.faults.has(FaultSutknQueryRejected) && strings.HasPrefix(value, protocol.TokenPrefix) {
		return authResult{why: "fault " + FaultSutknQueryRejected}
	}
	if _, err := s.tokens.Consume(value, protocol.TokenRealtimeScribe); err != nil {
		if value != "" && s.faults.has(FaultTokenUnchecked) {
			return authResult{ok: true, via: "token", why: "fault " + FaultTokenUnchecked}
		}
		return authResult{why: err.Error()}
	}
	return authResult{ok: true, via: "token"}
}
