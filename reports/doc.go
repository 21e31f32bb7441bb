// Package reports writes what a check found, for people and for CI: JUnit XML
// (every spec, and the auth matrix with one <testsuite> per auth path), a
// console summary, Markdown for a CI job summary, one self-contained HTML page,
// and JSON, for a run of the suites, a doctor's diagnosis, a graded client run
// and the SDK matrix.
//
// Every writer takes the model and a Redactor: it renders a redacted copy of
// the model (secrets.Redacted), so a secret is replaced before any escaping
// could hide it, and then scans every file it wrote for every form of every
// secret the redactor knows. A leak is an error.
package reports
