package protocol

import (
	_ "embed"
	"encoding/binary"
	"math"
	"sync"
)

// speech16k is four seconds of synthetic speech (testaudio/README.md).
//
//go:embed testaudio/speech-16k.pcm
var speech16k []byte

// speechSamples is speech16k decoded, once.
var speechSamples = sync.OnceValue(func() []int16 {
	src := make([]int16, len(speech16k)/2)
	for i := range src {
		src[i] = int16(binary.LittleEndian.Uint16(speech16k[2*i:]))
	}
	return src
})

// Speech is secs seconds of synthetic speech in this format, the sample
// looped and resampled: a real server hears words in it, where a sine tone
// may transcribe to nothing.
func (f AudioFormat) Speech(secs float64) []byte {
	src := speechSamples()
	n := int(math.Round(secs * float64(f.SampleRate)))
	out := make([]int16, n)
	if f.SampleRate == 16000 {
		// The sample's own rate: the loop below would take every sample
		// whole (step 1, no fraction), so copy them. The specs and probes
		// stream seconds of this (one spec 91 s) in every run, and the
		// per-sample float steps were an eighth of a run's CPU.
		for i := 0; i < n; i += copy(out[i:], src) {
		}
		return f.Encode(out)
	}
	step := 16000 / float64(f.SampleRate)
	for i := range out {
		pos := math.Mod(float64(i)*step, float64(len(src)))
		j := int(pos)
		frac := pos - float64(j)
		a, b := float64(src[j]), float64(src[(j+1)%len(src)])
		out[i] = int16(a + (b-a)*frac)
	}
	return f.Encode(out)
}
