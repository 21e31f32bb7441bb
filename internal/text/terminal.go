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

// NoColorEnv turns colour off wherever it is set to anything (no-color.org).
const NoColorEnv = "NO_COLOR"

// Colour reports whether w may be written colour and other escapes: only a
// terminal, and only when NO_COLOR is not set. A pipe or a file gets plain
// text.
func Colour(w io.Writer) bool {
	return IsTerminal(w) && os.Getenv(NoColorEnv) == ""
}
