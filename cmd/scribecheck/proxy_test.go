package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/reports"
)

func proxyRun(t *testing.T, upstream, key string, command []string) clitest.Result {
	t.Helper()
	out := t.TempDir()
	r := scribecheck(t, []string{"ELEVENLABS_API_KEY=" + key}, append([]string{"proxy", "--target", upstream, "--out", out, "--"}, command...)...)
	r.Out = out
	return r
}

// The proxy in front of a server with the sutkn bug: the app's fresh token,
// minted through the proxy and refused on its first use, is the server's
// fault. In front of a faithful server, the same app's second socket (the
// same token again) is the app's.
func TestProxyPutsEachRefusalOnItsSide(t *testing.T) {
	t.Parallel()
	buggy, key := startFake(t, "--fake-bug", "sutkn-query-rejected")
	r := proxyRun(t, buggy, key, node(t, "token_twice.mjs"))
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"conn-0001: SERVER (observed): the server refused a fresh token on its first use", "conn-0002: APP (observed)",
		"minted as realtime_scribe", "proxy: conn-0001 GET", "server rules applied"} {
		if !strings.Contains(r.Stdout+readFile(t, r.Out, "proxy.md"), want) {
			t.Errorf("no %q in the output:\n%s", want, r.Stdout)
		}
	}

	faithful, key := startFake(t)
	r = proxyRun(t, faithful, key, node(t, "token_twice.mjs"))
	if r.Code != 1 || !strings.Contains(r.Stdout, "conn-0002: APP (observed): the token sutkn_") || strings.Contains(r.Stdout, "SERVER (") {
		t.Fatalf("exit %d; want one refusal, the app's:\n%s", r.Code, r.Stdout)
	}
	var js struct {
		Refusals []reports.Refusal `json:"auth_refusals"`
		Conns    []struct {
			Server []reports.SpecResult `json:"server_results"`
		} `json:"connections"`
	}
	if err := json.Unmarshal([]byte(readFile(t, r.Out, "proxy.json")), &js); err != nil {
		t.Fatal(err)
	}
	if len(js.Refusals) != 1 || js.Refusals[0].Side != "app" || len(js.Conns) != 2 || len(js.Conns[0].Server) == 0 || js.Conns[0].Server[0].ID != "SCHEMA-1" {
		t.Fatalf("proxy.json: %+v", js)
	}
	scanForSecrets(t, r.Out, key, 7)
}

func readFile(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// scanForSecrets fails if a file under dir holds the key or a whole token,
// and if the scan could not have found one (too few files, no fingerprint).
func scanForSecrets(t *testing.T, dir, key string, atLeast int) {
	t.Helper()
	fullToken := regexp.MustCompile(`sutkn_[0-9a-f]{32}`)
	scanned, fingerprints := 0, 0
	_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, _ := os.ReadFile(p)
		scanned++
		if leaks := secrets.ScanText(p, string(b), []string{key}); len(leaks) > 0 {
			t.Errorf("%v", leaks)
		}
		if tok := fullToken.FindString(string(b)); tok != "" {
			t.Errorf("%s holds a whole token", p)
		}
		fingerprints += strings.Count(string(b), "sutkn_…")
		return nil
	})
	if scanned < atLeast || fingerprints == 0 {
		t.Fatalf("scanned %d files with %d token fingerprints: the scan proves nothing", scanned, fingerprints)
	}
}

// harFile is the recording of the reported bug: a token minted and refused
// on its first use, as Chromium exports it.
const harFile = "../../internal/wirelog/testdata/har/scribe-token-refused.har"

