package suites

import (
	"fmt"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// errorCases: every error the target can be driven to send has the
// {message_type, error} shape; every error but input_error is followed by a
// close (D), input_error leaves the session open (O, the more specific fact).
func errorCases() []Case {
	closes := func(errType string) check {
		return func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) {
			_, cl := s.WaitClosed(ctx, c)
			f, ok := c.Timeline().Find(errType)
			shape := ok && s.Env.schemas.Validate("error.json", []byte(f.Raw)).Fit != protocol.SchemaInvalid && f.Type == errType
			s.Verify(shape && cl != nil, errType+" {message_type, error}, then a close",
				fmt.Sprintf("%s; %s", frameOrNone(f, ok), describeClose(cl)), c)
		}
	}
	cs := []Case{
		{ID: "ERROR-1", Level: verdict.Must, Subject: "auth_error",
			Requirement: "auth_error has the {message_type, error} shape and is followed by a close.",
			Body:        then(noCredentials, closes(protocol.ErrAuth))},
		{ID: "ERROR-2", Level: verdict.Should, Subject: "invalid_request",
			Requirement: "invalid_request (for a bad audio_format) has the {message_type, error} shape and is followed by a close.",
			Body:        then(dialing("audio_format", "pcm_11025"), closes(protocol.ErrInvalidRequest))},
		{ID: "ERROR-3", Level: verdict.Must, Subject: "commit_throttled", Session: true,
			Requirement: "commit_throttled has the {message_type, error} shape and is followed by a close.",
			Body:        then(streaming(tooShort), closes(protocol.ErrCommitThrottled))},
		{ID: "ERROR-4", Level: verdict.Should, Subject: "input_error", Session: true,
			Requirement: "input_error has the {message_type, error} shape and the session continues after it.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				_ = c.SendText(ctx, `{"message_type":"ping"}`)
				f, ok := s.Await(ctx, c, protocol.ErrInput)
				shape := ok && s.Env.schemas.Validate("error.json", []byte(f.Raw)).Fit != protocol.SchemaInvalid
				s.Send(ctx, c, speech(1), true)
				_, goesOn := s.Await(ctx, c, protocol.CommittedTranscript)
				s.Verify(shape && goesOn, "input_error {message_type, error}, then the session still commits",
					fmt.Sprintf("%s; committed after: %t", frameOrNone(f, ok), goesOn), c)
			}},
		{ID: "ERROR-5", Level: verdict.Must, Subject: "previous_text error", Session: true,
			Requirement: "The error for previous_text on a later chunk has the {message_type, error} shape, of one of the 14 types.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := previousTextLater(ctx, s)
				f, ok := s.Await(ctx, c, protocol.ErrorTypes...)
				res := s.Env.schemas.Validate("error.json", []byte(f.Raw))
				s.Verify(ok && res.Fit != protocol.SchemaInvalid, "an error frame of the error schema",
					frameOrNone(f, ok)+" "+res.String(), c)
			}},
		{ID: "ERROR-6", Level: verdict.Info, Subject: "chunk_size_exceeded",
			Requirement: "Whether 15 s of audio in one chunk gets chunk_size_exceeded, and in what shape, is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				c := s.Open(ctx, query())
				sent := sentFrames(c)
				err := c.SendAudio(ctx, pcm16k, speech(15), 15, false)
				s.Barrier(ctx, c)
				s.WaitClosed(ctx, c)
				f, ok := c.Timeline().Find(protocol.ErrChunkSizeExceeded)
				s.Observe(fmt.Sprintf("%s; %s", frameOrNone(f, ok), describeEnd(c)))
				if err == nil {
					s.reactFrame(protocol.StimOversizeChunk, c, sent)
				}
			}},
	}
	for i := range cs {
		cs[i].Area = "error"
	}
	return cs
}
