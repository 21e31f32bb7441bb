package suites

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// contractCases: what the newest contract adds (docs/protocol.md §8, level C: in
// the vendor's generated types of elevenlabs 2.78.0, not yet documented nor
// seen live). Whether a server offers a feature is INFO: a refusal, or no
// frame at all, is recorded as INFORMATIONAL. Once it is offered, the shape
// and order of what comes is SHOULD.
func contractCases() []Case {
	cs := []Case{
		{ID: "CONTRACT-1", Level: verdict.Should, Subject: protocol.V3Model,
			Requirement: "model_id=scribe_v3_live opens a session whose config echoes the model (INFO if the target refuses the model).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				q := query()
				q.Set(protocol.ParamModelID, protocol.V3Model)
				c := s.OpenContract(ctx, q)
				if c == nil {
					return
				}
				got := config(c).Get("model_id").String()
				s.Verify(got == protocol.V3Model, "config.model_id "+protocol.V3Model, fmt.Sprintf("%q", got), c)
			}},
		{ID: "CONTRACT-2", Level: verdict.Should, Subject: "commit_strategy=turn_prediction",
			Requirement: "With commit_strategy=turn_prediction the server ends a turn by itself: speech then a pause is committed without a client commit.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.OpenContract(ctx, query(protocol.ParamCommitStrategy, protocol.CommitTurnPrediction, protocol.ParamVADSilenceThresholdSecs, "0.5"))
				if c == nil {
					return
				}
				s.Send(ctx, c, append(speech(1.5), silence(1)...), false)
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "CONTRACT-3", Level: verdict.Info, Subject: "turn_prediction echo",
			Requirement: "What session_started.config says for commit_strategy=turn_prediction (the contract's config types know only manual|vad) is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Dial(ctx, query(protocol.ParamCommitStrategy, protocol.CommitTurnPrediction))
				cfg := config(c)
				if !cfg.Exists() {
					s.ObserveConn(c)
					return
				}
				s.Observe(fmt.Sprintf("vad_commit_strategy %s, commit_strategy %s", rawOr(cfg.Get("vad_commit_strategy").Raw), rawOr(cfg.Get("commit_strategy").Raw)))
			}},
		{ID: "CONTRACT-4", Level: verdict.Should, Subject: "entity_redaction=pii",
			Requirement: "With entity_redaction=pii a redacted_transcript follows each committed_transcript, with its text unredacted beside redacted_text.",
			Body:        followsItsCommit(protocol.RedactedTranscript, protocol.ParamEntityRedaction, "pii")},
	}
	n := 5
	for _, m := range []struct{ mode, form, pattern string }{
		{protocol.RedactionRedacted, "{REDACTED}", `^\{REDACTED\}$`},
		{protocol.RedactionEntityType, "{ENTITY_TYPE}", `^\{[A-Z][A-Z_]*[A-Z]\}$`},
		{protocol.RedactionEnumerated, "{ENTITY_TYPE_N}", `^\{[A-Z][A-Z_]*_[1-9][0-9]*\}$`},
	} {
		placeholder := regexp.MustCompile(m.pattern)
		cs = append(cs, Case{ID: fmt.Sprintf("CONTRACT-%d", n), Level: verdict.Should, Subject: "entity_redaction_mode=" + m.mode,
			Requirement: fmt.Sprintf("With entity_redaction_mode=%s every redacted entity reads %s.", m.mode, m.form),
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, f := s.contractFrame(ctx, protocol.RedactedTranscript,
					query(protocol.ParamEntityRedaction, "all", protocol.ParamEntityRedactionMode, m.mode))
				if c == nil {
					return
				}
				found := placeholders.FindAllString(f.Get("redacted_text").String(), -1)
				if len(found) == 0 {
					ginkgo.Skip(fmt.Sprintf("inconclusive: nothing was redacted in %q", f.Get("text").String()))
				}
				var wrong []string
				for _, p := range found {
					if !placeholder.MatchString(p) {
						wrong = append(wrong, p)
					}
				}
				s.Verify(len(wrong) == 0, "placeholders of the form "+m.form, "found "+strings.Join(wrong, ", "), c)
			}})
		n++
	}
	cs = append(cs, []Case{
		{ID: "CONTRACT-8", Level: verdict.Should, Subject: "transcript_edit",
			Requirement: "With transcript_edit an edited_transcript follows each committed_transcript, with its text as committed beside edited_text.",
			Body:        followsItsCommit(protocol.EditedTranscript, protocol.ParamTranscriptEdit, "Replace alpha with Alfa.")},
		{ID: "CONTRACT-9", Level: verdict.Should, Subject: "transcript_edit of 2001 characters",
			Requirement: "A transcript_edit over 2000 characters is refused: invalid_request, then close.",
			Body:        refused(protocol.ParamTranscriptEdit, strings.Repeat("e", 2001))},
		{ID: "CONTRACT-10", Level: verdict.Should, Subject: "transcript_edit+entity_detection",
			Requirement: "transcript_edit with entity_detection is refused: invalid_request, then close.",
			Body:        refused(protocol.ParamTranscriptEdit, "Fix the spelling.", protocol.ParamEntityDetection, "pii")},
		{ID: "CONTRACT-11", Level: verdict.Should, Subject: "transcript_edit+entity_redaction",
			Requirement: "transcript_edit with entity_redaction is refused: invalid_request, then close.",
			Body:        refused(protocol.ParamTranscriptEdit, "Fix the spelling.", protocol.ParamEntityRedaction, "pii")},
		{ID: "CONTRACT-12", Level: verdict.Should, Subject: "diarized_transcript",
			Requirement: "With diarization (diarize=true, the fake's choice of name) a diarized_transcript follows each committed_transcript, its segment_index counting commits from 0.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.OpenContract(ctx, query(protocol.ParamDiarize, "true"))
				if c == nil {
					return
				}
				for range 2 {
					s.Send(ctx, c, speech(1.5), true)
				}
				if got := s.Collect(ctx, c, 2, protocol.DiarizedTranscript); len(got) == 0 {
					s.NotOffered("no diarized_transcript after two commits")
					return
				}
				s.followsItsCommit(c, protocol.DiarizedTranscript)
				var wrong []string
				committed := framesOf(c.Timeline().Received(), protocol.CommittedTranscript)
				for _, f := range framesOf(c.Timeline().Received(), protocol.DiarizedTranscript) {
					i := int(f.Get("segment_index").Int())
					if i < 0 || i >= len(committed) || committed[i].Get("text").String() != f.Get("text").String() {
						wrong = append(wrong, fmt.Sprintf("segment_index %d with text %q", i, f.Get("text").String()))
					}
				}
				s.Verify(len(wrong) == 0, "segment_index i names the i-th committed_transcript (from 0)", strings.Join(wrong, "; "), c)
			}},
		{ID: "CONTRACT-13", Level: verdict.Should, Subject: protocol.SpeakersMerged,
			Requirement: "A speakers_merged (three turns in two voices: A, B, A) names a from_speaker_id an earlier diarized_transcript used and that no later one uses.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, merges := s.driveVoices(ctx)
				if c == nil {
					return
				}
				if len(merges) == 0 {
					s.NotOffered("no speakers_merged in three turns of two voices")
					return
				}
				wrong := mergesHold(c.Timeline().Received())
				s.Verify(wrong == "", "each merge's from_speaker_id used before it and never after", wrong, c)
			}},
		{ID: "CONTRACT-14", Level: verdict.Info, Subject: "entity_redaction_mode alone",
			Requirement: "What the socket does with entity_redaction_mode but no entity_redaction (the contract: only used with entity_redaction) is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				s.ObserveStimulus(protocol.StimRedactionModeOnly, s.Dial(ctx, query(protocol.ParamEntityRedactionMode, protocol.RedactionRedacted)))
			}},
	}...)
	for i := range cs {
		cs[i].Area = "contract"
		cs[i].Labels = append(cs[i].Labels, "evidence:contract")
	}
	return cs
}

