package reports

import (
	_ "embed"
	"html/template"

	"github.com/scribecheck/scribecheck/internal/text"
)

//go:embed doctor.html.tmpl
var doctorTemplate string

var doctorPage = template.Must(template.New("doctor").Funcs(pageFuncs).Parse(doctorTemplate))

//go:embed client.html.tmpl
var clientTemplate string

var clientPage = template.Must(template.New("client").Funcs(pageFuncs).Funcs(template.FuncMap{
	// A cause of a storm links a few of its connections and counts the rest.
	"few":  func(ids []string) []string { return ids[:min(len(ids), fewConns)] },
	"more": func(ids []string) int { return max(0, len(ids)-fewConns) },
	// A refusal's cause in the connections table: its start; the causes
	// below say all of it.
	"clip": func(s string) string { return text.ClipLine(s, 90) },
}).Parse(clientTemplate))

//go:embed sdkmatrix.html.tmpl
var sdkMatrixTemplate string

var sdkMatrixPage = template.Must(template.New("sdkmatrix").Funcs(pageFuncs).Parse(sdkMatrixTemplate))
