package load

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/scribecheck/scribecheck/internal/text"
)

// progress writes one line per second: in place (carriage return) on a
// terminal, one line each otherwise, so a CI log stays readable.
type progress struct {
	w     io.Writer
	e     *engine
	start time.Time
	cr    bool
	width int
}

func newProgress(w io.Writer, e *engine, start time.Time) *progress {
	return &progress{w: w, e: e, start: start, cr: text.IsTerminal(w)}
}

func (p *progress) run(ctx context.Context) {
	ticking(ctx, time.Second, p.line)
}

// line is the counters so far.
func (p *progress) line() {
	e := p.e
	secs := time.Since(p.start).Seconds()
	s := fmt.Sprintf("%5.0fs  sessions %d/%d started, %d failed  frames %d (%.0f/s)  audio %.0f s (%.1f s/s)  commits %d, transcripts %d",
		secs, e.opened.Load(), e.o.Sessions, e.failed.Load(), e.framesSent.Load(), float64(e.framesSent.Load())/secs,
		float64(e.audioMS())/1000, float64(e.audioMS())/1000/secs, e.commits.Load(), e.transcripts.Load())
	if !p.cr {
		fmt.Fprintln(p.w, s)
		return
	}
	pad := max(p.width-len(s), 0)
	p.width = len(s)
	fmt.Fprintf(p.w, "\r%s%*s", s, pad, "")
}

// final ends the line on a terminal.
func (p *progress) final() {
	p.line()
	if p.cr {
		fmt.Fprintln(p.w)
	}
}
