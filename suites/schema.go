package suites

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// schemaCases: a spec per message type drives the target to produce it and
// validates it; SCHEMA-1, the last spec of the run, validates every frame any
// spec received.
func schemaCases() []Case {
	produce := func(mt string, d drive) func(ginkgo.SpecContext, *Spec) {
		return then(d, func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) {
			f, ok := c.Timeline().Find(mt)
			if !ok {
				f, ok = s.Await(ctx, c, mt)
			}
			s.Validates(mt, f, ok, c)
		})
	}
	hex32 := regexp.MustCompile(`^[0-9a-f]{32}$`)
	cs := []Case{
		{ID: "SCHEMA-2", Level: verdict.Must, Subject: protocol.SessionStarted, Session: true,
			Requirement: "session_started is the first frame and validates against its schema.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				f, ok := c.Timeline().First()
				s.Validates(protocol.SessionStarted, f, ok && f.Type == protocol.SessionStarted, c)
			}},
		{ID: "SCHEMA-3", Level: verdict.Should, Subject: "session_id", Session: true,
			Requirement: "session_id is 32 lower-case hex characters.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				f, _ := c.Timeline().First()
				id := f.Get("session_id").String()
				s.Verify(hex32.MatchString(id), "32 lower-case hex", fmt.Sprintf("%q", id), c)
			}},
		{ID: "SCHEMA-4", Level: verdict.Should, Subject: "config wire shape", Session: true,
			Requirement: "session_started.config has the wire shape: vad_commit_strategy and disable_logging, not the SDK types' commit_strategy and enable_logging.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				cfg := config(c)
				var wrong []string
				for _, k := range []string{"vad_commit_strategy", "disable_logging"} {
					if !cfg.Get(k).Exists() {
						wrong = append(wrong, k+" is missing")
					}
				}
				for _, k := range []string{"commit_strategy", "enable_logging"} {
					if cfg.Get(k).Exists() {
						wrong = append(wrong, k+" is present")
					}
				}
				s.Verify(len(wrong) == 0, "vad_commit_strategy and disable_logging, no commit_strategy or enable_logging",
					strings.Join(wrong, "; "), c)
			}},
		{ID: "SCHEMA-5", Level: verdict.Must, Subject: protocol.PartialTranscript, Session: true,
			Requirement: "partial_transcript (after 3.5 s of audio) validates against its schema.",
			Body:        produce(protocol.PartialTranscript, streaming(pastPartials))},
		{ID: "SCHEMA-6", Level: verdict.Must, Subject: protocol.CommittedTranscript, Session: true,
			Requirement: "committed_transcript validates against its schema.", Body: produce(protocol.CommittedTranscript, streaming(oneSecond))},
		{ID: "SCHEMA-7", Level: verdict.Must, Subject: protocol.CommittedTranscriptWithTimestamps, Session: true,
			Requirement: "committed_transcript_with_timestamps, and each Word in it, validates against its schema.",
			Body:        produce(protocol.CommittedTranscriptWithTimestamps, streaming(stream{speech: 1.5, commit: true}, "include_timestamps", "true"))},
		{ID: "SCHEMA-8", Level: verdict.Should, Subject: protocol.CommittedTranscriptEntities, Session: true,
			Requirement: "committed_transcript_entities (entity_detection=all) validates against its schema.",
			Body:        produce(protocol.CommittedTranscriptEntities, streaming(oneSecond, "entity_detection", "all"))},
		{ID: "SCHEMA-9", Level: verdict.Should, Subject: protocol.Warning,
			Requirement: "A warning (enable_logging=false on a non-enterprise plan) validates against its schema (O, and in the 2.78.0 contract); whether one comes is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Dial(ctx, query("enable_logging", "false"))
				s.Barrier(ctx, c)
				f, ok := c.Timeline().Find(protocol.Warning)
				if !ok {
					s.NotOffered("no warning frame (an enterprise plan, or a server that does not warn)")
					return
				}
				s.Validates(protocol.Warning, f, true, c)
			}},
		{ID: "SCHEMA-10", Level: verdict.Must, Subject: protocol.ErrAuth,
			Requirement: "auth_error (no credentials) validates against the error schema.",
			Body:        produce(protocol.ErrAuth, noCredentials)},
		{ID: "SCHEMA-11", Level: verdict.Should, Subject: protocol.ErrCommitThrottled, Session: true,
			Requirement: "commit_throttled validates against the error schema.", Body: produce(protocol.ErrCommitThrottled, streaming(tooShort))},
		{ID: "SCHEMA-12", Level: verdict.Should, Subject: protocol.ErrInput, Session: true,
			Requirement: "input_error validates against the error schema.",
			Body: produce(protocol.ErrInput, func(ctx ginkgo.SpecContext, s *Spec) *probes.Conn {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, `{"message_type":"session_config"}`)
				return c
			})},
		{ID: "SCHEMA-13", Level: verdict.Should, Subject: protocol.ErrInvalidRequest,
			Requirement: "invalid_request (a bad audio_format) validates against the error schema.",
			Body: produce(protocol.ErrInvalidRequest, func(ctx ginkgo.SpecContext, s *Spec) *probes.Conn {
				c := s.Dial(ctx, query("audio_format", "pcm_11025"))
				s.WaitClosed(ctx, c)
				return c
			})},
		{ID: "SCHEMA-14", Level: verdict.Info, Subject: "final_transcript",
			Requirement: "Whether any final_transcript or final_transcript_with_timestamps came in this run (trigger unconfirmed) is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				n := 0
				for _, lf := range s.Env.loggedFrames() {
					if lf.frame.Type == protocol.FinalTranscript || lf.frame.Type == protocol.FinalTranscriptWithTimestamps {
						n++
					}
				}
				s.Observe(fmt.Sprintf("%d final_transcript frames in the run", n))
			}},
		{ID: "SCHEMA-15", Level: verdict.Should, Subject: protocol.RedactedTranscript,
			Requirement: "redacted_transcript (entity_redaction=pii) validates against its schema (C; INFO if not offered).",
			Body:        contractSchema(protocol.RedactedTranscript, protocol.ParamEntityRedaction, "pii")},
		{ID: "SCHEMA-16", Level: verdict.Should, Subject: protocol.EditedTranscript,
			Requirement: "edited_transcript (transcript_edit) validates against its schema (C; INFO if not offered).",
			Body:        contractSchema(protocol.EditedTranscript, protocol.ParamTranscriptEdit, "Replace alpha with Alfa.")},
		{ID: "SCHEMA-17", Level: verdict.Should, Subject: protocol.DiarizedTranscript,
			Requirement: "diarized_transcript (diarize=true) validates against its schema, each word a Word (C; INFO if not offered).",
			Body:        contractSchema(protocol.DiarizedTranscript, protocol.ParamDiarize, "true")},
		{ID: "SCHEMA-18", Level: verdict.Should, Subject: protocol.SpeakersMerged,
			Requirement: "speakers_merged (three turns in two voices) validates against its schema (C; INFO if not offered).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, merges := s.driveVoices(ctx)
				switch {
				case c == nil:
				case len(merges) == 0:
					s.NotOffered("no speakers_merged in three turns of two voices")
				default:
					s.Validates(protocol.SpeakersMerged, merges[0], true, c)
				}
			}},
		{ID: "SCHEMA-1", Level: verdict.Must, Subject: "every frame",
			Requirement: "Every frame received in this run validates against the schema of its message type (an undocumented field is NON-STRICT).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				if len(s.Env.loggedFrames()) == 0 { // run alone: make some frames
					c := s.Open(ctx, query("include_timestamps", "true"))
					s.Send(ctx, c, speech(1), true)
					s.Await(ctx, c, protocol.CommittedTranscriptWithTimestamps)
					c.Close()
					s.Env.log(s.Case.ID, c.Timeline())
				}
				var invalid, invalidShould, unconfirmed, nonStrict []string
				total := 0
				for _, lf := range s.Env.loggedFrames() {
					class, why := servercheck.ClassifyFrame(s.Env.schemas, lf.frame)
					line := lf.specID + ": " + why
					if lf.frame.ParseErr == "" {
						total++
					}
					switch class {
					case servercheck.Invalid:
						invalid = append(invalid, line)
					case servercheck.InvalidShould:
						invalidShould = append(invalidShould, line)
					case servercheck.Undocumented:
						nonStrict = append(nonStrict, line)
					case servercheck.Unconfirmed:
						unconfirmed = append(unconfirmed, line)
					}
				}
				s.Verify(len(invalid) == 0, fmt.Sprintf("all %d frames valid", total), firstLines(invalid, 8))
				s.Require(verdict.Should, len(invalidShould) == 0, "warning and the newest contract's frames valid", firstLines(invalidShould, 8))
				s.Require(verdict.Should, len(nonStrict) == 0, "no undocumented fields or message types", firstLines(nonStrict, 8))
				if len(unconfirmed) > 0 {
					s.Observe("final_transcript frames off their old schema: " + firstLines(unconfirmed, 4))
				}
			}},
	}
	for i := range cs {
		cs[i].Area = "schema"
	}
	return cs
}

// contractSchema drives a target to send mt (a frame of the newest
// contract) with one query parameter and validates it.
func contractSchema(mt, key, value string) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) {
		if c, f := s.contractFrame(ctx, mt, query(key, value)); c != nil {
			s.Validates(mt, f, true, c)
		}
	}
}

// Validates grades one frame against its schema: INVALID fails at the
// spec's level, an undocumented field is NON-STRICT.
func (s *Spec) Validates(mt string, f probes.Frame, ok bool, c *probes.Conn) {
	if !ok {
		s.Verify(false, "the target to send "+mt, "it did not: "+frameOrNone(f, ok), c)
		return
	}
	res := s.Env.schemas.ValidateFrame([]byte(f.Raw))
	s.Verify(res.Fit != protocol.SchemaInvalid, mt+" valid against "+protocol.SchemaFor(mt), res.String(), c)
	s.Require(verdict.Should, res.Fit == protocol.SchemaValid, "no undocumented fields", res.String(), c)
}

// firstLines is text.FewLines indented to line up under the spec's
// message in the console.
func firstLines(lines []string, n int) string {
	return strings.ReplaceAll(text.FewLines(lines, n), "\n", "\n          ")
}
