package suites

import (
	"net/http"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/probes"
)

// Bodies as data: many specs open a socket, drive the target with what they
// send on it, and verify one thing there. A drive is the first half and a
// check the second; then joins them, so such a spec's body names what it
// sends and what it expects, and specs that drive the target the same way
// (an error spec and the schema spec of the same frame) share the drive.

// drive opens a socket and sends on it what makes the target answer.
type drive func(ginkgo.SpecContext, *Spec) *probes.Conn

// check verifies, at the spec's level, what came on a driven socket.
type check func(ginkgo.SpecContext, *Spec, *probes.Conn)

// then is the body of a spec that drives the target, then checks.
func then(d drive, ch check) func(ginkgo.SpecContext, *Spec) {
	return func(ctx ginkgo.SpecContext, s *Spec) { ch(ctx, s, d(ctx, s)) }
}

// stream is the audio a spec sends: speech, then silence (in seconds), the
// last chunk committing when commit is set.
type stream struct {
	speech, silence float64
	commit          bool
}

// streaming opens a session with query(kv...) and sends a.
func streaming(a stream, kv ...string) drive {
	return func(ctx ginkgo.SpecContext, s *Spec) *probes.Conn {
		c := s.Open(ctx, query(kv...))
		s.Send(ctx, c, append(speech(a.speech), silence(a.silence)...), a.commit)
		return c
	}
}

// dialing opens the socket with the target's key and query(kv...),
// expecting nothing.
func dialing(kv ...string) drive {
	return func(ctx ginkgo.SpecContext, s *Spec) *probes.Conn { return s.Dial(ctx, query(kv...)) }
}

// noCredentials dials the socket with neither a key nor a token.
func noCredentials(ctx ginkgo.SpecContext, s *Spec) *probes.Conn {
	c, _, _ := probes.DialAndWait(ctx, s.Env.Target.SocketURL(query()), http.Header{}, s.Env.Probe)
	s.track(c)
	return c
}

// previousTextLater opens a session, sends a first chunk, then a second
// with previous_text, which the docs allow on the first chunk only.
func previousTextLater(ctx ginkgo.SpecContext, s *Spec) *probes.Conn {
	c := s.Open(ctx, query())
	s.Send(ctx, c, speech(0.5), false)
	_ = c.SendText(ctx, rawChunk(speech(0.5), false, `,"previous_text":"Too late."`))
	return c
}

// expectFrame: the next frame of type mt comes and passes checks.
func expectFrame(mt string, checks ...FrameCheck) check {
	return func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) { s.VerifyFrame(ctx, c, mt, checks...) }
}

// expectError: an error frame of errType with exactly this text comes.
func expectError(errType, text string) check {
	return func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) { s.VerifyError(ctx, c, errType, text) }
}

// expectClose: the server closes with code and reason.
func expectClose(code int, reason string) check {
	return func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) { s.VerifyClose(ctx, c, code, reason) }
}

// expectNone: no frame of these types comes, by a barrier.
func expectNone(types ...string) check {
	return func(ctx ginkgo.SpecContext, s *Spec, c *probes.Conn) { s.VerifyNone(ctx, c, types...) }
}
