package fakeserver

import (
	"context"
	"strings"
	"testing"

	"github.com/coder/websocket"
	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// Real clients replace partials by text, so the fake's must read like a
// recogniser's: within a segment each partial is a prefix of the segment's
// committed text and never shrinks; a non-empty commit is echoed once; then
// partials start over, and a committed segment is never sent again.

var pcm16k, _ = protocol.ParseAudioFormat("pcm_16000")

// stream sends audio in quarter-second chunks, committing with the last if
// commit is set.
func (s *socket) stream(t testing.TB, audio []byte, commit bool) {
	t.Helper()
	step := pcm16k.Bytes(0.25)
	for off := 0; off < len(audio); off += step {
		end := min(off+step, len(audio))
		b := protocol.AppendAudioChunk(nil, audio[off:end], 16000, commit && end == len(audio))
		if err := s.conn.Write(context.Background(), websocket.MessageText, b); err != nil {
			t.Fatal(err)
		}
	}
}

// finish makes the server close (an empty commit: the first may still find
// audio to commit, the second finds none and is throttled) and reads
// everything it sent.
func (s *socket) finish(t testing.TB) []string {
	t.Helper()
	b := protocol.AppendAudioChunk(nil, nil, 16000, true)
	for range 2 {
		_ = s.conn.Write(context.Background(), websocket.MessageText, b) // the second may find the socket closed
	}
	s.read(t, 0)
	return s.frames
}

// checkPartials applies the three rules to a session's frames and returns the
// committed texts and how many partials came that were not echoes.
func checkPartials(t *testing.T, frames []string) ([]string, int) {
	t.Helper()
	var committed []string
	var open []string // partials of the open segment
	growing := 0
	echoDue := false
	for i, fr := range frames {
		text := gjson.Get(fr, "text").String()
		switch gjson.Get(fr, "message_type").String() {
		case protocol.PartialTranscript:
			if echoDue {
				echoDue = false
				if text != committed[len(committed)-1] {
					t.Errorf("frame %d: the partial after committed %q is %q, not its echo", i, committed[len(committed)-1], text)
				}
				continue
			}
			for _, c := range committed {
				if c != "" && text == c {
					t.Errorf("frame %d: partial %q repeats an already committed segment", i, text)
				}
			}
			if n := len(open); n > 0 && !strings.HasPrefix(text, open[n-1]) {
				t.Errorf("frame %d: partial %q does not grow from %q", i, text, open[n-1])
			}
			open, growing = append(open, text), growing+1
		case protocol.CommittedTranscript:
			for _, p := range open {
				if !strings.HasPrefix(text, p) {
					t.Errorf("frame %d: partial %q of this segment is no prefix of its committed text %q", i, p, text)
				}
			}
			committed, open, echoDue = append(committed, text), nil, text != ""
		}
	}
	return committed, growing
}

func TestPartialsGrowEchoAndNeverGoStale(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	speech, quiet := pcm16k.Speech, pcm16k.Silence
	for _, c := range []struct {
		name     string
		q        []string
		audio    [][]byte // each is streamed, then committed unless vad
		segments int
	}{
		{"manual", nil, [][]byte{speech(3.2), append(speech(2.6), quiet(1.5)...), quiet(1)}, 3},
		{"vad", []string{"commit_strategy", "vad", "vad_silence_threshold_secs", "0.5"},
			[][]byte{append(speech(2.6), quiet(0.8)...), append(speech(3.4), quiet(0.8)...)}, 2},
	} {
		t.Run(c.name, func(t *testing.T) {
			run := func() []string {
				sock := open(t, base, query(c.q...), s.TestKey())
				for _, a := range c.audio {
					sock.stream(t, a, c.q == nil)
				}
				got, growing := checkPartials(t, sock.finish(t))
				if growing < 4 {
					t.Errorf("only %d partials besides the echoes: the rules were hardly tested", growing)
				}
				if n := len(got); n > c.segments && got[n-1] == "" {
					got = got[:n-1] // finish's commit of the trailing silence
				}
				return got
			}
			first := run()
			if len(first) != c.segments {
				t.Fatalf("%d committed transcripts %q, want %d", len(first), first, c.segments)
			}
			if strings.Count(first[0], " ") < 3 || strings.Count(first[1], " ") < 3 || first[0] == first[1] {
				t.Errorf("committed %q: want two different segments of several words each", first)
			}
			if again := run(); strings.Join(again, "|") != strings.Join(first, "|") {
				t.Errorf("the same audio gave %q, then %q", first, again)
			}
		})
	}
}

func TestRegionLanguageNeverTranscribes(t *testing.T) {
	t.Parallel()
	s, base, _ := startFake(t)
	sock := open(t, base, query("language_code", "en-US"), s.TestKey())
	sock.stream(t, pcm16k.Speech(3), true)
	for _, fr := range sock.finish(t) {
		switch mt := gjson.Get(fr, "message_type").String(); mt {
		case protocol.PartialTranscript:
			t.Errorf("language_code=en-US sent a partial: %s", fr)
		case protocol.CommittedTranscript:
			if text := gjson.Get(fr, "text").String(); text != "" {
				t.Errorf("language_code=en-US transcribed %q; live it never does", text)
			}
		}
	}
}
