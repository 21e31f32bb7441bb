package fakeserver

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// sdkQuery is the query the elevenlabs 2.78.0 Python SDK builds
// (realtime/scribe.py, read from the wheel): its keys in its order, lists as
// repeated keys, spaces as %20. extra is appended as written.
func sdkQuery(model, strategy, extra string) url.Values {
	raw := "model_id=" + model + "&audio_format=pcm_16000&commit_strategy=" + strategy +
		"&vad_silence_threshold_secs=0.5&vad_threshold=0.4&min_speech_duration_ms=100&min_silence_duration_ms=100" +
		"&include_timestamps=true&include_language_detection=false" + extra
	q, err := url.ParseQuery(raw)
	if err != nil {
		panic(err)
	}
	return q
}

// The newest contract's options are accepted together as the SDK sends them,
// and every frame they bring validates against its schema.
func TestNewestContractSessionsValidate(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	schemas := protocol.MustLoadSchemas()
	placeholders := map[string]*regexp.Regexp{
		protocol.RedactionRedacted:   regexp.MustCompile(`^\{REDACTED\}$`),
		protocol.RedactionEntityType: regexp.MustCompile(`^\{(NAME|LOCATION)\}$`),
		protocol.RedactionEnumerated: regexp.MustCompile(`^\{(NAME|LOCATION)_[1-9][0-9]*\}$`),
	}
	type session struct {
		name, extra string
		want        []string
		mode        string
	}
	var sessions []session
	for mode := range placeholders {
		sessions = append(sessions, session{"entity_redaction " + mode,
			"&entity_redaction=pii&entity_redaction_mode=" + mode + "&diarize=true",
			[]string{protocol.RedactedTranscript, protocol.DiarizedTranscript}, mode})
	}
	sessions = append(sessions,
		session{"default redaction mode", "&entity_redaction=all", []string{protocol.RedactedTranscript}, protocol.RedactionEnumerated},
		session{"transcript_edit", "&transcript_edit=Replace%20alpha%20with%20Alfa%2C%20keep%20names&diarize=true",
			[]string{protocol.EditedTranscript, protocol.DiarizedTranscript}, ""})
	for _, c := range sessions {
		t.Run(c.name, func(t *testing.T) {
			sock := open(t, base, sdkQuery(protocol.V3Model, protocol.CommitTurnPrediction, c.extra), s.TestKey())
			// turn_prediction: the server ends the turns; 6 s of speech holds a name or a place.
			sock.stream(t, append(pcm16k.Speech(3), pcm16k.Silence(0.8)...), false)
			sock.stream(t, append(pcm16k.Speech(3), pcm16k.Silence(0.8)...), false)
			frames := sock.finish(t)
			if mt := gjson.Get(frames[0], "message_type").String(); mt != protocol.SessionStarted {
				t.Fatalf("refused: %v", frames)
			}
			seen := map[string]int{}
			var committed []string
			redactedSome := false
			for _, fr := range frames {
				mt := gjson.Get(fr, "message_type").String()
				seen[mt]++
				if res := schemas.ValidateFrame([]byte(fr)); res.Fit != protocol.SchemaValid {
					t.Errorf("%s", res)
				}
				text := gjson.Get(fr, "text").String()
				switch mt {
				case protocol.CommittedTranscript:
					committed = append(committed, text)
				case protocol.RedactedTranscript:
					red := gjson.Get(fr, "redacted_text").String()
					for _, tok := range strings.Fields(red) {
						tok = strings.TrimSuffix(tok, ".")
						if strings.HasPrefix(tok, "{") && !placeholders[c.mode].MatchString(tok) {
							t.Errorf("placeholder %s in mode %s", tok, c.mode)
						}
					}
					redactedSome = redactedSome || red != text
				case protocol.DiarizedTranscript:
					if idx := int(gjson.Get(fr, "segment_index").Int()); idx >= len(committed) || committed[idx] != text {
						t.Errorf("diarized segment_index %d text %q does not name its committed transcript (%q)", idx, text, committed)
					}
				case protocol.EditedTranscript:
					if !strings.Contains(gjson.Get(fr, "edited_text").String(), "Alfa") && strings.Contains(strings.ToLower(text), "alpha") {
						t.Errorf("edit not applied: %s", fr)
					}
				}
			}
			if seen[protocol.CommittedTranscript] < 2 {
				t.Errorf("turn_prediction committed %d turns, want 2: %v", seen[protocol.CommittedTranscript], seen)
			}
			for _, mt := range c.want {
				if seen[mt] != seen[protocol.CommittedTranscript] {
					t.Errorf("%d %s for %d committed transcripts", seen[mt], mt, seen[protocol.CommittedTranscript])
				}
			}
			if c.mode != "" && !redactedSome {
				t.Errorf("no entity was redacted in %q: the test audio proves nothing", committed)
			}
			if cfg := gjson.Get(frames[0], "config"); cfg.Get("model_id").String() != protocol.V3Model || !cfg.Get("vad_commit_strategy").Bool() {
				t.Errorf("config %s: want model_id %s and vad_commit_strategy true", cfg.Raw, protocol.V3Model)
			}
		})
	}
}

func TestNewestContractRefusals(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	for _, extra := range []string{
		"&transcript_edit=fix&entity_detection=pii",
		"&entity_redaction=pii&transcript_edit=fix",
		"&transcript_edit=" + strings.Repeat("x", 2001),
		"&entity_redaction_mode=masked",
		"&commit_strategy=turn_predictor",
	} {
		sock := open(t, base, sdkQuery(protocol.DefaultModel, protocol.CommitManual, extra), s.TestKey()).read(t, 0)
		if len(sock.frames) != 1 || gjson.Get(sock.frames[0], "message_type").String() != protocol.ErrInvalidRequest || sock.code != 1008 {
			t.Errorf("%.60s: %v close %d, want invalid_request then 1008", extra, sock.frames, sock.code)
		}
	}
	ok := open(t, base, sdkQuery(protocol.DefaultModel, protocol.CommitManual, "&transcript_edit="+strings.Repeat("x", 2000)), s.TestKey()).read(t, 1)
	wantSession(t, "transcript_edit of 2000 characters", ok)
}

// The diarizer: a turn in another voice gets a new speaker; a returning voice
// is first a new id, then merged into the earlier one, which later turns use.
func TestSpeakersMergeAReturningVoice(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	sock := open(t, base, query("diarize", "true"), s.TestKey())
	loud := pcm16k.Louder(pcm16k.Speech(2), 3)
	for _, a := range [][]byte{pcm16k.Speech(2), loud, pcm16k.Speech(2), pcm16k.Speech(2)} {
		sock.stream(t, a, true)
	}
	var got []string
	for _, fr := range sock.finish(t) {
		switch gjson.Get(fr, "message_type").String() {
		case protocol.DiarizedTranscript:
			got = append(got, gjson.Get(fr, "words.0.speaker_id").String())
		case protocol.SpeakersMerged:
			got = append(got, gjson.Get(fr, "from_speaker_id").String()+"->"+gjson.Get(fr, "to_speaker_id").String())
		}
	}
	if want := "speaker_0 speaker_1 speaker_2 speaker_2->speaker_0 speaker_0"; strings.Join(got, " ") != want {
		t.Errorf("speakers %q, want %q", strings.Join(got, " "), want)
	}
}