// A browser's HAR is graded like the proxy's traffic: the committed example
// is the server's fault; the same HAR with the socket opened again on the
// same token (a reconnect) puts the second refusal on the app.
func TestDoctorGradesABrowsersHAR(t *testing.T) {
	t.Parallel()
	out := t.TempDir()
	r := scribecheck(t, nil, "doctor", "--har", harFile, "--out", out)
	if r.Code != 1 || !strings.Contains(r.Stdout, "SERVER (observed): the server refused a fresh token on its first use") {
		t.Fatalf("exit %d:\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, f := range []string{"har.html", "har.md", "har.json", "har-junit.xml", "wire/conn-0001.jsonl", "wire/exchanges.jsonl"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(harFile)
	if err != nil {
		t.Fatal(err)
	}
	var har map[string]any
	if err := json.Unmarshal(b, &har); err != nil {
		t.Fatal(err)
	}
	entries := har["log"].(map[string]any)["entries"].([]any)
	var again map[string]any
	for _, e := range entries {
		if e.(map[string]any)["_resourceType"] == "websocket" {
			c, _ := json.Marshal(e)
			_ = json.Unmarshal(c, &again)
		}
	}
	again["startedDateTime"] = "2025-03-14T09:27:04.000Z"
	for _, m := range again["_webSocketMessages"].([]any) {
		m.(map[string]any)["time"] = m.(map[string]any)["time"].(float64) + 3
	}
	har["log"].(map[string]any)["entries"] = append(entries, again)
	b, _ = json.Marshal(har)
	twice := filepath.Join(t.TempDir(), "reconnect.har")
	if err := os.WriteFile(twice, b, 0o644); err != nil {
		t.Fatal(err)
	}
	out2 := t.TempDir()
	r = scribecheck(t, nil, "doctor", "--har", twice, "--out", out2)
	if r.Code != 1 || !strings.Contains(r.Stdout, "conn-0002: APP (observed): the token sutkn_") || !strings.Contains(r.Stdout, "already presented on conn-0001") {
		t.Fatalf("exit %d:\n%s", r.Code, r.Stdout)
	}
	for _, secret := range []string{"sk_canary", "sutkn_canary7c1"} {
		for _, dir := range []string{out, out2} {
			_ = filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
				if err == nil && !d.IsDir() {
					if b, _ := os.ReadFile(p); strings.Contains(string(b), secret) {
						t.Errorf("%s holds %s…", p, secret)
					}
				}
				return err
			})
		}
	}
}

// An app's session recorded through the proxy replays offline: the same app
// replays as recorded (exit 0); an app that reuses its token does not
// (exit 1, the divergences named).
func TestReplayOfAProxyRecording(t *testing.T) {
	t.Parallel()
	fake, key := startFake(t)
	rec := proxyRun(t, fake, key, node(t, "stream.mjs", "normal"))
	if rec.Code != 0 {
		t.Fatalf("recording: exit %d\n%s\n%s", rec.Code, rec.Stdout, rec.Stderr)
	}
	wire := filepath.Join(rec.Out, "wire")
	r := scribecheck(t, nil, append([]string{"replay", "--speed", "0", "--out", t.TempDir(), wire, "--"}, node(t, "stream.mjs", "normal")...)...)
	if r.Code != 0 || !strings.Contains(r.Stdout, "1 as recorded") {
		t.Fatalf("replay of the same app: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	r = scribecheck(t, nil, append([]string{"replay", "--speed", "0", "--wait-client", "500ms", "--out", t.TempDir(), wire, "--"}, node(t, "token_twice.mjs")...)...)
	if r.Code != 1 || !strings.Contains(r.Stdout, "diverged") {
		t.Fatalf("replay of another app: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
}

// The server's side is graded on the app's own traffic: a server that sends
// session_started twice fails MULTI-1, though the app did nothing wrong.
// (A deviation that shows only after the commit would race the app's close.)
func TestProxyGradesTheServerOnRealTraffic(t *testing.T) {
	t.Parallel()
	deviating, key := startFake(t, "--fake-deviate", "session-started-twice")
	r := proxyRun(t, deviating, key, node(t, "stream.mjs", "normal"))
	if r.Code != 1 {
		t.Fatalf("exit %d, want 1\n%s\n%s", r.Code, r.Stdout, r.Stderr)
	}
	for _, want := range []string{"FAILED MULTI-1 [conn-0001, server]", "session_started as frame 2", "the server broke a MUST rule on 1 connection; 1 connection: none refused, and the app broke no rule"} {
		if !strings.Contains(r.Stdout, want) {
			t.Errorf("no %q in:\n%s", want, r.Stdout)
		}
	}
	if strings.Contains(r.Stdout, "FAILED CLIENT-") {
		t.Errorf("the app is blamed for the server's deviation:\n%s", r.Stdout)
	}
}
