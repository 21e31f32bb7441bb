package doctor

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/hostile"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/probes"
)

// A wrong target's HTTP answer is named for what it is: only the API's own
// 401 with its JSON detail blames the key.
func TestWrongTargetsAreNotKeyProblems(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html"}}
	page := "<!DOCTYPE HTML>\n<html><head><title>Error response</title></head>\n<body><h1>Error response</h1><p>Error code: 404</p></body></html>"
	for _, c := range []struct {
		name   string
		base   func(t *testing.T) string
		says   string
		keyBad bool
	}{
		{"web server 404", func(t *testing.T) string { return hostile.Status(t, 404, html, page) }, "host or path is wrong", false},
		{"web server 200", func(t *testing.T) string { return hostile.Status(t, 200, html, page) }, "a web server, not a WebSocket endpoint", false},
		{"proxy 401 page", func(t *testing.T) string { return hostile.Status(t, 401, html, page) }, "something in front of the API", false},
		{"gateway 502", func(t *testing.T) string { return hostile.Status(t, 502, nil, "") }, "a proxy or gateway in the way", false},
		{"redirect", func(t *testing.T) string { return hostile.Redirect(t, 301, "https://elsewhere.invalid") }, "redirect to https://elsewhere.invalid", false},
		{"API 401", func(t *testing.T) string {
			return hostile.Status(t, 401, http.Header{"Content-Type": {"application/json"}}, `{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`)
		}, "invalid_api_key", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			o := Options{Target: probes.Target{Name: "wrong", BaseURL: c.base(t), APIKey: "sk_test_0123456789"},
				Probe: probes.Options{Timeout: time.Second, CloseWait: 100 * time.Millisecond}, Redactor: secrets.New()}
			d := Run(context.Background(), o)
			if d.Status != Problem || len(d.Findings) == 0 {
				t.Fatalf("status %s, findings %+v", d.Status, d.Findings)
			}
			first := d.Findings[0].Cause
			t.Logf("%s", first)
			if blames := strings.Contains(first, "the key is wrong") || strings.Contains(first, "it is wrong, revoked"); blames != c.keyBad {
				t.Errorf("blames the key: %t, want %t: %s", blames, c.keyBad, first)
			}
			if !strings.Contains(first, c.says) || strings.Contains(first, "\n") || strings.Contains(first, "<h1>") {
				t.Errorf("the cause %q should say %q on one line, without the page", first, c.says)
			}
		})
	}
}
