package reports

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

func sampleResults() []SpecResult {
	mk := func(id, path string, v Verdict, msg string) SpecResult {
		return SpecResult{ID: id, Level: "MUST", Requirement: "req " + id, Name: id + " " + path + " [target:fake]",
			Area: "auth", AuthPath: path, Target: "fake", Verdict: v, Expected: "session", Outcome: "auth_error", Message: msg,
			Evidence: "dial ws://h/?token=sutkn_secretsecret0001", Duration: 3 * time.Millisecond}
	}
	return []SpecResult{
		mk("AUTH-1", "header", OK, ""),
		mk("AUTH-4", "token-query", Failed, "AUTH-4 (MUST): a fresh token opens a session\nExpected: …"),
		mk("AUTH-5", "token-reused", Error, "panicked: harness fault: minting failed"),
		mk("AUTH-6", "token-expired", Skipped, "needs:fake"),
		mk("AUTH-7", "token-wrong-type", Informational, "observed auth_error"),
		mk("AUTH-10", "api-key-as-token", NonStrict, "closed with 1008"),
		{ID: "MODEL-1", Name: "MODEL-1 x", Verdict: Failed}, // not an auth row
	}
}

func TestMatrixJUnitOneSuitePerPathWithCounts(t *testing.T) {
	red := secrets.New()
	red.Add("sutkn_secretsecret0001")
	path := filepath.Join(t.TempDir(), "m.xml")
	if err := writeJUnit(path, secrets.Redacted(red, matrixJUnit(sampleResults()))); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJUnit(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Suites) != 6 || got.Tests != 6 || got.Failures != 1 || got.Errors != 1 || got.Skipped != 1 {
		t.Fatalf("suites %d tests %d failures %d errors %d skipped %d", len(got.Suites), got.Tests, got.Failures, got.Errors, got.Skipped)
	}
	bySuite := map[string]JUnitCase{}
	for _, s := range got.Suites {
		if len(s.Cases) != 1 || s.Cases[0].Name == "" {
			t.Fatalf("suite %s: %d cases, first name %q", s.Name, len(s.Cases), s.Cases[0].Name)
		}
		bySuite[s.Name] = s.Cases[0]
	}
	if c := bySuite["auth:token-query"]; c.Failure == nil || c.Failure.Type != "assertion" || c.Error != nil {
		t.Errorf("failed spec is not a <failure>: %+v", c)
	}
	if c := bySuite["auth:token-reused"]; c.Error == nil || c.Error.Type != "harness" || c.Failure != nil {
		t.Errorf("harness fault is not an <error>: %+v", c)
	}
	if c := bySuite["auth:api-key-as-token"]; c.Failure != nil || !strings.Contains(c.SystemOut, "1008") || c.Status != "NON-STRICT" {
		t.Errorf("NON-STRICT spec: %+v", c)
	}
	if leaks := scanPath(t, path, "sutkn_secretsecret0001"); len(leaks) > 0 {
		t.Errorf("JUnit leaks: %v", leaks)
	}
}

func TestWriteJUnitRefusesNamelessCase(t *testing.T) {
	s := JUnitSuites{Suites: []JUnitSuite{{Name: "x", Cases: []JUnitCase{{}}}}}
	if err := writeJUnit(filepath.Join(t.TempDir(), "x.xml"), s); err == nil {
		t.Error("a testcase without a name was written")
	}
}

func TestConsoleMatrix(t *testing.T) {
	var b strings.Builder
	writeMatrix(&b, "Auth matrix, target fake", sampleResults())
	out := b.String()
	for _, want := range []string{"AUTH-4   token-query", "FAILED", "6 paths: 1 FAILED, 1 ERROR, 1 NON-STRICT, 1 INFORMATIONAL, 1 OK, 1 SKIPPED"} {
		if !strings.Contains(out, want) {
			t.Errorf("matrix lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MODEL-1") {
		t.Error("a non-auth spec is in the auth matrix")
	}
}

func scanPath(t *testing.T, path, secret string) []secrets.Leak {
	leaks, err := secrets.ScanFiles([]string{path}, []string{secret})
	if err != nil {
		t.Fatal(err)
	}
	return leaks
}