// placeholders finds {…} in a redacted text.
var placeholders = regexp.MustCompile(`\{[^{}\s]*\}`)

// OpenContract opens a session with a feature of the newest contract. A
// target that refuses it is recorded (NotOffered) and nil returned.
func (s *Spec) OpenContract(ctx context.Context, q url.Values) *probes.Conn {
	s.Need(gateSession) // "not offered" only means something once the key opens sessions
	conn, _, ok := probes.OpenSession(ctx, s.Env.Target, q, s.Env.Probe)
	s.track(conn)
	if !ok {
		out, detail := conn.Outcome()
		s.NotOffered(fmt.Sprintf("%s: %s", out, detail))
		return nil
	}
	return conn
}

// contractFrame opens a session with q, commits three seconds of speech and
// awaits a frame of type mt; nil when the feature is not offered.
func (s *Spec) contractFrame(ctx context.Context, mt string, q url.Values) (*probes.Conn, probes.Frame) {
	c := s.OpenContract(ctx, q)
	if c == nil {
		return nil, probes.Frame{}
	}
	s.Send(ctx, c, speech(3), true)
	f, ok := s.Await(ctx, c, mt)
	if !ok {
		s.NotOffered(fmt.Sprintf("no %s after a commit: %s", mt, frameOrNone(f, ok)))
		return nil, probes.Frame{}
	}
	return c, f
}

