package reports

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

// Doctor report file names.
const (
	DoctorJSON   = "doctor.json"
	DoctorMD     = "doctor.md"
	DoctorHTML   = "doctor.html"
	DoctorMatrix = "doctor-matrix.xml"
)

// WriteDiagnosis writes the JSON, Markdown, HTML and JUnit matrix of a
// diagnosis into dir, each rendered from one redacted copy, then scans them
// for every secret the redactor knows. It returns the files written.
func WriteDiagnosis(dir string, d Diagnosis, red *Redactor) ([]string, error) {
	d = secrets.Redacted(red, d)
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	page, err := doctorHTML(d)
	if err != nil {
		return nil, err
	}
	return writeSet(dir, []namedText{{DoctorHTML, page}, {DoctorMD, doctorMarkdown(d)}, {DoctorJSON, string(js) + "\n"}},
		DoctorMatrix, matrixJUnit(diagnosisResults(d)), red)
}

// namedText is one report file's name and its text, rendered from a
// redacted model.
type namedText struct{ name, text string }

// writeSet writes a set of reports into dir, then its JUnit, then scans what
// it wrote and the extra paths (folders of wire logs) for every secret the
// redactor knows. It returns the files written.
func writeSet(dir string, texts []namedText, junitName string, junit JUnitSuites, red *Redactor, extra ...string) ([]string, error) {
	var written []string
	for _, t := range texts {
		p := filepath.Join(dir, t.name)
		if err := WriteFile(p, []byte(t.text)); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	p := filepath.Join(dir, junitName)
	if err := writeJUnit(p, junit); err != nil {
		return written, err
	}
	written = append(written, p)
	return written, secrets.CheckNoLeaks(append(slices.Clone(written), extra...), red)
}

// diagnosisResults turns the doctor's matrix rows into spec results, for
// the JUnit matrix: as expected is OK, otherwise FAILED; an unknown
// expectation is INFORMATIONAL.
func diagnosisResults(d Diagnosis) []SpecResult {
	var out []SpecResult
	for i, p := range d.Paths {
		r := SpecResult{ID: fmt.Sprintf("DOCTOR-%d", i+1), Name: fmt.Sprintf("%s [target:%s]", p.Path, d.Target), Area: "doctor",
			AuthPath: p.Path, Target: d.Target, Expected: p.Expected, Outcome: p.Detail, Evidence: p.Evidence, Level: Must,
			Requirement: p.Sends + ": " + p.Expected}
		switch {
		case p.Skip != "":
			r.Verdict, r.Message = Skipped, p.Skip
		case p.Fault != "":
			r.Verdict, r.Message = Error, p.Fault
		case p.Expected == "unknown":
			r.Verdict, r.Level, r.Message = Informational, Info, p.Detail
		case p.AsExpect:
			r.Verdict = OK
		default:
			r.Verdict, r.Message = Failed, fmt.Sprintf("expected %s, got %s", p.Expected, p.Detail)
		}
		out = append(out, r)
	}
	return out
}
