package reports

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Fuzz targets for the files a run reads back: a baseline's results.json
// (--baseline, --calibrate) and a --known-failing list. `make fuzz` runs
// them; found cases stay in testdata/fuzz/<Target>/.

// FuzzLoadResults reads a baseline. An error names the file and says what
// to give; results it reads compare with themselves as no change.
func FuzzLoadResults(f *testing.F) {
	f.Add([]byte(`{"target":"live","results":[{"id":"AUTH-1","verdict":"OK"},{"id":"PARAM-26","verdict":"INFO","outcome":"session_started 0123456789abcdef0123456789abcdef","reaction":{"stimulus":"bool-word","kind":"session"}}]}`))
	f.Add([]byte(`{"results":[]}`))
	f.Add([]byte(`{"results":null}`))
	f.Add([]byte(`{"results":[{"id":"AUTH-4","verdict":"FAILED","message":"auth_error"}]}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		path := filepath.Join(t.TempDir(), "results.json")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		res, err := LoadResults(filepath.Dir(path))
		if err != nil {
			if !strings.Contains(err.Error(), "results.json") {
				t.Fatalf("error %q does not say what to give", err)
			}
			return
		}
		if changes := Compare(res, res, false); !onlyDuplicates(res, changes) {
			t.Fatalf("a baseline compared with itself changed: %+v", changes)
		}
	})
}

// onlyDuplicates: a run compared with itself changes nothing, except where
// an ID comes twice with different results (the second is compared with the
// first).
func onlyDuplicates(res []SpecResult, changes []Change) bool {
	seen := map[string]int{}
	for _, r := range res {
		seen[r.ID]++
	}
	for _, c := range changes {
		if seen[c.ID] < 2 {
			return false
		}
	}
	return true
}

// FuzzParseKnownFailing reads a --known-failing list. Every ID it returns
// is a spec ID; an error names the file and line; parsing is deterministic.
func FuzzParseKnownFailing(f *testing.F) {
	f.Add("AUTH-4 # the sutkn bug, issue 7\n\n# a comment\nPARAM-26\n")
	f.Add("AUTH-4, AUTH-5\n")
	f.Add("auth-4\n")
	f.Add("  SCHEMA-1   #  #\r\n")
	f.Fuzz(func(t *testing.T, text string) {
		got, err := ParseKnownFailing(strings.NewReader(text), "known.txt")
		again, err2 := ParseKnownFailing(strings.NewReader(text), "known.txt")
		if (err == nil) != (err2 == nil) || !reflect.DeepEqual(got, again) {
			t.Fatalf("two parses differ: %v %v, then %v %v", got, err, again, err2)
		}
		if err != nil {
			if !strings.HasPrefix(err.Error(), "known.txt") {
				t.Fatalf("error %q does not name the file", err)
			}
			return
		}
		for id := range got {
			if !specID.MatchString(id) {
				t.Fatalf("returned %q, not a spec ID", id)
			}
		}
	})
}
