package reports

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
)

//go:embed doctor.html.tmpl
var doctorTemplate string

var doctorPage = template.Must(template.New("doctor").Funcs(pageFuncs).Funcs(template.FuncMap{
	"stages": func() []string { return Stages },
	"cell":   func(p PathRow, s string) string { return p.Stages[s] },
	"class": func(v string) string {
		switch v {
		case StageOK:
			return "ok"
		case StageFailed:
			return "bad"
		case StageRefusedAsExpected, StageRefused:
			return "refused"
		case StageSkipped:
			return "skip"
		}
		return "none"
	},
	"ms": func(p *Percentiles) string {
		if p == nil {
			return "–"
		}
		if p.Samples > 1 {
			return fmt.Sprintf("%.0f / %.0f ms", p.P50, p.P95)
		}
		return fmt.Sprintf("%.0f ms", p.P50)
	},
}).Parse(doctorTemplate))

// doctorHTML renders a diagnosis, already redacted, as one self-contained
// page (inline CSS and script, nothing fetched).
func doctorHTML(d Diagnosis) (string, error) {
	var b bytes.Buffer
	if err := doctorPage.Execute(&b, d); err != nil {
		return "", fmt.Errorf("rendering the HTML report: %w", err)
	}
	return b.String(), nil
}

//go:embed client.html.tmpl
var clientTemplate string

var clientPage = template.Must(template.New("client").Funcs(pageFuncs).Funcs(template.FuncMap{
	// A cause of a storm links a few of its connections and counts the rest.
	"few":  func(ids []string) []string { return ids[:min(len(ids), fewConns)] },
	"more": func(ids []string) int { return max(0, len(ids)-fewConns) },
}).Parse(clientTemplate))

// clientHTML renders a client run, already redacted, as one self-contained
// page.
func clientHTML(run ClientRun) (string, error) {
	var b bytes.Buffer
	if err := clientPage.Execute(&b, run); err != nil {
		return "", fmt.Errorf("rendering the client HTML report: %w", err)
	}
	return b.String(), nil
}

//go:embed sdkmatrix.html.tmpl
var sdkMatrixTemplate string

var sdkMatrixPage = template.Must(template.New("sdkmatrix").Funcs(pageFuncs).Parse(sdkMatrixTemplate))

// sdkMatrixHTML renders the SDK matrix, already redacted, as one
// self-contained page.
func sdkMatrixHTML(m SDKMatrix) (string, error) {
	var b bytes.Buffer
	if err := sdkMatrixPage.Execute(&b, m); err != nil {
		return "", fmt.Errorf("rendering the SDK matrix: %w", err)
	}
	return b.String(), nil
}
