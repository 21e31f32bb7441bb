package text

import (
	"os"
	"strings"
	"testing"
)

func TestIsTerminal(t *testing.T) {
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if IsTerminal(f) || IsTerminal(&strings.Builder{}) || IsTerminal(nil) {
		t.Error("a file, a builder or nil is called a terminal")
	}
}

// A pipe, a file or a builder gets no colour, NO_COLOR or not.
func TestColourOnlyOnATerminal(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	if Colour(w) || Colour(&strings.Builder{}) || Colour(nil) {
		t.Error("a pipe, a builder or nil gets colour")
	}
	t.Setenv(NoColorEnv, "1")
	if Colour(os.Stdout) {
		t.Error("NO_COLOR is set, and stdout gets colour")
	}
}
