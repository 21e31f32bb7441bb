package fakeserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
)

// A calibrated fake answers each stimulus (protocol.Stimuli) the way a real
// server was seen to answer it, a protocol.Reaction an INFO spec recorded,
// instead of by its own named choice. The fake recognises a stimulus where it
// already handles that input: requestStimuli (config.go) for the upgrade
// request, authenticateToken (auth.go) for a token of another type, handle
// and audioChunk (session.go) for frames. This file checks the reactions and
// gives them.
//
// An input that carries several stimuli meets them in the order of
// protocol.Stimuli: the first one the fake does not take as fine decides the
// answer. A recorded ReactSession takes its input as fine, and so does the
// fake's own choice where it accepts the input.

// calibration maps stimulus names to the reactions to give. New checks it;
// it is read-only afterwards.
type calibration map[string]protocol.Reaction

// newCalibration checks every reaction of Options.Calibration.
func newCalibration(in map[string]protocol.Reaction) (calibration, error) {
	c := calibration{}
	for _, name := range slices.Sorted(maps.Keys(in)) {
		if err := checkReaction(name, in[name]); err != nil {
			return nil, fmt.Errorf("calibration for stimulus %q: %w", name, err)
		}
		c[name] = in[name]
	}
	return c, nil
}

func checkReaction(name string, re protocol.Reaction) error {
	st, ok := protocol.LookupStimulus(name)
	if !ok {
		return errors.New("no such stimulus (protocol.Stimuli lists them)")
	}
	if re.Stimulus != "" && re.Stimulus != name {
		return fmt.Errorf("the reaction was recorded for %q", re.Stimulus)
	}
	switch re.Kind {
	case protocol.ReactSession:
		return nil
	case protocol.ReactHTTP:
		if st.At != protocol.StimulusHandshake {
			return fmt.Errorf("kind %s applies to the upgrade request only; this stimulus is a %s", re.Kind, st.At)
		}
		if re.Status < 400 || re.Status > 599 {
			return fmt.Errorf("HTTP status %d is not a refusal (400..599)", re.Status)
		}
		return nil
	case protocol.ReactFrames:
		for i, f := range re.Frames {
			if !gjson.Valid(f) || !gjson.Parse(f).IsObject() {
				return fmt.Errorf("frame %d is not a JSON object: %s", i+1, text.OneLine(f, 60))
			}
		}
		if re.Close != nil {
			return checkClose(*re.Close)
		}
		return nil
	}
	return fmt.Errorf("unknown reaction kind %q: want %s, %s or %s", re.Kind, protocol.ReactSession, protocol.ReactHTTP, protocol.ReactFrames)
}

// maxCloseReason is what a close frame's payload (125 bytes) leaves for the
// reason after the code.
const maxCloseReason = 123

// checkClose refuses a close a server may not send (RFC 6455 §7.4): a code
// outside 1000..4999, one that only reports a missing close (1005, 1006,
// 1015) or is reserved (1004), an unassigned one (1016..2999, which the
// WebSocket library would replace with 1011), a reason too long for the frame
// or not UTF-8.
func checkClose(c protocol.Closing) error {
	switch {
	case c.Code < 1000 || c.Code > 4999:
		return fmt.Errorf("close code %d is outside 1000..4999", c.Code)
	case c.Code == 1004 || c.Code == 1005 || c.Code == 1006 || c.Code == 1015:
		return fmt.Errorf("close code %d may not be sent in a close frame", c.Code)
	case c.Code > 1015 && c.Code < 3000:
		return fmt.Errorf("close code %d is unassigned (1016..2999) and may not be sent", c.Code)
	case len(c.Reason) > maxCloseReason:
		return fmt.Errorf("close reason has %d bytes; a close frame holds at most %d", len(c.Reason), maxCloseReason)
	case !utf8.ValidString(c.Reason):
		return errors.New("close reason is not UTF-8")
	}
	return nil
}

// refusesOverHTTP: some reaction refuses the upgrade, so credentials must be
// decided before it.
func (c calibration) refusesOverHTTP() bool {
	for _, re := range c {
		if re.Kind == protocol.ReactHTTP {
			return true
		}
	}
	return false
}

// handshake is the fake's answer to an upgrade request.
type handshake struct {
	auth     authResult
	stimulus string            // the stimulus whose recorded reaction answers,
	reaction protocol.Reaction // HTTP or frames; Kind "" when none does
	cfg      sessionConfig     // the session's, when err is nil
	err      error             // the fake's own invalid_request
}

