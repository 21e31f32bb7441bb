// Package crash turns a panic inside scribecheck (a bug of scribecheck, not
// of the target) into one ERROR line for the terminal, with the Go stack in
// a file the line names.
package crash

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// IssuesURL is where a scribecheck bug is reported.
const IssuesURL = "https://github.com/scribecheck/scribecheck/issues"

// Report writes where, the panic value and stack to a file in dir (the
// system's temporary folder when dir is "" or cannot be written) and returns
// the ERROR line that names it. red (nil for none) redacts the value and the
// stack before they are written or shown.
func Report(dir, where string, value any, stack []byte, red *secrets.Redactor) string {
	v := red.Redact(fmt.Sprint(value))
	report := fmt.Sprintf("scribecheck bug: %s panicked at %s\npanic: %s\n\n%s", where, time.Now().UTC().Format(time.RFC3339), v, red.Redact(string(stack)))
	file := write(dir, report)
	if file == "" {
		file = "(no file could be written)"
	}
	return fmt.Sprintf("ERROR: scribecheck bug: %s panicked: %s. This is a fault in scribecheck, not in your target; "+
		"the stack is in %s: please report it at %s with that file.", where, text.OneLine(v, 300), file, IssuesURL)
}

// write puts text in a new file, in dir or else the temporary folder.
func write(dir, text string) string {
	name := fmt.Sprintf("scribecheck-panic-%s.txt", time.Now().UTC().Format("20060102T150405.000000000"))
	for _, d := range []string{dir, os.TempDir()} {
		if d == "" || os.MkdirAll(d, 0o755) != nil {
			continue
		}
		p := filepath.Join(d, name)
		if os.WriteFile(p, []byte(text), 0o644) == nil {
			return p
		}
	}
	return ""
}
