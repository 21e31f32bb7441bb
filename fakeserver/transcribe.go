package fakeserver

import (
	"hash/crc32"
	"math"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// The fake's "recogniser": deterministic text from the audio itself, so the
// same audio always gives the same text and silence gives "".

const (
	analysisFrameSecs = 0.02 // energy is measured over 20 ms frames
	voicedRMS         = 0.02 // a frame louder than this counts as speech
	wordsPerSecond    = 2.5  // one word per 0.4 s slot of speech
)

var vocabulary = []string{
	"alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india",
	"juliet", "kilo", "lima", "mike", "november", "oscar", "papa", "quebec", "romeo",
	"sierra", "tango", "uniform", "victor", "whiskey", "xray", "yankee", "zulu",
}

// slotSecs is the audio one word takes: 2.5 words a second.
const slotSecs = 1 / wordsPerSecond

// heard is one word the recogniser heard, at stream times.
type heard struct {
	text       string
	start, end float64 // the voiced part of its slot, seconds from the session's start
	loudness   float64 // mean RMS of its voiced frames: the speaker model's feature
}

// recogniser hears the open segment. The segment is cut into slots of
// slotSecs from its start; a slot that is at least half voiced is one word,
// chosen by a hash of its bytes and its place in the segment. So a partial
// (the words of the whole slots so far) is always a prefix of the segment's
// committed text, which adds the last, shorter slot; and the same audio gives
// the same words.
//
// It keeps only the slot being filled: a slot is heard once, when it is
// whole, so a long segment costs its words, not its audio.
type recogniser struct {
	f     protocol.AudioFormat
	slot  []byte  // the part of the open segment after its whole slots
	start float64 // where it starts in the session's audio
	whole int     // whole slots heard
	words []heard // their words
	// deaf hears nothing: a language code the server cannot transcribe.
	deaf bool
}

// add appends audio to the open segment and hears the slots it completes.
func (r *recogniser) add(audio []byte) {
	slot := r.f.Bytes(slotSecs)
	for len(audio) > 0 {
		take := min(slot-len(r.slot), len(audio))
		r.slot = append(r.slot, audio[:take]...)
		audio = audio[take:]
		if len(r.slot) == slot {
			if w, ok := r.hear(r.whole, r.slot); ok {
				r.words = append(r.words, w)
			}
			r.whole++
			r.slot = r.slot[:0]
		}
	}
}

// secs is the open segment's length.
func (r *recogniser) secs() float64 { return r.f.Seconds(r.whole*r.f.Bytes(slotSecs) + len(r.slot)) }

// partial is the open segment's text so far.
func (r *recogniser) partial() string { return sentence(r.words, false) }

// segment is a committed stretch of audio and what was heard in it.
type segment struct {
	start float64
	words []heard
}

// commit closes the open segment, hearing its last, shorter slot too, and
// opens the next one where it ends.
func (r *recogniser) commit() segment {
	words := r.words
	if len(r.slot) > 0 {
		if w, ok := r.hear(r.whole, r.slot); ok {
			words = append(words, w)
		}
	}
	seg := segment{start: r.start, words: words}
	r.start += r.secs()
	r.slot, r.whole, r.words = r.slot[:0], 0, nil
	return seg
}

// wordHash picks a slot's word: CRC-32C, which the CPU computes 8 bytes an
// instruction (SSE 4.2, ARMv8 CRC). FNV-1a, before it, multiplied once a
// byte, one after the other: 21% of the fake's CPU at max pace (bench
// profile). Any hash of the bytes keeps what the recogniser promises (the
// same audio gives the same words); the words themselves are the fake's own.
var wordHash = crc32.MakeTable(crc32.Castagnoli)

// hear turns slot i of the segment into a word, if at least half of it (and
// 0.1 s) is voiced.
func (r *recogniser) hear(i int, audio []byte) (heard, bool) {
	bps := r.f.BytesPerSample()
	per := int(analysisFrameSecs*float64(r.f.SampleRate)) * bps
	whole := len(audio) / bps * bps // whole samples
	first, last, n := -1, -1, 0
	loud := 0.0
	for j := 0; j*per < whole; j++ {
		rms := r.f.RMS(audio[j*per : min((j+1)*per, whole)])
		if rms > voicedRMS {
			if first < 0 {
				first = j
			}
			last, n, loud = j, n+1, loud+rms
		}
	}
	voiced := float64(n) * analysisFrameSecs
	if r.deaf || n == 0 || voiced < max(0.1, r.f.Seconds(len(audio))/2-1e-9) {
		return heard{}, false
	}
	seed := uint64(crc32.Checksum(audio, wordHash)) ^ uint64(i+1)*0x9e3779b97f4a7c15
	seed = seed*6364136223846793005 + 1442695040888963407
	at := r.start + float64(i)*slotSecs
	return heard{
		text:     vocabulary[(seed>>33)%uint64(len(vocabulary))],
		start:    at + float64(first)*analysisFrameSecs,
		end:      at + math.Min(float64(last+1)*analysisFrameSecs, r.f.Seconds(len(audio))),
		loudness: loud / float64(n),
	}, true
}

// sentence writes words as the transcript: the first capitalised, and a
// committed one ends with a full stop.
func sentence(words []heard, committed bool) string {
	return strings.Join(tokens(words, committed), " ")
}

func tokens(words []heard, committed bool) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w.text
	}
	if len(out) > 0 {
		out[0] = strings.ToUpper(out[0][:1]) + out[0][1:]
		if committed {
			out[len(out)-1] += "."
		}
	}
	return out
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

// timestamps lays out a committed segment's words at their stream times (O:
// times count from the session's start), with spacing elements between them
// so that the texts concatenate to the transcript (O).
func timestamps(seg segment) []word {
	out := []word{}
	for i, tok := range tokens(seg.words, true) {
		w := seg.words[i]
		if i > 0 {
			prev := out[len(out)-1].End
			out = append(out, word{Text: " ", Start: prev, End: round3(w.start), Type: "spacing",
				Characters: []character{{Text: " ", Start: prev, End: round3(w.start)}}})
		}
		out = append(out, word{Text: tok, Start: round3(w.start), End: round3(w.end), Type: "word",
			Logprob: -0.05 * float64(1+i%3), Characters: characters(tok, w.start, w.end)})
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
