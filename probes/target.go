package probes

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// Target is a base URL plus credentials.
type Target struct {
	// Name is how reports call it: "fake", "live", or the URL.
	Name string
	// BaseURL is http(s)://host[:port], the REST host; the socket shares it.
	BaseURL string
	// APIKey may mint tokens and open sessions.
	APIKey string
	// RestrictedKey lacks the speech_to_text permission (known on the fake only).
	RestrictedKey string
}

// ParseBaseURL checks that raw is an http(s) URL with a host and nothing
// else, and returns it without a trailing slash. Its errors never repeat the
// query or user info: a pasted socket URL carries a token there.
func ParseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("the target is not a URL; give http(s)://HOST[:PORT]")
	}
	shown := u.Scheme + "://" + u.Host
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return "", fmt.Errorf("target %s must start with http:// or https:// (the socket's ws(s):// URL is derived from it)", shown)
	case u.Host == "":
		return "", fmt.Errorf("target %q has no host", u.Scheme+"://")
	case u.User != nil:
		return "", fmt.Errorf("target %s carries credentials in the URL; put the key in %s instead", shown, "ELEVENLABS_API_KEY")
	case u.RawQuery != "" || u.Fragment != "":
		return "", fmt.Errorf("target %s has a query; give only scheme, host and port (tokens are minted for you)", shown)
	case u.Path != "" && u.Path != "/":
		return "", fmt.Errorf("target %s has a path; give only scheme, host and port", shown)
	}
	return shown, nil
}

// SocketURL is the realtime socket's URL for query q: http becomes ws and
// https wss.
func (t Target) SocketURL(q url.Values) string {
	base := t.BaseURL
	switch {
	case strings.HasPrefix(base, "https://"):
		base = "wss://" + strings.TrimPrefix(base, "https://")
	case strings.HasPrefix(base, "http://"):
		base = "ws://" + strings.TrimPrefix(base, "http://")
	}
	u := base + protocol.RealtimePath
	if enc := q.Encode(); enc != "" {
		u += "?" + enc
	}
	return u
}

// DefaultQuery is the query every SDK sends at least: the model.
func DefaultQuery() url.Values {
	return url.Values{protocol.ParamModelID: {protocol.DefaultModel}}
}
