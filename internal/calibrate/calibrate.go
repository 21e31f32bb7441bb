// Package calibrate matches the fake to a real server (fake --calibrate,
// run --target fake --calibrate): the INFO specs of a run against a real
// target record what it did with each stimulus (results.json's "reaction");
// a fake calibrated from that run gives those reactions instead of its own
// named choices. This package reads such a run and says what changed.
package calibrate

import (
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// NoReactions is the message for a results.json without reactions.
const NoReactions = "this results.json has no INFO reactions: it comes from a run older than calibration, or one that selected no INFO spec"

// Load reads an earlier run's results.json (or the --out folder
// holding it) and returns every reaction it recorded, keyed by stimulus. The
// notes say what was not taken: a second, different reaction to a stimulus
// (the first is kept), or one the fake cannot give. A file without any
// reaction is a usage error.
func Load(path string) (map[string]protocol.Reaction, []string, error) {
	results, err := reports.LoadResults(path)
	if err != nil {
		return nil, nil, exitcode.Usagef("--calibrate: %w", err)
	}
	out := map[string]protocol.Reaction{}
	from := map[string]string{} // stimulus -> the spec whose reaction was kept
	var notes []string
	seen := 0
	for _, r := range results {
		if r.Reaction == nil {
			continue
		}
		seen++
		re := *r.Reaction
		name := re.Stimulus
		if kept, ok := out[name]; ok {
			if !reflect.DeepEqual(kept, re) {
				notes = append(notes, fmt.Sprintf("%s and %s saw different reactions to %s: keeping %s's (%s), not %s's (%s)",
					from[name], r.ID, name, from[name], describeReaction(kept), r.ID, describeReaction(re)))
			}
			continue
		}
		if err := checkCalibration(name, re); err != nil {
			notes = append(notes, fmt.Sprintf("%s's reaction is not taken: %v", r.ID, err))
			continue
		}
		out[name], from[name] = re, r.ID
	}
	if seen == 0 {
		return nil, nil, exitcode.Usagef("--calibrate %s: %s", path, NoReactions)
	}
	if len(out) == 0 {
		return nil, notes, exitcode.Usagef("--calibrate %s: none of its %s can be given by the fake: %s", path, text.Plural(seen, "reaction", "reactions"), strings.Join(notes, "; "))
	}
	return out, notes, nil
}

// checkCalibration asks the fake whether it can give re for stimulus: a
// known stimulus, a status that refuses, frames that are JSON objects, a
// close code a server may send.
func checkCalibration(stimulus string, re protocol.Reaction) error {
	if stimulus == "" {
		return errors.New("it names no stimulus")
	}
	_, err := fakeserver.New(fakeserver.Options{Calibration: map[string]protocol.Reaction{stimulus: re}})
	return err
}

// describeReaction is a reaction in a few words, for a note.
func describeReaction(re protocol.Reaction) string {
	switch re.Kind {
	case protocol.ReactHTTP:
		return fmt.Sprintf("HTTP %d", re.Status)
	case protocol.ReactSession:
		return "taken as fine"
	}
	s := text.Plural(len(re.Frames), "frame", "frames")
	if re.Close != nil {
		s += fmt.Sprintf(", close %d", re.Close.Code)
	}
	return s
}

// Read loads --calibrate and prints the loader's notes; nil when path is
// empty. Whether the target can be calibrated is targets.Start's to say.
func Read(path string, w io.Writer) (map[string]protocol.Reaction, error) {
	if path == "" {
		return nil, nil
	}
	calib, notes, err := Load(path)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		fmt.Fprintf(w, "calibration: %s\n", n)
	}
	return calib, nil
}

// WriteChanges prints how a calibrated fake differs from its own choices:
// one line per calibrated stimulus, then the stimuli left as they were.
func WriteChanges(w io.Writer, srv *fakeserver.Server) {
	if srv == nil {
		return
	}
	notes := srv.Calibrated()
	if len(notes) == 0 {
		return
	}
	done := map[string]bool{}
	for _, n := range notes {
		fmt.Fprintf(w, "calibrated %s (choice %s): was %s; now %s\n", n.Stimulus, n.Choice, n.Own, n.Now)
		done[n.Stimulus] = true
	}
	var left []string
	for _, st := range protocol.Stimuli {
		if !done[st.Name] {
			left = append(left, st.Name)
		}
	}
	if len(left) == 0 {
		fmt.Fprintln(w, "left at the fake's choice (not calibrated): none")
		return
	}
	fmt.Fprintf(w, "left at the fake's choice (not calibrated): %s\n", strings.Join(left, ", "))
}
