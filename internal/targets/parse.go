package targets

import (
	"net"
	"net/url"
	"regexp"
	"strings"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// The names a target may have besides a URL, in any letter case.
const (
	NameFake = "fake"
	NameLive = "live"
)

// anyTarget is what every refusal ends in when no form is near.
const anyTarget = "give fake, live, or an http(s)://HOST[:PORT] URL"

// Name is v as a target's name when it is one in any letter case ("Live"
// is live), else v trimmed.
func Name(v string) string {
	v = strings.TrimSpace(v)
	for _, n := range []string{NameFake, NameLive} {
		if strings.EqualFold(v, n) {
			return n
		}
	}
	return v
}

// Parse reads a target as the user typed it after flag (--target): fake or
// live in any letter case, or an http(s)://HOST[:PORT] base URL. It returns
// the name, or the URL without a trailing slash. A refusal is a usage error
// that repeats the value (never its user info, query or fragment, where a
// pasted socket URL carries a key or a token) and, when a form that works is
// near, gives it: api.elevenlabs.io is https://api.elevenlabs.io or live,
// localhost:8080 is http://localhost:8080, a ws:// socket URL is its http://
// base.
func Parse(flag, v string) (string, error) {
	v = Name(v)
	if v == NameFake || v == NameLive {
		return v, nil
	}
	refuse := func(problem string) error {
		return exitcode.Usagef("%s %s: %s", flag, Shown(v), hideKeys(problem))
	}
	if v == "" {
		return "", exitcode.Usagef("%s is empty; %s", flag, anyTarget)
	}
	scheme, _, hasScheme := strings.Cut(v, "://")
	if !hasScheme {
		if base, ok := near("", v); ok {
			return "", refuse("no http:// or https://; give " + orLive(base))
		}
		return "", refuse("not fake, live or a URL; " + anyTarget)
	}
	switch strings.ToLower(scheme) {
	case "http", "https":
	case "ws", "wss":
		if base, ok := near(scheme, v); ok {
			return "", refuse("the socket's URL; give its base " + orLive(base) + " (the socket's ws(s):// URL is derived from it)")
		}
		return "", refuse(anyTarget)
	default:
		return "", refuse("not an http:// or https:// URL; " + anyTarget)
	}
	u, err := url.Parse(v)
	if err != nil || u.Host == "" || u.Hostname() == "" {
		return "", refuse("no host; " + anyTarget)
	}
	base, _ := near(scheme, v)
	switch {
	case u.User != nil:
		return "", refuse("credentials in the URL; put the key in " + APIKeyEnv + " and give " + orLive(base))
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "", refuse("a query; give only scheme, host and port: " + orLive(base) + " (tokens are minted for you)")
	case u.Path != "" && u.Path != "/":
		return "", refuse("a path; give only scheme, host and port: " + orLive(base) + " (the path /v1/... is added for you)")
	}
	got, err := probes.ParseBaseURL(v)
	if err != nil {
		return "", refuse(err.Error() + "; " + anyTarget)
	}
	return got, nil
}

// near is the base URL that v (with scheme, or none) most likely means:
// http(s) and the host and port alone, http for a loopback host or a port
// other than 443 when v names no scheme. ok is false when v names no host.
func near(scheme, v string) (string, bool) {
	rest := v
	if scheme != "" {
		rest = v[len(scheme)+len("://"):]
	}
	// As Shown reads it: all before the last @ may be user info.
	if i := strings.IndexAny(rest, "?#"); i >= 0 {
		rest = rest[:i]
	}
	if i := strings.LastIndex(rest, "@"); i >= 0 {
		rest = rest[i+1:]
	}
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		rest = rest[:i]
	}
	u, err := url.Parse("http://" + rest)
	if err != nil || u.Hostname() == "" || strings.ContainsAny(u.Host, " \t") {
		return "", false
	}
	host := u.Hostname()
	if scheme == "" && !strings.Contains(host, ".") && u.Port() == "" && !strings.EqualFold(host, "localhost") && net.ParseIP(host) == nil {
		return "", false // a word, not a host name
	}
	switch strings.ToLower(scheme) {
	case "https", "wss":
		scheme = "https"
	case "http", "ws":
		scheme = "http"
	default:
		scheme = "https"
		if loopback(host) || (u.Port() != "" && u.Port() != "443") {
			scheme = "http"
		}
	}
	return scheme + "://" + strings.ToLower(u.Host), true
}

// loopback reports whether host is this machine, where a local server
// (a scribecheck fake) serves plain HTTP.
func loopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && (ip.IsLoopback() || ip.IsUnspecified())
}

// orLive names live beside the live API's own URL.
func orLive(base string) string {
	if base == protocol.LiveBaseURL || base == protocol.LiveBaseURL+":443" {
		return protocol.LiveBaseURL + " or live"
	}
	return base
}

// Shown is v as an error may repeat it: on one line, clipped, all before
// its last @ and its query or fragment cut to "…" (a pasted URL carries a
// key or a token there); a key or a token given whole, or as a host or a
// path segment, is its fingerprint.
func Shown(v string) string {
	if i := strings.IndexAny(v, "?#"); i >= 0 {
		v = v[:i+1] + "…"
	}
	// Everything before the last @ may be user info, even where a / comes
	// first or no scheme says where the authority begins ("/sk_…@host",
	// "sk_…://@host"): it is hidden whole, scheme included.
	if i := strings.LastIndex(v, "@"); i >= 0 {
		v = "…" + v[i:]
	}
	return text.OneLine(hideKeys(v), 120)
}

// hideKeys fingerprints each key or token in s that stands as a part of its
// own (the whole value, a host, a path segment, a word of a suggestion),
// given by mistake where a URL was asked for.
func hideKeys(s string) string {
	return part.ReplaceAllStringFunc(s, func(p string) string {
		if sh := wirelog.Shape(p); sh == wirelog.ShapeToken || sh == wirelog.ShapeAPIKey {
			return secrets.Fingerprint(p)
		}
		return p
	})
}

// part is a run of a URL, or of a line about one, between its delimiters.
var part = regexp.MustCompile(`[^@/?#:\s,;()"']+`)
