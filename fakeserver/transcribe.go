package fakeserver

import (
	"hash/fnv"
	"math"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// The fake's "recogniser": deterministic text from the audio itself, so the
// same audio always gives the same text and silence gives "".

const (
	analysisFrameSecs = 0.02 // energy is measured over 20 ms frames
	voicedRMS         = 0.02 // a frame louder than this counts as speech
	wordsPerSecond    = 2.5
)

var vocabulary = []string{
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
	"juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
	"sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
}

// voicedSpan finds the first and last voiced frame of audio, in seconds from
// its start; ok is false for silence.
func voicedSpan(f protocol.AudioFormat, audio []byte) (start, end, voiced float64, ok bool) {
	samples := f.Samples(audio)
	per := int(analysisFrameSecs * float64(f.SampleRate))
	first, last, n := -1, -1, 0
	for i := 0; i*per < len(samples); i++ {
		frame := samples[i*per : min((i+1)*per, len(samples))]
		if protocol.RMS(frame) > voicedRMS {
			if first < 0 {
				first = i
			}
			last = i
			n++
		}
	}
	if first < 0 {
		return 0, 0, 0, false
	}
	return float64(first) * analysisFrameSecs,
		math.Min(float64(last+1)*analysisFrameSecs, f.Seconds(len(audio))),
		float64(n) * analysisFrameSecs, true
}

// transcribe turns a segment's audio into words: about 2.5 a voiced second,
// chosen by a hash of the bytes.
func transcribe(f protocol.AudioFormat, audio []byte) []string {
	_, _, voiced, ok := voicedSpan(f, audio)
	if !ok || voiced < 0.1 {
		return nil
	}
	n := max(1, int(voiced*wordsPerSecond))
	h := fnv.New64a()
	h.Write(audio)
	seed := h.Sum64()
	words := make([]string, n)
	for i := range words {
		seed = seed*6364136223846793005 + 1442695040888963407
		words[i] = vocabulary[(seed>>33)%uint64(len(vocabulary))]
	}
	words[0] = strings.ToUpper(words[0][:1]) + words[0][1:]
	words[n-1] += "."
	return words
}

// word is one element of words[] in committed_transcript_with_timestamps.
type word struct {
	Text         string      `json:"text"`
	Start        float64     `json:"start"`
	End          float64     `json:"end"`
	Type         string      `json:"type"`
	SpeakerID    *string     `json:"speaker_id"`
	Logprob      float64     `json:"logprob"`
	Characters   []character `json:"characters"`
	ChannelIndex *int        `json:"channel_index"`
}

type character struct {
	Text  string  `json:"text"`
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// timestamps lays words over the voiced span of the segment, with spacing
// elements between them so that the texts concatenate to the transcript (O).
// offset is the segment's start in the session's audio: times are global (O).
func timestamps(f protocol.AudioFormat, audio []byte, words []string, offset float64) []word {
	start, end, _, ok := voicedSpan(f, audio)
	if !ok || len(words) == 0 {
		return []word{}
	}
	slot := (end - start) / float64(len(words))
	var out []word
	for i, w := range words {
		ws := offset + start + float64(i)*slot
		we := ws + 0.8*slot
		if i > 0 {
			prev := out[len(out)-1].End
			out = append(out, word{Text: " ", Start: round3(prev), End: round3(ws), Type: "spacing",
				Characters: []character{{Text: " ", Start: round3(prev), End: round3(ws)}}})
		}
		out = append(out, word{Text: w, Start: round3(ws), End: round3(we), Type: "word",
			Logprob: -0.05 * float64(1+i%3), Characters: characters(w, ws, we)})
	}
	return out
}

func characters(w string, start, end float64) []character {
	rs := []rune(w)
	step := (end - start) / float64(len(rs))
	out := make([]character, len(rs))
	for i, r := range rs {
		out[i] = character{Text: string(r), Start: round3(start + float64(i)*step), End: round3(start + float64(i+1)*step)}
	}
	return out
}

func round3(x float64) float64 { return math.Round(x*1000) / 1000 }

// entityTypes is the fake's entity detector (choice entities).
var entityTypes = map[string]string{
	"juliet": "name", "mike": "name", "oscar": "name", "romeo": "name", "victor": "name",
	"india": "location", "lima": "location", "quebec": "location",
}

// entities finds the known words in text, with character offsets into it.
func entities(text string) []entity {
	out := []entity{}
	pos := 0
	for _, w := range strings.Split(text, " ") {
		bare := strings.ToLower(strings.TrimSuffix(w, "."))
		if t, ok := entityTypes[bare]; ok {
			out = append(out, entity{Text: w[:len(bare)], EntityType: t, StartChar: pos, EndChar: pos + len(bare)})
		}
		pos += len(w) + 1
	}
	return out
}
