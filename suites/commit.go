package suites

import (
	"encoding/base64"
	"fmt"
	"strings"
	"time"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// commitCases: manual and VAD strategies, ordering and count, empty commits,
// the 0.3 s rule, timestamps, language detection, entities, auto-commit, the
// idle close, partials and previous_text (docs/protocol.md §4-6).
func commitCases() []Case {
	cs := []Case{
		{ID: "COMMIT-1", Level: verdict.Must, Subject: "one per commit",
			Requirement: "A chunk with audio and commit true is answered by exactly one committed_transcript.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				s.RootOf(gateCommit, "one committed_transcript")
				c := s.Open(ctx, query())
				s.Send(ctx, c, speech(1), true)
				_, ok := s.Await(ctx, c, protocol.CommittedTranscript)
				before, _ := s.Barrier(ctx, c)
				extra := count(before, protocol.CommittedTranscript)
				s.Verify(ok && extra == 0, "one committed_transcript",
					fmt.Sprintf("%d committed_transcript frames", boolInt(ok)+extra), c)
			}},
		{ID: "COMMIT-2", Level: verdict.Must, Subject: "order and count",
			Requirement: "Three commits get three committed_transcripts, in commit order (judged by word times when there are words).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query("include_timestamps", "true"))
				for range 3 {
					s.Send(ctx, c, speech(1), false)
					s.Commit(ctx, c)
				}
				got := s.Collect(ctx, c, 6, protocol.CommittedTranscript, protocol.CommittedTranscriptWithTimestamps)
				before, _ := s.Barrier(ctx, c)
				n := count(got, protocol.CommittedTranscript) + count(before, protocol.CommittedTranscript)
				s.Verify(n == 3, "3 committed_transcript frames", fmt.Sprintf("%d", n), c)
				var starts []string
				ordered := true
				for i, f := range framesOf(got, protocol.CommittedTranscriptWithTimestamps) {
					w := f.Get("words.0.start")
					if !w.Exists() {
						continue
					}
					starts = append(starts, fmt.Sprintf("%.3f", w.Float()))
					if w.Float() < float64(i)-0.05 || w.Float() > float64(i+1) {
						ordered = false
					}
				}
				s.Verify(ordered, "segment i's first word inside second i of the stream (commit order)",
					"first word starts "+strings.Join(starts, ", "), c)
			}},
		{ID: "COMMIT-3", Level: verdict.Must, Subject: "silence",
			Requirement: "A commit of one second of silence gets a committed_transcript with text \"\".",
			Body:        then(streaming(stream{silence: 1, commit: true}), expectFrame(protocol.CommittedTranscript, Field("text", "")))},
		{ID: "COMMIT-4", Level: verdict.Should, Subject: "0.3 s minimum",
			Requirement: "A commit with 0.2 s of uncommitted audio gets commit_throttled with the live sentence.",
			Body:        then(streaming(tooShort), expectError(protocol.ErrCommitThrottled, protocol.CommitThrottledText(0.2)))},
		{ID: "COMMIT-5", Level: verdict.Should, Subject: "throttle closes",
			Requirement: "After commit_throttled the server closes with 1000 and reason commit_throttled.",
			Body:        then(streaming(tooShort), expectClose(1000, protocol.CommitThrottledReason))},
		{ID: "COMMIT-6", Level: verdict.Should, Subject: "commit after commit",
			Requirement: "A commit right after a commit is throttled, saying only 0.00s of uncommitted audio.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				s.Send(ctx, c, speech(1), true)
				s.Await(ctx, c, protocol.CommittedTranscript)
				s.Commit(ctx, c)
				s.VerifyError(ctx, c, protocol.ErrCommitThrottled, protocol.CommitThrottledText(0))
			}},
		{ID: "COMMIT-7", Level: verdict.Must, Subject: "include_timestamps",
			Requirement: "With include_timestamps=true, committed_transcript_with_timestamps follows the committed_transcript, with the same text.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query("include_timestamps", "true"))
				s.Send(ctx, c, speech(1), true)
				plain, ok1 := s.Await(ctx, c, protocol.CommittedTranscript)
				ts, ok2 := s.Await(ctx, c, protocol.CommittedTranscriptWithTimestamps)
				s.Verify(ok1 && ok2 && plain.Get("text").String() == ts.Get("text").String(),
					"committed_transcript, then committed_transcript_with_timestamps with the same text",
					frameOrNone(plain, ok1)+" then "+frameOrNone(ts, ok2), c)
			}},
		{ID: "COMMIT-8", Level: verdict.Should, Subject: "words concatenate",
			Requirement: "The texts of words[] concatenate to the segment's text.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query("include_timestamps", "true"))
				s.Send(ctx, c, speech(1.5), true)
				f, ok := s.Await(ctx, c, protocol.CommittedTranscriptWithTimestamps)
				if ok && f.Get("text").String() == "" {
					ginkgo.Skip("inconclusive: the target heard no words in the test speech")
				}
				var joined strings.Builder
				for _, w := range f.Get("words").Array() {
					joined.WriteString(w.Get("text").String())
				}
				s.Verify(ok && joined.String() == f.Get("text").String(),
					fmt.Sprintf("words joined == %q", f.Get("text").String()), fmt.Sprintf("words joined %q", joined.String()), c)
			}},
		{ID: "COMMIT-9", Level: verdict.Should, Subject: "stream-global times",
			Requirement: "Word times count from the session's start and never go back: the second segment's words start after the first segment's audio.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query("include_timestamps", "true"))
				s.Send(ctx, c, speech(1), true)
				s.Await(ctx, c, protocol.CommittedTranscriptWithTimestamps)
				s.Send(ctx, c, speech(1), true)
				f, ok := s.Await(ctx, c, protocol.CommittedTranscriptWithTimestamps)
				words := f.Get("words").Array()
				if ok && len(words) == 0 {
					ginkgo.Skip("inconclusive: the target heard no words in the test speech")
				}
				problem := ""
				last := 0.0
				for _, w := range words {
					st, en := w.Get("start").Float(), w.Get("end").Float()
					switch {
					case st < 1.0-0.05:
						problem = fmt.Sprintf("word %q starts at %.3f s, inside the first segment", w.Get("text").String(), st)
					case st < last-1e-9 || en < st:
						problem = fmt.Sprintf("word %q at %.3f-%.3f goes back in time", w.Get("text").String(), st, en)
					}
					last = st
				}
				s.Verify(ok && problem == "", "second segment's words at or after 1.0 s, in order", orText(problem, frameOrNone(f, ok)), c)
			}},
		{ID: "COMMIT-10", Level: verdict.Should, Subject: "include_language_detection",
			Requirement: "With include_language_detection=true alone, committed_transcript_with_timestamps follows the segment and carries language_code.",
			Body: then(streaming(oneSecond, "include_language_detection", "true"),
				expectFrame(protocol.CommittedTranscriptWithTimestamps, Present("language_code")))},
		{ID: "COMMIT-11", Level: verdict.Should, Subject: "entity_detection",
			Requirement: "With entity_detection=all, committed_transcript_entities follows each committed segment.",
			Body:        then(streaming(oneSecond, "entity_detection", "all"), expectFrame(protocol.CommittedTranscriptEntities, Array("entities")))},
		{ID: "COMMIT-12", Level: verdict.Must, Subject: "vad commits",
			Requirement: "With commit_strategy=vad the server commits after vad_silence_threshold_secs of silence.",
			Body: then(streaming(stream{speech: 1, silence: 0.8}, "commit_strategy", "vad", "vad_silence_threshold_secs", "0.5"),
				expectFrame(protocol.CommittedTranscript))},
		{ID: "COMMIT-13", Level: verdict.Should, Subject: "vad trailing segment",
			Requirement: "With commit_strategy=vad, speech not yet followed by the silence threshold stays uncommitted.",
			Body: then(streaming(stream{speech: 1, silence: 0.5}, "commit_strategy", "vad", "vad_silence_threshold_secs", "1.5"),
				expectNone(protocol.CommittedTranscript))},
		{ID: "COMMIT-14", Level: verdict.Should, Subject: "vad manual commit",
			Requirement: "With commit_strategy=vad, a client commit is still answered by a committed_transcript.",
			Body:        then(streaming(oneSecond, "commit_strategy", "vad"), expectFrame(protocol.CommittedTranscript))},
		{ID: "COMMIT-15", Level: verdict.Must, Subject: "auto-commit", NeedsFake: true,
			Requirement: "In manual mode the server commits by itself once 90 s of audio are uncommitted.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				s.NeedFakeOrSlow("it streams 91 s of audio")
				c := s.Open(ctx, query())
				_ = c.SendAudio(ctx, pcm16k, speech(91), 1, false)
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "COMMIT-16", Level: verdict.Should, Subject: "idle close", NeedsFake: true,
			Requirement: "A session idle after its last audio chunk is still open at 15 s and closed with 1000 and no message by 16 s.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, ok := s.openIdle(ctx, 16)
				s.Advance(ctx, 15*time.Second)
				_, open := s.Barrier(ctx, c)
				s.Advance(ctx, time.Second)
				got, cl := s.WaitClosed(ctx, c)
				s.Verify(ok && open && cl != nil && cl.Code == 1000 && len(got) == 0,
					"open at 15 s; closed 1000 with no message by 16 s",
					fmt.Sprintf("open at 15 s: %t; then %d frames and %s", open, len(got), describeClose(cl)), c)
			}},
		{ID: "COMMIT-17", Level: verdict.Should, Subject: "pings and idle", NeedsFake: true,
			Requirement: "WebSocket pings do not reset the idle timer.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, _ := s.openIdle(ctx, 16)
				s.Advance(ctx, 10*time.Second)
				pinged := c.Ping(ctx) == nil
				s.Advance(ctx, 6*time.Second)
				_, cl := s.WaitClosed(ctx, c)
				s.Verify(pinged && cl != nil, "closed 16 s after the last audio despite a ping at 10 s",
					fmt.Sprintf("ping answered: %t; %s", pinged, describeClose(cl)), c)
			}},
		{ID: "COMMIT-18", Level: verdict.Should, Subject: "no early partials",
			Requirement: "No partial_transcript comes before 2 s of audio (transcription starts after the first 2 s).",
			Body:        then(streaming(stream{speech: 1.75}), expectNone(protocol.PartialTranscript))},
		{ID: "COMMIT-19", Level: verdict.Should, Subject: "partials",
			Requirement: "partial_transcript frames come once 2 s of audio have been sent.",
			Body:        then(streaming(pastPartials), expectFrame(protocol.PartialTranscript))},
		{ID: "COMMIT-20", Level: verdict.Should, Subject: "commit echo",
			Requirement: "A non-empty commit is echoed as a partial_transcript with the committed text.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				s.Send(ctx, c, speech(1), true)
				f, ok := s.Await(ctx, c, protocol.CommittedTranscript)
				text := f.Get("text").String()
				if ok && text == "" {
					ginkgo.Skip("inconclusive: the target heard no words in the test speech")
				}
				p, pok := s.Await(ctx, c, protocol.PartialTranscript)
				s.Verify(ok && pok && p.Get("text").String() == text, fmt.Sprintf("partial_transcript %q", text), frameOrNone(p, pok), c)
			}},
		{ID: "COMMIT-21", Level: verdict.Must, Subject: "previous_text first",
			Requirement: "previous_text on the first chunk is accepted: the segment is committed as usual.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, rawChunk(speech(0.5), false, `,"previous_text":"Earlier we said hello."`))
				s.Send(ctx, c, speech(0.5), true)
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "COMMIT-22", Level: verdict.Must, Subject: "previous_text later",
			Requirement: "previous_text on a later chunk is an error.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := previousTextLater(ctx, s)
				f, ok := s.Await(ctx, c, protocol.ErrorTypes...)
				s.Verify(ok, "an error frame", frameOrNone(f, ok), c)
			}},
		{ID: "COMMIT-23", Level: verdict.Should, Subject: "previous_text null",
			Requirement: "previous_text: null on every chunk, as the Python SDK sends it, is accepted.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, rawChunk(speech(0.5), false, `,"previous_text":null`))
				_ = c.SendText(ctx, rawChunk(speech(0.5), true, `,"previous_text":null`))
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "COMMIT-24", Level: verdict.Must, Subject: "stream continues",
			Requirement: "Audio after a commit continues the stream: a second segment is committed too.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				s.Send(ctx, c, speech(1), true)
				s.Await(ctx, c, protocol.CommittedTranscript)
				s.Send(ctx, c, speech(1), true)
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "COMMIT-25", Level: verdict.Info, Subject: "empty chunk and idle", NeedsFake: true,
			Requirement: "Whether an input_audio_chunk with no audio (the keepalive LiveKit and pipecat send) restarts the idle timer is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c, _ := s.openIdle(ctx, 20)
				s.Advance(ctx, 10*time.Second)
				_ = c.SendText(ctx, rawChunk(nil, false, ""))
				s.Settle(ctx, c)
				s.Advance(ctx, 10*time.Second)
				if _, open := s.Barrier(ctx, c); open {
					s.Observe("open 20 s after the last audio, 10 s after an empty chunk: an empty chunk restarts the idle timer (the fake's " + fakeserver.ChoiceEmptyChunkKeepalive + "=" + fakeserver.PositionRestarts + ")")
					return
				}
				_, cl := s.WaitClosed(ctx, c)
				s.Observe("closed (" + describeClose(cl) + ") 20 s after the last audio though an empty chunk came at 10 s: empty chunks do not keep a session alive (the fake's " +
					fakeserver.ChoiceEmptyChunkKeepalive + "=" + fakeserver.PositionIgnored + ")")
			}},
		{ID: "COMMIT-26", Level: verdict.Should, Subject: "partials in silence",
			Requirement: "In silence after speech the last partial_transcript is sent again, about once a second of audio (seen live).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				s.Send(ctx, c, append(speech(2.5), silence(2)...), false)
				s.Barrier(ctx, c)
				ps := framesOf(c.Timeline().Received(), protocol.PartialTranscript)
				var texts []string
				for _, p := range ps {
					texts = append(texts, fmt.Sprintf("%q", p.Get("text").String()))
				}
				n := len(ps)
				s.Verify(n >= 2 && ps[n-1].Get("text").String() != "" && ps[n-1].Get("text").String() == ps[n-2].Get("text").String(),
					"the last partial sent again in the 2 s of silence", "partials "+strings.Join(texts, ", "), c)
			}},
	}
	for i := range cs {
		cs[i].Area, cs[i].Session = "commit", true
	}
	return cs
}

