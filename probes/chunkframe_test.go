package probes

import (
	"encoding/base64"
	"encoding/json"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/protocol"
)

// A chunk the probe sends is recorded without being parsed back
// (chunkFrame): the record must be the one ParseFrame makes of the same
// bytes, in every field a grader reads.
func TestChunkFrameIsWhatParseFrameMakes(t *testing.T) {
	text := "said before"
	for _, c := range []protocol.AudioChunk{
		{MessageType: protocol.InputAudioChunk, AudioBase64: base64.StdEncoding.EncodeToString(make([]byte, 3200)), SampleRate: 16000},
		{MessageType: protocol.InputAudioChunk, AudioBase64: base64.StdEncoding.EncodeToString([]byte{1, 2, 3}), Commit: true, SampleRate: 16000},
		{MessageType: protocol.InputAudioChunk, Commit: true, SampleRate: 48000},
		{MessageType: protocol.InputAudioChunk, AudioBase64: "AAAA", PreviousText: &text},
	} {
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		at := 1500 * time.Millisecond
		got, want := chunkFrame(at, b, c), ParseFrame(at, false, b)
		if got != want {
			t.Errorf("%s:\n chunkFrame %+v\n ParseFrame %+v", b, got, want)
		}
		f, err := protocol.ParseAudioFormat("pcm_16000")
		if err != nil {
			t.Fatal(err)
		}
		if got.Commit() != c.Commit || got.AudioSecs(f) != want.AudioSecs(f) {
			t.Errorf("%s: commit %v, %v s of audio; ParseFrame's %v, %v s", b, got.Commit(), got.AudioSecs(f), want.Commit(), want.AudioSecs(f))
		}
	}
}
