package fakeserver

import "testing"

// BenchmarkLongSession streams 91 s of speech in quarter-second chunks into one manual
// session (the auto-commit spec's load): the recogniser hears each slot once,
// so partials cost the same however long the segment grows.
func BenchmarkLongSession(b *testing.B) {
	s, base, _ := startFake(b)
	speech := pcm16k.Speech(91)
	b.SetBytes(int64(len(speech)))
	b.ResetTimer()
	for range b.N {
		sock := open(b, base, query(), s.TestKey())
		sock.stream(b, speech, false)
		sock.finish(b)
	}
}
