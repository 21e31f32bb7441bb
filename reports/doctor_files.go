package reports

import (
	"encoding/json"
	"fmt"
	"path/filepath"
)

// Doctor report file names.
const (
	DoctorJSON   = "doctor.json"
	DoctorMD     = "doctor.md"
	DoctorHTML   = "doctor.html"
	DoctorMatrix = "doctor-matrix.xml"
)

// WriteDiagnosis writes the JSON, Markdown, HTML and JUnit matrix of a
// diagnosis into dir, redacted, then scans them for every secret the
// redactor knows. It returns the files written.
func WriteDiagnosis(dir string, d Diagnosis, red *Redactor) ([]string, error) {
	js, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, err
	}
	page, err := HTML(d, red)
	if err != nil {
		return nil, err
	}
	files := map[string]string{
		DoctorJSON: red.Redact(string(js)) + "\n",
		DoctorMD:   Markdown(d, red),
		DoctorHTML: page,
	}
	var written []string
	for _, name := range []string{DoctorHTML, DoctorMD, DoctorJSON} {
		p := filepath.Join(dir, name)
		if err := WriteFile(p, []byte(files[name])); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	matrix := filepath.Join(dir, DoctorMatrix)
	if err := WriteJUnit(matrix, MatrixJUnit(DiagnosisResults(d)), red); err != nil {
		return written, err
	}
	written = append(written, matrix)
	return written, CheckNoLeaks(written, red)
}

// DiagnosisResults turns the doctor's matrix rows into spec results, for
// the JUnit matrix: as expected is OK, otherwise FAILED; an unknown
// expectation is INFORMATIONAL.
func DiagnosisResults(d Diagnosis) []SpecResult {
	var out []SpecResult
	for i, p := range d.Paths {
		r := SpecResult{ID: fmt.Sprintf("DOCTOR-%d", i+1), Name: fmt.Sprintf("%s [target:%s]", p.Path, d.Target), Area: "doctor",
			AuthPath: p.Path, Target: d.Target, Expected: p.Expected, Outcome: p.Detail, Evidence: p.Evidence, Level: "MUST",
			Requirement: p.Sends + ": " + p.Expected}
		switch {
		case p.Skip != "":
			r.Verdict, r.Message = Skipped, p.Skip
		case p.Fault != "":
			r.Verdict, r.Message = Error, p.Fault
		case p.Expected == "unknown":
			r.Verdict, r.Level, r.Message = Informational, "INFO", p.Detail
		case p.AsExpect:
			r.Verdict = OK
		default:
			r.Verdict, r.Message = Failed, fmt.Sprintf("expected %s, got %s", p.Expected, p.Detail)
		}
		out = append(out, r)
	}
	return out
}
