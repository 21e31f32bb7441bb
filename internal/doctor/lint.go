package doctor

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/authcause"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/internal/wirelog"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// Severities of a lint finding.
const (
	SevError   = "error"
	SevWarning = "warning"
	SevNote    = "note"
)

// apiHosts are the ElevenLabs API hosts the socket lives on (docs/protocol.md §1).
var apiHosts = []string{"api.elevenlabs.io", "api.us.elevenlabs.io", "api.eu.residency.elevenlabs.io",
	"api.in.residency.elevenlabs.io", "api.sg.residency.elevenlabs.io"}

// Lint checks a socket URL a user's code builds, without connecting. target
// is where tokens are minted (for the host check); apiKey, when known, is
// recognised if it shows up in the URL. red learns the URL's secrets, for
// the report rendered from the findings: its credentials as a recording of
// the URL would learn them, and any token or key pasted into the host or the
// path.
func Lint(raw string, target probes.Target, apiKey string, red *secrets.Redactor) []reports.LintFinding {
	var out []reports.LintFinding
	add := func(sev, problem, fix string) {
		out = append(out, reports.LintFinding{Severity: sev, Problem: problem, Fix: fix})
	}
	for _, v := range pastedSecrets(raw) {
		red.Add(v)
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err // url.Error repeats the whole URL, token and all
	}
	if err != nil || u.Host == "" {
		add(SevError, fmt.Sprintf("not an absolute URL (%v)", errOr(err, "no host")),
			"Build wss://api.elevenlabs.io/v1/speech-to-text/realtime?model_id=scribe_v2_realtime&token=…")
		return out
	}
	local := isLocal(u.Hostname())
	switch u.Scheme {
	case "wss":
	case "ws":
		if !local {
			add(SevError, "ws:// sends the token in clear text and the API only speaks TLS", "Use wss://.")
		}
	case "http", "https":
		add(SevError, u.Scheme+":// is not a WebSocket URL: browsers' WebSocket refuses it and some clients silently fail",
			"Use wss:// (ws:// only for a local fake).")
	default:
		add(SevError, fmt.Sprintf("scheme %q is not a WebSocket scheme", u.Scheme), "Use wss://.")
	}
	if !local && !contains(apiHosts, u.Hostname()) {
		add(SevNote, fmt.Sprintf("%s is not an ElevenLabs API host", u.Hostname()), "Fine for a proxy; otherwise use api.elevenlabs.io or your residency host.")
	}
	if t, err := url.Parse(target.BaseURL); err == nil && t.Host != "" && !strings.EqualFold(t.Hostname(), u.Hostname()) {
		add(SevWarning, fmt.Sprintf("tokens are minted on %s but this URL connects to %s; whether a token works on another host is unconfirmed", t.Hostname(), u.Hostname()),
			"Mint the token on the host the socket connects to.")
	}

	q := u.Query()
	// The path and the query as protocol.CheckPath and CheckQuery, the one
	// picture of a valid socket URL the fake and the client checks use, find
	// them under the live server's rules: what the server refuses is an
	// error, what it reads on past (an unknown or old key, a boolean spelt
	// otherwise, a locale) a warning. A path is compared exactly, as the
	// server routes it (u.Path: the path as the server reads it, unescaped).
	_, problems := protocol.CheckQuery(q, protocol.FaithfulRules())
	for _, p := range append(protocol.CheckPath(u.Path), problems...) {
		if wirelog.IsCredentialQueryKey(p.Param) {
			continue // credentials: below
		}
		sev := SevWarning
		if p.Refused {
			sev = SevError
		}
		add(sev, p.Text, p.Fix)
	}
	// The credentials in the URL, as the client rules read them (the one
	// classifier); a URL does not show the headers the socket may also send.
	creds := authcause.Classify(wirelog.QueryCredentials(q, red, apiKey), "")
	for _, p := range creds.Problems {
		if p.Key == authcause.KeyNoCredential || strings.HasPrefix(p.Key, authcause.KeyUnread) {
			continue
		}
		add(SevError, p.Title, authcause.Sentence(p.Fix))
	}
	if creds.Token == nil && !q.Has(protocol.TTSTokenParam) {
		add(SevNote, "no token= in the URL: this connection must send the xi-api-key header (browsers cannot)", "In a browser, add token=<single-use token>.")
	}
	return out
}

// lintFindings folds the lint's errors into one finding.
func lintFindings(lint []reports.LintFinding) []reports.Finding {
	var ev []string
	var fixes []string
	for _, l := range lint {
		if l.Severity == SevError {
			ev = append(ev, l.Problem)
			fixes = append(fixes, l.Fix)
		}
	}
	if len(ev) == 0 {
		return nil
	}
	return []reports.Finding{{Cause: fmt.Sprintf("The URL your code builds has %s: %s.", text.Plural(len(ev), "error", "errors"), ev[0]),
		Fix: strings.Join(fixes, " "), Confidence: verdict.Documented, Evidence: ev}}
}

// pastedSecrets are the values anywhere in a URL, as written and
// unescaped, shaped as a token or key: one pasted into the host or the path
// is shown in the lint (the query's credentials are learnt by
// wirelog.QueryCredentials, as a recording learns them).
func pastedSecrets(raw string) []string {
	var out []string
	forms := []string{raw}
	if s, err := url.PathUnescape(raw); err == nil {
		forms = append(forms, s)
	}
	if s, err := url.QueryUnescape(raw); err == nil {
		forms = append(forms, s)
	}
	for _, s := range forms {
		out = append(out, secretShaped.FindAllString(s, -1)...)
	}
	return out
}

// secretShaped is a single-use token anywhere, or an API key (sk_) that
// starts a word.
var secretShaped = regexp.MustCompile(`sutkn_[A-Za-z0-9]+|\bsk_[A-Za-z0-9_]+`)

func isLocal(host string) bool {
	return host == "localhost" || strings.HasPrefix(host, "127.") || host == "::1"
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func errOr(err error, s string) string {
	if err != nil {
		return err.Error()
	}
	return s
}

// LintOnly is a diagnosis of a URL alone, without a target.
func LintOnly(raw string, red *secrets.Redactor) reports.Diagnosis {
	d := reports.Diagnosis{SchemaVersion: 1, Tool: "scribecheck doctor", Target: "none (URL lint only)", Repeat: 1,
		StartedAt: time.Now().UTC(), Status: Healthy, URLLint: Lint(raw, probes.Target{}, "", red)}
	for _, f := range lintFindings(d.URLLint) {
		f.Evidence = redactAll(f.Evidence, red)
		d.Findings = append(d.Findings, f)
		d.Status = Problem
	}
	if d.Status == Healthy {
		d.Summary = "The URL has no known mistake."
	} else {
		d.Summary = d.Findings[0].Cause
	}
	return d
}

func redactAll(lines []string, red *secrets.Redactor) []string {
	for i := range lines {
		lines[i] = red.Redact(lines[i])
	}
	return lines
}
