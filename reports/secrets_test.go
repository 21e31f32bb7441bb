package reports

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// hostile holds every character an HTML, JSON, XML or URL encoder rewrites.
const hostile = "sk_+&<>\"' %é_0123456789abcdef"

// Every writer renders a redacted copy of its model: a secret holding
// characters the HTML, JSON and XML encoders rewrite never reaches a file in
// any form. With a redactor that learns but does not redact, the leak scan
// finds it in every page, whichever escaped form it took there.
func TestEveryWriterRedactsBeforeEscaping(t *testing.T) {
	text := "key " + hostile + " refused"
	res := SpecResult{ID: "AUTH-1", Name: "AUTH-1 header [target:fake]", Area: "auth", AuthPath: "header", Level: Must,
		Verdict: Failed, Requirement: text, Expected: text, Outcome: text, Message: text, Evidence: text}
	writers := map[string]func(dir string, red *Redactor) ([]string, error){
		"run": func(dir string, red *Redactor) ([]string, error) {
			return WriteRun(dir, "", RunReport{Title: text, Target: text, Results: []SpecResult{res}}, red)
		},
		"doctor": func(dir string, red *Redactor) ([]string, error) {
			return WriteDiagnosis(dir, Diagnosis{Target: text, Summary: text, Status: "problem",
				Findings: []Finding{{Cause: text, Fix: text, Evidence: []string{text}}},
				Paths:    []PathRow{{Path: "header", Expected: text, Detail: text, Evidence: text, Stages: map[string]string{}}}}, red)
		},
		"client": func(dir string, red *Redactor) ([]string, error) {
			return WriteClientRun(dir, ClientRun{StartedAt: time.Now(), Summary: text, Command: text, Verdict: Failed,
				Causes: []Cause{{Title: text, Fix: text, Evidence: text}},
				Conns: []ClientConn{{ID: "conn-0001", Who: text, Close: text, Verdict: Failed, Results: []SpecResult{res},
					Refusal: &Refusal{Conn: "conn-0001", Side: "server", Finding: Finding{Cause: text, Fix: text, Evidence: []string{text}}}}}}, red)
		},
		"sdks": func(dir string, red *Redactor) ([]string, error) {
			return WriteSDKMatrix(dir, SDKMatrix{Columns: []SDKColumn{{Key: "x@1", Status: text, Client: text}},
				Rows: []SDKRow{{ID: "SDK-1", Scenario: text, Requirement: text, Cells: []SDKCell{{Outcome: text, Verdict: verdict.Finding, Why: text, Evidence: text}}}}}, red)
		},
		"sdks diff": func(dir string, red *Redactor) ([]string, error) {
			return WriteSDKDiff(dir, SDKDiff{Old: "x@1", New: "x@2", Rows: []SDKDiffRow{{Section: DiffWire, Scenario: "header",
				Aspect: "query", Old: text, New: text, Note: text, Changed: true}}, Paths: []SDKDiffPath{{Path: "header", Line: text}}}, red)
		},
	}
	for name, write := range writers {
		t.Run(name, func(t *testing.T) {
			red := NewRedactor()
			red.Add(hostile)
			files, err := write(t.TempDir(), red)
			if err != nil {
				t.Fatalf("%v", err)
			}
			for _, f := range files {
				b, _ := os.ReadFile(f)
				if !strings.Contains(string(b), secrets.Fingerprint(hostile)) && !strings.HasSuffix(f, ".xml") {
					t.Errorf("%s does not show the fingerprint %s", filepath.Base(f), secrets.Fingerprint(hostile))
				}
			}
			leaky := secrets.NewUnredacting()
			leaky.Add(hostile)
			dir := t.TempDir()
			if _, err := write(dir, leaky); err == nil {
				t.Fatal("the leak scan found nothing in reports written without redaction")
			}
			leaks, _ := secrets.ScanFiles([]string{dir}, []string{hostile})
			found := map[string]bool{}
			for _, l := range leaks {
				found[filepath.Base(l.File)] = true
			}
			entries, _ := os.ReadDir(dir)
			for _, e := range entries {
				if !e.IsDir() && !found[e.Name()] {
					t.Errorf("the leak scan misses the secret in %s, written without redaction", e.Name())
				}
			}
		})
	}
}
