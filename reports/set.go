package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"path/filepath"
	"slices"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

// reportSet is how one model is written as reports: its four file names, its
// HTML page and its Markdown and JUnit renderers. The doctor's diagnosis, a
// client run and the SDK matrix are each one reportSet, so each is redacted,
// rendered and scanned the same way.
type reportSet[T any] struct {
	json, md, html, junit string
	// page renders the HTML, from view(m) when view is set; pageName is
	// what an error calls it.
	page     *template.Template
	pageName string
	view     func(T) any
	markdown func(T) string
	cases    func(T) JUnitSuites
}

// write renders the HTML, Markdown, JSON and JUnit of m into dir, each from
// one redacted copy of m, then scans what it wrote and the extra paths
// (folders of wire logs) for every secret the redactor knows. It returns the
// files written.
func (s reportSet[T]) write(dir string, m T, red *Redactor, extra ...string) ([]string, error) {
	m = secrets.Redacted(red, m)
	js, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	var model any = m
	if s.view != nil {
		model = s.view(m)
	}
	page, err := renderPage(s.page, s.pageName, model)
	if err != nil {
		return nil, err
	}
	var written []string
	for _, t := range []struct{ name, text string }{{s.html, page}, {s.md, s.markdown(m)}, {s.json, string(js) + "\n"}} {
		p := filepath.Join(dir, t.name)
		if err := WriteFile(p, []byte(t.text)); err != nil {
			return written, err
		}
		written = append(written, p)
	}
	p := filepath.Join(dir, s.junit)
	if err := writeJUnit(p, s.cases(m)); err != nil {
		return written, err
	}
	written = append(written, p)
	return written, secrets.CheckNoLeaks(append(slices.Clone(written), extra...), red)
}

// renderPage executes an HTML report's template on its model, already
// redacted: one self-contained page (inline CSS and script, nothing
// fetched). name is what an error calls the page.
func renderPage(page *template.Template, name string, model any) (string, error) {
	var b bytes.Buffer
	if err := page.Execute(&b, model); err != nil {
		return "", fmt.Errorf("rendering the %s: %w", name, err)
	}
	return b.String(), nil
}
