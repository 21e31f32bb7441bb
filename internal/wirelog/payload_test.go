package wirelog_test

import (
	"bytes"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/wirelog"
)

// frame is one frame as Conn.Frame is given it.
type frame struct {
	fromClient, binary bool
	data               []byte
}

// recordFrames writes frames through a Set (red learns token) and reads
// them back.
func recordFrames(t *testing.T, frames ...frame) []wirelog.Record {
	t.Helper()
	red := secrets.New()
	red.Add(token)
	set, err := wirelog.NewSet(t.TempDir(), red)
	if err != nil {
		t.Fatal(err)
	}
	c := set.Open(httptest.NewRequest("GET", "/v1/speech-to-text/realtime", nil))
	c.Status(101)
	for _, f := range frames {
		c.Frame(f.fromClient, f.binary, f.data)
	}
	c.Closed(wirelog.FromServer, 1000, "", "")
	l, err := wirelog.ReadFile(filepath.Join(set.Dir(), c.ID()+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Frames) != len(frames) {
		t.Fatalf("read back %d frames, wrote %d", len(l.Frames), len(frames))
	}
	return l.Frames
}

func payload(t *testing.T, r wirelog.Record) wirelog.Payload {
	t.Helper()
	p, err := r.Payload()
	if err != nil {
		t.Fatalf("%+v: %v", r, err)
	}
	return p
}

// Writer, reader and Payload give back each kind of frame as it was on the
// wire: its opcode, its bytes and its size.
func TestPayloadRoundTrip(t *testing.T) {
	t.Parallel()
	notUTF8 := []byte("{\"message_type\":\"partial_transcript\",\"text\":\"caf\xe9\"}") // Latin-1 é
	cases := []struct {
		name string
		in   frame
		kind wirelog.FrameKind
	}{
		{"text", frame{false, false, []byte(`{"message_type":"session_started","note":"héllo"}`)}, wirelog.FrameText},
		{"empty text", frame{true, false, nil}, wirelog.FrameText},
		{"binary", frame{true, true, []byte{0, 1, 2, 0xff, 0xfe}}, wirelog.FrameBinary},
		{"binary that is UTF-8", frame{true, true, []byte(`{"message_type":"input_audio_chunk"}`)}, wirelog.FrameBinary},
		{"text that is not UTF-8", frame{false, false, notUTF8}, wirelog.FrameNotUTF8},
		{"client text that is not UTF-8", frame{true, false, []byte{0xc3, 0x28}}, wirelog.FrameNotUTF8},
	}
	var in []frame
	for _, c := range cases {
		in = append(in, c.in)
	}
	recs := recordFrames(t, in...)
	for i, c := range cases {
		p := payload(t, recs[i])
		if p.Kind != c.kind || !bytes.Equal(p.Data, c.in.data) || p.Len != len(c.in.data) || p.Clipped {
			t.Errorf("%s: got %s %q len=%d clipped=%v, want %s %q len=%d", c.name, p.Kind, p.Data, p.Len, p.Clipped, c.kind, c.in.data, len(c.in.data))
		}
		if p.Text() != !c.in.binary {
			t.Errorf("%s: Text() = %v for a frame sent with binary=%v", c.name, p.Text(), c.in.binary)
		}
	}
}

// A frame over MaxFrameData keeps its start and says it was clipped, in
// each kind; clipped text ends on a whole character.
func TestPayloadClipped(t *testing.T) {
	t.Parallel()
	// One goroutine writes and reads back 13 MiB: 3.9 s of CPU under the
	// race detector, 0.37 s without.
	testkit.SkipUnderRace(t, "13 MiB written and read back")
	huge := func(fill string, n int) []byte { return []byte(strings.Repeat(fill, n/len(fill)+1)[:n]) }
	text := huge("a", wirelog.MaxFrameData+10)
	// é is 2 bytes: offset by one, the limit falls inside one.
	accented := append([]byte("x"), huge("é", wirelog.MaxFrameData+100)...)
	bin := huge("\x00\x01\xff", wirelog.MaxFrameData+1)
	bad := append(huge("b", wirelog.MaxFrameData+50), 0xff) // the bad byte is past the limit
	veryHuge := huge("c", wirelog.MaxFrameData+1<<20)
	recs := recordFrames(t, frame{false, false, text}, frame{false, false, accented}, frame{true, true, bin},
		frame{false, false, bad}, frame{true, false, veryHuge})
	for i, c := range []struct {
		name string
		in   []byte
		kind wirelog.FrameKind
	}{
		{"text", text, wirelog.FrameText},
		{"text cut inside a character", accented, wirelog.FrameText},
		{"binary", bin, wirelog.FrameBinary},
		{"text whose bad byte is past the limit", bad, wirelog.FrameNotUTF8},
		{"text far over the limit", veryHuge, wirelog.FrameText},
	} {
		p := payload(t, recs[i])
		switch {
		case !p.Clipped || p.Len != len(c.in) || p.Kind != c.kind:
			t.Errorf("%s: clipped=%v len=%d kind=%s, want clipped, len %d, %s", c.name, p.Clipped, p.Len, p.Kind, len(c.in), c.kind)
		case len(p.Data) > wirelog.MaxFrameData || len(p.Data) < wirelog.MaxFrameData-utf8.UTFMax:
			t.Errorf("%s: kept %d bytes, want the first %d or a character less", c.name, len(p.Data), wirelog.MaxFrameData)
		case !bytes.HasPrefix(c.in, p.Data):
			t.Errorf("%s: the kept bytes are not the start of the frame", c.name)
		case c.kind == wirelog.FrameText && !utf8.Valid(p.Data):
			t.Errorf("%s: clipped text is not valid UTF-8", c.name)
		}
	}
	// The JSON record of clipped text holds it as text, not mangled.
	if recs[1].Binary || !strings.HasSuffix(recs[1].Data, "é") {
		t.Errorf("clipped accented text: binary=%v, ends %q", recs[1].Binary, recs[1].Data[len(recs[1].Data)-4:])
	}
}

// Every kind of frame is redacted, and a secret the clip cuts in two is
// not kept in part.
func TestPayloadRedactsEveryKind(t *testing.T) {
	t.Parallel()
	msg := []byte(`{"note":"` + token + `"}`)
	// straddling has the token across the limit, 21 bytes of it before.
	straddling := append(bytes.Repeat([]byte("a"), wirelog.MaxFrameData-30), msg...)
	// farPast has it across the point past the limit (4 KiB, the writer's
	// margin) where a huge frame is cut before it is redacted, after 200
	// tokens whose redaction shortens the frame by more than the margin.
	many := bytes.Repeat([]byte(token+" "), 200)
	farPast := append(append(many, bytes.Repeat([]byte("a"), wirelog.MaxFrameData+4<<10-30-len(many))...), msg...)
	recs := recordFrames(t, frame{false, false, msg}, frame{true, true, msg}, frame{false, false, append(msg, 0xff)},
		frame{true, false, straddling}, frame{true, false, farPast})
	for i, r := range recs {
		p := payload(t, r)
		if bytes.Contains(p.Data, []byte(token)) || bytes.Contains(p.Data, []byte(token[:12])) {
			t.Errorf("frame %d (%s) keeps the token: %q", i, p.Kind, p.Data[max(0, len(p.Data)-80):])
		}
	}
	for i, r := range recs[:3] {
		if p := payload(t, r); !bytes.Contains(p.Data, []byte("sutkn_…")) {
			t.Errorf("frame %d (%s): the token is not replaced by its fingerprint: %q", i, p.Kind, p.Data)
		}
	}
}

// The format is the one old recordings have: these lines are what the
// writer wrote before Payload existed, and read the same.
func TestPayloadReadsTheRecordedFormat(t *testing.T) {
	t.Parallel()
	l, err := wirelog.ReadFile(filepath.Join("testdata", "frames", "conn-0001.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		kind    wirelog.FrameKind
		data    string
		n       int
		clipped bool
	}{
		{wirelog.FrameText, `{"message_type":"session_started"}`, 34, false},
		{wirelog.FrameBinary, "\x01\x02\x03", 3, false},
		{wirelog.FrameNotUTF8, "\xff\xfe", 2, false},
		{wirelog.FrameText, `{"message_type":"input_audio_chunk","audio_base_64":"AAAA`, 5000000, true},
	}
	if len(l.Frames) != len(want) {
		t.Fatalf("%d frames, want %d", len(l.Frames), len(want))
	}
	for i, w := range want {
		p := payload(t, l.Frames[i])
		if p.Kind != w.kind || string(p.Data) != w.data || p.Len != w.n || p.Clipped != w.clipped {
			t.Errorf("frame %d: %s %q len=%d clipped=%v, want %s %q len=%d clipped=%v", i+1, p.Kind, p.Data, p.Len, p.Clipped, w.kind, w.data, w.n, w.clipped)
		}
	}
}

func TestPayloadOfADamagedRecord(t *testing.T) {
	t.Parallel()
	_, err := wirelog.Record{Kind: wirelog.KindFrame, Binary: true, Error: "text frame is not valid UTF-8; data is base64", Data: "%%"}.Payload()
	if err == nil || !strings.Contains(err.Error(), "text that is not UTF-8") || !strings.Contains(err.Error(), "damaged") {
		t.Errorf("damaged base64: %v", err)
	}
	if _, err := (wirelog.Record{Kind: wirelog.KindClose}).Payload(); err == nil {
		t.Error("a close record decoded as a frame")
	}
}
