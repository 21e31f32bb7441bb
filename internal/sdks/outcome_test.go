package sdks

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/scribecheck/scribecheck/protocol"
)

// scenario returns the scenario of that name.
func scenario(t *testing.T, name string) Scenario {
	t.Helper()
	for _, sc := range Scenarios() {
		if sc.Name == name {
			return sc
		}
	}
	t.Fatalf("no scenario %s", name)
	return Scenario{}
}

// An error frame that reaches the app without its text is TextLost; with
// it, its outcome stands. The events are what the drivers printed: the
// elevenlabs-js driver (the frame as the payload), the Node LiveKit
// plugin's (the close's error only, since it reads `message`, src/stt.ts)
// and the Python LiveKit plugin's (the type in the text, not the error).
func TestClassifyTextLost(t *testing.T) {
	quota := scenario(t, "error-quota_exceeded")
	frame := json.RawMessage(`{"message_type":"quota_exceeded","error":"` + quota.ErrorText + `"}`)
	auth := json.RawMessage(`{"message_type":"auth_error","error":"` + protocol.AuthErrorText + `"}`)
	closed := json.RawMessage(`{"error_class":"APIStatusError","message":"ElevenLabs STT connection closed unexpectedly"}`)
	typeOnly := json.RawMessage(`{"error_class":"APIConnectionError","message":"ElevenLabs STT error [quota_exceeded]"}`)
	for _, c := range []struct {
		name, scenario string
		events         []Event
		want           Outcome
	}{
		{"own event with the text", quota.Name, []Event{{Event: "quota_exceeded", Data: frame}, {Event: "error", Data: frame}}, OwnEvent},
		{"generic error with the text", quota.Name, []Event{{Event: "error", Data: frame}}, GenericError},
		{"the text in what a call threw", quota.Name, []Event{{Event: "error", Data: closed}, {Event: "_exception", Where: "send", Error: "APIConnectionError: " + quota.ErrorText}}, GenericError},
		{"only the close's error", quota.Name, []Event{{Event: "error", Data: closed}}, TextLost},
		{"the type, not the text", quota.Name, []Event{{Event: "error", Data: typeOnly}}, TextLost},
		{"dropped stays dropped", quota.Name, []Event{{Event: "close"}}, Dropped},
		{"auth_error with the text", "bad-key", []Event{{Event: "auth_error", Data: auth}}, Refused},
		{"auth_error without it", "bad-key", []Event{{Event: "auth_error", Data: json.RawMessage(`{"message":"Unknown error"}`)}}, TextLost},
		{"the spent token's text on the first attempt only", "token-reuse", []Event{
			{Event: "_connect", Attempt: 1}, {Event: "error", Data: auth},
			{Event: "_connect", Attempt: 2}, {Event: "auth_error", Data: json.RawMessage(`null`)}}, TextLost},
		{"a frame with no error text is not graded for one", "frame-warning", []Event{{Event: "warning", Data: json.RawMessage(`{}`)}}, OwnEvent},
	} {
		run := Run{Events: map[string][]Event{c.scenario: c.events}, Ended: map[string]bool{c.scenario: true}}
		if got, why := Classify(run, scenario(t, c.scenario)); got != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got, why, c.want)
		}
	}
}

// On real clients: elevenlabs-js hands the app the frame (the text kept);
// LiveKit's Node plugin reads `message` where the frame has `error` and
// tells the agent only of the close that follows (src/stt.ts), so the
// same frames reach it as errors without their text.
func TestTextLostOnRealClients(t *testing.T) {
	t.Parallel()
	dir, installs := installed(t, "elevenlabs-js@2.73.0", "livekit-agents-elevenlabs@1.9.0")
	only := []string{"bad-key", "error-quota_exceeded"}
	want := map[string][]Outcome{
		"elevenlabs-js@2.73.0":            {Refused, OwnEvent},
		"livekit-agents-elevenlabs@1.9.0": {TextLost, TextLost},
	}
	runs := RunAll(context.Background(), installs, Options{Dir: dir, Out: t.TempDir(), Only: only})
	for _, r := range runs {
		if r.Broken != "" || r.Skipped != "" {
			t.Fatalf("%s: %s%s", r.Install.Key(), r.Broken, r.Skipped)
		}
		for i, name := range only {
			if got, why := Classify(r, scenario(t, name)); got != want[r.Install.Key()][i] {
				t.Errorf("%s %s: %s (%s), want %s", r.Install.Key(), name, got, why, want[r.Install.Key()][i])
			}
		}
	}
}

// The idle scenario's outcome is what the app heard after the driver's
// _paused line, on how many connections: the events are what the drivers
// printed (pipecat's and LiveKit Node's, kept alive by their own
// keepalives; videosdk's, which reconnects on the next audio; elevenlabs-js',
// whose next send meets the closed socket).
func TestClassifySilence(t *testing.T) {
	idle := scenario(t, "idle-silence")
	final := json.RawMessage(`{"frame":"TranscriptionFrame","text":"Lima mike bravo romeo.","message_type":"committed_transcript"}`)
	one := map[string]string{"conn-0002": idle.Name}
	two := map[string]string{"conn-0002": idle.Name, "conn-0003": idle.Name, "conn-0001": "header"}
	for _, c := range []struct {
		name   string
		events []Event
		conns  map[string]string
		want   Outcome
	}{
		{"a transcript after the silence, one connection", []Event{{Event: "_connect"}, {Event: "open"}, {Event: "_paused", MS: 17000}, {Event: "committed_transcript", Data: final}, {Event: "close"}}, one, KeptAlive},
		{"under the client's own name", []Event{{Event: "_connect"}, {Event: "SpeechEventType.INTERIM_TRANSCRIPT"}, {Event: "_paused", MS: 17000}, {Event: "SpeechEventType.FINAL_TRANSCRIPT"}}, one, KeptAlive},
		{"a transcript after the silence on a second connection", []Event{{Event: "_connect"}, {Event: "session_started"}, {Event: "_paused", MS: 17000},
			{Event: "session_started"}, {Event: "partial_transcript"}, {Event: "committed_transcript", Data: final}}, two, Reconnected},
		{"closed in the silence, the next send throws", []Event{{Event: "_connect"}, {Event: "session_started"}, {Event: "close"}, {Event: "_paused", MS: 17000},
			{Event: "_exception", Where: "send", Error: "Error: WebSocket is not connected"}, {Event: "_exception", Where: "commit", Error: "Error: WebSocket is not connected"}}, one, LostInSilence},
		{"a transcript before the silence only", []Event{{Event: "_connect"}, {Event: "committed_transcript", Data: final}, {Event: "_paused", MS: 17000}, {Event: "close"}}, one, LostInSilence},
		{"never reached the silence", []Event{{Event: "_connect"}, {Event: "_exception", Where: "connect", Error: "ConnectionRefusedError"}}, nil, NoSession},
	} {
		run := Run{Events: map[string][]Event{idle.Name: c.events}, Ended: map[string]bool{idle.Name: true}, ConnScenario: c.conns}
		if got, why := Classify(run, idle); got != c.want {
			t.Errorf("%s: %s (%s), want %s", c.name, got, why, c.want)
		}
	}
}
