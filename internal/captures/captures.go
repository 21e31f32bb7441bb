// Package captures reads testdata/live-frames.jsonl, the verbatim live frames
// the schemas, the fake and the probes are checked against. Tests only.
package captures

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"

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
