package fakeserver

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/protocol"
)

// docs/fake.md tells users what the fake chooses where the real server is
// unconfirmed; it must name every choice the code makes.
func TestFakePageNamesEveryChoice(t *testing.T) {
	b, err := os.ReadFile("../docs/fake.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Choices {
		if !strings.Contains(string(b), "| `"+c.Name+"` |") {
			t.Errorf("docs/fake.md has no row for the choice %s", c.Name)
		}
	}
}

// send writes one text frame as it is.
func (s *socket) send(t testing.TB, frame string) {
	t.Helper()
	if err := s.conn.Write(context.Background(), websocket.MessageText, []byte(frame)); err != nil {
		t.Fatal(err)
	}
}

// settle sends a frame the fake answers with input_error and reads up to that
// answer: every frame before it has been handled.
func (s *socket) settle(t testing.TB) {
	t.Helper()
	s.send(t, `{"message_type":"settle"}`)
	for n := len(s.frames) + 1; ; n++ {
		if s.read(t, n); s.code != 0 || strings.Contains(s.frames[len(s.frames)-1], "settle") {
			return
		}
	}
}

// Each switchable choice, in each of its positions: the default is the
// fake's pick, the other the world a real client may meet live.
func TestSwitchableChoicesInEachPosition(t *testing.T) {
	t.Parallel()
	type world struct {
		position string
		want     string
	}
	worlds := map[string][]world{
		ChoiceBoolCapitals:        {{PositionRead, "session_started with include_timestamps true"}, {PositionRefused, "invalid_request, close 1008"}},
		ChoiceChunkNoType:         {{PositionRefused, "input_error"}, {PositionAccepted, "committed_transcript"}},
		ChoiceHeaderBesideToken:   {{PositionToken, "auth_error"}, {PositionFallback, "session_started"}},
		ChoiceEmptyChunkKeepalive: {{PositionRestarts, "open"}, {PositionIgnored, "closed 1000"}},
	}
	for _, c := range Choices {
		if len(c.Positions) == 0 {
			continue
		}
		ws, ok := worlds[c.Name]
		if !ok || len(ws) != len(c.Positions) || ws[0].position != c.Positions[0] {
			t.Fatalf("%s: positions %v, but the test covers %v", c.Name, c.Positions, ws)
		}
		for i, w := range ws {
			t.Run(c.Name+"="+w.position, func(t *testing.T) {
				t.Parallel()
				opts := Options{}
				if i > 0 { // the default needs no switch
					opts.Choices = map[string]string{c.Name: w.position}
				}
				s, base, clock := startWith(t, opts)
				if got := choiceWorld(t, c.Name, s, base, clock); got != w.want {
					t.Errorf("got %s, want %s", got, w.want)
				}
			})
		}
	}
}

// choiceWorld gives the fake the input choice name is about and says in a
// phrase what came back.
func choiceWorld(t *testing.T, name string, s *Server, base string, clock *ManualClock) string {
	key := s.TestKey()
	open := func(t *testing.T, base string, q url.Values, key string) *socket {
		sock := open(t, base, q, key)
		t.Cleanup(func() { _ = sock.conn.CloseNow() })
		return sock
	}
	switch name {
	case ChoiceBoolCapitals:
		sock := open(t, base, query("include_timestamps", "True"), key).read(t, 1)
		if m := gjson.Get(sock.frames[0], "message_type").String(); m != protocol.SessionStarted {
			sock.read(t, 0)
			return fmt.Sprintf("%s, close %d", m, sock.code)
		}
		return fmt.Sprintf("session_started with include_timestamps %s", gjson.Get(sock.frames[0], "config.include_timestamps").Raw)
	case ChoiceChunkNoType:
		sock := open(t, base, query(), key).read(t, 1)
		sock.send(t, fmt.Sprintf(`{"audio_base_64":%q,"commit":true}`, b64(pcm16k.Speech(1))))
		return gjson.Get(sock.read(t, 2).frames[1], "message_type").String()
	case ChoiceHeaderBesideToken:
		tok := testkit.Token(t, base, key, protocol.TokenRealtimeScribe)
		wantSession(t, "the token's first use", open(t, base, query(protocol.TokenParam, tok), "").read(t, 1))
		return gjson.Get(open(t, base, query(protocol.TokenParam, tok), key).read(t, 1).frames[0], "message_type").String()
	case ChoiceEmptyChunkKeepalive:
		sock := open(t, base, query(), key).read(t, 1)
		sock.stream(t, pcm16k.Speech(0.5), false)
		sock.settle(t)
		clock.Advance(10 * time.Second)
		sock.send(t, `{"message_type":"input_audio_chunk","audio_base_64":"","commit":false,"sample_rate":16000}`)
		sock.settle(t)
		clock.Advance(10 * time.Second) // 20 s after the audio, 10 s after the empty chunk
		if sock.settle(t); sock.code != 0 {
			return fmt.Sprintf("closed %d", sock.code)
		}
		return "open"
	}
	t.Fatalf("no world for %s", name)
	return ""
}

// A switch names a choice that has one and one of its positions.
func TestChoiceSwitchesAreChecked(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"bool-capitals=refused":     "",
		"bool-capitals=maybe":       "has no position",
		"bools-parse-loosely=tight": "not a choice that has a switch",
		"no-such-choice=x":          "not a choice that has a switch",
	} {
		_, _, err := ParseChoice(in)
		if (err == nil) != (want == "") || err != nil && !strings.Contains(err.Error(), want) {
			t.Errorf("ParseChoice(%q): %v, want %q", in, err, want)
		}
	}
	if _, err := New(Options{Choices: map[string]string{ChoiceChunkNoType: PositionRead}}); err == nil {
		t.Error("New took a position the choice does not have")
	}
}

// Switches read into Options.Choices (the last for a choice wins, a bad one
// is named), and the other world is what is not in its default position.
func TestParseChoicesAndOtherWorld(t *testing.T) {
	t.Parallel()
	got, err := ParseChoices([]string{"bool-capitals=refused", "header-beside-token=fallback", "bool-capitals=read"})
	if err != nil || len(got) != 2 || got[ChoiceBoolCapitals] != PositionRead || got[ChoiceHeaderBesideToken] != PositionFallback {
		t.Errorf("ParseChoices: %v, %v", got, err)
	}
	if w := OtherWorld(got); !slices.Equal(w, []string{"header-beside-token=fallback"}) {
		t.Errorf("OtherWorld(%v) = %v: the default position of bool-capitals is no other world", got, w)
	}
	if _, err := ParseChoices([]string{"bool-capitals=maybe"}); err == nil || !strings.HasPrefix(err.Error(), "bool-capitals=maybe: ") {
		t.Errorf("ParseChoices of a bad switch: %v, want it named", err)
	}
	if got, err := ParseChoices(nil); got != nil || err != nil || OtherWorld(nil) != nil {
		t.Errorf("no switches: %v, %v", got, err)
	}
}
