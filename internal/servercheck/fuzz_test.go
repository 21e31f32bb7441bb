package servercheck_test

import (
	"strings"
	"testing"
	"time"

	"github.com/scribecheck/scribecheck/internal/captures"
	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// FuzzClassifyFrame grades a server frame as SCHEMA-1 does, from its raw
// bytes. The grade is deterministic; a frame that is not a protocol message
// is Invalid, and one graded Valid passes its schema; the line says why in
// one line of bounded length (the frame is clipped). `make fuzz` runs it;
// found cases stay in testdata/fuzz/FuzzClassifyFrame/.
func FuzzClassifyFrame(f *testing.F) {
	for _, fr := range captures.Frames(f, "") {
		f.Add([]byte(fr))
	}
	f.Add([]byte(`{"message_type":"committed_transcript_with_timestamps","text":"hi","language_code":"en","words":[{"text":"hi","start":0,"end":"x","type":"word","logprob":0.5}]}`))
	f.Add([]byte(`{"message_type":"final_transcript","text":1}`))
	f.Add([]byte(`{"message_type":"redacted_transcript"}`))
	f.Add([]byte(`{"message_type":"word"}`))
	f.Add([]byte(`{"message_type":""}`))
	f.Add([]byte(`not json`))
	schemas := protocol.MustLoadSchemas()
	f.Fuzz(func(t *testing.T, raw []byte) {
		fr := probes.ParseFrame(time.Millisecond, false, raw)
		class, line := servercheck.ClassifyFrame(schemas, fr)
		class2, line2 := servercheck.ClassifyFrame(schemas, fr)
		switch {
		case class != class2:
			// The line may differ: the schema library lists additional
			// properties in map order (left alone; see the fuzz report).
			t.Fatalf("graded %d %q, then %d %q", class, line, class2, line2)
		case fr.ParseErr != "" && class != servercheck.Invalid:
			t.Fatalf("%q (%s) graded %d", raw, fr.ParseErr, class)
		case class == servercheck.Valid && schemas.ValidateFrame(raw).Fit != protocol.SchemaValid:
			t.Fatalf("%q graded Valid: %s", raw, schemas.ValidateFrame(raw))
		case line == "":
			t.Fatal("no reason given")
		}
		if i := strings.LastIndex(line, ": "); i >= 0 && len(line[i:]) > 2+120+len("… (99999999 bytes)") && len(raw) > 120 {
			t.Fatalf("the frame is not clipped in %q", line)
		}
	})
}
