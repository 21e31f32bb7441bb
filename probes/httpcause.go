package probes

import (
	"fmt"
	"html"
	"net/http"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/tidwall/gjson"
)

// Stages of an HTTP answer a wrong target can give.
const (
	AtUpgrade = "upgrade" // GET /v1/speech-to-text/realtime
	AtMint    = "mint"    // POST /v1/single-use-token/{type}
)

// HTTPCause names why a target answered an upgrade or a mint with a status
// other than the one that works (101, 200). Auth is true only when the cause
// is the credential: the real API's 401/403 carry a JSON detail (docs/protocol.md
// §3); the same status with an HTML page comes from something else.
type HTTPCause struct {
	Status int
	// Name is the cause in a few words.
	Name string
	// Fix says what to do.
	Fix string
	// Auth: the key or token is refused (not the host, path or a proxy).
	Auth bool
}

// notScribe is the fix when the target answers but is not the Scribe API.
const notScribe = "check --target: give the API's scheme, host and port only (https://api.elevenlabs.io, a residency host, " +
	"or a `scribecheck fake`); the path /v1/... is added for you"

// NotScribeAPI is what a target is said to do when NotScribe holds.
const NotScribeAPI = "does not answer as the Scribe realtime API (not an API key problem)"

// NotScribe reports whether the answer to an upgrade says the target is not
// the Scribe API at all: neither upgraded nor refused for the credential (a
// web server, a redirect, a proxy or a gateway answered). The doctor's first
// finding and the pre-flight of run, doctor and load decide it here.
func (c HTTPCause) NotScribe() bool {
	return c.Status != 0 && c.Status != http.StatusSwitchingProtocols && !c.Auth
}

// Line is the cause on one line: status, where, cause and the body's summary.
func (c HTTPCause) Line(stage string, header http.Header, body string) string {
	where := "the upgrade"
	if stage == AtMint {
		where = "minting"
	}
	return fmt.Sprintf("HTTP %d at %s: %s (body: %s)", c.Status, where, c.Name, SummarizeBody(header, body))
}

// ExplainHTTP names the cause of status at stage (AtUpgrade or AtMint),
// from the status, the Location header and the body. With statusCauses it
// is the one table of every status a wrong target can give there.
func ExplainHTTP(stage string, status int, header http.Header, body string) HTTPCause {
	c := HTTPCause{Status: status}
	apiJSON := gjson.Valid(body) && gjson.Get(body, "detail").Exists()
	sc, known := statusCauses[status]
	switch {
	case status == http.StatusSwitchingProtocols && stage == AtUpgrade:
		c.Name, c.Fix = "upgraded to a WebSocket", "nothing"
	case status == http.StatusOK && stage == AtMint && gjson.Get(body, "token").Type == gjson.String:
		c.Name, c.Fix = "a token was minted", "nothing"
	case status >= 200 && status < 300:
		c.Name = "no upgrade: a web server, not a WebSocket endpoint, answers the socket's path"
		if stage == AtMint {
			c.Name = "no token: this is not the Scribe API's token endpoint"
		}
		c.Fix = notScribe
	case status >= 300 && status < 400:
		loc := header.Get("Location")
		if loc == "" {
			loc = "nowhere (no Location header)"
		}
		c.Name = fmt.Sprintf("a redirect to %s, not followed (the API does not redirect, and the key would go along)", loc)
		c.Fix = "give the redirect's host as --target if you trust it (e.g. https:// instead of http://), or remove the proxy or load balancer that redirects"
	case (status == http.StatusUnauthorized || status == http.StatusForbidden) && apiJSON:
		c.Auth = true
		c.Name = fmt.Sprintf("the API refuses the credential (%s)", detailOf(body))
		c.Fix = "check ELEVENLABS_API_KEY: a deleted or mistyped key, a residency key on the global host, or a key without the speech_to_text permission"
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		c.Name = "refused without the API's JSON detail: something in front of the API (a proxy, a firewall, a gateway) refuses, not Scribe"
		c.Fix = "check the host and any proxy or VPN between you and the API; the key was not judged by Scribe"
	case known:
		c.Name, c.Fix = sc.name, sc.fix
	case status == http.StatusUnprocessableEntity && apiJSON:
		c.Name = fmt.Sprintf("the API rejects a parameter (%s)", detailOf(body))
		c.Fix = "check the token type and query parameters against docs/protocol.md"
	case status >= 400 && status < 500:
		c.Name = "another client error: the target refuses the request"
		c.Fix = "check the host and path; " + notScribe
	case status >= 500:
		c.Name = "another server error"
		c.Fix = "retry later; if it persists, report it with this report attached"
	default:
		c.Name = "not an HTTP status a server sends"
		c.Fix = notScribe
	}
	return c
}

