package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clitest"
	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
)

// Canary: a planted API key, and every token the run mints, must not appear
// in any output — console, logs, or any report file — raw or encoded, even
// when specs fail and print URLs and headers.
func TestNoSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	canary := "sk_canary_" + strings.Repeat("5eC7", 8)
	base, _ := startPlainFake(t, "--fake-bug", "sutkn-query-rejected", "--fake-deviate", "auth-error-form", "--api-key", canary)
	r := clitest.Run(t, plainBinary, []string{"ELEVENLABS_API_KEY=" + canary}, "run", "--target", base, "-v")
	if r.Code != 1 {
		t.Fatalf("exit %d, want failures that print evidence\n%s", r.Code, r.Stderr)
	}
	outputs := map[string]string{"stdout": r.Stdout, "stderr": r.Stderr}
	_ = filepath.WalkDir(r.Out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			outputs[p] = string(b)
		}
		return nil
	})
	if len(outputs) < 5 {
		t.Fatalf("only %d outputs to scan", len(outputs))
	}
	fullToken := regexp.MustCompile(`sutkn_[0-9a-f]{32}`)
	for name, text := range outputs {
		if leaks := secrets.ScanText(name, text, []string{canary}); len(leaks) > 0 {
			t.Errorf("%v", leaks)
		}
		if m := fullToken.FindString(text); m != "" {
			t.Errorf("%s holds a whole token %s", name, m)
		}
	}
	if !strings.Contains(r.Stdout, "sutkn_…") {
		t.Error("no token fingerprint in the console: the evidence was not printed, so the test proves nothing")
	}
}

// Planted secrets hold every character an encoder rewrites (+ & < > " ' %,
// a space) and a non-ASCII letter: each output has its own escaping (URL,
// JSON, HTML, XML, Markdown, a terminal), and a redactor that misses one
// form leaks the secret there.
const (
	plantedKey    = `sk_pl+nt&d<k>y"q'p% é_0123456789abcdef`
	plantedToken  = `sutkn_pl+nt&d<t>k"n'% é_0123456789abcdef`
	plantedHeader = `hdr_pl+nt&d<h>d"r'% é_0123456789abcdef`
)

var planted = []string{plantedKey, plantedToken, plantedHeader}

// Every command that writes output is run with the planted secrets where a
// user's secrets go: the API key in ELEVENLABS_API_KEY (a fake that accepts
// it serves run, doctor, proxy and load for real), a token given to doctor
// and presented by an app, and a custom header value (Authorization, Cookie)
// an app sends. None of them may be in any file written or on stdout or
// stderr, in any encoded form; and the credentials the recordings hold show
// as fingerprints, so the scan is known to have looked where they were.
func TestNoPlantedSecretInAnyOutput(t *testing.T) {
	t.Parallel()
	base, _ := startFake(t, "--api-key", plantedKey)
	app := hostileApp(t)
	appEnv := []string{"HOSTILE_KEY=" + plantedKey, "HOSTILE_TOKEN=" + plantedToken, "HOSTILE_HEADER=" + plantedHeader}
	keyEnv := []string{"ELEVENLABS_API_KEY=" + plantedKey}
	lintURL := "wss://api.elevenlabs.io/v1/speech-to-text/realtime?" +
		url.Values{"model_id": {"scribe_v2_realtime"}, "token": {plantedToken}, "xi-api-key": {plantedKey}}.Encode()
	har := plantedHAR(t)

	type command struct {
		name string
		env  []string
		args []string
		// shows: secrets whose fingerprints must appear somewhere in the
		// output (the secret was there to leak, and was redacted), or text
		// that holds one.
		shows []string
	}
	proxyOut := t.TempDir()
	commands := []command{
		{"run", keyEnv, []string{"run", "--target", base, "--label-filter", "area:auth"}, []string{plantedKey}},
		{"doctor --token", keyEnv, []string{"doctor", "--target", base, "--token", plantedToken, "--audio-secs", "0.5"}, []string{plantedToken}},
		{"doctor --url", nil, []string{"doctor", "--url", lintURL}, nil}, // the lint names problems, never values
		{"doctor --har", nil, []string{"doctor", "--har", har}, []string{plantedKey, plantedToken, plantedHeader}},
		{"client", appEnv, []string{"client", "--", app}, []string{plantedKey, plantedToken, plantedHeader}},
		{"proxy", append(appEnv, keyEnv...), []string{"proxy", "--target", base, "--", app}, []string{plantedKey, plantedToken, plantedHeader}},
		// The user's key typed into the app's command is printed with it.
		{"replay", append(appEnv, keyEnv...), []string{"replay", "--speed", "0", filepath.Join(proxyOut, "wire"), "--", app, plantedKey}, []string{plantedKey}},
		{"load", keyEnv, []string{"load", "--target", base, "--sessions", "2", "--duration", "1s", "--auth", "token", "--quiet"}, nil},
		// sdks takes no secret of the user's: it makes a key per scenario,
		// which a driver that prints its keys puts into the matrix's evidence.
		{"sdks", nil, []string{"sdks", "--dir", leakyDriver(t), "--sdk", "leaky-sdk@0.0.0"}, []string{"refused: xi-api-key sk_…"}},
	}
	scan := func(t *testing.T, c command) {
		t.Helper()
		out := t.TempDir()
		if c.name == "proxy" {
			out = proxyOut // the replay that follows plays its recording
		}
		args := c.args
		if c.name != "run" { // clitest.Run gives run its own --out
			args = append([]string{args[0], "--out", out}, args[1:]...)
		}
		r := scribecheck(t, c.env, args...)
		if r.Out != "" {
			out = r.Out
		}
		if r.Code == 2 || r.Code == 4 {
			t.Fatalf("%s: exit %d\nstdout:\n%s\nstderr:\n%s", c.name, r.Code, r.Stdout, r.Stderr)
		}
		text, files := outputs(t, out)
		text += r.Stdout + r.Stderr
		for _, leak := range secrets.ScanText(c.name+" (files, stdout, stderr)", text, planted) {
			t.Errorf("%s: %v", c.name, leak)
		}
		for _, s := range c.shows {
			if slices.Contains(planted, s) {
				s = secrets.Fingerprint(s)
			}
			if !strings.Contains(text, s) {
				t.Errorf("%s: no %s in its output: the secret was not where the test planted it", c.name, s)
			}
		}
		// The keys and tokens scribecheck and the fake make themselves.
		if m := madeSecret.FindString(text); m != "" {
			t.Errorf("%s: its output holds a whole key or token it made: %s", c.name, secrets.Fingerprint(m))
		}
		t.Logf("%s: exit %d, %d files scanned", c.name, r.Code, files)
	}
	// The commands run side by side; the replay after the proxy, whose
	// recording it plays.
	replay := slices.IndexFunc(commands, func(c command) bool { return c.name == "replay" })
	for i, c := range commands {
		if i == replay {
			continue
		}
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			scan(t, c)
			if c.name == "proxy" {
				scan(t, commands[replay])
			}
		})
	}
}

