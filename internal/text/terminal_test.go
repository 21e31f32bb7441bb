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
