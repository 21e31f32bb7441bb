package load

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/secrets"
)

func TestCheckBudget(t *testing.T) {
	t.Parallel()
	rt := Options{Sessions: 3, Duration: time.Minute, Ramp: 20 * time.Second, Pace: Realtime}
	max := rt
	max.Pace = Max
	for _, c := range []struct {
		name   string
		o      Options
		live   bool
		budget float64
		says   string // "" for no error
	}{
		{"not live, no budget", max, false, 0, ""},
		{"live within", rt, true, 4, ""},
		{"negative", rt, false, -1, "give a positive number"},
		{"live, no budget", rt, true, 0, "would send up to 4.0 audio-minutes (3 sessions x 1m20s)"},
		{"live at max pace", max, true, 100, "--pace max is refused on live"},
		{"max pace with a budget", max, false, 100, "cannot bound --pace max"},
		{"over", rt, false, 3.9, "over --budget-audio-minutes 3.9"},
	} {
		var out bytes.Buffer
		err := c.o.CheckBudget(c.live, c.budget, &out)
		switch {
		case c.says == "" && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.says != "" && (err == nil || exitcode.Of(err) != exitcode.Usage || !strings.Contains(err.Error(), c.says)):
			t.Errorf("%s: %v (exit %d), want a usage error saying %q", c.name, err, exitcode.Of(err), c.says)
		}
		if c.name == "live within" && !strings.Contains(out.String(), "budget: this run sends up to 4.0 audio-minutes") {
			t.Errorf("the spend is not stated: %q", out.String())
		}
	}
}

// A result is written redacted and read back by MergeFiles; the held share
// below the bar is a failure, a file that is not a result a usage error.
func TestWriteMergeFilesAndCheckHeld(t *testing.T) {
	t.Parallel()
	res := fakeResult(time.Unix(1_700_000_000, 0), 10, latencies(100), Counters{SessionsPlanned: 4, SessionsHeld: 3}, nil)
	res.Examples = map[string]string{"auth_error": "key sk_test_0123456789abcdef refused"}
	red := secrets.New()
	red.Add("sk_test_0123456789abcdef")
	dir := t.TempDir()
	path := filepath.Join(dir, "load.json")
	var out bytes.Buffer
	if err := Write(res, path, 75, red, &out); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(path); bytes.Contains(b, []byte("sk_test_0123456789abcdef")) || !strings.Contains(out.String(), "result: "+path) {
		t.Errorf("written:\n%s\nprinted:\n%s", b, out.String())
	}
	if err := Write(res, path, 76, red, &out); err == nil {
		t.Error("3 of 4 held, yet no error against 76%")
	}
	if FileName("") != "load.json" || FileName("3") != "load-3.json" {
		t.Errorf("file names %s, %s", FileName(""), FileName("3"))
	}
	merged, err := MergeFiles([]string{path, path})
	if err != nil || merged.Counters.SessionsHeld != 6 {
		t.Fatalf("merged %+v, %v", merged, err)
	}
	if err := merged.CheckHeld(75); err != nil {
		t.Errorf("75%% held against 75: %v", err)
	}
	if err := merged.CheckHeld(76); err == nil || exitcode.Of(err) != exitcode.Failed || !strings.Contains(err.Error(), "6 of 8 sessions held (75.0%), below --min-held-percent 76") {
		t.Errorf("below the bar: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	_ = os.WriteFile(bad, []byte("{}"), 0o644)
	for _, files := range [][]string{{bad}, {filepath.Join(dir, "none.json")}} {
		if _, err := MergeFiles(files); exitcode.Of(err) != exitcode.Usage {
			t.Errorf("MergeFiles(%v) = %v, want a usage error", files, err)
		}
	}
}
