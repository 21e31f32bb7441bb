package protocol

import (
	"encoding/base64"
	"strconv"
)

// AppendAudioChunk appends to dst the input_audio_chunk of audio: the bytes
// json.Marshal writes for AudioChunk{MessageType: InputAudioChunk,
// AudioBase64: base64 of audio, Commit: commit, SampleRate: sampleRate},
// with the audio encoded in place. The probes send a chunk every 100 ms of
// audio; json.Marshal copied the encoded audio twice and scanned it for
// characters to escape, which base64 never holds, and a whole run against
// the in-process fake took 15 % more CPU with it (0.24 CPU-s, 0.21 now).
func AppendAudioChunk(dst, audio []byte, sampleRate int, commit bool) []byte {
	dst = append(dst, `{"message_type":"`+InputAudioChunk+`","audio_base_64":"`...)
	dst = base64.StdEncoding.AppendEncode(dst, audio)
	dst = append(dst, `","commit":`...)
	dst = strconv.AppendBool(dst, commit)
	if sampleRate != 0 {
		dst = append(dst, `,"sample_rate":`...)
		dst = strconv.AppendInt(dst, int64(sampleRate), 10)
	}
	return append(dst, '}')
}
