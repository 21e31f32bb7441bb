package sdks

import (
	"fmt"
	"slices"
	"strings"

	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
)

// Spec is one SDK-* expectation: a scenario, what an SDK ideally does in it,
// and the level of the evidence that says so.
type Spec struct {
	ID          string
	Scenario    string
	Level       verdict.Level
	Requirement string
	Ideal       Outcome
}

// Specs lists the SDK specs, one per scenario, in scenario order; IDs are
// fixed (SDK-1 …) and never renumbered. SDK-30 is ClientRulesSpec's, so
// the scenarios after the 29th number from SDK-31.
func Specs() []Spec {
	var out []Spec
	for i, sc := range Scenarios() {
		n := i + 1
		if n >= clientRulesNumber {
			n++
		}
		s := Spec{ID: fmt.Sprintf("SDK-%d", n), Scenario: sc.Name, Level: verdict.Should}
		switch {
		case sc.Pause > 0:
			// SHOULD: the idle timeout is observed (docs/protocol.md §6), and
			// whether an empty chunk restarts it is unconfirmed (the fake's
			// empty-chunk-keepalive choice).
			s.Ideal = KeptAlive
			s.Requirement = fmt.Sprintf("When the app sends no audio for %s, longer than the server's idle timeout (~15.5 s), the client keeps the session open: the audio after the silence is transcribed on the same connection.", text.Seconds(sc.Pause))
		case sc.Name == "header" || sc.Name == "token":
			s.Ideal, s.Level = Session, verdict.Must
			s.Requirement = fmt.Sprintf("With the %s auth path, the SDK opens a session and surfaces session_started and committed_transcript.", sc.Name)
		case sc.Auth == "token-reuse":
			s.Ideal = Refused
			s.Requirement = "A second session with the same (spent) token reaches the app as auth_error, with the frame's text."
		case sc.BadKey:
			s.Ideal = Refused
			s.Requirement = "A session with an invalid key reaches the app as auth_error, with the frame's text."
		case sc.Inject == InjectUnknown:
			s.Ideal = Dropped
			s.Requirement = "A frame of an unknown message_type (a newer server) is ignored: no crash, no error."
		case sc.Inject == InjectNotJSON:
			s.Ideal = GenericError
			s.Requirement = "A text frame that is not JSON reaches the app as an error, and does not crash it."
		case sc.Inject == InjectClose:
			s.Ideal = OwnEvent
			s.Requirement = fmt.Sprintf("A server close with code %d reaches the app with its code.", unusualClose)
		case slices.Contains(protocol.ErrorTypes, sc.Inject):
			s.Ideal = OwnEvent
			s.Requirement = fmt.Sprintf("A server's %s reaches the app as its own event, with the frame's text.", sc.Inject)
		default:
			s.Ideal = OwnEvent
			s.Requirement = fmt.Sprintf("A %s frame reaches the app as its own event.", sc.Inject)
		}
		out = append(out, s)
	}
	return out
}

// ClientRulesSpec is the spec of an SDK's own traffic: its normal sessions
// (header and token) and its idle one pass the CLIENT rules.
const ClientRulesSpec = "SDK-30"

// clientRulesNumber is ClientRulesSpec's number, which no scenario takes.
const clientRulesNumber = 30

// Listed is every SDK spec in ID order, as `scribecheck list --sdk` prints
// them: one per scenario, and ClientRulesSpec in its place.
func Listed() []Spec {
	rules := Spec{ID: ClientRulesSpec, Level: verdict.Must,
		Requirement: "An SDK's normal sessions (header and token) and its idle session break no MUST CLIENT rule."}
	return slices.Insert(Specs(), clientRulesNumber-1, rules)
}

// Finding is what a pinned version does where it falls short of the ideal,
// recorded with its evidence: an expected verdict, not a test to hide.
type Finding struct {
	Outcome Outcome
	Why     string
}

// ClientFinding is a pinned install whose own normal sessions (header and
// token) or idle session break a MUST client rule: the matrix's CLIENT rules
// cell it shows (every rule broken, SHOULD ones too), and why.
type ClientFinding struct {
	Verdict string
	Why     string
}

// ClientFindings per install; an install not listed keeps every MUST rule.
var ClientFindings = map[string]ClientFinding{
	"elevenlabs-python@3.0.0a1": {"FAILED: CLIENT-14, CLIENT-5", "a chunk built from InputAudioChunk's own fields has no message_type (types/input_audio_chunk.py: optional, no default), so every one is no protocol message to a server that needs it (the fake's chunk-without-message-type choice); beside that MUST rule, its idle session is left to the server's idle timeout (CLIENT-14, SHOULD: no keepalive in speech_to_text/socket_client.py)"},
}

