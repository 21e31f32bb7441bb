package fakeserver

import (
	"bytes"
	"encoding/base64"

	fastbase64 "github.com/segmentio/asm/base64"

	"github.com/scribecheck/scribecheck/protocol"
)

// chunkFields are what the session reads of a chunk besides its audio.
type chunkFields struct {
	commit       bool // commit: true
	previousText bool // previous_text is given, as any value
	previousNull bool // and that value is null
}

// readChunk reads the frame nearly every client sends, an
// input_audio_chunk whose audio_base_64 is valid base64, in one pass over
// its bytes, and decodes the audio into buf as it passes. The audio is
// nearly all of a chunk and every scan of it counts: gjson validating the
// frame, then parsing it, then the decoding was 40 % of the fake's CPU under
// load (bench profile). The audio string is only found (its closing quote,
// by IndexByte) and the decoding checks it: a string that decodes as base64
// holds no escape, quote or control byte, so it is valid JSON as it is.
//
// ok is false for every other frame and for any this reader is not sure of
// (an escape anywhere, an object or array value, no message_type, a commit
// that is not a boolean, audio that does not decode); the general path then
// gives it its answer, so a frame gets the same answer either way. ok means
// gjson finds the frame valid and reads the same fields from it (the first
// of a duplicated key counts), which FuzzReadChunk holds it to.
func readChunk(data []byte, buf *bytes.Buffer) (audio []byte, f chunkFields, ok bool) {
	var sawType, sawAudio, sawCommit, sawPrevious bool
	i := skipSpace(data, 0)
	if i == len(data) || data[i] != '{' {
		return nil, f, false
	}
	for {
		key, j, fine := plainString(data, skipSpace(data, i+1))
		if !fine {
			return nil, f, false
		}
		if j = skipSpace(data, j); j == len(data) || data[j] != ':' {
			return nil, f, false
		}
		j = skipSpace(data, j+1)
		switch {
		case string(key) == protocol.MessageTypeField && !sawType:
			var v []byte
			v, i, fine = plainString(data, j)
			fine = fine && string(v) == protocol.InputAudioChunk
			sawType = true
		case string(key) == "audio_base_64" && !sawAudio:
			audio, i, fine = decodeAudio(data, j, buf)
			sawAudio = true
		case string(key) == "commit" && !sawCommit:
			i, fine = skipLiteral(data, j)
			fine = fine && data[j] != 'n' // null is not a boolean
			f.commit = fine && data[j] == 't'
			sawCommit = true
		case string(key) == "previous_text" && !sawPrevious:
			i, fine = skipValue(data, j)
			f.previousText, f.previousNull = true, fine && data[j] == 'n'
			sawPrevious = true
		default:
			i, fine = skipValue(data, j)
		}
		if !fine {
			return nil, f, false
		}
		if i = skipSpace(data, i); i == len(data) {
			return nil, f, false
		}
		if data[i] == '}' {
			break
		}
		if data[i] != ',' {
			return nil, f, false
		}
	}
	if skipSpace(data, i+1) != len(data) || !sawType || !sawAudio {
		return nil, f, false
	}
	return audio, f, true
}

// decodeAudio decodes the JSON string at data[i] as base64 into buf.
// Decode skips \r and \n, which a JSON string cannot hold raw, so a string
// is taken only if it decoded to all of its length.
func decodeAudio(data []byte, i int, buf *bytes.Buffer) ([]byte, int, bool) {
	if i == len(data) || data[i] != '"' {
		return nil, i, false
	}
	end := bytes.IndexByte(data[i+1:], '"')
	if end < 0 {
		return nil, i, false
	}
	text := data[i+1 : i+1+end]
	audio, err := decodeBase64(buf, text)
	pad := len(text) - len(bytes.TrimRight(text, "="))
	if err != nil || len(text)%4 != 0 || len(audio) != len(text)/4*3-pad {
		return nil, i, false
	}
	return audio, i + end + 2, true
}

// decodeBase64 decodes text into buf, which it resets. The decoder is
// segmentio/asm's: the same encoding as encoding/base64, with AVX2 (or NEON)
// for the bulk of the text and encoding/base64 for the rest. Decoding was
// the largest part of the fake's CPU at max pace (23 %); 3,200 bytes of audio
// decode in 269 ns instead of 2,117 ns on the 2-core machine. Its error
// counts from where the fast part stopped, so on an error the text is
// decoded again by encoding/base64, whose error names the byte in the whole
// text (the refusal of choice bad-base64 quotes it).
func decodeBase64(buf *bytes.Buffer, text []byte) ([]byte, error) {
	buf.Reset()
	size := base64.StdEncoding.DecodedLen(len(text))
	buf.Grow(size)
	audio := buf.AvailableBuffer()[:size]
	n, err := fastbase64.StdEncoding.Decode(audio, text)
	if err != nil {
		n, err = base64.StdEncoding.Decode(audio, text)
	}
	return audio[:n], err
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString is the JSON string at data[i] if it has no escape (nor a
// control byte, which JSON forbids): its text as it is, and where it ends.
func plainString(data []byte, i int) ([]byte, int, bool) {
	if i == len(data) || data[i] != '"' {
		return nil, i, false
	}
	for j := i + 1; j < len(data); j++ {
		switch c := data[j]; {
		case c == '"':
			return data[i+1 : j], j + 1, true
		case c == '\\' || c < ' ':
			return nil, j, false
		}
	}
	return nil, len(data), false
}

// skipValue passes a string without escapes, a number, true, false or null.
func skipValue(data []byte, i int) (int, bool) {
	if i == len(data) {
		return i, false
	}
	switch c := data[i]; {
	case c == '"':
		_, j, ok := plainString(data, i)
		return j, ok
	case c == '-' || c >= '0' && c <= '9':
		return skipNumber(data, i)
	}
	return skipLiteral(data, i)
}

func skipLiteral(data []byte, i int) (int, bool) {
	for _, lit := range [...]string{"true", "false", "null"} {
		if string(data[i:min(i+len(lit), len(data))]) == lit {
			return i + len(lit), true
		}
	}
	return i, false
}

// skipNumber passes a number as JSON writes one: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
func skipNumber(data []byte, i int) (int, bool) {
	if data[i] == '-' {
		i++
	}
	if i < len(data) && data[i] == '0' {
		i++
	} else if i = skipDigits(data, i); i < 0 {
		return i, false
	}
	if i < len(data) && data[i] == '.' {
		if i = skipDigits(data, i+1); i < 0 {
			return i, false
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if i = skipDigits(data, i); i < 0 {
			return i, false
		}
	}
	return i, true
}

// skipDigits passes one or more digits, or says -1.
func skipDigits(data []byte, i int) int {
	start := i
	for i < len(data) && data[i] >= '0' && data[i] <= '9' {
		i++
	}
	if i == start {
		return -1
	}
	return i
}
