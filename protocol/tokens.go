package protocol

import (
	"time"

	"github.com/tidwall/gjson"
)

// Single-use token types accepted by POST /v1/single-use-token/{token_type} (S).
const (
	TokenRealtimeScribe = "realtime_scribe"
	TokenTTSWebsocket   = "tts_websocket"
	TokenBatchScribe    = "batch_scribe"
)

// TokenTypes lists the known token types.
var TokenTypes = []string{TokenRealtimeScribe, TokenTTSWebsocket, TokenBatchScribe}

// TokenPrefix starts every single-use token (D).
const TokenPrefix = "sutkn_"

// TokenLifetime: "a time bound single use token that expires after 15 minutes" (D).
const TokenLifetime = 15 * time.Minute

// Query parameter names that carry a token. The STT socket reads "token";
// TTS sockets name theirs single_use_token (S).
const (
	TokenParam    = "token"
	TTSTokenParam = "single_use_token"
)

// REST error statuses of the token endpoint (O on other endpoints).
const (
	StatusNeedsAuthorization = "needs_authorization"
	StatusInvalidAPIKey      = "invalid_api_key"
	StatusMissingPermissions = "missing_permissions"
)

// Their messages as seen live (O).
const (
	NeedsAuthorizationMessage = "Neither authorization header nor xi-api-key received, please provide one."
	InvalidAPIKeyMessage      = "Invalid API key"
)

// MissingPermissionsMessage names the permission the key lacks (O shape; the
// permission name for minting is U, probably speech_to_text).
func MissingPermissionsMessage(perm string) string {
	return "The API key you used is missing the permission " + perm + " to execute this operation."
}

// MintPermission is the permission the fake requires to mint realtime_scribe
// tokens (U: the real name is unconfirmed).
const MintPermission = "speech_to_text"

// ErrorStatus is the name an API error answer's JSON body gives its error:
// detail.status ({"detail":{"status":"invalid_api_key","message":…}}), or,
// in a validation error (HTTP 422), the type of the first one
// ({"detail":[{"type":"enum","loc":…,"msg":…}]}); "" for any other body.
func ErrorStatus(body string) string {
	if !gjson.Valid(body) {
		return ""
	}
	d := gjson.Get(body, "detail")
	if s := d.Get("status"); s.Type == gjson.String {
		return s.Str
	}
	if s := d.Get("0.type"); d.IsArray() && s.Type == gjson.String {
		return s.Str
	}
	return ""
}