// followsItsCommit drives a target to send mt with one query parameter and
// grades that it follows its committed_transcript.
func followsItsCommit(mt, key, value string) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) {
		if c, _ := s.contractFrame(ctx, mt, query(key, value)); c != nil {
			s.followsItsCommit(c, mt)
		}
	}
}

// followsItsCommit grades that every frame of type mt in c
// comes after the committed_transcript it belongs to, with its text.
func (s *Spec) followsItsCommit(c *probes.Conn, mt string) {
	problems := servercheck.Unpaired(c.Timeline().Received(), []string{mt})
	s.Verify(len(problems) == 0, mt+" after its committed_transcript, with the same text", strings.Join(problems, "; "), c)
}

// driveVoices opens a diarized session and speaks three turns in two voices
// (ordinary speech, the same three times louder, ordinary again); it returns
// the speakers_merged frames, and nil when diarization is not offered.
func (s *Spec) driveVoices(ctx context.Context) (*probes.Conn, []probes.Frame) {
	c := s.OpenContract(ctx, query(protocol.ParamDiarize, "true"))
	if c == nil {
		return nil, nil
	}
	for _, turn := range [][]byte{speech(2), pcm16k.Louder(speech(2), 3), speech(2)} {
		s.Send(ctx, c, turn, true)
	}
	if got := s.Collect(ctx, c, 3, protocol.DiarizedTranscript); len(got) == 0 {
		s.NotOffered("no diarized_transcript after three commits")
		return nil, nil
	}
	s.Barrier(ctx, c)
	return c, framesOf(c.Timeline().Received(), protocol.SpeakersMerged)
}

// mergesHold says what is wrong with the speakers_merged frames of a
// session, or "": each from_speaker_id must have been used by an earlier
// diarized_transcript and never be used again.
func mergesHold(frames []probes.Frame) string {
	used := map[string]bool{}
	merged := map[string]bool{}
	var wrong []string
	for _, f := range frames {
		switch f.Type {
		case protocol.DiarizedTranscript:
			for _, w := range f.Get("words.#.speaker_id").Array() {
				if merged[w.String()] {
					wrong = append(wrong, fmt.Sprintf("%s used after it was merged", w.String()))
				}
				used[w.String()] = true
			}
		case protocol.SpeakersMerged:
			from, to := f.Get("from_speaker_id").String(), f.Get("to_speaker_id").String()
			if !used[from] || from == to {
				wrong = append(wrong, fmt.Sprintf("merge %s -> %s: %s was never used", from, to, from))
			}
			merged[from] = true
		}
	}
	return strings.Join(wrong, "; ")
}

func rawOr(raw string) string {
	if raw == "" {
		return "(absent)"
	}
	return raw
}
