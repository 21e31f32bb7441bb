package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/sdks"
)

// sdks diff on the two pinned elevenlabs-js versions, as `make sdks`
// installed them. What really differs between 2.56.0 and 2.73.0 on the wire
// (read in the recordings, internal/sdks/README.md says the same from the
// packages' source): 2.56.0 puts audio_format in the query twice, 2.73.0
// once; 2.56.0 has no token option, so the token path is new in 2.73.0 (a
// ?token= and no key header); the header path presents the same
// xi-api-key, the same frames ({audio_base_64, commit, message_type,
// sample_rate}, one commit on an empty chunk) and the same close without a
// code, so its CLIENT verdict is the same (CLIENT-13 NON-STRICT). 2.73.0
// surfaces five frames 2.56.0 dropped. Nothing breaks: exit 0.
func TestSDKsDiffElevenLabsJS(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the SDKs are Node.js processes")
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("Node.js is not on PATH: elevenlabs-js cannot run here")
	}
	dir, err := sdks.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, alias := range []string{"elevenlabs-js-2.56.0", "elevenlabs-js-2.73.0"} {
		if _, err := os.Stat(filepath.Join(dir, "node", "node_modules", alias, "package.json")); err != nil {
			t.Skipf("%s is not installed in %s: run `make sdks`; the test installs nothing itself", alias, dir)
		}
	}
	for _, f := range sdks.Stale(dir) {
		if strings.HasPrefix(f, "node/") {
			t.Fatalf("the SDKs in %s were installed from other files than these (%s differs): run `make sdks`", dir, f)
		}
	}
	out := t.TempDir()
	args := []string{"sdks", "diff", "--dir", dir, "--out", out, "elevenlabs-js@2.56.0", "elevenlabs-js@2.73.0"}
	code, stdout, stderr := inProcess(t, context.Background(), args...)
	if code != 0 {
		t.Fatalf("scribecheck %s: exit %d, want 0\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), code, stdout, stderr)
	}
	for _, want := range []string{
		"header path: upgrade safe: the server sees the same credential (xi-api-key header (api_key))",
		"token path: upgrade safe: new in elevenlabs-js@2.73.0, which connects with ?token= (token)",
		"audio_format=pcm_16000 2× → 1×",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout)
		}
	}
	md, err := os.ReadFile(filepath.Join(out, "sdk-diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(md), "| header | query | `model_id=scribe_v2_realtime&commit_strategy=manual&audio_format=pcm_16000&audio_format=pcm_16000` | `model_id=scribe_v2_realtime&commit_strategy=manual&audio_format=pcm_16000` |") {
		t.Errorf("sdk-diff.md does not show the query side by side:\n%s", md)
	}
	js, err := os.ReadFile(filepath.Join(out, "sdk-diff.json"))
	if err != nil {
		t.Fatal(err)
	}
	rows := gjson.GetBytes(js, "rows").Array()
	var wire, reactions []string
	for _, r := range rows {
		if !r.Get("changed").Bool() {
			continue
		}
		if r.Get("breaks").Bool() {
			t.Errorf("a change breaks the upgrade: %s", r.Raw)
		}
		switch sc := r.Get("scenario").String(); r.Get("section").String() {
		case "wire":
			if sc == "header" {
				wire = append(wire, r.Get("aspect").String())
			}
		case "reaction":
			if !strings.HasPrefix(r.Get("note").String(), "better") {
				t.Errorf("2.73.0 handles no scenario worse than 2.56.0: %s", r.Raw)
			}
			reactions = append(reactions, sc)
		case "CLIENT rules":
			if sc == "header" {
				t.Errorf("the header path's CLIENT verdicts are the same in both: %s", r.Raw)
			}
		}
	}
	if !slices.Equal(wire, []string{"query"}) {
		t.Errorf("on the header path only the query changes, got %v", wire)
	}
	want := []string{"token", "token-reuse", "error-unaccepted_terms", "error-invalid_request",
		"frame-committed_transcript_entities", "frame-final_transcript", "frame-edited_transcript"}
	if !slices.Equal(reactions, want) {
		t.Errorf("reactions that changed:\n got %v\nwant %v", reactions, want)
	}
}
