// Package captures reads testdata/live-frames.jsonl, the verbatim live frames
// the schemas, the fake and the probes are checked against. Tests only.
package captures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/tidwall/gjson"
)

// Lines returns every capture line, parsed.
func Lines() ([]gjson.Result, error) {
	path, err := file()
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []gjson.Result
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		out = append(out, gjson.Parse(sc.Text()))
	}
	return out, sc.Err()
}

// file is testdata/live-frames.jsonl of the module whose package a test
// runs in (its working directory): the nearest folder up that holds
// go.mod. Not the source file's own path (runtime.Caller), which a
// -trimpath build (the Makefile's) turns into an import path.
func file() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return filepath.Join(dir, "testdata", "live-frames.jsonl"), nil
		}
		up := filepath.Dir(dir)
		if up == dir {
			return "", fmt.Errorf("no go.mod above the working directory: the captures are read from the module's testdata/")
		}
		dir = up
	}
}

// Load is Lines for a test: a file that cannot be read fails tb.
func Load(tb testing.TB) []gjson.Result {
	tb.Helper()
	lines, err := Lines()
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}

// Frames returns the raw frames sent in direction dir ("server" or
// "client"; "" for both); a line holding a word alone is no frame.
func Frames(tb testing.TB, dir string) []string {
	tb.Helper()
	var out []string
	for _, l := range Load(tb) {
		if f := l.Get("frame"); f.Exists() && (dir == "" || l.Get("dir").String() == dir) {
			out = append(out, f.Raw)
		}
	}
	return out
}