// Findings per install (sdk@version) and scenario. Each was seen against
// the fake and checked in the package's source (the file named). A version
// not listed here is a candidate: it is compared with the newest pinned
// release of its SDK (Base).
var Findings = map[string]map[string]Finding{
	"elevenlabs-js@2.73.0": {
		"frame-warning":             {Dropped, "no case for warning in the message switch (wrapper/realtime/connection.js)"},
		"frame-diarized_transcript": {Dropped, "no case in the message switch (wrapper/realtime/connection.js)"},
		"frame-speakers_merged":     {Dropped, "not in RealtimeEvents"},
		"frame-redacted_transcript": {Dropped, "not in RealtimeEvents"},
		"not-json":                  {Crashed, "JSON.parse in the socket listener without a guard: the SyntaxError escapes as uncaughtException (docs/protocol.md §7)"},
		"close-1013":                {CloseNoCode, "the close event has no payload: code and reason are lost (wrapper/realtime/connection.js)"},
		"idle-silence":              {LostInSilence, "no keepalive: the connection sends only the app's own chunks, on no timer (wrapper/realtime/connection.js); the server's idle close reaches the app as close, and the next send throws \"WebSocket is not connected\""},
	},
	"elevenlabs-js@2.56.0": {
		"token":                               {Unsupported, "connect() has no token option: it requires the API key and sends it as xi-api-key (the token path arrives in 2.73.0)"},
		"token-reuse":                         {Unsupported, "no token option"},
		"error-unaccepted_terms":              {Dropped, "no case for unaccepted_terms (docs/protocol.md §7: ≤ 2.56 drops it)"},
		"error-invalid_request":               {Dropped, "no case for invalid_request (docs/protocol.md §7)"},
		"frame-warning":                       {Dropped, "no warning case"},
		"frame-committed_transcript_entities": {Dropped, "no case for committed_transcript_entities (docs/protocol.md §7)"},
		"frame-final_transcript":              {Dropped, "no case for final_transcript (docs/protocol.md §7)"},
		"frame-diarized_transcript":           {Dropped, "not in RealtimeEvents"},
		"frame-speakers_merged":               {Dropped, "not in RealtimeEvents"},
		"frame-redacted_transcript":           {Dropped, "not in RealtimeEvents"},
		"frame-edited_transcript":             {Dropped, "not in RealtimeEvents"},
		"not-json":                            {Crashed, "JSON.parse without a guard (docs/protocol.md §7)"},
		"close-1013":                          {CloseNoCode, "the close event has no payload: code and reason are lost (wrapper/realtime/connection.js)"},
		"idle-silence":                        {LostInSilence, "no keepalive: the connection sends only the app's own chunks, on no timer (wrapper/realtime/connection.js); the server's idle close reaches the app as close, and the next send throws \"WebSocket is not connected\""},
	},
	"elevenlabs-python@3.0.0a1": {
		"header": {NoSession, "every chunk is refused (input_error): built from InputAudioChunk's own fields it has no message_type (types/input_audio_chunk.py: optional, no default), the fake's chunk-without-message-type choice; and a committed_transcript would arrive as a PartialTranscript, since the message union (speech_to_text/types/receive_transcription.py) has no discriminator and the unchecked construct_type takes its first class that fits"},
		"token":  {NoSession, "as header (its chunks refused, a commit unreadable); the xi-api-key header goes beside the token (core/client_wrapper.py)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "arrives as a PartialTranscript (the first class of the union that fits), never as its own CommittedTranscriptWithTimestamps"},
		"frame-committed_transcript_entities":        {Dropped, "arrives as a PartialTranscript, never as its own CommittedTranscriptEntities"},
		"frame-final_transcript":                     {Dropped, "not in the message union (speech_to_text/types/receive_transcription.py): arrives as a PartialTranscript"},
		"frame-diarized_transcript":                  {Dropped, "not in the message union: arrives as a PartialTranscript"},
		"frame-speakers_merged":                      {Dropped, "not in the message union: arrives as a SessionStarted (construct_type does not validate), a second session_started to an app"},
		"frame-redacted_transcript":                  {Dropped, "not in the message union: arrives as a PartialTranscript"},
		"frame-edited_transcript":                    {Dropped, "not in the message union: arrives as a PartialTranscript"},
		"unknown-type":                               {Dropped, "no error, yet not skipped either: it arrives as a PartialTranscript (the union's \"skipping unknown message\" warning needs construct_type to raise, which it does not)"},
		"not-json":                                   {GenericError, "start_listening emits the JSONDecodeError as ERROR, then CLOSE, and stops reading: the socket stays open and later frames are lost (speech_to_text/socket_client.py)"},
		"close-1013":                                 {GenericError, "websockets' ConnectionClosedError reaches ERROR with the code in its text; the CLOSE that follows has no payload (speech_to_text/socket_client.py)"},
		"idle-silence":                               {LostInSilence, "no keepalive: the socket client sends only what the app sends (speech_to_text/socket_client.py), and websockets' pings do not restart the idle timer; its chunks are refused besides (no message_type), so the session idles from its start; the close arrives as CLOSE and the next send raises ConnectionClosedOK"},
	},
	"elevenlabs-python@2.78.0": {
		"frame-warning":             {Dropped, "no warning in the event handling of elevenlabs/realtime/connection.py, though the generated union has it"},
		"frame-diarized_transcript": {Dropped, "in the generated union, not handled by elevenlabs/realtime/connection.py"},
		"frame-speakers_merged":     {Dropped, "in the generated union, not in the event list"},
		"idle-silence":              {LostInSilence, idlePythonSDK},
	},
	"elevenlabs-python@2.59.0": {
		"token":                               {Unsupported, "RealtimeAudioOptions has no token (elevenlabs-python #830 adds it)"},
		"token-reuse":                         {Unsupported, "no token option"},
		"error-unaccepted_terms":              {Dropped, "not handled by elevenlabs/realtime/connection.py (it matches only unaccepted_terms_error)"},
		"error-invalid_request":               {Dropped, "not in the event list"},
		"frame-warning":                       {Dropped, "not in the event list"},
		"frame-committed_transcript_entities": {Dropped, "not in the event list"},
		"frame-final_transcript":              {Dropped, "not in the event list"},
		"frame-diarized_transcript":           {Dropped, "not in the event list"},
		"frame-speakers_merged":               {Dropped, "not in the event list"},
		"frame-redacted_transcript":           {Dropped, "not in the event list"},
		"frame-edited_transcript":             {Dropped, "not in the event list"},
		"close-1013":                          {GenericError, "an unusual close is raised as a generic error with the code in its text; 2.78.0 emits a close event with the code"},
		"idle-silence":                        {LostInSilence, idlePythonSDK},
	},
	"elevenlabs-client@1.25.0": {
		"header":                    {Unsupported, "Scribe.connect() takes only a token: a browser WebSocket cannot set xi-api-key (docs/protocol.md §7)"},
		"bad-key":                   {Unsupported, "no API-key path"},
		"frame-warning":             {Dropped, "no case in the message switch (dist/scribe/connection.js)"},
		"frame-diarized_transcript": {Dropped, "no case in the message switch (dist/scribe/connection.js)"},
		"frame-speakers_merged":     {Dropped, "no case in the message switch (dist/scribe/connection.js)"},
		"frame-redacted_transcript": {Dropped, "no case in the message switch (dist/scribe/connection.js)"},
		"frame-edited_transcript":   {Dropped, "no case in the message switch (dist/scribe/connection.js)"},
		"idle-silence":              {LostInSilence, "no keepalive for audio the app sends itself: send() forwards only the app's chunks (dist/scribe/connection.js; only a microphone session's mute() goes on sending the browser's silence, which would keep it); the idle close reaches the app as close 1000, and the next send throws \"WebSocket is not connected\""},
	},
	// Python clients apps run beside the official SDKs (third-party plugins).
	// Their files are in the venv's site-packages.
	"videosdk-plugins-elevenlabs@1.0.30": {
		"token":                                      {Unsupported, "no token option: the key goes only into xi-api-key (videosdk/plugins/elevenlabs/stt.py)"},
		"token-reuse":                                {Unsupported, "no token option"},
		"bad-key":                                    {GenericError, "auth_error reaches the app only as its error event with the raw frame (STT_ERROR_MSGS); the next audio frame reconnects with the same key, no backoff"},
		"error-auth_error":                           {GenericError, "the error event with the raw frame (STT_ERROR_MSGS in stt.py)"},
		"error-quota_exceeded":                       {GenericError, "the error event with the raw frame (STT_ERROR_MSGS)"},
		"error-commit_throttled":                     {Dropped, "not in STT_ERROR_MSGS: logged at debug as unrecognized; the close after it ends the listener silently and the next audio frame reconnects"},
		"error-transcriber_error":                    {GenericError, "the error event with the raw frame (STT_ERROR_MSGS)"},
		"error-unaccepted_terms":                     {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-rate_limited":                         {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-input_error":                          {GenericError, "the error event with the raw frame (STT_ERROR_MSGS)"},
		"error-invalid_request":                      {Dropped, "not in STT_ERROR_MSGS: logged at debug; the next audio frame reconnects with the same refused parameters"},
		"error-queue_overflow":                       {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-resource_exhausted":                   {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-session_time_limit_exceeded":          {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-chunk_size_exceeded":                  {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"error-insufficient_audio_activity":          {Dropped, "not in STT_ERROR_MSGS: logged at debug, then a silent reconnect"},
		"frame-warning":                              {Dropped, "only partial_transcript, committed_transcript_with_timestamps, session_started and five error types are read (_handle_ws_event)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "it is the plugin's only FINAL (it always asks include_timestamps=True): an extra one is one more FINAL, never its own event"},
		"frame-committed_transcript_entities":        {Dropped, "not read by _handle_ws_event"},
		"frame-final_transcript":                     {Dropped, "not read by _handle_ws_event"},
		"frame-diarized_transcript":                  {Dropped, "not read by _handle_ws_event"},
		"frame-speakers_merged":                      {Dropped, "not read by _handle_ws_event"},
		"frame-redacted_transcript":                  {Dropped, "not read by _handle_ws_event"},
		"frame-edited_transcript":                    {Dropped, "not read by _handle_ws_event"},
		"not-json":                                   {Dropped, "skipped with a debug log (_listen_for_responses)"},
		"close-1013":                                 {Dropped, "the listener ends on the close without telling the app; the next audio frame reconnects"},
		"idle-silence":                               {Reconnected, "its only keepalive is aiohttp's ping every 15 s (heartbeat=15.0 in videosdk/plugins/elevenlabs/stt.py), which does not restart the idle timer; the idle close ends its listener without a word to the app, and the next process_audio reconnects (a VideoSDK room calls none while the participant is muted: on_stream_disabled cancels its audio listener, videosdk/agents/room/room.py): the audio before the silence, never committed, is lost"},
	},
	"livekit-plugins-elevenlabs@1.8.9": {
		"header":                                     {NoSession, "the app hears no session_started (_process_stream_event logs it at debug); the FINAL_TRANSCRIPT of the commit does arrive"},
		"token":                                      {Unsupported, "no token option: the key goes only into xi-api-key (livekit/plugins/elevenlabs/stt.py)"},
		"token-reuse":                                {Unsupported, "no token option"},
		"bad-key":                                    {TextLost, "the error event with APIConnectionError \"ElevenLabs STT error [auth_error]\" (not retryable), and the stream's iterator raises it: the type in the text, never the frame's `error` (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-error":                                {TextLost, "APIConnectionError \"ElevenLabs STT error [error]\" on the error event, retryable: the type in the text, never the frame's `error` (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-auth_error":                           {TextLost, "APIConnectionError \"ElevenLabs STT error [auth_error]\" on the error event: the type in the text, never the frame's `error` (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-quota_exceeded":                       {TextLost, "APIConnectionError with the type in the text, not the frame's `error`, not retryable (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-transcriber_error":                    {TextLost, "APIConnectionError with the type in the text, not the frame's `error`, retryable: the stream reconnects (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-input_error":                          {TextLost, "APIConnectionError with the type in the text, not the frame's `error`, not retryable: one input_error ends the stream (_process_stream_event raises APIConnectionError(f\"ElevenLabs STT error [{message_type}]\"); the frame, `error` and all, only in the log's extra, livekit/plugins/elevenlabs/stt.py)"},
		"error-commit_throttled":                     {TextLost, "the frame is logged as an unknown type; the close after it reaches the error event as a retryable \"connection closed unexpectedly\" (APIStatusError with the code), and the stream reconnects at once (livekit/plugins/elevenlabs/stt.py)"},
		"error-unaccepted_terms":                     {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-rate_limited":                         {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-invalid_request":                      {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-queue_overflow":                       {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-resource_exhausted":                   {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-session_time_limit_exceeded":          {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-chunk_size_exceeded":                  {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"error-insufficient_audio_activity":          {TextLost, "logged as an unknown type; only the close after it reaches the app, as a retryable error, and the stream reconnects at once"},
		"frame-warning":                              {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-committed_transcript_entities":        {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-final_transcript":                     {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-diarized_transcript":                  {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-speakers_merged":                      {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-redacted_transcript":                  {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-edited_transcript":                    {Dropped, "logged as an unknown message type (_process_stream_event)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "with no language given it asks include_language_detection=true and reads the timestamped copy as the commit (_final_message_type): an extra one is one more FINAL_TRANSCRIPT, never its own event"},
		"not-json":                                   {Dropped, "json.loads fails inside recv_task's try: logged, not told to the app"},
		"close-1013":                                 {GenericError, "the error event with APIStatusError(status_code=1013): the code only inside the error; then a reconnect at once"},
	},
	// Clients apps run beside the official SDKs (issue 22): framework plugins, each through its own API.
	"livekit-agents-elevenlabs@1.9.0": {
		"header":                                     {NoSession, "transcribes on the header (SpeechEventType.FINAL_TRANSCRIPT carries the committed text), but session_started never reaches an agent: the plugin only logs it at debug level (src/stt.ts)"},
		"token":                                      {Unsupported, "STT takes only an API key (apiKey or ELEVEN_API_KEY), sent as xi-api-key: no token option"},
		"token-reuse":                                {Unsupported, "no token option"},
		"bad-key":                                    {TextLost, "in its error list, read for `message` (the frame has `error`): logs \"ElevenLabs STT error [auth_error]: Unknown error\" and throws inside its message handler, which catches it; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-error":                                {TextLost, "in its error list, read for `message` (the frame has `error`): logs \"ElevenLabs STT error [error]: Unknown error\" and throws inside its message handler, which catches it; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\": the server's text reaches no event (src/stt.ts)"},
		"error-auth_error":                           {TextLost, "in its error list, read for `message` (the frame has `error`): logs \"ElevenLabs STT error [auth_error]: Unknown error\" and throws inside its message handler, which catches it; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-quota_exceeded":                       {TextLost, "in its error list, read for `message` (the frame has `error`): logs \"ElevenLabs STT error [quota_exceeded]: Unknown error\" and throws inside its message handler, which catches it; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-transcriber_error":                    {TextLost, "in its error list, read for `message` (the frame has `error`): logs \"ElevenLabs STT error [transcriber_error]: Unknown error\" and throws inside its message handler, which catches it; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-commit_throttled":                     {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-unaccepted_terms":                     {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-rate_limited":                         {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-invalid_request":                      {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-queue_overflow":                       {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-resource_exhausted":                   {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-session_time_limit_exceeded":          {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-chunk_size_exceeded":                  {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-insufficient_audio_activity":          {TextLost, "not in its error list: logged as an unknown message type; the close 1000 that follows is a retryable APIStatusError: it reconnects with the same key, 4 sockets in ~4.4 s (100 ms, 2 s, 2 s: maxRetry 3), then one STT error \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
		"error-input_error":                          {Dropped, "in its error list: logged as \"Unknown error\" and thrown inside the message handler, which catches it; the session goes on and the agent hears nothing (src/stt.ts)"},
		"frame-warning":                              {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "the frame its FINAL_TRANSCRIPT comes from when it asks for language detection (its default without a language): no event of its own (src/stt.ts)"},
		"frame-committed_transcript_entities":        {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-final_transcript":                     {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-diarized_transcript":                  {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-speakers_merged":                      {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-redacted_transcript":                  {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"frame-edited_transcript":                    {Dropped, "logged as an unknown message type (src/stt.ts)"},
		"not-json":                                   {Dropped, "JSON.parse inside the handler's try: logged \"failed to process ElevenLabs STT message\", the session goes on, the agent hears nothing (src/stt.ts)"},
		"close-1013":                                 {GenericError, "any close it did not ask for is a retryable APIStatusError (the code in statusCode, not in the text): it reconnects, 4 sockets, then \"ElevenLabs STT connection closed unexpectedly\" (src/stt.ts)"},
	},
	"ai-sdk-elevenlabs@3.0.46": {
		"header":                                     {NoSession, "transcribes on the header (transcript-final carries committed_transcript), but no session_started reaches the app: streamTranscribe's fullStream has no stream-start part (seen)"},
		"token":                                      {Unsupported, "the provider takes only an API key (apiKey or ELEVENLABS_API_KEY), sent as xi-api-key: no token option"},
		"token-reuse":                                {Unsupported, "no token option"},
		"bad-key":                                    {GenericError, "auth_error: the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-auth_error":                           {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-quota_exceeded":                       {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-commit_throttled":                     {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-transcriber_error":                    {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-unaccepted_terms":                     {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-rate_limited":                         {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-queue_overflow":                       {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-resource_exhausted":                   {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-session_time_limit_exceeded":          {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-chunk_size_exceeded":                  {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-insufficient_audio_activity":          {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts)"},
		"error-input_error":                          {GenericError, "the stream fails with the frame's `error` text as a plain Error (no type), one socket, no reconnect (src/elevenlabs-transcription-model.ts): the server keeps the session open, the provider ends it (unless it comes after the final commit)"},
		"error-invalid_request":                      {TextLost, "not in its error list: ignored; the close that follows fails the stream with \"ElevenLabs realtime transcription stream closed before completion.\", the server's text is lost"},
		"frame-warning":                              {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "paired with the committed_transcript already given as transcript-final: adds nothing"},
		"frame-final_transcript":                     {Dropped, "treated like committed_transcript: a second transcript-final, not an event of its own"},
		"frame-committed_transcript_entities":        {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"frame-diarized_transcript":                  {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"frame-speakers_merged":                      {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"frame-redacted_transcript":                  {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"frame-edited_transcript":                    {Dropped, "no case for it (src/elevenlabs-transcription-model.ts)"},
		"not-json":                                   {Dropped, "safeParseJSON: a frame that is not JSON is skipped without a word"},
		"close-1013":                                 {GenericError, "the stream fails with \"ElevenLabs realtime transcription stream closed before completion.\": the code is lost"},
		"idle-silence":                               {LostInSilence, "no keepalive: it sends only what the app's audio stream yields (sendAudio in dist/index.js); the idle close fails the stream with \"ElevenLabs realtime transcription stream closed before completion.\", and it does not reconnect"},
	},
	"elevenlabs-react@1.15.2": {
		"header":                              {Unsupported, "useScribe's connect() takes only a token (\"Token is required\" without one): no API-key option"},
		"bad-key":                             {Unsupported, "no API-key path"},
		"error-invalid_request":               {GenericError, "no onInvalidRequest callback: it reaches onError as a plain Error with the frame's text (dist/scribe.js)"},
		"frame-warning":                       {Dropped, "no callback for it (dist/scribe.js), and @elevenlabs/client drops it first"},
		"frame-committed_transcript_entities": {Dropped, "no callback for it: @elevenlabs/client emits it, the hook does not subscribe (dist/scribe.js)"},
		"frame-final_transcript":              {Dropped, "no callback for it: @elevenlabs/client emits it, the hook does not subscribe (dist/scribe.js)"},
		"frame-diarized_transcript":           {Dropped, "no callback for it (dist/scribe.js), and @elevenlabs/client drops it first"},
		"frame-speakers_merged":               {Dropped, "no callback for it (dist/scribe.js), and @elevenlabs/client drops it first"},
		"frame-redacted_transcript":           {Dropped, "no callback for it (dist/scribe.js), and @elevenlabs/client drops it first"},
		"frame-edited_transcript":             {Dropped, "no callback for it (dist/scribe.js), and @elevenlabs/client drops it first"},
		"close-1013":                          {GenericError, "onError(Error(\"WebSocket closed unexpectedly: 1013 - try again later\")), then onDisconnect() with no arguments: the code is only in the error's text"},
		"idle-silence":                        {LostInSilence, "no keepalive: useScribe's sendAudio forwards only the app's chunks through @elevenlabs/client (dist/scribe.js; its mute() is for microphone sessions, whose silence would keep it); the idle close reaches onDisconnect, and the next sendAudio throws \"Not connected to Scribe\""},
	},
	"pipecat-ai@1.14.0": pipecatFindings(),
	// On the official SDK (elevenlabs 2.78.0): what the SDK emits, the plugin's handlers take in.
	// Its files are in the venv's site-packages: vision_agents/plugins/elevenlabs/stt.py, elevenlabs/realtime/connection.py.
	"vision-agents-plugins-elevenlabs@0.6.9": {
		"header":                                     {NoSession, "transcribes on the header (the commit arrives as a final Transcript), but no session_started reaches the app: start() subscribes only to partial_transcript, committed_transcript_with_timestamps, error and close (vision_agents/plugins/elevenlabs/stt.py)"},
		"token":                                      {Unsupported, "start() builds the connect options itself, with no token: the key goes only into xi-api-key, from its client (api_key=, ELEVENLABS_API_KEY, or client=)"},
		"token-reuse":                                {Unsupported, "no token option"},
		"bad-key":                                    {Dropped, "auth_error: " + visionErrorThenClose},
		"error-error":                                {Dropped, visionErrorThenClose},
		"error-auth_error":                           {Dropped, visionErrorThenClose},
		"error-quota_exceeded":                       {Dropped, visionErrorThenClose},
		"error-commit_throttled":                     {Dropped, visionErrorThenClose},
		"error-transcriber_error":                    {Dropped, visionErrorThenClose},
		"error-unaccepted_terms":                     {Dropped, visionErrorThenClose},
		"error-rate_limited":                         {Dropped, visionErrorThenClose},
		"error-input_error":                          {Dropped, "logged by _on_error at most (stt.py), never told to the app; the session goes on and transcribes"},
		"error-invalid_request":                      {Dropped, visionErrorThenClose},
		"error-queue_overflow":                       {Dropped, visionErrorThenClose},
		"error-resource_exhausted":                   {Dropped, visionErrorThenClose},
		"error-session_time_limit_exceeded":          {Dropped, visionErrorThenClose},
		"error-chunk_size_exceeded":                  {Dropped, visionErrorThenClose},
		"error-insufficient_audio_activity":          {Dropped, visionErrorThenClose},
		"frame-warning":                              {Dropped, "not in the SDK's RealtimeEvents (elevenlabs/realtime/connection.py): dropped before the plugin"},
		"frame-committed_transcript_with_timestamps": {Dropped, "it is the plugin's only commit (_on_committed_transcript, with include_timestamps=true): an extra one is one more final Transcript, never its own event"},
		"frame-committed_transcript_entities":        {Dropped, "the SDK emits it; the plugin does not subscribe (stt.py start())"},
		"frame-final_transcript":                     {Dropped, "the SDK emits it; the plugin does not subscribe (stt.py start())"},
		"frame-diarized_transcript":                  {Dropped, "not in the SDK's RealtimeEvents (elevenlabs/realtime/connection.py)"},
		"frame-speakers_merged":                      {Dropped, "not in the SDK's RealtimeEvents (elevenlabs/realtime/connection.py)"},
		"frame-redacted_transcript":                  {Dropped, "the SDK emits it; the plugin does not subscribe (stt.py start())"},
		"frame-edited_transcript":                    {Dropped, "the SDK emits it; the plugin does not subscribe (stt.py start())"},
		"not-json":                                   {Dropped, "the SDK's error event (\"Failed to parse message\") is logged by _on_error at most (stt.py), never told to the app; the session goes on and transcribes"},
		"close-1013":                                 {Dropped, "the SDK's error event (websockets' ConnectionClosedError, 1013 in its text) and close reach _on_error and _on_close, which only log: the app hears nothing, and its next process_audio waits forever (_attempt_reconnect is never called, stt.py)"},
	},
}

// pipecatFindings is the record of pipecat 1.14.0's ElevenLabsRealtimeSTTService
// (a Python pipeline service over websockets, served over TLS: it hard-codes
// wss://). Files are in the venv's site-packages/pipecat/.
func pipecatFindings() map[string]Finding {
	// After a server close the receive loop reconnects at once with the same
	// key (services/websocket_service.py, _receive_task_handler). The fake,
	// like the server, closes right after the error frame, so the reconnect's
	// verification ping (_verify_connection) usually meets that close: the
	// attempt fails, and the next waits 4 s (exponential_backoff_time, min 4
	// s); when the ping wins, the third session under 5 s in a row gives up
	// for good (QuickFailureTracker, utils/network.py).
	const reconnect = "; the close after it reconnects at once with the same key, and that attempt's ErrorFrame (\"reconnection attempt 1 failed\", or after three sessions under 5 s \"connection failed 3 times immediately after connecting\") follows (services/websocket_service.py)"
	const unknown = "logged at debug as an unknown message type, nothing reaches the pipeline (_process_response in services/elevenlabs/stt.py)"
	f := map[string]Finding{
		"header":            {NoSession, "transcribes (a TranscriptionFrame carries the committed text), but session_started never reaches the app: _process_response only logs it at debug (services/elevenlabs/stt.py)"},
		"token":             {Unsupported, "ElevenLabsRealtimeSTTService takes only api_key= (required, no environment fallback), sent only as xi-api-key (_connect_websocket in services/elevenlabs/stt.py): no token option"},
		"token-reuse":       {Unsupported, "no token option"},
		"bad-key":           {GenericError, "auth_error becomes an ErrorFrame \"Error: <the frame's error text>\": the type is lost, and the service stays usable (category unknown)" + reconnect},
		"error-input_error": {GenericError, "an ErrorFrame \"Error: <the frame's error text>\", the type lost; the session goes on (services/elevenlabs/stt.py)"},
		"frame-committed_transcript_with_timestamps": {Dropped, "read as a commit: one more TranscriptionFrame (the raw frame, message_type included, only in its result), never its own event; unasked for, the app hears the utterance twice (_on_committed_transcript_with_timestamps)"},
		"not-json":   {Dropped, "json.loads fails in _receive_messages: a warning in the log (\"Received non-JSON message\"), nothing to the app; the session goes on (services/elevenlabs/stt.py)"},
		"close-1013": {GenericError, "the code reaches only the log (\"connection closed, but with an error: received 1013\"); the app hears on_disconnected (no arguments), then the ErrorFrame of the reconnect that follows at once, which does not name 1013 (services/websocket_service.py)"},
	}
	for _, e := range protocol.ErrorTypes {
		if e != protocol.ErrInput && e != protocol.ErrGeneric {
			f["error-"+e] = Finding{GenericError, "an ErrorFrame \"Error: <the frame's error text>\", the type lost (_process_response)" + reconnect}
		}
	}
	for _, fr := range injectedFrames {
		if _, ok := f["frame-"+fr.typ]; !ok {
			f["frame-"+fr.typ] = Finding{Dropped, unknown}
		}
	}
	return f
}

// idlePythonSDK is why the official Python SDK 2.x loses a session across a
// silence.
const idlePythonSDK = "no keepalive: elevenlabs/realtime/connection.py sends only the app's chunks, and the pings of websockets (every 20 s, websocket_connect's default in elevenlabs/realtime/scribe.py) do not restart the idle timer; the idle close reaches the app as close, and the next send raises ConnectionClosedOK"

// visionErrorThenClose is what vision-agents-plugins-elevenlabs 0.6.9 does
// with an error frame that the server follows with a close.
const visionErrorThenClose = "the plugin hears it on the SDK's error event and only logs it (_on_error in vision_agents/plugins/elevenlabs/stt.py; " +
	"a frame that comes with the upgrade reaches no handler at all: start() subscribes after connect() returns through asyncio.wait_for); " +
	"the close after it clears _connection_ready, and _attempt_reconnect is never called: the app hears nothing and its next process_audio waits forever"

// Expected is what a pinned install should do in a scenario, and whether it
// is a recorded finding.
func Expected(install string, spec Spec) (Outcome, string, bool) {
	if f, ok := Findings[install][spec.Scenario]; ok {
		return f.Outcome, f.Why, true
	}
	return spec.Ideal, "", false
}

// Pinned reports whether an install's expectations are recorded.
func Pinned(install string) bool {
	_, ok := Findings[install]
	return ok
}

// Base is the pinned install a candidate is compared with: the pinned
// version of the same SDK with the highest version number, a release before
// a pre-release (a candidate 2.80.0 is judged against 2.78.0, not 3.0.0a1).
func Base(sdk string) string {
	best, bestV := "", ""
	for k := range Findings {
		name, v, _ := strings.Cut(k, "@")
		if name != sdk {
			continue
		}
		if best == "" || preRelease(bestV) && !preRelease(v) || preRelease(bestV) == preRelease(v) && versionLess(bestV, v) {
			best, bestV = k, v
		}
	}
	return best
}

// preRelease reports whether a version has more than digits and dots
// (3.0.0a1, 2.0.0-beta.1).
func preRelease(v string) bool {
	return strings.ContainsFunc(v, func(r rune) bool { return r != '.' && (r < '0' || r > '9') })
}

func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := 0; i < len(pa) && i < len(pb); i++ {
		var x, y int
		fmt.Sscan(pa[i], &x)
		fmt.Sscan(pb[i], &y)
		if x != y {
			return x < y
		}
	}
	return len(pa) < len(pb)
}
