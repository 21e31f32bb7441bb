package suites

import (
	"fmt"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/probes"
)

// evidence is the story of a probe a person reads under a failure: mints,
// then each socket's timeline. Unredacted: callers redact.
func evidence(res probes.Result) string {
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
