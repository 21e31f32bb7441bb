package calibrate

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

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
		!strings.Contains(notes[0], "INPUT-13 and ERROR-99 saw different reactions to oversize-chunk: keeping INPUT-13's (1 frame(s), close 1000), not ERROR-99's (1 frame(s), close 1009)") ||
		!strings.Contains(notes[1], "INPUT-1's reaction is not taken") || !strings.Contains(notes[1], "not a JSON object") {
		t.Errorf("notes:\n%s", strings.Join(notes, "\n"))
	}
	// The --out folder works as well as the file.
	if calib2, _, err := Load(filepath.Dir(path)); err != nil || len(calib2) != 2 {
		t.Errorf("from the folder: %v, %v", calib2, err)
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
