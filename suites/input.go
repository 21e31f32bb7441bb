package suites

import (
	"context"
	"encoding/base64"
	"fmt"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// inputCases: what the server does with frames that are not what it expects
// (docs/protocol.md §4). The observed reactions are SHOULD; the unconfirmed ones
// (malformed JSON, binary, bad base64, odd byte counts, oversize chunks) INFO.
func inputCases() []Case {
	inputError := func(frame, want string) func(ginkgo.SpecContext, *Spec) {
		return func(ctx ginkgo.SpecContext, s *Spec) {
			c := s.Open(ctx, query())
			_ = c.SendText(ctx, frame)
			f, ok := s.Await(ctx, c, protocol.ErrInput)
			_, open := s.Barrier(ctx, c)
			s.Verify(ok && f.Get("error").String() == want && open,
				fmt.Sprintf("input_error %q, and the session stays open", want),
				fmt.Sprintf("%s; open after it: %t", frameOrNone(f, ok), open), c)
		}
	}
	observe := func(stimulus string, send func(context.Context, *probes.Conn) error) func(ginkgo.SpecContext, *Spec) {
		return func(ctx ginkgo.SpecContext, s *Spec) {
			c := s.Open(ctx, query())
			sent := sentFrames(c)
			if err := send(ctx, c); err != nil {
				s.Observe("sending failed: " + err.Error())
				return
			}
			s.Send(ctx, c, speech(0.5), true)
			s.Collect(ctx, c, 1, append([]string{protocol.CommittedTranscript}, protocol.ErrorTypes...)...)
			// An error frame ends the Collect before what follows it: a barrier
			// lets a server that answers in order finish (the commit's answer,
			// a close), so the record does not depend on timing.
			s.Barrier(ctx, c)
			var seen []string
			for _, f := range c.Timeline().Received()[1:] {
				if f.Type != protocol.PartialTranscript && !probes.IsBarrierAnswer(f) {
					seen = append(seen, text.Clip(f.Raw, 160))
				}
			}
			s.Observe(fmt.Sprintf("frames after it: [%s]; %s", strings.Join(seen, ", "), describeEnd(c)))
			s.reactFrame(stimulus, c, sent)
		}
	}
	text := func(t string) func(context.Context, *probes.Conn) error {
		return func(ctx context.Context, c *probes.Conn) error { return c.SendText(ctx, t) }
	}
	cs := []Case{
		{ID: "INPUT-1", Level: verdict.Info, Subject: "malformed JSON",
			Requirement: "What the server does with a text frame that is not JSON is recorded.", Body: observe(protocol.StimNotJSON, text(`{"message_type":"input_audio_chunk",`))},
		{ID: "INPUT-2", Level: verdict.Should, Subject: "unknown message_type",
			Requirement: "An unknown message_type gets input_error \"Unexpected message type: <t>\" and the session stays open.",
			Body:        inputError(`{"message_type":"transcribe"}`, protocol.UnexpectedMessageTypePrefix+"transcribe")},
		{ID: "INPUT-3", Level: verdict.Should, Subject: "message_type commit",
			Requirement: "{\"message_type\":\"commit\"} (no such message) gets input_error \"Unexpected message type: commit\".",
			Body:        inputError(`{"message_type":"commit"}`, protocol.UnexpectedMessageTypePrefix+"commit")},
		{ID: "INPUT-4", Level: verdict.Should, Subject: "session_config",
			Requirement: "{\"message_type\":\"session_config\"} (there is no config message) gets input_error \"Unexpected message type: session_config\".",
			Body:        inputError(`{"message_type":"session_config","audio_format":"pcm_16000"}`, protocol.UnexpectedMessageTypePrefix+"session_config")},
		{ID: "INPUT-5", Level: verdict.Should, Subject: "no message_type",
			Requirement: "A JSON object without message_type gets input_error \"Message must be a valid protocol message\".",
			Body:        inputError(`{"audio_base_64":"","commit":false}`, protocol.InvalidProtocolMessageText)},
		{ID: "INPUT-6", Level: verdict.Should, Subject: "one error per frame",
			Requirement: "Three bad frames get three input_errors, and the session still transcribes after them.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				for range 3 {
					_ = c.SendText(ctx, `{"type":"input_audio_chunk"}`)
				}
				errs := s.Collect(ctx, c, 3, protocol.ErrInput)
				s.Send(ctx, c, speech(1), true)
				_, committed := s.Await(ctx, c, protocol.CommittedTranscript)
				s.Verify(len(errs) == 3 && committed, "3 input_error frames, then a committed_transcript",
					fmt.Sprintf("%d input_error frames; committed after: %t", len(errs), committed), c)
			}},
		{ID: "INPUT-7", Level: verdict.Info, Subject: "missing audio_base_64",
			Requirement: "What the server does with an input_audio_chunk without audio_base_64 is recorded.",
			Body:        observe(protocol.StimAudioMissing, text(`{"message_type":"input_audio_chunk","commit":false,"sample_rate":16000}`))},
		{ID: "INPUT-8", Level: verdict.Info, Subject: "commit as a string",
			Requirement: "What the server does with commit:\"yes\" is recorded.",
			Body:        observe(protocol.StimCommitNotBool, text(`{"message_type":"input_audio_chunk","audio_base_64":"","commit":"yes","sample_rate":16000}`))},
		{ID: "INPUT-9", Level: verdict.Info, Subject: "binary frame",
			Requirement: "What the server does with a binary frame of raw PCM is recorded.",
			Body:        observe(protocol.StimBinaryFrame, func(ctx context.Context, c *probes.Conn) error { return c.SendBinary(ctx, speech(0.25)) })},
		{ID: "INPUT-10", Level: verdict.Info, Subject: "bad base64",
			Requirement: "What the server does with audio_base_64 that is not base64 is recorded.",
			Body:        observe(protocol.StimBadBase64, text(`{"message_type":"input_audio_chunk","audio_base_64":"!!not base64!!","commit":false,"sample_rate":16000}`))},
		{ID: "INPUT-11", Level: verdict.Info, Subject: "odd byte count",
			Requirement: "What the server does with a PCM16 chunk of an odd number of bytes is recorded.",
			Body:        observe(protocol.StimOddByteCount, text(rawChunk([]byte{1, 2, 3}, false, "")))},
		{ID: "INPUT-12", Level: verdict.Must, Subject: "one-second 48 kHz chunk",
			Requirement: "A one-second chunk of pcm_48000 (128 KiB of base64; the docs recommend up to 1 s) is accepted and committed.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				f48, _ := protocol.ParseAudioFormat("pcm_48000")
				c := s.Open(ctx, query("audio_format", "pcm_48000"))
				_ = c.SendAudio(ctx, f48, f48.Speech(1), 1, true)
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "INPUT-13", Level: verdict.Info, Subject: "15 s chunk",
			Requirement: "What the server does with 15 s of audio in one chunk is recorded.",
			Body: observe(protocol.StimOversizeChunk, func(ctx context.Context, c *probes.Conn) error {
				return c.SendAudio(ctx, pcm16k, speech(15), 15, false)
			})},
		{ID: "INPUT-14", Level: verdict.Should, Subject: "audio_base64 misspelt",
			Requirement: "Audio under audio_base64 (the field is audio_base_64) is not taken as audio: a commit after it has nothing to commit.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, fmt.Sprintf(`{"message_type":"input_audio_chunk","audio_base64":%q,"commit":false,"sample_rate":16000}`,
					base64.StdEncoding.EncodeToString(speech(1))))
				s.Commit(ctx, c)
				f, ok := s.Await(ctx, c, protocol.CommittedTranscript, protocol.ErrCommitThrottled)
				s.Verify(!ok || f.Type == protocol.ErrCommitThrottled, "commit_throttled (no audio), not a committed_transcript", frameOrNone(f, ok), c)
			}},
		{ID: "INPUT-15", Level: verdict.Should, Subject: "audio after throttle",
			Requirement: "After the commit_throttled close nothing more is accepted: the socket is closed.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				s.Send(ctx, c, speech(0.2), true)
				s.WaitClosed(ctx, c)
				sendErr := c.SendAudio(ctx, pcm16k, speech(1), 1, true)
				_, committed := s.Await(ctx, c, protocol.CommittedTranscript)
				s.Verify(sendErr != nil && !committed, "the socket closed: the audio cannot be sent",
					fmt.Sprintf("send error: %v; committed: %t", sendErr, committed), c)
			}},
		{ID: "INPUT-16", Level: verdict.Should, Subject: "no sample_rate",
			Requirement: "Chunks without sample_rate (the newest schema drops it) are accepted and committed.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, fmt.Sprintf(`{"message_type":"input_audio_chunk","audio_base_64":%q,"commit":true}`, base64.StdEncoding.EncodeToString(speech(1))))
				s.VerifyFrame(ctx, c, protocol.CommittedTranscript)
			}},
		{ID: "INPUT-17", Level: verdict.Info, Subject: "chunk without message_type",
			Requirement: "What the server does with an input_audio_chunk without message_type (as the Python SDK 3.0.0a1 sends one) is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, fmt.Sprintf(`{"audio_base_64":%q,"commit":true}`, base64.StdEncoding.EncodeToString(speech(1))))
				f, ok := s.Await(ctx, c, append([]string{protocol.CommittedTranscript}, protocol.ErrorTypes...)...)
				s.Barrier(ctx, c)
				world := fakeserver.ChoiceChunkNoType + "="
				switch {
				case ok && f.Type == protocol.CommittedTranscript:
					s.Observe(fmt.Sprintf("taken as an input_audio_chunk: its audio was committed as %q (the fake's %s%s); %s", f.Get("text").String(), world, fakeserver.PositionAccepted, describeEnd(c)))
				case ok:
					s.Observe(fmt.Sprintf("refused, its audio not taken: %s (the fake's %s%s); %s", frameOrNone(f, ok), world, fakeserver.PositionRefused, describeEnd(c)))
				default:
					s.Observe("no answer to it; " + describeEnd(c))
				}
			}},
	}
	for i := range cs {
		cs[i].Area = "input"
		cs[i].Session = cs[i].Level != verdict.Info
	}
	return cs
}

// describeEnd says whether the socket is still open, or how it closed.
func describeEnd(c *probes.Conn) string {
	tl := c.Timeline()
	if tl.Close == nil || tl.Close.ByUs {
		return "the session stayed open"
	}
	return "the server closed: " + describeClose(tl.Close)
}