// statusCause is the cause and fix of a status that names its cause alone.
type statusCause struct{ name, fix string }

// statusCauses are the statuses that name their cause alone, at the upgrade
// and at minting alike.
var statusCauses = map[int]statusCause{
	http.StatusNotFound: {"not found: the host or path is wrong (not the Scribe API, a base URL that does not serve /v1, or a proxy that does not route it)",
		notScribe},
	http.StatusBadRequest: {"bad request: the target rejects the request itself (not a WebSocket endpoint, or a proxy that strips the upgrade)",
		"check the host, and that no proxy rewrites the Upgrade and Connection headers"},
	http.StatusMethodNotAllowed: {"method not allowed: the path exists but not for this method (a different API or a static web server)",
		notScribe},
	http.StatusProxyAuthRequired: {"proxy authentication required: a proxy between you and the API wants its own credentials",
		"configure the proxy's credentials (HTTPS_PROXY=http://user:pass@proxy:port) or bypass it (NO_PROXY)"},
	http.StatusRequestTimeout: {"request timeout: the server or a proxy gave up waiting for the request",
		"retry; if it persists, check the network path and proxies"},
	http.StatusUpgradeRequired: {"upgrade required: the server wants another protocol version or TLS",
		"use https:// in --target if the host serves TLS, and check that no proxy strips the WebSocket upgrade"},
	http.StatusTooManyRequests: {"too many requests: rate limited, or out of concurrency or credits",
		"wait and retry with fewer concurrent sessions; check your plan's concurrency and credits"},
	http.StatusInternalServerError: {"internal server error: the server failed",
		"retry later; if it persists, report it with this report attached"},
	http.StatusBadGateway:         gatewayDown,
	http.StatusServiceUnavailable: gatewayDown,
	http.StatusGatewayTimeout:     gatewayDown,
}

// gatewayDown is the cause of 502, 503 and 504 alike.
var gatewayDown = statusCause{"a proxy or gateway in the way cannot reach the server, or the server is down",
	"retry later; check the status page, and any proxy or load balancer between you and the API"}

// detailOf is the API error's detail.status and message, or the start of it.
func detailOf(body string) string {
	d := gjson.Get(body, "detail")
	if s, m := d.Get("status").String(), d.Get("message").String(); s != "" || m != "" {
		return clip(strings.TrimSpace(s+" "+m), 120)
	}
	return clip(d.Raw, 120)
}

var titleRE = regexp.MustCompile(`(?is)<title[^>]*>(.*?)</title>`)

// SummarizeBody puts an HTTP answer's body on one line: its content type and
// length, then the <title> of an HTML page or the start of a JSON body (never
// the page itself). body is what was read of it (the probes read 1 to 4 KiB).
func SummarizeBody(header http.Header, body string) string {
	ct := header.Get("Content-Type")
	if ct == "" {
		ct = "no content type"
	}
	if body == "" {
		return ct + ", empty body"
	}
	parts := []string{ct, fmt.Sprintf("%d bytes read", len(body))}
	switch {
	case gjson.Valid(body):
		parts = append(parts, "JSON "+text.OneLine(body, 160))
	case strings.Contains(strings.ToLower(body), "<html") || strings.Contains(strings.ToLower(ct), "html"):
		if m := titleRE.FindStringSubmatch(body); m != nil {
			parts = append(parts, fmt.Sprintf("HTML page titled %q", text.OneLine(html.UnescapeString(m[1]), 80)))
		} else {
			parts = append(parts, "an HTML page without a title")
		}
	case !utf8.ValidString(body):
		parts = append(parts, "binary")
	default:
		parts = append(parts, fmt.Sprintf("text %q", text.OneLine(body, 80)))
	}
	return strings.Join(parts, ", ")
}
