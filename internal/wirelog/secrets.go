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

	"github.com/tidwall/gjson"

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

// authHeaders are the headers a client authenticates to the API with: the
// key header the socket reads, and Authorization (Bearer), which clients
// send by mistake.
var authHeaders = []string{protocol.APIKeyHeader, "Authorization"}

// credentialHeaders are the headers whose values are credentials: the
// authHeaders, and Cookie (the app's own session, no Scribe credential, but
// a secret all the same).
var credentialHeaders = append(slices.Clone(authHeaders), "Cookie")

// AuthHeaders lists the headers a client authenticates to the API with, in
// the order the logs report them.
func AuthHeaders() []string { return slices.Clone(authHeaders) }

// isCredentialHeader reports whether a header's value is a credential.
func isCredentialHeader(h string) bool {
	return slices.ContainsFunc(credentialHeaders, func(c string) bool { return strings.EqualFold(c, h) })
}

// HeaderCredential is the credential a header's value carries: an
// Authorization header's without its scheme (Bearer, Basic: no secret), and
// trimmed, so "Bearer  tok" is tok.
func HeaderCredential(name, value string) string {
	if strings.EqualFold(name, "Authorization") {
		if _, after, ok := strings.Cut(strings.TrimSpace(value), " "); ok {
			return strings.TrimSpace(after)
		}
	}
	return value
}

// placeholders are what clients put where a credential belongs when they
// have none: not secrets, and exactly what a grader needs to see.
var placeholders = map[string]bool{"undefined": true, "null": true, "None": true, "[object Object]": true, "nil": true}

// shortSecret is shown in place of a credential too short to redact by
// value, in its credential record and in the request's query or headers
// alike.
const shortSecret = "…(short)"

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

// isSecret: a value of this shape is a secret (a placeholder or nothing is
// not).
func isSecret(shape string) bool { return shape != ShapePlaceholder && shape != ShapeEmpty }

// reader reads credentials as one recorder does: the ids it gives values,
// the keys it was told of, and the redactor that learns every credential.
type reader struct {
	id    func(string) string
	isKey func(string) bool
	red   *secrets.Redactor
}

// reader is the set's.
func (s *Set) reader() reader { return reader{id: s.id, isKey: s.isKey, red: s.secrets} }

// standalone reads the credentials of one request outside any recording:
// ids compare values within it, keys are the API keys the caller knows.
func standalone(red *secrets.Redactor, keys []string) reader {
	return reader{
		id: func(v string) string {
			sum := sha256.Sum256([]byte(v))
			return hex.EncodeToString(sum[:6])
		},
		isKey: func(v string) bool { return slices.Contains(keys, v) },
		red:   red,
	}
}

// credential classifies one credential value at where and teaches it to the
// redactor, so that it is redacted wherever else it appears.
func (rd reader) credential(where, value string) Credential {
	c := Credential{Where: where, ID: rd.id(value), Shape: shapeOf(value, rd.isKey(value)), Shown: value}
	if isSecret(c.Shape) {
		rd.red.Add(value)
		c.Shown = shownSecret(rd.red, value)
	}
	return c
}

// shownSecret is a secret as the logs show it: as red shows it, or
// shortSecret when it is too short to be redacted by value.
func shownSecret(red *secrets.Redactor, v string) string {
	if len(v) < secrets.MinLength {
		return shortSecret
	}
	return red.Shown(v)
}

// query reads the credentials of a query, in the order a grader reports
// them.
func (rd reader) query(q url.Values) []Credential {
	var out []Credential
	for _, k := range credentialQueryKeys {
		for _, v := range q[k] {
			out = append(out, rd.credential(QueryPosition(k), v))
		}
	}
	return out
}

// headers reads the credentials of request headers, in the order a grader
// reports them.
func (rd reader) headers(h http.Header) []Credential {
	var out []Credential
	for _, k := range credentialHeaders {
		for _, v := range h.Values(k) {
			out = append(out, rd.credential(HeaderPosition(k), HeaderCredential(k, v)))
		}
	}
	return out
}

// QueryCredentials are the credentials a socket URL's query carries, as a
// recording of that URL would record them: in the order a grader reports
// them, classified (keys are API keys the caller knows), shown redacted by
// red, which learns them.
func QueryCredentials(q url.Values, red *secrets.Redactor, keys ...string) []Credential {
	return standalone(red, keys).query(q)
}

// HeaderCredentials are the credentials request headers carry, as a
// recording of the request would record them: as QueryCredentials reads a
// query. h's names are canonical (http.Header.Set).
func HeaderCredentials(h http.Header, red *secrets.Redactor, keys ...string) []Credential {
	return standalone(red, keys).headers(h)
}

// FrameSecret is a credential a client sent inside a frame.
type FrameSecret struct{ Value, Shape string }

// FrameSecrets are the credentials a client's text frame carries (an app
// that authenticates in a frame, as the TTS sockets have it): the string
// under any field named as a credential is, and any string shaped as a token
// or a key wherever it is (isKey names the keys a recorder was told of). A
// frame that is not JSON carries none; placeholders are no secrets.
func FrameSecrets(data []byte, isKey func(string) bool) []FrameSecret {
	if !gjson.ValidBytes(data) {
		return nil
	}
	var out []FrameSecret
	var walk func(name string, v gjson.Result)
	walk = func(name string, v gjson.Result) {
		switch {
		case v.IsObject() || v.IsArray():
			v.ForEach(func(k, child gjson.Result) bool { walk(k.String(), child); return true })
		case v.Type == gjson.String:
			val := HeaderCredential(name, v.Str)
			sh := shapeOf(val, isKey != nil && isKey(val))
			if sh == ShapeToken || sh == ShapeAPIKey || isSecret(sh) && isCredentialName(name) {
				out = append(out, FrameSecret{val, sh})
			}
		}
	}
	walk("", gjson.ParseBytes(data))
	return out
}

// isCredentialName reports whether a JSON field named name holds a
// credential: its name ends like a credential query key or header (case,
// - and _ aside): token, single_use_token, xi_api_key, apiKey, key,
// authorization, access_token… but not token_type.
func isCredentialName(name string) bool {
	n := normalName(name)
	if n == "" {
		return false
	}
	for _, k := range credentialNames {
		if strings.HasSuffix(n, k) {
			return true
		}
	}
	return false
}

// credentialNames are the credential query keys and headers, normalName'd.
var credentialNames = func() []string {
	var out []string
	for _, k := range append(slices.Clone(credentialQueryKeys), credentialHeaders...) {
		if n := normalName(k); !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}()

func normalName(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
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
	rd := s.reader()
	return append(rd.query(q), rd.headers(h)...)
}

// learnFrame teaches the set the credentials in a client's text frame.
func (s *Set) learnFrame(data []byte) {
	for _, c := range FrameSecrets(data, s.isKey) {
		s.secrets.Add(c.Value)
	}
}

// bodyCredentials learns a minted token from a JSON response body.
func (s *Set) bodyCredentials(body []byte) []Credential {
	var v struct {
		Token string `json:"token"`
	}
	if json.Unmarshal(body, &v) != nil || v.Token == "" {
		return nil
	}
	return []Credential{s.reader().credential(WhereBodyToken, v.Token)}
}

// ID is the credential id this set gives value: a harness that knows a
// secret (the key it handed a client) can find its connections by it.
func (s *Set) ID(value string) string { return s.id(value) }
