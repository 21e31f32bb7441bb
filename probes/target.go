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

// ParseBaseURL checks that raw is an http(s) URL with a host and no path
// beyond "/", and returns it without a trailing slash.
func ParseBaseURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("target %q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("target %q must start with http:// or https:// (the socket URL is derived from it)", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("target %q has no host", raw)
	}
	if u.Path != "" && u.Path != "/" {
		return "", fmt.Errorf("target %q has a path; give only scheme, host and port", raw)
	}
	return u.Scheme + "://" + u.Host, nil
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
