package reports

import (
	"html/template"
	"strings"
	"unicode"
)

// pageFuncs are what every HTML page's template may call to show a verdict
// the same way: its CSS class, and the one stylesheet of verdict colours.
var pageFuncs = template.FuncMap{
	"vclass":       verdictClass,
	"verdictStyle": func() template.CSS { return verdictStyle },
	"stageStyle":   func() template.CSS { return stageStyle },
}

// verdictClass is a verdict's CSS class: its letters in lower case
// (NON-STRICT is nonstrict, N/A is na).
func verdictClass(v Verdict) string {
	return strings.ToLower(strings.Map(func(r rune) rune {
		if unicode.IsLetter(r) {
			return r
		}
		return -1
	}, string(v)))
}

// verdictStyle colours every verdict, after Autobahn: passes green,
// deviations yellow, failures red, what did not run grey.
const verdictStyle template.CSS = `.ok { background: #a8dca8; } .nonstrict { background: #ebe28c; } .informational { background: #c3cfe2; }
.failed { background: #f09a92; } .error { background: #8e1b1b; color: #fff; } .blocked { background: #f6b26b; }
.flaky { background: #c9a6e0; } .finding { background: #fbe7c6; } .changed { background: #c3cfe2; font-weight: bold; }
.skipped, .na { background: #ddd; color: #555; }`
