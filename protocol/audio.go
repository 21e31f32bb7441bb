package protocol

import (
	"encoding/binary"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// AudioFormat is a parsed audio_format value: PCM16LE mono or 8-bit μ-law (D).
type AudioFormat struct {
	Name       string
	SampleRate int
	ULaw       bool
}

// ParseAudioFormat parses one of AudioFormats.
func ParseAudioFormat(name string) (AudioFormat, error) {
	for _, f := range AudioFormats {
		if f == name {
			enc, rate, _ := strings.Cut(name, "_")
			r, _ := strconv.Atoi(rate)
			return AudioFormat{Name: name, SampleRate: r, ULaw: enc == "ulaw"}, nil
		}
	}
	return AudioFormat{}, fmt.Errorf("audio_format %q is not one of %s", name, strings.Join(AudioFormats, ", "))
}

// BytesPerSample is 2 for PCM16 and 1 for μ-law.
func (f AudioFormat) BytesPerSample() int {
	if f.ULaw {
		return 1
	}
	return 2
}

// Seconds is the duration of n bytes of audio in this format. Audio time
// comes from byte counts, never from the wall clock.
func (f AudioFormat) Seconds(n int) float64 {
	return float64(n) / float64(f.SampleRate*f.BytesPerSample())
}

// Bytes is the byte count of secs seconds of audio, whole samples only.
func (f AudioFormat) Bytes(secs float64) int {
	return int(math.Round(secs*float64(f.SampleRate))) * f.BytesPerSample()
}

// Samples decodes audio bytes to linear samples in [-32768, 32767]. A trailing
// odd byte of PCM16 is ignored.
func (f AudioFormat) Samples(b []byte) []int16 {
	if f.ULaw {
		out := make([]int16, len(b))
		for i, u := range b {
			out[i] = ulawDecode(u)
		}
		return out
	}
	out := make([]int16, len(b)/2)
	for i := range out {
		out[i] = int16(binary.LittleEndian.Uint16(b[2*i:]))
	}
	return out
}

// Encode writes linear samples in this format.
func (f AudioFormat) Encode(s []int16) []byte {
	if f.ULaw {
		out := make([]byte, len(s))
		for i, v := range s {
			out[i] = ulawEncode(v)
		}
		return out
	}
	out := make([]byte, 2*len(s))
	for i, v := range s {
		binary.LittleEndian.PutUint16(out[2*i:], uint16(v))
	}
	return out
}

// Tone is secs seconds of a sine at freq Hz and the given peak amplitude
// (0..1): a stand-in for speech that any energy detector calls voiced.
func (f AudioFormat) Tone(secs, freq, amplitude float64) []byte {
	n := int(math.Round(secs * float64(f.SampleRate)))
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amplitude * 32767 * math.Sin(2*math.Pi*freq*float64(i)/float64(f.SampleRate)))
	}
	return f.Encode(s)
}

// Louder scales audio by k, clipping: the same speech in another voice for
// the fake's diarizer (a loudness band), the same words for a real one.
func (f AudioFormat) Louder(audio []byte, k float64) []byte {
	samples := f.Samples(audio)
	for i, v := range samples {
		samples[i] = int16(max(-32768, min(32767, float64(v)*k)))
	}
	return f.Encode(samples)
}

// Silence is secs seconds of digital silence.
func (f AudioFormat) Silence(secs float64) []byte {
	return f.Encode(make([]int16, int(math.Round(secs*float64(f.SampleRate)))))
}

// RMS is the root mean square of samples, normalised to 0..1.
func RMS(s []int16) float64 {
	var sum int64
	for _, v := range s {
		sum += int64(v) * int64(v)
	}
	return rootMean(sum, len(s))
}

// RMS is the root mean square of audio bytes in this format, normalised to
// 0..1: RMS(f.Samples(b)) decoded and summed in one pass, without the
// samples' copy (the fake measures every 20 ms of every chunk). A trailing
// odd byte of PCM16 is ignored.
func (f AudioFormat) RMS(b []byte) float64 {
	var sum int64
	if f.ULaw {
		for _, u := range b {
			v := int64(ulawDecode(u))
			sum += v * v
		}
		return rootMean(sum, len(b))
	}
	n := len(b) / 2
	// Four sums, so that each add waits on the one four samples back.
	var s1, s2, s3 int64
	for ; len(b) >= 8; b = b[8:] {
		v0, v1 := int64(int16(binary.LittleEndian.Uint16(b))), int64(int16(binary.LittleEndian.Uint16(b[2:])))
		v2, v3 := int64(int16(binary.LittleEndian.Uint16(b[4:]))), int64(int16(binary.LittleEndian.Uint16(b[6:])))
		sum, s1, s2, s3 = sum+v0*v0, s1+v1*v1, s2+v2*v2, s3+v3*v3
	}
	for ; len(b) >= 2; b = b[2:] {
		v := int64(int16(binary.LittleEndian.Uint16(b)))
		sum += v * v
	}
	return rootMean(sum+s1+s2+s3, n)
}

// rootMean is the root of the mean of n squared samples that sum to sum.
// Squares summed as integers are exact and quick (an add a sample, not a
// float add's latency), and the same number as the sum of (v/32768)² in
// floats that RMS was: for fewer than 2²³ samples that sum is exact too,
// each term being a multiple of 2⁻³⁰ no greater than 1.
func rootMean(sum int64, n int) float64 {
	if n == 0 {
		return 0
	}
	return math.Sqrt(float64(sum) / (1 << 30) / float64(n))
}

// G.711 μ-law, after the ITU-T reference.
const ulawBias = 0x84

func ulawEncode(v int16) byte {
	x := int(v)
	sign := 0
	if x < 0 {
		x = -x
		sign = 0x80
	}
	if x > 32635 {
		x = 32635
	}
	x += ulawBias
	exp := 7
	for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
		exp--
	}
	mant := (x >> (exp + 3)) & 0x0f
	return ^byte(sign | exp<<4 | mant)
}

func ulawDecode(u byte) int16 {
	u = ^u
	sign := u & 0x80
	exp := int(u>>4) & 0x07
	mant := int(u & 0x0f)
	x := ((mant << 3) + ulawBias) << exp
	x -= ulawBias
	if sign != 0 {
		x = -x
	}
	return int16(x)
}

// AudioFormatOf is the format a socket's query asks for, given the values of
// its audio_format: the last one, as a server reads a key given twice, or
// the parameter's default (pcm_16000) when none is; ok is false when that
// names no format.
func AudioFormatOf(given []string) (AudioFormat, bool) {
	name := ""
	if p, ok := LookupParam(ParamAudioFormat); ok {
		name = p.Default
	}
	if len(given) > 0 {
		name = given[len(given)-1]
	}
	f, err := ParseAudioFormat(name)
	return f, err == nil
}
