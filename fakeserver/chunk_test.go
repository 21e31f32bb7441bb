package fakeserver

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"testing"
)

// readChunk takes the chunks clients send (the SDKs' captured frames, the
// load generator's) and declines what it is not sure of, which the general
// path then answers; FuzzReadChunk checks that what it takes, gjson reads
// alike.
func TestReadChunk(t *testing.T) {
	t.Parallel()
	load := LoadFrames(t, pcm16k)[0]
	cases := []struct {
		frame string
		ok    bool
		want  chunkFields
	}{
		{string(load), true, chunkFields{}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"","commit":true,"sample_rate":16000}`, true, chunkFields{commit: true}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAAAAAA","commit":false,"sample_rate":16000,"previous_text":null}`, true, chunkFields{previousText: true, previousNull: true}},
		{"\t{ \"previous_text\" : \"Hi.\" ,\"audio_base_64\":\"AA==\",\"message_type\":\"input_audio_chunk\",\"x\":-1.5E+3}\r\n", true, chunkFields{previousText: true}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AA==","commit":true,"commit":"yes","audio_base_64":"!"}`, true, chunkFields{commit: true}},
		// Declined: the general path answers these.
		{`{"message_type":"input_audio_chunk","audio_base_64":"A\/A="}`, false, chunkFields{}},              // an escape
		{"{\"message_type\":\"input_audio_chunk\",\"audio_base_64\":\"AAAA\nAAAA\"}", false, chunkFields{}}, // a raw newline: not JSON
		{`{"message_type":"input_audio_chunk","audio_base_64":"!!!!"}`, false, chunkFields{}},               // not base64
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","commit":null}`, false, chunkFields{}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","commit":"true"}`, false, chunkFields{}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","x":{}}`, false, chunkFields{}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAA","x":01}`, false, chunkFields{}},
		{`{"message_type":"input_audio_chunk","audio_base_64":"AAAA"} x`, false, chunkFields{}},
		{`{"message_type":"commit","audio_base_64":"AAAA"}`, false, chunkFields{}},
		{`{"audio_base_64":"AAAA"}`, false, chunkFields{}},
		{`{"message_type":"input_audio_chunk"}`, false, chunkFields{}},
	}
	for _, c := range cases {
		audio, got, ok := readChunk([]byte(c.frame), new(bytes.Buffer))
		if ok != c.ok || got != c.want {
			t.Errorf("%.90s: ok %v %+v, want %v %+v", c.frame, ok, got, c.ok, c.want)
		}
		if c.frame == string(load) && len(audio) != pcm16k.Bytes(0.1) {
			t.Errorf("the load's chunk decoded to %d bytes, want %d", len(audio), pcm16k.Bytes(0.1))
		}
	}
}

// decodeBase64's fast decoder gives what encoding/base64 gives, the error's
// text too (a refusal quotes it): audio of every length around the fast
// part's block, and texts broken at every place in and after it (a bad
// byte, a newline, padding in the middle, a cut).
func TestDecodeBase64IsEncodingBase64(t *testing.T) {
	t.Parallel()
	raw := make([]byte, 3200)
	for i := range raw {
		raw[i] = byte(i*131 + i>>3)
	}
	var texts []string
	for _, n := range []int{0, 1, 2, 3, 30, 31, 32, 33, 34, 35, 36, 47, 48, 49, 96, 3200} {
		texts = append(texts, base64.StdEncoding.EncodeToString(raw[:n]))
	}
	good := base64.StdEncoding.EncodeToString(raw[:300])
	for i := 0; i < len(good); i += 7 {
		for _, bad := range []string{"!", "\n", "\r\n", "=", "==", "-", "_", " ", "\x00", "é"} {
			texts = append(texts, good[:i]+bad+good[i:], good[:i]+bad)
		}
		texts = append(texts, good[:i], good[:i]+"="+good[i+1:])
	}
	for _, text := range texts {
		wantAudio, wantErr := base64.StdEncoding.DecodeString(text)
		audio, err := decodeBase64(new(bytes.Buffer), []byte(text))
		if fmt.Sprint(err) != fmt.Sprint(wantErr) || (err == nil && !bytes.Equal(audio, wantAudio)) {
			t.Fatalf("%q: %d bytes, %v; encoding/base64: %d bytes, %v", text, len(audio), err, len(wantAudio), wantErr)
		}
	}
}
