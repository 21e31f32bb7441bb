package protocol

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"testing"
)

// AppendAudioChunk writes what json.Marshal writes of the same AudioChunk.
func FuzzAppendAudioChunk(f *testing.F) {
	f.Add([]byte{}, 0, false)
	f.Add([]byte{0xff, 0xfe, 0x00}, 16000, true)
	f.Add(bytes.Repeat([]byte{1, 2, 3, 4, 5}, 700), 48000, false)
	f.Add([]byte{7}, -8000, true)
	f.Fuzz(func(t *testing.T, audio []byte, sampleRate int, commit bool) {
		want, err := json.Marshal(AudioChunk{MessageType: InputAudioChunk, AudioBase64: base64.StdEncoding.EncodeToString(audio),
			Commit: commit, SampleRate: sampleRate})
		if err != nil {
			t.Fatal(err)
		}
		prefix := []byte("kept")
		got := AppendAudioChunk(prefix, audio, sampleRate, commit)
		if !bytes.Equal(got[len(prefix):], want) || string(got[:len(prefix)]) != "kept" {
			t.Errorf("AppendAudioChunk:\n%s\njson.Marshal:\n%s", got, want)
		}
	})
}
