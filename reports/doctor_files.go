package reports

import (
	"fmt"
)

// Doctor report file names.
const (
	DoctorJSON   = "doctor.json"
	DoctorMD     = "doctor.md"
	DoctorHTML   = "doctor.html"
	DoctorMatrix = "doctor-matrix.xml"
)

// doctorReports are the doctor's files; its JUnit is the matrix, one case
// per auth path.
var doctorReports = reportSet[Diagnosis]{json: DoctorJSON, md: DoctorMD, html: DoctorHTML, junit: DoctorMatrix,
	page: doctorPage, pageName: "HTML report", view: func(d Diagnosis) any { return viewOf(d) }, markdown: doctorMarkdown,
	cases: func(d Diagnosis) JUnitSuites { return matrixJUnit(diagnosisResults(d)) }}

// WriteDiagnosis writes the JSON, Markdown, HTML and JUnit matrix of a
// diagnosis into dir, each rendered from one redacted copy, then scans them
// for every secret the redactor knows. It returns the files written.
func WriteDiagnosis(dir string, d Diagnosis, red *Redactor) ([]string, error) {
	return doctorReports.write(dir, d, red)
}

// diagnosisResults turns the doctor's matrix rows into spec results, for
// the JUnit matrix, each with its pathVerdict.
func diagnosisResults(d Diagnosis) []SpecResult {
	var out []SpecResult
	for i, p := range d.Paths {
		r := SpecResult{ID: fmt.Sprintf("DOCTOR-%d", i+1), Name: fmt.Sprintf("%s [target:%s]", p.Path, d.Target), Area: "doctor",
			AuthPath: p.Path, Target: d.Target, Expected: p.Expected, Outcome: p.Detail, Evidence: p.Evidence, Level: Must,
			Requirement: p.Sends + ": " + p.Expected}
		r.Verdict = pathVerdict(p)
		switch r.Verdict {
		case Skipped:
			r.Message = p.Skip
		case Error:
			r.Message = p.Fault
		case Informational:
			r.Level, r.Message = Info, p.Detail
		case Failed:
			r.Message = fmt.Sprintf("expected %s, got %s", p.Expected, p.Detail)
		}
		out = append(out, r)
	}
	return out
}
