package main

import (
	"context"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/testkit"
)

// The HTML reports are checked as a browser shows them: in headless
// Chromium, with their scripts run. One Chromium serves every page of these
// tests, each in a tab of its own (testkit.Browser).

var bodyTag = regexp.MustCompile(`<body[^>]*>`)

// chromium is the package's Chromium, started by the first test that needs
// it and ended by TestMain.
var chromium struct {
	once    sync.Once
	browser *testkit.Browser
	err     error
}

// browser is the package's Chromium; the test skips where Chromium is not
// installed.
func browser(t *testing.T) *testkit.Browser {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: `make test` installs Debian's chromium package")
	}
	chromium.once.Do(func() { chromium.browser, chromium.err = testkit.StartBrowser(path) })
	if chromium.err != nil {
		t.Fatal(chromium.err)
	}
	return chromium.browser
}

// closeBrowser ends the package's Chromium, if a test started it.
func closeBrowser() {
	if chromium.browser != nil {
		_ = chromium.browser.Close()
	}
}

// show opens pageURL in Chromium as v says.
func show(t *testing.T, pageURL string, v testkit.View) testkit.Page {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	p, err := browser(t).Open(ctx, pageURL, v)
	if err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return p
}

// renderPage loads pageURL in Chromium (in its default 800×600 window) and
// returns the DOM after its scripts ran, and its body tag. A script error
// or console message, or a script that did not finish (the body's
// data-ready="yes", no data-error), fails the test.
func renderPage(t *testing.T, pageURL string) (dom, body string) {
	t.Helper()
	p := show(t, pageURL, testkit.View{Width: 800, Height: 600})
	if strings.Contains(p.Log, "Uncaught") || strings.Contains(p.Log, "CONSOLE") {
		t.Errorf("script errors in %s:\n%s", pageURL, p.Log)
	}
	body = bodyTag.FindString(p.DOM)
	if !strings.Contains(body, `data-ready="yes"`) || strings.Contains(body, "data-error") {
		t.Errorf("the page's script did not finish cleanly: %s", body)
	}
	return p.DOM, body
}
