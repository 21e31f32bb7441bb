package text

import "strings"

// The escapers of scribecheck's plain-text outputs. They live here, beside
// the helpers every output shares, so that the leak scan (internal/secrets)
// knows every form a secret takes in them.

var markdown = strings.NewReplacer("\r", " ", "\n", " ", "<", "&lt;", ">", "&gt;", "|", "\\|")

// Markdown is s as text in a Markdown line or table cell: no line break, no
// HTML (GitHub renders tags in a job summary), no accidental cell break.
func Markdown(s string) string { return markdown.Replace(s) }

var workflowData = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")

// WorkflowData is s as a GitHub Actions workflow command's message: %, CR and
// LF escaped, so a multi-line message stays one command.
func WorkflowData(s string) string { return workflowData.Replace(s) }

var workflowProperty = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")

// WorkflowProperty is s as a workflow command's property value (title=…),
// where : and , would end it.
func WorkflowProperty(s string) string { return workflowProperty.Replace(s) }