// What several specs stream: a second of speech committed; a commit under
// the 0.3 s minimum; 3.5 s of speech, past the 2 s before partials start.
var (
	oneSecond    = stream{speech: 1, commit: true}
	tooShort     = stream{speech: 0.2, commit: true}
	pastPartials = stream{speech: 3.5}
)

// openIdle opens a session whose last audio (0.5 s) has been answered: the
// idle timer runs from now. ok is false when the barrier was not answered.
// The spec will wait secs of the target's clock: it needs the fake (whose
// clock jumps) or --slow, and is skipped before any audio is spent without.
func (s *Spec) openIdle(ctx ginkgo.SpecContext, secs int) (*probes.Conn, bool) {
	s.NeedFakeOrSlow(fmt.Sprintf("it waits %d s of the target's clock", secs))
	c := s.Open(ctx, query())
	s.Send(ctx, c, speech(0.5), false)
	return c, s.Settle(ctx, c)
}

// rawChunk is an input_audio_chunk written by hand, with extra fields.
func rawChunk(audio []byte, commit bool, extra string) string {
	return fmt.Sprintf(`{"message_type":"input_audio_chunk","audio_base_64":%q,"commit":%t,"sample_rate":16000%s}`,
		base64.StdEncoding.EncodeToString(audio), commit, extra)
}

func framesOf(frames []probes.Frame, t string) []probes.Frame {
	var out []probes.Frame
	for _, f := range frames {
		if f.Type == t {
			out = append(out, f)
		}
	}
	return out
}

func frameOrNone(f probes.Frame, ok bool) string {
	switch {
	case ok:
		return text.Clip(f.Raw, 300)
	case f.Raw != "":
		return "instead: " + text.Clip(f.Raw, 300)
	}
	return "no such frame (error, close, or nothing before the timeout)"
}

func describeClose(cl *probes.Close) string {
	if cl == nil {
		return "no close from the server"
	}
	return fmt.Sprintf("close %d %q", cl.Code, cl.Reason)
}

func orText(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
