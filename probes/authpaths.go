package probes

import (
	"net/url"

	"github.com/scribecheck/scribecheck/protocol"
)

// Expect is what the documented server does for an auth path (docs/protocol.md §3).
type Expect string

const (
	// ExpectSession: the socket opens and session_started is the first frame.
	ExpectSession Expect = "session"
	// ExpectRefused: access is refused (observed form: auth_error after 101,
	// then close 1000 with an empty reason).
	ExpectRefused Expect = "refused"
	// ExpectMintRefused: the token endpoint refuses with 401 missing_permissions.
	ExpectMintRefused Expect = "mint-refused"
	// ExpectUnknown: nobody has shown what happens; record it.
	ExpectUnknown Expect = "unknown"
)

// AuthPath is one way of presenting credentials to the realtime socket.
type AuthPath struct {
	Name string
	// Sends says in words what the probe sends.
	Sends string
	// Expect is what the documented server does.
	Expect Expect
	// Level is the evidence behind Expect: D documented (or a vendor
	// maintainer's statement), O observed live, U unconfirmed.
	Level string
	// FormLevel is the evidence behind the form of a refusal (O), empty when
	// no in-band refusal is expected.
	FormLevel string
	// Evidence quotes docs/protocol.md.
	Evidence string
	// NeedsFake: the path needs something only the fake has (a restricted key).
	NeedsFake bool
	// NeedsClock: the path needs the target's clock to jump 15 minutes.
	NeedsClock bool

	prepare func(r *runner) (*socketParams, error)
}

// The auth paths, in the order the matrix shows them.
var (
	PathHeader = AuthPath{Name: "header", Sends: "a valid API key in the xi-api-key header",
		Expect: ExpectSession, Level: "D", Evidence: "two paths: the xi-api-key header or ?token= (D)",
		prepare: withHeader}
	PathHeaderInvalid = AuthPath{Name: "header-invalid", Sends: "an API key the server does not know in xi-api-key",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "header with an invalid key: refused (D), auth_error then close 1000 (O)",
		prepare: withInvalidHeader}
	PathNone = AuthPath{Name: "none", Sends: "no credentials at all",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "no credentials: refused (D), auth_error then close 1000 (O)",
		prepare: withNothing}
	PathTokenQuery = AuthPath{Name: "token-query", Sends: "a fresh realtime_scribe token on ?token= and no header",
		Expect: ExpectSession, Level: "D", Evidence: "fresh realtime_scribe token on ?token=: session_started (D)",
		prepare: withFreshToken}
	PathTokenReused = AuthPath{Name: "token-reused", Sends: "a realtime_scribe token that already opened one socket",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "single-use: \"will be consumed on use\" (D); a second socket gets auth_error (O)",
		prepare: withReusedToken}
	PathTokenExpired = AuthPath{Name: "token-expired", Sends: "a realtime_scribe token minted more than 15 minutes ago",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "\"expires after 15 minutes\" (D); form of the refusal assumed as for other tokens (O)",
		NeedsClock: true, prepare: withExpiredToken}
	PathTokenWrongType = AuthPath{Name: "token-wrong-type", Sends: "a fresh tts_websocket token on ?token=",
		Expect: ExpectUnknown, Level: "U", Evidence: "tts_websocket or batch_scribe token: unknown (U)",
		prepare: withMintedToken(protocol.TokenTTSWebsocket, protocol.TokenParam)}
	PathTokenAndHeader = AuthPath{Name: "token-and-header", Sends: "a fresh realtime_scribe token on ?token= and a valid xi-api-key header",
		Expect: ExpectSession, Level: "D", Evidence: "valid token and valid header together: session_started (D, either suffices)",
		prepare: withTokenAndHeader}
	// "Token first, no fall-back" is cited in docs/protocol.md to a maintainer in
	// elevenlabs-js #436; a search of that thread's stored copies (a PR adding
	// realtime options, whose review discusses token vs header) found no such
	// statement. Kept at D as docs/protocol.md says until a live run shows otherwise.
	PathBadTokenGoodHeader = AuthPath{Name: "bad-token-good-header", Sends: "a made-up sutkn_ token on ?token= and a valid xi-api-key header",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "the token is tried first, no fall-back to the header (vendor maintainer, elevenlabs-js #436)",
		prepare: withBadTokenGoodHeader}
	PathAPIKeyAsToken = AuthPath{Name: "api-key-as-token", Sends: "the API key itself on ?token= and no header",
		Expect: ExpectRefused, Level: "O", FormLevel: "O", Evidence: "API key passed as token: refused (O)",
		prepare: withAPIKeyAsToken}
	PathSingleUseTokenParam = AuthPath{Name: "token-param-single_use_token", Sends: "a fresh realtime_scribe token on ?single_use_token= (the TTS name) and no header",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "the STT socket reads token, TTS sockets single_use_token: no credentials (D)",
		prepare: withMintedToken(protocol.TokenRealtimeScribe, protocol.TTSTokenParam)}
	PathTokenUndefined = AuthPath{Name: "token-undefined", Sends: "?token=undefined, what @elevenlabs/client sends when the token is missing",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "token=undefined is not a token (D); @elevenlabs/client sends it (S)",
		prepare: withLiteralToken("undefined")}
	PathTokenObject = AuthPath{Name: "token-object", Sends: "?token=[object Object], the token response object instead of its string",
		Expect: ExpectRefused, Level: "D", FormLevel: "O", Evidence: "token=[object Object] is not a token (D)",
		prepare: withLiteralToken("[object Object]")}
	PathRestrictedKey = AuthPath{Name: "restricted-key", Sends: "a key without the speech_to_text permission asking for a realtime_scribe token",
		Expect: ExpectMintRefused, Level: "O", Evidence: "401 missing_permissions (O shape, U permission name)",
		NeedsFake: true, prepare: withRestrictedKey}
)

// PathSpentTokenGoodHeader is a choice's path, outside the matrix: which
// credential wins when a spent token comes beside a good header (the Python
// SDK 3.0.0a1 sends both). AUTH-15 records it.
var PathSpentTokenGoodHeader = AuthPath{Name: "spent-token-good-header",
	Sends:  "a realtime_scribe token that already opened one socket on ?token=, beside a valid xi-api-key header",
	Expect: ExpectUnknown, Level: "U", Evidence: "the token is tried first, no fall-back (D, unconfirmed live); the fake's choice header-beside-token",
	prepare: withSpentTokenGoodHeader}

// AuthPaths lists every path in matrix order.
var AuthPaths = []AuthPath{
	PathHeader, PathHeaderInvalid, PathNone, PathTokenQuery, PathTokenReused, PathTokenExpired,
	PathTokenWrongType, PathTokenAndHeader, PathBadTokenGoodHeader, PathAPIKeyAsToken,
	PathSingleUseTokenParam, PathTokenUndefined, PathTokenObject, PathRestrictedKey,
}

// LookupPath finds a path by name.
func LookupPath(name string) (AuthPath, bool) {
	for _, p := range AuthPaths {
		if p.Name == name {
			return p, true
		}
	}
	return AuthPath{}, false
}

// CustomPath is a path the caller defines: the query gets set(q) and no
// header (the user's own token, say).
func CustomPath(name, sends string, expect Expect, set func(q url.Values)) AuthPath {
	return AuthPath{Name: name, Sends: sends, Expect: expect, Level: "U",
		prepare: func(r *runner) (*socketParams, error) {
			p := r.params()
			set(p.query)
			return &p, nil
		}}
}
