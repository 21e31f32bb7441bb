package wirelog

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/protocol"
)

// credentialQueryKeys are the query keys whose values are credentials: the
// documented one, the TTS sockets' name (a client mistake on this socket), and
// names an API key is sometimes put under.
var credentialQueryKeys = []string{protocol.TokenParam, protocol.TTSTokenParam, "xi-api-key", "xi_api_key", "api_key", "apikey", "key"}

// CredentialQueryKeys lists the query keys whose values are credentials, in
// the order the logs report them.
func CredentialQueryKeys() []string { return slices.Clone(credentialQueryKeys) }

// IsCredentialQueryKey reports whether a query key's value is a credential.
func IsCredentialQueryKey(k string) bool { return slices.Contains(credentialQueryKeys, k) }

// credentialHeaders are the headers whose values are credentials.
var credentialHeaders = []string{protocol.APIKeyHeader, "Authorization", "Cookie"}

// placeholders are what clients put where a credential belongs when they
// have none: not secrets, and exactly what a grader needs to see.
var placeholders = map[string]bool{"undefined": true, "null": true, "None": true, "[object Object]": true, "nil": true}

// shortSecret is shown in place of a credential too short to redact by value.
const shortSecret = "…(short)"

// credential classifies and redacts one credential value, and teaches it to
// secrets so that it is redacted wherever else it appears.
func (s *Set) credential(where, value string) Credential {
	return newCredential(where, value, s.id(value), s.isKey(value), s.secrets)
}

// shape is Shape, knowing also the keys the set was told of.
func (s *Set) shape(v string) string { return shapeOf(v, s.isKey(v)) }

// shapeOf is Shape, or an API key when isKey says the value is one whatever
// its form.
func shapeOf(v string, isKey bool) string {
	if sh := Shape(v); sh != ShapeOther || !isKey {
		return sh
	}
	return ShapeAPIKey
}

// newCredential is one credential value at where, classified (isKey: the
// value is an API key its recorder was told of) and shown as red redacts it,
// red having learnt it.
func newCredential(where, value, id string, isKey bool, red *secrets.Redactor) Credential {
	c := Credential{Where: where, ID: id, Shape: shapeOf(value, isKey)}
	switch c.Shape {
	case ShapePlaceholder, ShapeEmpty:
		c.Shown = value
	default:
		red.Add(value)
		c.Shown = red.Redact(value)
		if c.Shown == value { // too short for the redactor
			c.Shown = shortSecret
		}
	}
	return c
}

// QueryCredentials are the credentials a socket URL's query carries, as a
// recording of that URL would record them: in the order a grader reports
// them, classified (keys are API keys the caller knows), shown redacted by
// red, which learns them.
func QueryCredentials(q url.Values, red *secrets.Redactor, keys ...string) []Credential {
	var out []Credential
	for _, k := range credentialQueryKeys {
		for _, v := range q[k] {
			sum := sha256.Sum256([]byte(v)) // ids compare values within this one query
			out = append(out, newCredential(QueryPosition(k), v, hex.EncodeToString(sum[:6]), slices.Contains(keys, v), red))
		}
	}
	return out
}

func (s *Set) id(value string) string {
	m := hmac.New(sha256.New, s.salt)
	m.Write([]byte(value))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// Shape classifies a credential value by its form alone. A redacted value
// keeps its prefix (sutkn_…ab12), so it classifies too.
func Shape(v string) string {
	switch {
	case v == "":
		return ShapeEmpty
	case placeholders[v]:
		return ShapePlaceholder
	case strings.HasPrefix(v, protocol.TokenPrefix):
		return ShapeToken
	case strings.HasPrefix(v, "sk_") || isHex32(v):
		return ShapeAPIKey
	}
	return ShapeOther
}

func isHex32(v string) bool {
	if len(v) != 32 {
		return false
	}
	_, err := hex.DecodeString(v)
	return err == nil
}

// requestCredentials learns the credentials of a request, in the order a
// grader reports them: query, then headers.
func (s *Set) requestCredentials(q url.Values, h http.Header) []Credential {
	var out []Credential
	for _, k := range credentialQueryKeys {
		for _, v := range q[k] {
			out = append(out, s.credential(QueryPosition(k), v))
		}
	}
	for _, k := range credentialHeaders {
		for _, v := range h.Values(k) {
			if k == "Authorization" {
				if _, after, ok := strings.Cut(v, " "); ok {
					v = after // the scheme (Bearer, Basic) is no secret
				}
			}
			out = append(out, s.credential(HeaderPosition(k), v))
		}
	}
	return out
}

// bodyCredentials learns a minted token from a JSON response body.
func (s *Set) bodyCredentials(body []byte) []Credential {
	var v struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(body, &v) != nil || v.Token == "" {
		return nil
	}
	return []Credential{s.credential(WhereBodyToken, v.Token)}
}

// ID is the credential id this set gives value: a harness that knows a
// secret (the key it handed a client) can find its connections by it.
func (s *Set) ID(value string) string { return s.id(value) }
