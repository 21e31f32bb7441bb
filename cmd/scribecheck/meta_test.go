package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/reports"
)

// Every check can fail: each fault of the fake makes exactly the specs that
// guard against it fail (or turn NON-STRICT, for SHOULD-level form checks),
// and no other. A fault no spec catches is a missing spec.
var faultCatches = map[string]struct {
	failed, nonStrict string // comma-separated spec IDs, sorted as strings
}{
	fakeserver.FaultSutknQueryRejected:   {failed: "AUTH-4,AUTH-5,AUTH-8"},
	fakeserver.FaultHeaderRejected:       {failed: "AUTH-1"},
	fakeserver.FaultAnyKeyAccepted:       {failed: "AUTH-2"},
	fakeserver.FaultAnonymousAllowed:     {failed: "AUTH-11,AUTH-3"},
	fakeserver.FaultTokenNotConsumed:     {failed: "AUTH-5"},
	fakeserver.FaultTokenNeverExpires:    {failed: "AUTH-6"},
	fakeserver.FaultHeaderFallback:       {failed: "AUTH-9"},
	fakeserver.FaultTokenUnchecked:       {failed: "AUTH-12,AUTH-13,AUTH-5,AUTH-6,AUTH-9", nonStrict: "AUTH-10"},
	fakeserver.FaultPermissionsUnchecked: {nonStrict: "AUTH-14"},
	fakeserver.FaultAuthAtUpgrade:        {nonStrict: "AUTH-10,AUTH-11,AUTH-12,AUTH-13,AUTH-2,AUTH-3,AUTH-5,AUTH-6,AUTH-9"},
	fakeserver.FaultAuthErrorForm:        {nonStrict: "AUTH-10,AUTH-11,AUTH-12,AUTH-13,AUTH-2,AUTH-3,AUTH-5,AUTH-6,AUTH-9"},
}

func TestEveryFaultIsCaughtByExactlyItsSpecs(t *testing.T) {
	for _, f := range fakeserver.Faults {
		if _, ok := faultCatches[f.Name]; !ok {
			t.Errorf("fault %s has no expectation here: which spec catches it?", f.Name)
		}
	}
	for name, want := range faultCatches {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f, ok := fakeserver.LookupFault(name)
			if !ok {
				t.Fatalf("no fault %s", name)
			}
			flag := "--fake-bug"
			if f.Kind == fakeserver.Deviation {
				flag = "--fake-deviate"
			}
			r := scribecheck(t, nil, "run", "--target", "fake", flag, name)
			v := r.verdicts(t)
			failed := strings.Join(with(v, reports.Failed), ",")
			nonStrict := strings.Join(with(v, reports.NonStrict), ",")
			if failed != want.failed || nonStrict != want.nonStrict {
				t.Errorf("failed [%s] non-strict [%s]; want failed [%s] non-strict [%s]", failed, nonStrict, want.failed, want.nonStrict)
			}
			if errs := with(v, reports.Error); len(errs) > 0 {
				t.Errorf("harness errors: %v", errs)
			}
			wantCode := 0
			if want.failed != "" {
				wantCode = 1
			}
			if r.code != wantCode {
				t.Errorf("exit %d, want %d", r.code, wantCode)
			}
			if want.nonStrict == "" {
				return
			}
			// Under --strict the NON-STRICT specs fail.
			s := scribecheck(t, nil, "run", "--target", "fake", flag, name, "--strict")
			all := strings.Join(with(s.verdicts(t), reports.Failed), ",")
			if s.code != 1 || all != joinSorted(want.failed, want.nonStrict) {
				t.Errorf("--strict: exit %d, failed [%s]", s.code, all)
			}
		})
	}
}

func joinSorted(lists ...string) string {
	var ids []string
	for _, l := range lists {
		if l != "" {
			ids = append(ids, strings.Split(l, ",")...)
		}
	}
	v := map[string]string{}
	for _, id := range ids {
		v[id] = string(reports.Failed)
	}
	return strings.Join(with(v, reports.Failed), ",")
}

// Canary: a planted API key, and every token the run mints, must not appear
// in any output — console, logs, or any report file — raw or encoded, even
// when specs fail and print URLs and headers.
func TestNoSecretInAnyOutput(t *testing.T) {
	canary := "sk_canary_" + strings.Repeat("5eC7", 8)
	base, _ := startFake(t, "--bug", "sutkn-query-rejected", "--deviate", "auth-error-form", "--api-key", canary)
	r := scribecheck(t, []string{"ELEVENLABS_API_KEY=" + canary}, "run", "--target", base, "-v")
	if r.code != 1 {
		t.Fatalf("exit %d, want failures that print evidence\n%s", r.code, r.stderr)
	}
	outputs := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	_ = filepath.WalkDir(r.out, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(p)
			outputs[p] = string(b)
		}
		return nil
	})
	if len(outputs) < 5 {
		t.Fatalf("only %d outputs to scan", len(outputs))
	}
	fullToken := regexp.MustCompile(`sutkn_[0-9a-f]{32}`)
	for name, text := range outputs {
		if leaks := reports.ScanText(name, text, []string{canary}); len(leaks) > 0 {
			t.Errorf("%v", leaks)
		}
		if m := fullToken.FindString(text); m != "" {
			t.Errorf("%s holds a whole token %s", name, m)
		}
	}
	if !strings.Contains(r.stdout, "sutkn_…") {
		t.Error("no token fingerprint in the console: the evidence was not printed, so the test proves nothing")
	}
}