// answerHandshake decides an upgrade request once its credentials are
// decided: they come first (choice auth-before-params), and only a token of
// another type is a stimulus among them. Then the request's stimuli, in the
// order of protocol.Stimuli: a recorded HTTP or frames reaction answers; a
// recorded session takes the input as fine and goes on; without a reaction
// the fake's own choice goes on where it accepts the input and refuses it
// otherwise. Last, the query is parsed.
func (s *Server) answerHandshake(r *http.Request, auth authResult) handshake {
	h := handshake{auth: auth}
	var fine []string // taken as fine by a recorded session; logged if the session opens
	if !auth.ok {
		re, ok := s.calib[protocol.StimTokenWrongType]
		switch {
		case !auth.wrongType || !ok:
			return h // auth_error
		case re.Kind != protocol.ReactSession:
			h.stimulus, h.reaction = protocol.StimTokenWrongType, re
			return h
		}
		if h.auth = s.takeToken(r); !h.auth.ok {
			return h
		}
		fine = append(fine, protocol.StimTokenWrongType)
	}
	q, rules := r.URL.Query(), s.set.params
	stimuli := requestStimuli(r)
walk:
	for i, name := range stimuli {
		re, ok := s.calib[name]
		switch {
		case ok && re.Kind == protocol.ReactSession:
			q, rules = takeAsFine(name, q, rules)
			fine = append(fine, name)
		case ok:
			h.stimulus, h.reaction = name, re
			return h
		default:
			// The fake's own choice refuses this input if the parser refuses
			// the query with the later stimuli taken as fine.
			lq, lrules := q, rules
			for _, later := range stimuli[i+1:] {
				lq, lrules = takeAsFine(later, lq, lrules)
			}
			if _, err := parseConfig(lq, lrules); err != nil {
				break walk
			}
		}
	}
	// Parsing q itself keeps an uncalibrated fake's error texts as they were.
	if h.cfg, h.err = parseConfig(q, rules); h.err == nil {
		for _, name := range fine {
			s.log.Printf("calibrated %s: %s", name, sent(protocol.StimulusHandshake, s.calib[name]))
		}
	}
	return h
}

// takeToken accepts a token of another type, as a server that opened a
// session with one did: the token is spent like any that opens a session,
// and the session acts for the key that minted it.
func (s *Server) takeToken(r *http.Request) authResult {
	value := r.URL.Query().Get(protocol.TokenParam)
	t, ok := s.tokens.Lookup(value)
	if !ok {
		return authResult{why: ErrTokenUnknown.Error()}
	}
	if _, err := s.tokens.Consume(value, t.Type); err != nil {
		return authResult{why: err.Error()}
	}
	return authResult{ok: true, via: "token", key: t.MintedBy}
}

// takeAsFine returns a query and parser rules under which the input of
// stimulus name is fine, as for a server that opened the session with it: a
// model is taken as given and echoed so; a missing model is the default one;
// keyterms are taken as sent, however many and long; yes and no are true and
// false. The path and entity_redaction_mode alone need nothing: the old path
// is served as the realtime one, and the mode is kept as sent (without
// entity_redaction it changes nothing). q and rules are not changed.
func takeAsFine(name string, q url.Values, rules paramRules) (url.Values, paramRules) {
	c := url.Values{}
	for k, vs := range q {
		c[k] = slices.Clone(vs)
	}
	switch name {
	case protocol.StimModelMissing:
		c.Set(protocol.ParamModelID, protocol.DefaultModel)
	case protocol.StimModelUnknown, protocol.StimModelUpperCase, protocol.StimModelPadded, protocol.StimModelOldName, protocol.StimModelLite:
		vs := c[protocol.ParamModelID]
		rules.Models = append(slices.Clone(rules.Models), vs[len(vs)-1])
	case protocol.StimKeytermsTooMany:
		rules.AnyCount = with(rules.AnyCount, protocol.ParamKeyterms)
	case protocol.StimKeytermTooLong:
		rules.AnyLength = with(rules.AnyLength, protocol.ParamKeyterms)
	case protocol.StimBoolWord:
		for _, p := range boolWords(c) {
			vs := c[p]
			vs[len(vs)-1] = strconv.FormatBool(strings.EqualFold(vs[len(vs)-1], "yes"))
		}
	}
	return c, rules
}