// madeSecret is a token the fake mints or a key the SDK matrix makes.
var madeSecret = regexp.MustCompile(`sutkn_[0-9a-f]{32}|sk_sdk_[0-9a-f]{24}`)

// leakyDriver is an SDK folder (for sdks --dir) whose one install,
// leaky-sdk@0.0.0, is a driver that prints the key of each scenario in an
// error event, as an SDK that logs its request does.
func leakyDriver(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	const driver = `plan=$(cat)
echo '{"event":"_sdk","sdk":"leaky-sdk","version":"0.0.0","events":["error"]}'
echo "$plan" | grep -o '"api_key":"[^"]*","auth":"[^"]*","lane":[0-9]*,"name":"[^"]*"' | while IFS= read -r sc; do
	key=$(echo "$sc" | sed 's/^"api_key":"\([^"]*\)".*/\1/')
	name=$(echo "$sc" | sed 's/.*"name":"\([^"]*\)"$/\1/')
	echo "{\"scenario\":\"$name\",\"event\":\"error\",\"error\":\"refused: xi-api-key $key\"}"
	echo "{\"scenario\":\"$name\",\"event\":\"_end\"}"
done
`
	for name, text := range map[string]string{
		"driver.sh":   driver,
		"matrix.json": `[{"sdk":"leaky-sdk","version":"0.0.0","lang":"sh","cmd":["sh","driver.sh"]}]`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// outputs is the text of every file under dir, and how many there were.
func outputs(t *testing.T, dir string) (string, int) {
	t.Helper()
	var b strings.Builder
	n := 0
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		b.Write(data)
		n++
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return b.String(), n
}

// hostileApp builds testdata/apps/hostile, the app that presents the planted
// secrets.
func hostileApp(t *testing.T) string {
	t.Helper()
	bin, err := testkit.Build("./testdata/apps/hostile", "hostile", false)
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// plantedHAR is the recording of the reported bug (harFile) with the planted
// secrets in it: the key on the mint, the token in its answer and on the
// socket's URL, and an Authorization header on the socket request.
func plantedHAR(t *testing.T) string {
	t.Helper()
	var har map[string]any
	if err := json.Unmarshal([]byte(readFile(t, filepath.Dir(harFile), filepath.Base(harFile))), &har); err != nil {
		t.Fatal(err)
	}
	entries := har["log"].(map[string]any)["entries"].([]any)
	const recorded = "sutkn_canary7c1e5a9d2b4f6083e1d5c7a9b2f4e608"
	for _, e := range entries {
		req := e.(map[string]any)["request"].(map[string]any)
		resp := e.(map[string]any)["response"].(map[string]any)
		headers := req["headers"].([]any)
		for _, h := range headers {
			if h := h.(map[string]any); h["name"] == "xi-api-key" {
				h["value"] = plantedKey
			}
		}
		if u := req["url"].(string); strings.Contains(u, recorded) {
			req["url"] = strings.ReplaceAll(u, recorded, url.QueryEscape(plantedToken))
			req["headers"] = append(headers, map[string]any{"name": "Authorization", "value": "Bearer " + plantedHeader})
		}
		if content, ok := resp["content"].(map[string]any); ok {
			if text, ok := content["text"].(string); ok && strings.Contains(text, recorded) {
				b, _ := json.Marshal(map[string]string{"token": plantedToken})
				content["text"] = string(b)
			}
		}
	}
	path := filepath.Join(t.TempDir(), "planted.har")
	b, err := json.Marshal(har)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
