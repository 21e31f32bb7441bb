package fakeserver

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/scribecheck/scribecheck/protocol"
)

// handleMint serves POST /v1/single-use-token/{token_type} (docs/protocol.md §3).
func (s *Server) handleMint(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get(protocol.APIKeyHeader)
	tokenType := r.PathValue("token_type")
	switch kind := s.keys[key]; {
	case key == "":
		s.log.Printf("mint %s: 401 needs_authorization", tokenType)
		writeDetail(w, http.StatusUnauthorized, protocol.StatusNeedsAuthorization, protocol.NeedsAuthorizationMessage)
		return
	case kind == keyUnknown:
		s.log.Printf("mint %s: 401 invalid_api_key", tokenType)
		writeDetail(w, http.StatusUnauthorized, protocol.StatusInvalidAPIKey, protocol.InvalidAPIKeyMessage)
		return
	case !slices.Contains(protocol.TokenTypes, tokenType):
		s.log.Printf("mint %q: 422 unknown token type", tokenType)
		writeJSON(w, http.StatusUnprocessableEntity, map[string]any{"detail": []map[string]any{{
			"loc":  []string{"path", "token_type"},
			"msg":  "Input should be 'realtime_scribe', 'tts_websocket' or 'batch_scribe'",
			"type": "enum",
		}}})
		return
	case kind == keyRestricted && tokenType == protocol.TokenRealtimeScribe && s.set.mintChecksPermission:
		s.log.Printf("mint %s: 401 missing_permissions", tokenType)
		writeDetail(w, http.StatusUnauthorized, protocol.StatusMissingPermissions, protocol.MissingPermissionsMessage(protocol.MintPermission))
		return
	}
	t, err := s.tokens.TryMint(tokenType, r.Host, key)
	if err != nil { // choice token-cap
		s.log.Printf("mint %s: 429 %v", tokenType, err)
		writeDetail(w, http.StatusTooManyRequests, TooManyTokensStatus, TooManyTokensMessage)
		return
	}
	s.log.Printf("mint %s: 200", tokenType)
	writeJSON(w, http.StatusOK, map[string]string{"token": t.Value})
}

// The fake's refusal of a mint past its token cap (choice token-cap); the
// real server's answer to a token flood is unknown.
const (
	TooManyTokensStatus  = "too_many_tokens"
	TooManyTokensMessage = "Too many single-use tokens are waiting to be used: use or let expire some before minting more."
)

// writeDetail writes {"detail":{"status":…,"message":…}}, fields in the live order.
func writeDetail(w http.ResponseWriter, status int, code, message string) {
	type detail struct {
		Status  string `json:"status"`
		Message string `json:"message"`
	}
	writeJSON(w, status, map[string]detail{"detail": {code, message}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v) // the client may be gone; nothing to do then
}
