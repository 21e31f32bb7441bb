package fakeserver

import (
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// NewServer builds a fake and starts it on a free loopback port, the way
// net/http/httptest.NewServer starts a handler: for a Go test of a client of
// the Scribe realtime API. Point the client at URL (REST) or SocketURL, give
// it TestKey or a token from MintToken, and Close the server when done.
// Options.Faults switches on named bugs and deviations; Options.Record (see
// Memory) keeps what each connection carried.
func NewServer(opts Options) (*Server, error) {
	s, err := New(opts)
	if err != nil {
		return nil, err
	}
	if _, err := s.Start("127.0.0.1:0"); err != nil {
		return nil, err
	}
	return s, nil
}

// URL is the base URL the server listens on, http(s)://127.0.0.1:PORT, as
// the SDKs' base URL options take it; "" before Start.
func (s *Server) URL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.base
}

// SocketURL is the realtime socket's URL, ws(s)://127.0.0.1:PORT/v1/
// speech-to-text/realtime, with query (model_id defaults to
// protocol.DefaultModel when query has none).
func (s *Server) SocketURL(query url.Values) string {
	q := url.Values{}
	for k, v := range query {
		q[k] = v
	}
	if !q.Has(protocol.ParamModelID) {
		q.Set(protocol.ParamModelID, protocol.DefaultModel)
	}
	return "ws" + strings.TrimPrefix(s.URL(), "http") + protocol.RealtimePath + "?" + q.Encode()
}

// MintToken mints a single-use token of tokenType (protocol.TokenRealtimeScribe
// for the socket) for the test key, as POST /v1/single-use-token/{type} would,
// without a request.
func (s *Server) MintToken(tokenType string) (string, error) {
	if !slices.Contains(protocol.TokenTypes, tokenType) {
		return "", fmt.Errorf("fake server: %q is no token type (%s)", tokenType, strings.Join(protocol.TokenTypes, ", "))
	}
	u, err := url.Parse(s.URL())
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("fake server: mint a token after Start")
	}
	t, err := s.tokens.TryMint(tokenType, u.Host, s.testKey) // the Host a request to URL carries

	if err != nil {
		return "", err
	}
	return t.Value, nil
}
