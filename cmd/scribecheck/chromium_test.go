package main

import (
	"context"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// The HTML reports are checked as a browser shows them: in headless
// Chromium, with their scripts run.

// chromiumFlags keep headless Chromium off the network and out of the
// user's profile.
var chromiumFlags = []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync"}

var bodyTag = regexp.MustCompile(`<body[^>]*>`)

// chromiumPath is where Chromium is; the test skips where it is not
// installed.
func chromiumPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium is not installed: `make test` installs Debian's chromium package")
	}
	return path
}

// chromium runs headless Chromium with args and a profile of its own, and
// returns what it printed and its log.
func chromium(t *testing.T, path string, args ...string) (stdout, logs string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(slices.Concat(chromiumFlags, []string{"--user-data-dir=" + t.TempDir()}), args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return string(out), stderr.String()
}

// renderPage loads pageURL in Chromium and returns the DOM after its
// scripts ran, and its body tag. A script error or console message (in
// Chromium's log), or a script that did not finish (the body's
// data-ready="yes", no data-error), fails the test.
func renderPage(t *testing.T, path, pageURL string) (dom, body string) {
	t.Helper()
	dom, logs := chromium(t, path, "--enable-logging=stderr", "--v=0", "--dump-dom", pageURL)
	if strings.Contains(logs, "Uncaught") || strings.Contains(logs, "CONSOLE") {
		t.Errorf("script errors in %s:\n%s", pageURL, logs)
	}
	body = bodyTag.FindString(dom)
	if !strings.Contains(body, `data-ready="yes"`) || strings.Contains(body, "data-error") {
		t.Errorf("the page's script did not finish cleanly: %s", body)
	}
	return dom, body
}
