package fakeserver

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/protocol"
)

// The newest contract's features (docs/protocol.md §8, level C): entity
// redaction, transcript edits and diarization. Where the contract leaves a
// behaviour open, the fake makes a named choice (choices.go).

// redact replaces the entities entity_redaction asks for in text, in the
// mode's placeholder form (choice redaction-scope: all and pii cover the
// fake's names and locations; an entity type names itself).
func redact(text string, asked []string, mode string) string {
	var b strings.Builder
	pos := 0
	seen := map[string]int{}
	for _, e := range entities(text) {
		if !redactionCovers(asked, e.EntityType) {
			continue
		}
		typ := strings.ToUpper(e.EntityType)
		seen[typ]++
		placeholder := "{" + typ + "}"
		switch mode {
		case protocol.RedactionRedacted:
			placeholder = "{REDACTED}"
		case protocol.RedactionEnumerated:
			placeholder = fmt.Sprintf("{%s_%d}", typ, seen[typ]) // N counts each occurrence in the transcript
		}
		b.WriteString(text[pos:e.StartChar] + placeholder)
		pos = e.EndChar
	}
	return b.String() + text[pos:]
}

func redactionCovers(asked []string, entityType string) bool {
	return slices.Contains(asked, "all") || slices.Contains(asked, "pii") || slices.Contains(asked, entityType)
}

// edit applies a transcript_edit instruction the way the fake understands
// one (choice transcript-edit): "uppercase" or "lowercase" anywhere in it
// changes the case, "replace X with Y" replaces the word X; anything else
// leaves the text as it is, which the contract says is then edited_text.
func edit(text, instruction string) string {
	lower := strings.ToLower(instruction)
	if m := replaceInstruction.FindStringSubmatch(instruction); m != nil {
		words := strings.Split(text, " ")
		for i, w := range words {
			bare := strings.TrimRight(w, ".,!?")
			if strings.EqualFold(bare, m[1]) {
				words[i] = m[2] + w[len(bare):]
			}
		}
		return strings.Join(words, " ")
	}
	switch {
	case strings.Contains(lower, "uppercase"):
		return strings.ToUpper(text)
	case strings.Contains(lower, "lowercase"):
		return strings.ToLower(text)
	}
	return text
}

var replaceInstruction = regexp.MustCompile(`(?i)replace\s+"?([\p{L}\p{N}']+)"?\s+with\s+"?([\p{L}\p{N}']+)"?`)

// speakers is the fake's diarizer (choice speaker-model). A segment is one
// speaker's turn; its voice is the loudness band of its words (bands are a
// factor of 4 wide, centred on 4^k times the voicing threshold, so ordinary
// speech is one voice and the same speech three times louder another). A turn in the same voice as the previous
// turn keeps its speaker. A turn in another voice gets a new id, since one
// turn is too little to tell a returning voice from a new one; if an earlier
// speaker had that voice, the new id is then merged into the earlier one
// (speakers_merged), and later turns in that voice use the earlier id. Ids
// are never reused, and a merge always names a speaker no merge has
// removed, so merges never chain.
type speakers struct {
	next   int
	last   string // the previous turn's speaker
	voices []voice
}

type voice struct {
	id   string
	band int
}

// turn names the speaker of a segment whose words have this loudness, and
// the merge to announce after it, if any.
func (sp *speakers) turn(loudness float64) (id string, merge *speakersMergedFrame) {
	band := int(math.Round(math.Log2(loudness/voicedRMS) / 2))
	if sp.last != "" && sp.band(sp.last) == band {
		return sp.last, nil
	}
	id = fmt.Sprintf("speaker_%d", sp.next)
	sp.next++
	for _, v := range sp.voices {
		if v.band == band {
			sp.last = v.id
			return id, &speakersMergedFrame{protocol.SpeakersMerged, id, v.id}
		}
	}
	sp.voices = append(sp.voices, voice{id, band})
	sp.last = id
	return id, nil
}

func (sp *speakers) band(id string) int {
	for _, v := range sp.voices {
		if v.id == id {
			return v.band
		}
	}
	return math.MinInt
}

// diarize gives a segment's laid-out words their speaker.
func diarize(ws []word, speaker string) []word {
	out := slices.Clone(ws)
	for i := range out {
		out[i].SpeakerID = &speaker
	}
	return out
}

// loudness is the mean loudness of a segment's words.
func (seg segment) loudness() float64 {
	sum := 0.0
	for _, w := range seg.words {
		sum += w.loudness
	}
	return sum / float64(len(seg.words))
}
