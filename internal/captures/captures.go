// Package captures reads testdata/live-frames.jsonl, the verbatim live frames
// the schemas, the fake and the probes are checked against. Tests only.
package captures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/tidwall/gjson"
)

// Lines returns every capture line, parsed.
func Lines() ([]gjson.Result, error) {
	_, here, _, ok := runtime.Caller(0)
	if !ok {
		return nil, fmt.Errorf("cannot locate the captures file")
	}
	f, err := os.Open(filepath.Join(filepath.Dir(here), "..", "..", "testdata", "live-frames.jsonl"))
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
