package probes

import (
	"fmt"
	"strings"
	"time"
)

// Evidence is the story of a probe a person reads: every mint, then each
// socket's timeline. It holds raw values: callers redact it.
func Evidence(res Result) string {
	var b strings.Builder
	for _, m := range res.Mints {
		fmt.Fprintf(&b, "%s (%s)\n", m.Describe(), m.Took.Round(time.Microsecond))
	}
	for i, tl := range res.Sockets {
		if len(res.Sockets) > 1 {
			fmt.Fprintf(&b, "socket %d of %d:\n", i+1, len(res.Sockets))
		}
		b.WriteString(tl.Summary())
	}
	if res.Precondition != "" {
		fmt.Fprintf(&b, "precondition: %s\n", res.Precondition)
	}
	return b.String()
}
