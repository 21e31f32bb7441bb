package protocol

import (
	"bytes"
	"math"
	"testing"

	"github.com/scribecheck/scribecheck/internal/captures"
)

func TestAudioFormats(t *testing.T) {
	for _, name := range AudioFormats {
		f, err := ParseAudioFormat(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := f.Seconds(f.Bytes(1.5)); math.Abs(got-1.5) > 1e-9 {
			t.Errorf("%s: 1.5 s is %d bytes is %v s", name, f.Bytes(1.5), got)
		}
		tone := f.Tone(0.1, 440, 0.5)
		if rms := RMS(f.Samples(tone)); rms < 0.3 || rms > 0.4 {
			t.Errorf("%s: tone of amplitude 0.5 has RMS %.3f, want about 0.354", name, rms)
		}
		if rms := RMS(f.Samples(f.Silence(0.1))); rms != 0 {
			t.Errorf("%s: silence has RMS %v", name, rms)
		}
	}
	if _, err := ParseAudioFormat("pcm_11025"); err == nil {
		t.Error("pcm_11025 accepted")
	}
}

// The fake's voiced-or-not decisions, and so its words, hang on RMS: summed
// as integers, over the samples or in one pass over the bytes, it must be
// the same number, to the bit, as the sum of squares in floats it was.
func TestRMSIsTheFloatRMSItWas(t *testing.T) {
	floatRMS := func(s []int16) float64 {
		if len(s) == 0 {
			return 0
		}
		var sum float64
		for _, v := range s {
			x := float64(v) / 32768
			sum += x * x
		}
		return math.Sqrt(sum / float64(len(s)))
	}
	loudest := make([]int16, 1<<16)
	for i := range loudest {
		loudest[i] = -32768
	}
	for _, name := range AudioFormats {
		f, _ := ParseAudioFormat(name)
		speech := f.Speech(2)
		for _, b := range [][]byte{speech, speech[:len(speech)-1], speech[:f.Bytes(0.02)], f.Tone(0.02, 440, 0.9), f.Encode(loudest), f.Silence(0.02), nil} {
			want := floatRMS(f.Samples(b))
			if got := RMS(f.Samples(b)); got != want {
				t.Errorf("%s, %d bytes: RMS of the samples %v, the float sum %v", name, len(b), got, want)
			}
			if got := f.RMS(b); got != want {
				t.Errorf("%s, %d bytes: RMS of the bytes %v, the float sum %v", name, len(b), got, want)
			}
		}
	}
}

func TestULawRoundTrip(t *testing.T) {
	f, _ := ParseAudioFormat("ulaw_8000")
	for _, v := range []int16{0, 100, -100, 1000, -1000, 32000, -32000} {
		got := f.Samples(f.Encode([]int16{v}))[0]
		if d := math.Abs(float64(got - v)); d > math.Max(16, math.Abs(float64(v))/16) {
			t.Errorf("μ-law %d -> %d", v, got)
		}
	}
}

// The texts the fake sends must be the texts the live server sent.
func TestTextsMatchTheLiveCaptures(t *testing.T) {
	lines := captures.Load(t)
	var checked int
	for _, line := range lines {
		frame := line.Get("frame")
		switch frame.Get("message_type").String() {
		case ErrAuth:
			checked++
			if frame.Get("error").String() != AuthErrorText {
				t.Errorf("auth_error text %q", frame.Get("error"))
			}
		case ErrCommitThrottled:
			checked++
			var secs float64
			if frame.Get("error").String() != CommitThrottledText(secs) && frame.Get("error").String() != CommitThrottledText(0.2) {
				t.Errorf("commit_throttled text %q differs from %q", frame.Get("error"), CommitThrottledText(0.2))
			}
		}
	}
	if checked != 3 {
		t.Errorf("checked %d captured frames, want 3", checked)
	}
}

func TestSpeechIsVoicedInEveryFormat(t *testing.T) {
	for _, name := range AudioFormats {
		f, _ := ParseAudioFormat(name)
		b := f.Speech(6) // longer than the sample: it loops
		if got := f.Seconds(len(b)); math.Abs(got-6) > 0.001 {
			t.Errorf("%s: %v s of speech, want 6", name, got)
		}
		if rms := RMS(f.Samples(b)); rms < 0.03 {
			t.Errorf("%s: speech RMS %.3f, too quiet to be heard", name, rms)
		}
	}
}

// A refused mint names its error in detail.status, and a validation error
// (an unknown token type, 422) in its first error's type.
func TestErrorStatus(t *testing.T) {
	for body, want := range map[string]string{
		`{"detail":{"status":"invalid_api_key","message":"Invalid API key"}}`:                  StatusInvalidAPIKey,
		`{"detail":[{"type":"enum","loc":["path","token_type"],"msg":"Input should be ..."}]}`: "enum",
		`{"detail":"Not Found"}`:  "",
		`{"detail":[{"loc":[]}]}`: "",
		`<html>502</html>`:        "",
		``:                        "",
	} {
		if got := ErrorStatus(body); got != want {
			t.Errorf("ErrorStatus(%s) = %q, want %q", body, got, want)
		}
	}
}

// At 16 kHz Speech is the sample itself, looped: what the resampling loop
// gives at step 1 (every sample taken whole), which Speech copies instead.
func TestSpeechAt16kIsTheSampleLooped(t *testing.T) {
	f, _ := ParseAudioFormat("pcm_16000")
	got := f.Speech(9.3) // over two loops of the 4 s sample, and part of a third
	want := bytes.Repeat(speech16k, 3)[:2*int(math.Round(9.3*16000))]
	if !bytes.Equal(got, want) {
		t.Error("Speech(9.3) at 16 kHz is not the sample looped")
	}
}
