package calibrate

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

func TestLoadNotesConflictsAndWhatTheFakeCannotGive(t *testing.T) {
	t.Parallel()
	session := protocol.Reaction{Stimulus: protocol.StimBadBase64, Kind: protocol.ReactSession}
	refusal := protocol.Reaction{Stimulus: protocol.StimOversizeChunk, Kind: protocol.ReactFrames,
		Frames: []string{`{"message_type":"chunk_size_exceeded","error":"x"}`}, Close: &protocol.Closing{Code: 1000, Reason: "chunk_size_exceeded"}}
	other := refusal
	other.Close = &protocol.Closing{Code: 1009}
	sameAgain := refusal
	sameAgain.Close = &protocol.Closing{Code: 1000, Reason: "chunk_size_exceeded"} // equal, another pointer
	notJSON := protocol.Reaction{Stimulus: protocol.StimNotJSON, Kind: protocol.ReactFrames, Frames: []string{"plain text"}}
	path := writeResults(t, []reports.SpecResult{
		{ID: "INPUT-10", Reaction: &session},
		{ID: "INPUT-13", Reaction: &refusal},
		{ID: "ERROR-6", Reaction: &sameAgain},
		{ID: "ERROR-99", Reaction: &other},
		{ID: "INPUT-1", Reaction: &notJSON},
		{ID: "MODEL-1"},
	})
	calib, notes, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(calib) != 2 || !reflect.DeepEqual(calib[protocol.StimBadBase64], session) || !reflect.DeepEqual(calib[protocol.StimOversizeChunk], refusal) {
		t.Errorf("calibration %v", calib)
	}
	if len(notes) != 2 ||
		!strings.Contains(notes[0], "INPUT-13 and ERROR-99 saw different reactions to oversize-chunk: keeping INPUT-13's (1 frame, close 1000), not ERROR-99's (1 frame, close 1009)") ||
		!strings.Contains(notes[1], "INPUT-1's reaction is not taken") || !strings.Contains(notes[1], "not a JSON object") {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	// The --out folder works as well as the file.
	if calib2, _, err := Load(filepath.Dir(path)); err != nil || len(calib2) != 2 {
		t.Errorf("from the folder: %v, %v", calib2, err)
	}
}

// What fake --calibrate and run --calibrate print (Read's notes, then
// WriteChanges) says what each calibrated stimulus was and is now, which
// reaction was kept where two differ, and what was left at the fake's choice.
func TestReadAndWriteChangesSayWhatChanged(t *testing.T) {
	t.Parallel()
	path := writeResults(t, []reports.SpecResult{
		{ID: "MODEL-4", Reaction: &protocol.Reaction{Stimulus: protocol.StimModelUnknown, Kind: protocol.ReactSession}},
		{ID: "INPUT-9", Reaction: &protocol.Reaction{Stimulus: protocol.StimBinaryFrame, Kind: protocol.ReactFrames,
			Close: &protocol.Closing{Code: 1003, Reason: "binary frames are not supported"}}},
		{ID: "INPUT-13", Reaction: &protocol.Reaction{Stimulus: protocol.StimOversizeChunk, Kind: protocol.ReactSession}},
		{ID: "ERROR-6", Reaction: &protocol.Reaction{Stimulus: protocol.StimOversizeChunk, Kind: protocol.ReactFrames,
			Frames: []string{`{"message_type":"chunk_size_exceeded","error":"too large"}`}, Close: &protocol.Closing{Code: 1009}}},
		{ID: "MODEL-3"},
	})
	var b strings.Builder
	calib, err := Read(path, &b)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := fakeserver.New(fakeserver.Options{Calibration: calib})
	if err != nil {
		t.Fatal(err)
	}
	WriteChanges(&b, srv)
	out := b.String()
	for _, want := range []string{
		"calibrated model-unknown (choice missing-or-unknown-model): was a missing or unknown model_id is an invalid_request",
		"; now session_started, as if the input were fine\n",
		`calibrated binary-frame (choice binary-frame): was a binary frame gets input_error and the session stays open; now no frame, then close 1003 "binary frames are not supported"` + "\n",
		"calibrated oversize-chunk (choice chunk-size-limit): was a chunk of more than 10 s of audio gets chunk_size_exceeded",
		"; now no answer; the session reads on, taking the frame as fine\n",
		"calibration: INPUT-13 and ERROR-6 saw different reactions to oversize-chunk: keeping INPUT-13's",
		"left at the fake's choice (not calibrated): token-wrong-type, model-missing, model-upper-case,",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("--calibrate does not print %q:\n%s", want, out)
		}
	}
}

// A results.json without reactions, or with none the fake can give, is a
// usage error that says so.
func TestLoadRefusesWhatItCannotUse(t *testing.T) {
	t.Parallel()
	noReactions := writeResults(t, []reports.SpecResult{{ID: "MODEL-1", Verdict: reports.OK}, {ID: "MODEL-3", Verdict: reports.Informational, Message: "invalid_request"}})
	bad := writeResults(t, []reports.SpecResult{{ID: "MODEL-5", Reaction: &protocol.Reaction{Stimulus: protocol.StimModelUpperCase, Kind: protocol.ReactHTTP, Status: 200}}})
	for path, says := range map[string]string{noReactions: NoReactions, bad: "HTTP status 200 is not a refusal"} {
		if _, _, err := Load(path); exitcode.Of(err) != exitcode.Usage || !strings.Contains(fmt.Sprint(err), says) {
			t.Errorf("%v (exit %d), want a usage error saying %q", err, exitcode.Of(err), says)
		}
	}
}

// writeResults writes a results.json holding results into a new folder.
func writeResults(t *testing.T, results []reports.SpecResult) string {
	t.Helper()
	b, err := json.Marshal(map[string]any{"target": "test", "results": results})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "results.json")
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
