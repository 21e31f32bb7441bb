package sdks

import (
	"fmt"
	"slices"
	"time"

	"github.com/scribecheck/scribecheck/fakeserver"
	"github.com/scribecheck/scribecheck/protocol"
)

// Scenario is one session a driver runs: an auth path, and for the
// injected ones the frames the fake adds (a Script on the scenario's key).
type Scenario struct {
	Name string
	// Auth is what the driver does: header, token, or token-reuse (one
	// token, two sessions).
	Auth string
	// BadKey: the driver is given a key the fake does not know.
	BadKey bool
	// Inject is the message type the script sends ("" for none), or one of
	// the pseudo types below; Script is what the fake does.
	Inject string
	Script *fakeserver.Script
	// ErrorText is the error field of the error frame the scenario meets
	// (injected, or the fake's auth_error): the text an app should get.
	ErrorText string
	// Pause: the app sends the first half of its audio, then nothing for
	// this long (its user went quiet, or muted), then the rest and the
	// commit. The plan's pause_ms; the scenario's cap grows by it.
	Pause time.Duration
}

// IdlePause is the silence of the idle scenario: the fake's idle timeout
// (the default, which the SDK runs use) and 3 s more, so a session that
// nothing keeps alive is closed before the app speaks again. The fake's
// timer counts from when it read the last chunk, which a fake starved of CPU
// reads late: with 1.5 s more, ai-sdk was once kept alive at a load average
// of 14-22, while a dozen installs' drivers started.
const IdlePause = fakeserver.DefaultIdleTimeout + 3*time.Second

// installAuth reports whether the scenario connects with the install's
// auth (Install.Auth: token for a token-only client) rather than its own:
// the scenarios about what happens in a session, not about auth.
func (sc Scenario) installAuth() bool { return sc.Script != nil || sc.Pause > 0 }

// Pseudo message types of the scenarios that send no protocol frame.
const (
	InjectUnknown = "(unknown message_type)"
	InjectNotJSON = "(non-JSON text frame)"
	InjectClose   = "(close 1013)"
)

// unknownType is a message_type no contract has.
const unknownType = "scribecheck_unknown_type"

// unusualClose is the code of the close scenario: 1013 "try again later",
// registered but never seen from this server.
const unusualClose = 1013

// Scenarios is the list each SDK version runs, in order: the four auth
// scenarios, each of the 14 error types, warning, the frames of the newest
// contract and of the older ones that some versions drop, an unknown type, a
// non-JSON text frame, an unusual close, and a silence longer than the
// idle timeout. A new scenario goes last: the spec IDs follow this order.
func Scenarios() []Scenario {
	out := []Scenario{
		{Name: "header", Auth: "header"},
		{Name: "token", Auth: "token"},
		{Name: "token-reuse", Auth: "token-reuse", ErrorText: protocol.AuthErrorText},
		{Name: "bad-key", Auth: "header", BadKey: true, ErrorText: protocol.AuthErrorText},
	}
	for _, e := range protocol.ErrorTypes {
		text := "scribecheck injected " + e
		sc := &fakeserver.Script{After: protocol.SessionStarted,
			Frames: []string{fmt.Sprintf(`{"message_type":%q,"error":%q}`, e, text)}}
		if e != protocol.ErrInput { // input_error leaves the session open (O); every other error closes (D)
			sc.CloseCode, sc.CloseReason = 1000, e
		}
		out = append(out, Scenario{Name: "error-" + e, Auth: "header", Inject: e, Script: sc, ErrorText: text})
	}
	for _, f := range injectedFrames {
		out = append(out, Scenario{Name: "frame-" + f.typ, Auth: "header", Inject: f.typ,
			Script: &fakeserver.Script{After: f.after, Frames: []string{f.body}}})
	}
	out = append(out,
		Scenario{Name: "unknown-type", Auth: "header", Inject: InjectUnknown,
			Script: &fakeserver.Script{After: protocol.SessionStarted, Frames: []string{`{"message_type":"` + unknownType + `","text":"x"}`}}},
		Scenario{Name: "not-json", Auth: "header", Inject: InjectNotJSON,
			Script: &fakeserver.Script{After: protocol.SessionStarted, Frames: []string{"scribecheck: this text frame is not JSON"}}},
		Scenario{Name: "close-1013", Auth: "header", Inject: InjectClose,
			Script: &fakeserver.Script{After: protocol.SessionStarted, CloseCode: unusualClose, CloseReason: "try again later"}},
		Scenario{Name: "idle-silence", Auth: "header", Pause: IdlePause},
	)
	return out
}

// PickScenarios checks names against Scenarios (sdks --scenario): an
// unknown one is an error that lists them all.
func PickScenarios(names []string) error {
	all := Scenarios()
	for _, n := range names {
		if !slices.ContainsFunc(all, func(sc Scenario) bool { return sc.Name == n }) {
			return fmt.Errorf("%s: no such scenario; there are %s", n, scenarioNames(all))
		}
	}
	return nil
}

// injectedFrames are schema-valid frames a server can send besides the
// plain transcripts, each after the frame that would precede it.
var injectedFrames = []struct{ typ, after, body string }{
	{protocol.Warning, protocol.SessionStarted, `{"message_type":"warning","warning":"scribecheck injected warning"}`},
	{protocol.CommittedTranscriptWithTimestamps, protocol.CommittedTranscript,
		`{"message_type":"committed_transcript_with_timestamps","text":"hello","language_code":"en","words":[{"text":"hello","start":0.1,"end":0.5,"type":"word","speaker_id":null,"logprob":-0.1,"characters":[]}]}`},
	{protocol.CommittedTranscriptEntities, protocol.CommittedTranscript,
		`{"message_type":"committed_transcript_entities","text":"I am Ann","entities":[{"text":"Ann","entity_type":"NAME","start_char":5,"end_char":8}]}`},
	{protocol.FinalTranscript, protocol.CommittedTranscript, `{"message_type":"final_transcript","text":"hello"}`},
	{protocol.DiarizedTranscript, protocol.CommittedTranscript,
		`{"message_type":"diarized_transcript","segment_index":0,"text":"hello","words":[{"text":"hello","start":0.1,"end":0.5,"type":"word","speaker_id":"speaker_0","logprob":-0.1}]}`},
	{protocol.SpeakersMerged, protocol.CommittedTranscript, `{"message_type":"speakers_merged","from_speaker_id":"speaker_1","to_speaker_id":"speaker_0"}`},
	{protocol.RedactedTranscript, protocol.CommittedTranscript, `{"message_type":"redacted_transcript","text":"I am Ann","redacted_text":"I am {NAME_1}"}`},
	{protocol.EditedTranscript, protocol.CommittedTranscript, `{"message_type":"edited_transcript","text":"alpha","edited_text":"Alfa"}`},
}
