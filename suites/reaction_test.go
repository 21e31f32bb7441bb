package suites

import (
	"encoding/json"
	"testing"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// The reaction builders read a timeline the way the INFO specs leave it; no
// spec runs here.

func rx(raw string) probes.Frame { return probes.ParseFrame(0, false, []byte(raw)) }
func tx(raw string) probes.Frame {
	f := probes.ParseFrame(0, false, []byte(raw))
	f.Out = true
	return f
}

func upgraded(frames []probes.Frame, cl *probes.Close) probes.Timeline {
	return probes.Timeline{Upgrade: probes.Upgrade{Status: 101}, Frames: frames, Close: cl}
}

const (
	sessionStarted = `{"message_type":"session_started","session_id":"0123456789abcdef0123456789abcdef","config":{}}`
	invalidRequest = `{"message_type":"invalid_request", "error":"model_id is required"}`
	barrier        = `{"message_type":"scribecheck_barrier"}`
	barrierAnswer  = `{"message_type":"input_error","error":"Unexpected message type: scribecheck_barrier"}`
	partial        = `{"message_type":"partial_transcript","text":"Lima"}`
	committed      = `{"message_type":"committed_transcript","text":"Lima."}`
	audioChunk     = `{"message_type":"input_audio_chunk","audio_base_64":"AAAA","commit":true}`
	stimulus       = `{"message_type":"input_audio_chunk",`
	inputError     = `{"message_type":"input_error","error":"bad frame"}`
)

func TestHandshakeReaction(t *testing.T) {
	cases := []struct {
		name string
		tl   probes.Timeline
		want string // the reaction as JSON; "" for none
	}{
		{"refused upgrade", probes.Timeline{Upgrade: probes.Upgrade{Status: 403, Body: `{"detail":"no"}`}},
			`{"stimulus":"s","kind":"http","status":403,"body":"{\"detail\":\"no\"}"}`},
		{"no HTTP answer", probes.Timeline{Upgrade: probes.Upgrade{Err: "EOF"}}, ""},
		{"unreachable", probes.Timeline{Upgrade: probes.Upgrade{Unreachable: true, Err: "refused"}}, ""},
		{"session", upgraded([]probes.Frame{rx(sessionStarted)}, nil), `{"stimulus":"s","kind":"session"}`},
		{"frames then close, verbatim", upgraded([]probes.Frame{rx(invalidRequest)}, &probes.Close{Code: 1008, Reason: "bad"}),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"invalid_request\", \"error\":\"model_id is required\"}"],"close":{"code":1008,"reason":"bad"}}`},
		{"frames, socket left open", upgraded([]probes.Frame{rx(invalidRequest), rx(`{"message_type":"warning"}`)}, nil),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"invalid_request\", \"error\":\"model_id is required\"}","{\"message_type\":\"warning\"}"]}`},
		{"closed by us: no close", upgraded([]probes.Frame{rx(invalidRequest)}, &probes.Close{Code: 1000, ByUs: true}),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"invalid_request\", \"error\":\"model_id is required\"}"]}`},
		{"closed before any frame", upgraded(nil, &probes.Close{Code: 1000}), `{"stimulus":"s","kind":"frames","close":{"code":1000,"reason":""}}`},
		{"dropped without a close frame", upgraded([]probes.Frame{rx(invalidRequest)}, &probes.Close{Code: -1, Err: "EOF"}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			re, ok := handshakeReaction("s", c.tl)
			checkReaction(t, re, ok, c.want)
		})
	}
}

func TestFrameReaction(t *testing.T) {
	open := []probes.Frame{rx(sessionStarted), rx(`{"message_type":"warning","warning":"before"}`)}
	with := func(fs ...probes.Frame) []probes.Frame { return append(append([]probes.Frame{}, open...), fs...) }
	cases := []struct {
		name string
		tl   probes.Timeline
		want string
	}{
		{"answered, then the follow-up's answers", upgraded(with(tx(stimulus), rx(inputError), tx(audioChunk), rx(partial), rx(committed), tx(barrier), rx(barrierAnswer)), nil),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"input_error\",\"error\":\"bad frame\"}"]}`},
		{"no answer", upgraded(with(tx(stimulus), tx(audioChunk), rx(partial), rx(committed), tx(barrier), rx(barrierAnswer)), nil),
			`{"stimulus":"s","kind":"session"}`},
		{"no answer, closed by us", upgraded(with(tx(stimulus), tx(audioChunk), rx(committed)), &probes.Close{Code: 1000, ByUs: true}),
			`{"stimulus":"s","kind":"session"}`},
		{"closed by the server without a frame", upgraded(with(tx(stimulus), tx(audioChunk)), &probes.Close{Code: 1003, Reason: "binary"}),
			`{"stimulus":"s","kind":"frames","close":{"code":1003,"reason":"binary"}}`},
		{"frame and close", upgraded(with(tx(stimulus), rx(`{"message_type":"chunk_size_exceeded","error":"big"}`), tx(barrier)), &probes.Close{Code: 1000, Reason: "chunk_size_exceeded"}),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"chunk_size_exceeded\",\"error\":\"big\"}"],"close":{"code":1000,"reason":"chunk_size_exceeded"}}`},
		{"a late error counts", upgraded(with(tx(stimulus), tx(audioChunk), rx(committed), rx(inputError)), nil),
			`{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"input_error\",\"error\":\"bad frame\"}"]}`},
		{"stimulus never sent", upgraded(open, nil), ""},
		{"dropped", upgraded(with(tx(stimulus), rx(inputError)), &probes.Close{Code: -1, Err: "EOF"}), ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			re, ok := frameReaction("s", c.tl, 0)
			checkReaction(t, re, ok, c.want)
		})
	}
	// The stimulus is the sent-th frame sent: frames answering earlier ones
	// are not its answer.
	tl := upgraded(with(tx(audioChunk), rx(inputError), tx(stimulus), rx(`{"message_type":"input_error","error":"second"}`)), nil)
	re, ok := frameReaction("s", tl, 1)
	checkReaction(t, re, ok, `{"stimulus":"s","kind":"frames","frames":["{\"message_type\":\"input_error\",\"error\":\"second\"}"]}`)
}

func checkReaction(t *testing.T, re protocol.Reaction, ok bool, want string) {
	t.Helper()
	if want == "" {
		if ok {
			t.Errorf("a reaction %+v, want none", re)
		}
		return
	}
	b, _ := json.Marshal(re)
	if !ok || string(b) != want {
		t.Errorf("reaction (ok %t)\n  %s\nwant\n  %s", ok, b, want)
	}
}
