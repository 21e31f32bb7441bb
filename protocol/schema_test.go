package protocol

import (
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/captures"
)

// Every verbatim frame of the live captures must validate: OK, or at worst
// NON-STRICT for a field no schema documents; never INVALID.
func TestEveryCaptureValidates(t *testing.T) {
	s := MustLoadSchemas()
	lines := captures.Load(t)
	n := 0
	for _, line := range lines {
		var res SchemaResult
		switch {
		case line.Get("frame").Exists():
			res = s.ValidateFrame([]byte(line.Get("frame").Raw))
		case line.Get("word").Exists():
			res = s.Validate("word.json", []byte(line.Get("word").Raw))
		default:
			t.Fatalf("capture line with neither frame nor word: %s", line.Raw)
		}
		n++
		if res.Fit != SchemaValid {
			t.Errorf("capture %q (%s): %s", line.Get("context").String(), line.Get("dir").String(), res)
		}
	}
	if n != 11 {
		t.Errorf("validated %d captures, want all 11", n)
	}
}

func TestSchemasCatchWhatTheyGuard(t *testing.T) {
	s := MustLoadSchemas()
	cases := []struct {
		frame   string
		verdict SchemaFit
		says    string
	}{
		{`{"message_type":"committed_transcript","text":"hi"}`, SchemaValid, ""},
		{`{"message_type":"committed_transcript"}`, SchemaInvalid, "text"},
		{`{"message_type":"committed_transcript","text":3}`, SchemaInvalid, "/text"},
		{`{"message_type":"committed_transcript","text":"hi","segment_id":"x"}`, SchemaUndocumented, "segment_id"},
		{`{"message_type":"session_started","session_id":"a","config":{"sample_rate":16000,"audio_format":"pcm_16000","model_id":"m","commit_strategy":"manual"}}`, SchemaUndocumented, "commit_strategy"},
		{`{"message_type":"session_started","config":{"sample_rate":16000,"audio_format":"pcm_16000","model_id":"m"}}`, SchemaInvalid, "session_id"},
		{`{"message_type":"session_started","session_id":"a","config":{"sample_rate":16000,"audio_format":"pcm_12000","model_id":"m"}}`, SchemaInvalid, "audio_format"},
		{`{"message_type":"rate_limited","error":"slow down"}`, SchemaValid, ""},
		{`{"message_type":"auth_error"}`, SchemaInvalid, "error"},
		{`{"message_type":"auth_error","error":"x","code":"y","request_id":"z"}`, SchemaUndocumented, "code"},
		{`{"message_type":"committed_transcript_with_timestamps","text":"a","words":[{"text":"a","start":0,"end":1,"type":"word","logprob":0.5}]}`, SchemaInvalid, "logprob"},
		{`{"message_type":"committed_transcript_with_timestamps","text":"a","words":[{"text":"a","start":0,"end":1,"type":"token"}]}`, SchemaInvalid, "type"},
		{`{"message_type":"committed_transcript_entities","text":"a","entities":[{"text":"a","entity_type":"name","start_char":0}]}`, SchemaInvalid, "end_char"},
		{`{"message_type":"input_audio_chunk","audio_base64":"AAAA","commit":false}`, SchemaInvalid, "audio_base_64"},
		{`{"message_type":"transcript_ready","text":"x"}`, SchemaUndocumented, "transcript_ready"},
		// The contract-only frames (C: elevenlabs 2.78.0).
		{`{"message_type":"redacted_transcript","text":"I am Ann","redacted_text":"I am {NAME}"}`, SchemaValid, ""},
		{`{"message_type":"redacted_transcript","text":"I am Ann"}`, SchemaInvalid, "redacted_text"},
		{`{"message_type":"redacted_transcript","text":"I am Ann","redacted_text":null}`, SchemaInvalid, "/redacted_text"},
		{`{"message_type":"redacted_transcript","text":"I am Ann","redacted_text":"I am {NAME_1}","entities":[]}`, SchemaUndocumented, "entities"},
		{`{"message_type":"edited_transcript","text":"um hi","edited_text":"hi"}`, SchemaValid, ""},
		{`{"message_type":"edited_transcript","edited_text":"hi"}`, SchemaInvalid, "text"},
		{`{"message_type":"edited_transcript","text":"um hi","edited_text":["hi"]}`, SchemaInvalid, "/edited_text"},
		{`{"message_type":"edited_transcript","text":"hi","edited_text":"hi","instruction":"x"}`, SchemaUndocumented, "instruction"},
		{`{"message_type":"diarized_transcript","segment_index":0,"text":"a b","words":[{"text":"a","start":0,"end":0.4,"type":"word","speaker_id":"speaker_0","logprob":-0.1},{"text":" ","type":"spacing","speaker_id":null,"logprob":0}]}`, SchemaValid, ""},
		{`{"message_type":"diarized_transcript","segment_index":0,"text":"a"}`, SchemaInvalid, "words"},
		{`{"message_type":"diarized_transcript","text":"a","words":[]}`, SchemaInvalid, "segment_index"},
		{`{"message_type":"diarized_transcript","segment_index":-1,"text":"a","words":[]}`, SchemaInvalid, "/segment_index"},
		{`{"message_type":"diarized_transcript","segment_index":"0","text":"a","words":[]}`, SchemaInvalid, "/segment_index"},
		{`{"message_type":"diarized_transcript","segment_index":0,"text":"a","words":[{"text":"a","type":"word","speaker_id":"speaker_0","logprob":0.5}]}`, SchemaInvalid, "/words/0/logprob"},
		{`{"message_type":"diarized_transcript","segment_index":0,"text":"a","words":[],"language_code":"en"}`, SchemaUndocumented, "language_code"},
		{`{"message_type":"speakers_merged","from_speaker_id":"speaker_1","to_speaker_id":"speaker_0"}`, SchemaValid, ""},
		{`{"message_type":"speakers_merged","from_speaker_id":"speaker_1"}`, SchemaInvalid, "to_speaker_id"},
		{`{"message_type":"speakers_merged","from_speaker_id":1,"to_speaker_id":"speaker_0"}`, SchemaInvalid, "/from_speaker_id"},
		{`{"message_type":"speakers_merged","from_speaker_id":"speaker_1","to_speaker_id":"speaker_0","segment_index":2}`, SchemaUndocumented, "segment_index"},
		{`{"type":"session_started"}`, SchemaInvalid, "message_type"},
		{`[1]`, SchemaInvalid, "object"},
	}
	for _, c := range cases {
		res := s.ValidateFrame([]byte(c.frame))
		if res.Fit != c.verdict || !strings.Contains(strings.Join(res.Problems, " "), c.says) {
			t.Errorf("%s\n  got %s\n  want %s mentioning %q", c.frame, res, c.verdict, c.says)
		}
	}
}

// Every contract-only frame has its own schema, found by its message_type.
func TestContractFramesHaveSchemas(t *testing.T) {
	s := MustLoadSchemas()
	for _, mt := range ContractTypes {
		if got := SchemaFor(mt); got != mt+".json" {
			t.Errorf("SchemaFor(%q) = %q, want %q", mt, got, mt+".json")
			continue
		}
		if _, ok := s.lenient[mt+".json"]; !ok {
			t.Errorf("%s.json is not compiled", mt)
		}
	}
}
