package reports

import (
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

//go:embed client.html.tmpl
var clientTemplate string

var clientPage = template.Must(template.New("client").Funcs(pageFuncs).Funcs(template.FuncMap{
	// A cause of a storm links a few of its connections and counts the rest.
	"few":  func(ids []string) []string { return ids[:min(len(ids), fewConns)] },
	"more": func(ids []string) int { return max(0, len(ids)-fewConns) },
}).Parse(clientTemplate))

//go:embed sdkmatrix.html.tmpl
var sdkMatrixTemplate string

var sdkMatrixPage = template.Must(template.New("sdkmatrix").Funcs(pageFuncs).Parse(sdkMatrixTemplate))
