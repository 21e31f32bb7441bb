package fakeserver

import (
	"slices"
	"strings"
	"testing"

	"github.com/coder/websocket"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

func TestScriptsPlayForTheirKeyOnHeaderAndToken(t *testing.T) {
	t.Parallel()
	const key = "sk_script_0123456789"
	_, base, _ := startWith(t, Options{Scripts: map[string]Script{
		key: {After: protocol.SessionStarted, Frames: []string{"not json", `{"message_type":"brand_new"}`}, CloseCode: 4000, CloseReason: "odd"},
	}})
	for name, sock := range map[string]*socket{
		"header": open(t, base, query(), key),
		"token":  open(t, base, query("token", testkit.Token(t, base, key, "realtime_scribe")), ""),
	} {
		sock.read(t, 0)
		if len(sock.frames) != 3 || sock.frames[1] != "not json" || sock.frames[2] != `{"message_type":"brand_new"}` || sock.code != 4000 || sock.reason != "odd" {
			t.Errorf("%s: frames %q close %d %q", name, sock.frames, sock.code, sock.reason)
		}
	}
}

func TestScriptAfterCommitAndOtherKeysUntouched(t *testing.T) {
	t.Parallel()
	const key = "sk_script_abcdefghij"
	s, base, _ := startWith(t, Options{Scripts: map[string]Script{
		key: {After: protocol.CommittedTranscript, Frames: []string{`{"message_type":"warning","warning":"w"}`}},
	}})
	sock := open(t, base, query(), key).read(t, 1)
	f, _ := protocol.ParseAudioFormat("pcm_16000")
	commit := `{"message_type":"input_audio_chunk","audio_base_64":"` + b64(f.Speech(1)) + `","commit":true}`
	if err := sock.conn.Write(t.Context(), websocket.MessageText, []byte(commit)); err != nil {
		t.Fatal(err)
	}
	for !slices.Contains(sock.frames, `{"message_type":"warning","warning":"w"}`) {
		if sock.read(t, len(sock.frames)+1); sock.code != 0 {
			t.Fatalf("closed before the script played: %q", sock.frames)
		}
	}
	w := slices.Index(sock.frames, `{"message_type":"warning","warning":"w"}`)
	c := slices.IndexFunc(sock.frames, func(f string) bool { return strings.Contains(f, `"committed_transcript"`) })
	if c < 0 || c > w {
		t.Errorf("the script must follow the committed_transcript's batch: %q", sock.frames)
	}
	plain := open(t, base, query(), s.TestKey()).read(t, 1)
	wantSession(t, "test key", plain)
	_ = sock.conn.Close(websocket.StatusNormalClosure, "")
}

func TestScriptThatDoesNothingIsRefused(t *testing.T) {
	t.Parallel()
	if _, err := New(Options{Scripts: map[string]Script{"sk_script_0123456789": {After: protocol.SessionStarted}}}); err == nil {
		t.Fatal("want an error for an empty script")
	}
}
