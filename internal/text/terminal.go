package text

import (
	"io"
	"os"
)

// IsTerminal reports whether w is a terminal: where a line may be rewritten
// in place and colour is read, not logged.
func IsTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}
