package probes

import (
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// A chunk the probe sends is recorded without being parsed back
// (chunkFrame): the record must be the one ParseFrame makes of the same
// bytes, in every field a grader reads.
func TestChunkFrameIsWhatParseFrameMakes(t *testing.T) {
	for _, c := range []struct {
		audio      []byte
		sampleRate int
		commit     bool
	}{
		{make([]byte, 3200), 16000, false},
		{[]byte{1, 2, 3}, 16000, true},
		{nil, 48000, true},
		{[]byte{0, 0, 0}, 0, false},
	} {
		b := protocol.AppendAudioChunk(nil, c.audio, c.sampleRate, c.commit)
		at := 1500 * time.Millisecond
		got, want := chunkFrame(at, b, len(c.audio), c.commit), ParseFrame(at, false, b)
		if got != want {
			t.Errorf("%s:\n chunkFrame %+v\n ParseFrame %+v", b, got, want)
		}
		f, err := protocol.ParseAudioFormat("pcm_16000")
		if err != nil {
			t.Fatal(err)
		}
		if got.Commit() != c.commit || got.AudioSecs(f) != want.AudioSecs(f) {
			t.Errorf("%s: commit %v, %v s of audio; ParseFrame's %v, %v s", b, got.Commit(), got.AudioSecs(f), want.Commit(), want.AudioSecs(f))
		}
	}
}
