package suites

import (
	"encoding/json"
	"net/http"
	"slices"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// React records what the target did with an INFO spec's stimulus, in the form
// a fake is calibrated from (results.json's "reaction").
func (s *Spec) React(r protocol.Reaction) {
	b, err := json.Marshal(r)
	if err != nil {
		s.Harness("%s: the reaction cannot be recorded: %v", s.Case.ID, err)
	}
	ginkgo.AddReportEntry(entryReaction, s.redact(string(b)), ginkgo.ReportEntryVisibilityNever)
}

// ObserveStimulus records what a socket whose upgrade request carried a
// handshake stimulus came to (ObserveConn), and the target's reaction.
func (s *Spec) ObserveStimulus(stimulus string, c *probes.Conn) {
	s.ObserveConn(c)
	s.reactHandshake(stimulus, c.Timeline())
}

// pathStimuli are the auth paths whose socket carries a stimulus.
var pathStimuli = map[string]string{probes.PathTokenWrongType.Name: protocol.StimTokenWrongType}

// reactPath records the reaction to the stimulus an auth path's probe sent,
// from its decisive socket; a path without one, or a probe that opened no
// socket, records none.
func (s *Spec) reactPath(p probes.AuthPath, res probes.Result) {
	stimulus, ok := pathStimuli[p.Name]
	if tl, opened := res.Decisive(); ok && opened {
		s.reactHandshake(stimulus, tl)
	}
}

// reactHandshake records the reaction to a handshake stimulus from the
// timeline of the socket that carried it, when there is one to record.
func (s *Spec) reactHandshake(stimulus string, tl probes.Timeline) {
	if re, ok := handshakeReaction(stimulus, tl); ok {
		s.React(re)
	}
}

// reactFrame records the reaction to a frame stimulus: the frame c sent
// after sent others (sentFrames before sending it).
func (s *Spec) reactFrame(stimulus string, c *probes.Conn, sent int) {
	if re, ok := frameReaction(stimulus, c.Timeline(), sent); ok {
		s.React(re)
	}
}

// sentFrames counts the frames c has sent so far.
func sentFrames(c *probes.Conn) int {
	n := 0
	for _, f := range c.Timeline().Frames {
		if f.Out {
			n++
		}
	}
	return n
}

// handshakeReaction is what a target did with an upgrade request that
// carried stimulus, from its socket's timeline: the upgrade refused (its
// status and body), a session opened (session_started first), or else every
// frame received, verbatim, and the server's close (nil if the socket did not
// close, or we closed it). ok is false when there is nothing a fake could
// give: no HTTP answer at all, or a connection dropped without a close frame.
func handshakeReaction(stimulus string, tl probes.Timeline) (re protocol.Reaction, ok bool) {
	re.Stimulus = stimulus
	switch {
	case tl.Upgrade.Status == 0:
		return re, false
	case tl.Upgrade.Status != http.StatusSwitchingProtocols:
		re.Kind, re.Status, re.Body = protocol.ReactHTTP, tl.Upgrade.Status, tl.Upgrade.Body
		return re, true
	}
	if first, ok := tl.First(); ok && first.Type == protocol.SessionStarted {
		re.Kind = protocol.ReactSession
		return re, true
	}
	if dropped(tl) {
		return re, false
	}
	re.Kind = protocol.ReactFrames
	for _, f := range tl.Received() {
		re.Frames = append(re.Frames, f.Raw)
	}
	re.Close = serverClose(tl)
	return re, true
}

// frameReaction is what a target did with a frame stimulus inside a session:
// the frames it sent after the stimulus, the one we sent after sent others,
// that answer no audio (partial_transcript, a commit's frames) and no
// barrier, verbatim, and its close if it closed. No such frame and no close
// is ReactSession: no answer, the session went on. ok is false when the
// stimulus is not in the timeline, or the connection dropped without a close
// frame (which no fake can be told to do).
func frameReaction(stimulus string, tl probes.Timeline, sent int) (re protocol.Reaction, ok bool) {
	re.Stimulus = stimulus
	n, after := 0, false
	for _, f := range tl.Frames {
		switch {
		case f.Out:
			after = after || n == sent
			n++
		case after && !answersAudio(f) && !probes.IsBarrierAnswer(f):
			re.Frames = append(re.Frames, f.Raw)
		}
	}
	if !after || dropped(tl) {
		return re, false
	}
	re.Close = serverClose(tl)
	re.Kind = protocol.ReactFrames
	if len(re.Frames) == 0 && re.Close == nil {
		re.Kind = protocol.ReactSession
	}
	return re, true
}

// answersAudio tells the frames a session sends for the audio it takes: a
// partial, a commit's transcripts.
func answersAudio(f probes.Frame) bool {
	return f.Type == protocol.PartialTranscript || slices.Contains(commitAnswers, f.Type)
}

// serverClose is the close frame the server sent, nil if it sent none.
func serverClose(tl probes.Timeline) *protocol.Closing {
	if tl.Close == nil || tl.Close.ByUs || tl.Close.Code < 0 {
		return nil
	}
	return &protocol.Closing{Code: tl.Close.Code, Reason: tl.Close.Reason}
}

// dropped: the server ended the connection without a close frame.
func dropped(tl probes.Timeline) bool {
	return tl.Close != nil && !tl.Close.ByUs && tl.Close.Code < 0
}
