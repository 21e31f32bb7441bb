package replay_test

import (
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/scribecheck/scribecheck/internal/replay"
)

func TestKeyHasTheShapeOfAnAPIKey(t *testing.T) {
	a, b := replay.Key(), replay.Key()
	if !regexp.MustCompile(`^sk_replay_[0-9a-f]{32}$`).MatchString(a) || a == b {
		t.Errorf("keys %q, %q", a, b)
	}
}

func TestWriteJSONMakesTheFolder(t *testing.T) {
	r := replay.Report{Sockets: 1, Summary: "replayed 1 connection: 1 as recorded"}
	dir := filepath.Join(t.TempDir(), "out", "replay")
	path, err := r.WriteJSON(dir)
	if err != nil || path != filepath.Join(dir, "replay.json") {
		t.Fatalf("%s, %v", path, err)
	}
	got, _ := os.ReadFile(path)
	want, _ := r.JSON()
	if string(got) != string(want)+"\n" {
		t.Errorf("wrote:\n%s\nwant:\n%s", got, want)
	}
}