// with is a copy of set with k added.
func with(set map[string]bool, k string) map[string]bool {
	out := maps.Clone(set)
	if out == nil {
		out = map[string]bool{}
	}
	out[k] = true
	return out
}

// refuseUpgrade answers the upgrade request with a recorded HTTP refusal.
func (s *Server) refuseUpgrade(w http.ResponseWriter, name string, re protocol.Reaction) {
	s.log.Printf("calibrated %s: %s", name, sent(protocol.StimulusHandshake, re))
	contentType := "text/plain; charset=utf-8"
	if json.Valid([]byte(re.Body)) {
		contentType = "application/json"
	}
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(re.Status)
	_, _ = io.WriteString(w, re.Body)
}

// play sends a recorded frames reaction to stimulus name, given at at: the frames byte for byte, then its
// close if it has one.
func (s *Server) play(at, name string, re protocol.Reaction, out wire) {
	s.log.Printf("calibrated %s: %s", name, sent(at, re))
	batch := make([]frame, len(re.Frames))
	for i, f := range re.Frames {
		batch[i] = frame{calibratedFrame, rawText(f)}
	}
	out.Send(batch...)
	if re.Close != nil {
		out.Close(websocket.StatusCode(re.Close.Code), re.Close.Reason)
	}
}

// calibratedFrame is the Type of a recorded frame on its way out. It is not
// the frame's message_type, so no fault's filter takes it for one of the
// fake's own.
const calibratedFrame = "calibrated"

// stimulus answers a frame that is stimulus name: as recorded if the server
// has a reaction for it, else as own does (the fake's choice). It reports
// whether the session reads on with the input taken as fine.
func (ss *session) stimulus(name string, own func() bool) bool {
	re, ok := ss.srv.calib[name]
	switch {
	case !ok:
		return own()
	case re.Kind == protocol.ReactSession:
		ss.srv.log.Printf("calibrated %s: %s", name, sent(protocol.StimulusFrame, re))
		return true
	}
	ss.srv.play(protocol.StimulusFrame, name, re, ss.out)
	return false
}

// sent says in words what a reaction sends, for the log and the notes.
func sent(at string, re protocol.Reaction) string {
	switch re.Kind {
	case protocol.ReactHTTP:
		return fmt.Sprintf("HTTP %d %s", re.Status, text.OneLine(re.Body, 200))
	case protocol.ReactSession:
		if at == protocol.StimulusFrame {
			return "no answer; the session reads on, taking the frame as fine"
		}
		return "session_started, as if the input were fine"
	}
	var b strings.Builder
	if len(re.Frames) == 0 {
		b.WriteString("no frame")
	}
	for i, f := range re.Frames {
		if i > 0 {
			b.WriteString(" ")
		}
		b.WriteString(text.OneLine(f, 200))
	}
	switch {
	case re.Close != nil:
		fmt.Fprintf(&b, ", then close %d %q", re.Close.Code, re.Close.Reason)
	case at == protocol.StimulusFrame:
		b.WriteString(", then the session goes on, ignoring the frame")
	default:
		b.WriteString(", then nothing: the socket stays open")
	}
	return b.String()
}

// CalibrationNote says how the fake answers one calibrated stimulus.
type CalibrationNote struct {
	Stimulus string
	Choice   string // the fake's named choice the reaction overrides
	Own      string // the fake's own answer: the choice in words
	Now      string // the recorded reaction, in words
}

// String is the note on one line.
func (n CalibrationNote) String() string {
	return fmt.Sprintf("%s (choice %s): own answer: %s; now: %s", n.Stimulus, n.Choice, n.Own, n.Now)
}

// Calibrated lists the stimuli the server answers as recorded, in the order
// of protocol.Stimuli.
func (s *Server) Calibrated() []CalibrationNote {
	var out []CalibrationNote
	for _, st := range protocol.Stimuli {
		re, ok := s.calib[st.Name]
		if !ok {
			continue
		}
		own := "no such choice"
		if i := slices.IndexFunc(Choices, func(c Choice) bool { return c.Name == st.Choice }); i >= 0 {
			own = Choices[i].What
		}
		out = append(out, CalibrationNote{Stimulus: st.Name, Choice: st.Choice, Own: own, Now: sent(st.At, re)})
	}
	return out
}
