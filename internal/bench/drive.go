package bench

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/load"
)

// driven is what the bench reads off one load run.
type driven struct {
	framesPerSec                    float64
	wall                            time.Duration
	held                            int
	commitP50, commitP99, commitMax time.Duration
	errors                          string
}

// drive runs the load generator against srv. Ingest runs pass no commits
// (CommitEvery zero here): the sink answers none, and the fake must not be
// measured doing work the sink skips; the close handshake at the end is the
// barrier that makes both read every frame before the wall time stops.
func drive(ctx context.Context, srv *Server, o load.Options) (driven, error) {
	o.BaseURL, o.APIKey, o.Target = srv.BaseURL, srv.Key, srv.Name
	if o.CommitEvery == 0 {
		o.CommitEvery = time.Hour // longer than any run: no commit before the last
		o.Drain = time.Millisecond
	}
	res, err := load.Run(ctx, o)
	if err != nil {
		return driven{}, err
	}
	if res.Interrupted {
		return driven{}, fmt.Errorf("interrupted")
	}
	d := driven{framesPerSec: res.Rates.FramesPerSec, wall: res.End.Sub(res.Start), held: int(res.Counters.SessionsHeld)}
	if h := res.Histograms[load.HistCommit]; h != nil {
		st := h.Stats()
		d.commitP50, d.commitP99, d.commitMax = us(st.P50), us(st.P99), us(st.Max)
	}
	var errs []string
	for _, k := range slices.Sorted(maps.Keys(res.Failures)) {
		errs = append(errs, fmt.Sprintf("%s ×%d", k, res.Failures[k]))
	}
	d.errors = strings.Join(errs, ", ")
	return d, nil
}

func us(v int64) time.Duration { return time.Duration(v) * time.Microsecond }
