package probes

import (
	"net/http"
	"strings"
	"testing"
)

// Each status a wrong target can give, at the upgrade and at minting, has
// its own cause; only the API's own 401/403 (with a JSON detail) blame the key.
func TestExplainHTTPNamesEveryStatus(t *testing.T) {
	t.Parallel()
	apiDetail := `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`
	page := "<html><head><title>Not Found</title></head><body>nope</body></html>"
	loc := http.Header{"Location": {"https://elsewhere.example/v1"}}
	cases := []struct {
		stage  string
		status int
		header http.Header
		body   string
		says   string
		auth   bool
	}{
		{AtUpgrade, 200, nil, page, "a web server, not a WebSocket endpoint", false},
		{AtMint, 200, nil, page, "not the Scribe API's token endpoint", false},
		{AtUpgrade, 301, loc, "", "redirect to https://elsewhere.example/v1, not followed", false},
		{AtMint, 307, loc, "", "redirect to https://elsewhere.example/v1, not followed", false},
		{AtUpgrade, 302, nil, "", "no Location header", false},
		{AtUpgrade, 400, nil, "", "bad request", false},
		{AtUpgrade, 401, nil, apiDetail, "the API refuses the credential (invalid_api_key Invalid API key)", true},
		{AtMint, 401, nil, apiDetail, "the API refuses the credential", true},
		{AtUpgrade, 403, nil, `{"detail":{"status":"missing_permissions"}}`, "the API refuses the credential (missing_permissions)", true},
		{AtUpgrade, 401, nil, page, "something in front of the API", false},
		{AtMint, 403, nil, "Forbidden", "something in front of the API", false},
		{AtUpgrade, 404, nil, page, "host or path is wrong", false},
		{AtMint, 404, nil, `{"detail":"Not Found"}`, "host or path is wrong", false},
		{AtUpgrade, 405, nil, "", "method not allowed", false},
		{AtMint, 405, nil, "", "method not allowed", false},
		{AtUpgrade, 407, nil, "", "a proxy between you and the API wants its own credentials", false},
		{AtUpgrade, 408, nil, "", "request timeout", false},
		{AtUpgrade, 426, nil, "", "upgrade required", false},
		{AtMint, 422, nil, `{"detail":[{"loc":["path","token_type"],"msg":"bad"}]}`, "rejects a parameter", false},
		{AtUpgrade, 429, nil, "", "too many requests", false},
		{AtMint, 429, nil, "", "too many requests", false},
		{AtUpgrade, 500, nil, "", "internal server error", false},
		{AtUpgrade, 502, nil, "", "a proxy or gateway in the way", false},
		{AtMint, 503, nil, "", "a proxy or gateway in the way", false},
		{AtUpgrade, 504, nil, "", "a proxy or gateway in the way", false},
		{AtUpgrade, 418, nil, "", "another client error", false},
		{AtMint, 599, nil, "", "another server error", false},
		{AtUpgrade, 101, nil, "", "upgraded", false},
		{AtMint, 200, nil, `{"token":"sutkn_x"}`, "a token was minted", false},
	}
	seen := map[string]int{}
	for _, c := range cases {
		got := ExplainHTTP(c.stage, c.status, c.header, c.body)
		if !strings.Contains(got.Name, c.says) || got.Auth != c.auth || got.Fix == "" {
			t.Errorf("%s %d (%.20q): %+v; want it to say %q, auth %t, and a fix", c.stage, c.status, c.body, got, c.says, c.auth)
		}
		seen[got.Name]++
	}
	for _, status := range []int{400, 404, 405, 407, 408, 426, 429, 500} { // a name of their own each
		if n := seen[ExplainHTTP(AtUpgrade, status, nil, "").Name]; n > 2 {
			t.Errorf("HTTP %d shares its cause with other statuses (%d cases)", status, n)
		}
	}
}

func TestSummarizeBodyIsOneLine(t *testing.T) {
	t.Parallel()
	html := http.Header{"Content-Type": {"text/html"}}
	for _, c := range []struct {
		header http.Header
		body   string
		says   string
	}{
		{html, "<!DOCTYPE html>\n<html><head>\n<title>\n  Welcome to nginx!\n</title></head><body><h1>big</h1></body></html>", `HTML page titled "Welcome to nginx!"`},
		{html, "<html><body>no title</body></html>", "without a title"},
		{http.Header{"Content-Type": {"application/json"}}, "{\"detail\":\n {\"status\": \"x\"}}", `JSON {"detail": {"status": "x"}}`},
		{nil, "", "no content type, empty body"},
		{nil, "\xff\xfe\x00binary", "binary"},
		{http.Header{"Content-Type": {"text/plain"}}, "line one\nline two", `text "line one line two"`},
	} {
		got := SummarizeBody(c.header, c.body)
		if !strings.Contains(got, c.says) || strings.ContainsAny(got, "\n\r") || strings.Contains(got, "<h1>") {
			t.Errorf("SummarizeBody(%.30q) = %q, want one line saying %q", c.body, got, c.says)
		}
	}
}
