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
	"github.com/scribecheck/scribecheck/internal/testkit"
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
	t.Parallel()
	code, stdout, md, rows := runSDKsDiff(t, "node", []string{"node/node_modules/elevenlabs-js-2.56.0/package.json", "node/node_modules/elevenlabs-js-2.73.0/package.json"},
		"elevenlabs-js@2.56.0", "elevenlabs-js@2.73.0")
	if code != 0 {
		t.Fatalf("exit %d, want 0\n%s", code, stdout)
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
	if !strings.Contains(md, "| header | query | `model_id=scribe_v2_realtime&commit_strategy=manual&audio_format=pcm_16000&audio_format=pcm_16000` | `model_id=scribe_v2_realtime&commit_strategy=manual&audio_format=pcm_16000` |") {
		t.Errorf("sdk-diff.md does not show the query side by side:\n%s", md)
	}
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

// sdks diff on the Python SDK's upgrade to its 3.x pre-release, as `make
// sdks` installed both. What differs on the wire (docs/protocol.md §10,
// read in the wheels): a client holding the app's key sends it as
// xi-api-key beside ?token= in 3.0.0a1 (2.78.0 sent the token alone); a
// chunk built from 3.0.0a1's InputAudioChunk has no message_type (nor
// sample_rate), which the fake refuses; realtime() no longer takes
// entity_redaction, entity_redaction_mode or transcript_edit, and its
// message union lost final_transcript*, redacted and edited transcripts.
// The credential change and the broken MUST rule fail it: exit 1.
func TestSDKsDiffElevenLabsPython3(t *testing.T) {
	t.Parallel()
	code, stdout, md, rows := runSDKsDiff(t, "python", []string{"python/.venv-2.78.0", "python/.venv-3.0.0a1"},
		"elevenlabs-python@2.78.0", "elevenlabs-python@3.0.0a1")
	if code != 1 {
		t.Fatalf("exit %d, want 1 (the upgrade breaks)\n%s", code, stdout)
	}
	for _, want := range []string{
		"upgrade NOT SAFE: the server sees another credential: ?token= (token) → ?token= (token) + xi-api-key header (api_key)",
		"dropped message_type: string",
		"connect options entity_redaction, entity_redaction_mode, transcript_edit",
		"server messages final_transcript, final_transcript_with_timestamps, redacted_transcript, edited_transcript",
	} {
		if !strings.Contains(stdout, want) || !strings.Contains(md, want) {
			t.Errorf("stdout or sdk-diff.md lacks %q:\n%s", want, stdout)
		}
	}
	breaks := map[string]bool{}
	for _, r := range rows {
		if r.Get("breaks").Bool() {
			breaks[r.Get("scenario").String()+" "+r.Get("aspect").String()] = true
		}
	}
	for _, want := range []string{"token credential presented", "header CLIENT-5 (MUST)", "token CLIENT-5 (MUST)"} {
		if !breaks[want] {
			t.Errorf("no breaking row %q in %v", want, breaks)
		}
	}
}

// runSDKsDiff runs `sdks diff OLD NEW` in process on the installs `make sdks`
// made (lang's part, each of need present), and returns its exit code,
// stdout, sdk-diff.md and the JSON rows.
func runSDKsDiff(t *testing.T, lang string, need []string, old, neu string) (int, string, string, []gjson.Result) {
	t.Helper()
	testkit.RealClients(t)
	runtime := map[string]string{"node": "node", "python": "python3"}[lang]
	if _, err := exec.LookPath(runtime); err != nil {
		t.Skipf("%s is not on PATH: %s and %s cannot run here", runtime, old, neu)
	}
	dir, err := sdks.DefaultDir()
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range need {
		if _, err := os.Stat(filepath.Join(dir, filepath.FromSlash(p))); err != nil {
			t.Skipf("%s is not installed in %s: run `make sdks`; the test installs nothing itself", p, dir)
		}
	}
	for _, f := range sdks.Stale(dir) {
		if strings.HasPrefix(f, lang+"/") {
			t.Fatalf("the SDKs in %s were installed from other files than these (%s differs): run `make sdks`", dir, f)
		}
	}
	out := t.TempDir()
	args := []string{"sdks", "diff", "--dir", dir, "--out", out, old, neu}
	code, stdout, stderr := inProcess(t, context.Background(), args...)
	t.Logf("scribecheck %s: exit %d\nstderr:\n%s", strings.Join(args, " "), code, stderr)
	md, err := os.ReadFile(filepath.Join(out, "sdk-diff.md"))
	if err != nil {
		t.Fatal(err)
	}
	js, err := os.ReadFile(filepath.Join(out, "sdk-diff.json"))
	if err != nil {
		t.Fatal(err)
	}
	return code, stdout, string(md), gjson.GetBytes(js, "rows").Array()
}
