package clientcheck

import (
	"strings"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/protocol"
)

// Scopes of a rule.
const (
	ScopeConnection = "connection" // graded on each connection, in ConnResult.Results
	ScopeRun        = "run"        // graded across the connections of a run, in Report.Run
)

// Rule is one CLIENT-* rule.
type Rule struct {
	ID          string // CLIENT-1 …, stable, never renumbered
	Level       verdict.Level
	Evidence    string // docs/protocol.md level(s) it rests on
	Requirement string // one sentence: what a client must or should do
	Meaning     string // for docs/client.md: why, and what a failure usually means
	Scope       string // ScopeConnection or ScopeRun
}

// Rule IDs.
const (
	RuleTokenOnce      = "CLIENT-1"
	RuleCredential     = "CLIENT-2"
	RuleModelPath      = "CLIENT-3"
	RuleQueryKeys      = "CLIENT-4"
	RuleFrames         = "CLIENT-5"
	RuleSampleRate     = "CLIENT-6"
	RuleBase64         = "CLIENT-7"
	RuleChunkSize      = "CLIENT-8"
	RuleCommitMinimum  = "CLIENT-9"
	RulePreviousText   = "CLIENT-10"
	RuleNoRetryRefused = "CLIENT-11"
	RuleNoBurst        = "CLIENT-12"
	RuleCloseCode      = "CLIENT-13"
	RuleKeepalive      = "CLIENT-14"
	RuleTokenType      = "CLIENT-15"
	RuleTokenAge       = "CLIENT-16"
	RuleQueryValues    = "CLIENT-17"
	RuleLanguageCode   = "CLIENT-18"
	RuleUnconfirmed    = "CLIENT-19"
)

// Rules are the CLIENT rules, in ID order. Each level follows docs/protocol.md's
// evidence for the fact the rule rests on; the comment says why.
var Rules = []Rule{
	// D: a token "will be consumed on use" (tokens/create); O: a second socket gets auth_error.
	{ID: RuleTokenOnce, Level: verdict.Must, Evidence: "D", Scope: ScopeRun,
		Requirement: "Each single-use token is presented on one connection only.",
		Meaning: "A token is consumed by the first socket that opens with it, so every later socket with it gets auth_error. " +
			"A failure usually means the app reconnects (or a React effect connects twice) without minting a new token."},
	// D: ?token= takes a single-use token, `single_use_token=` is refused, undefined/[object Object] are no token;
	// O: an API key in ?token= is refused with the same auth_error.
	{ID: RuleCredential, Level: verdict.Must, Evidence: "D, O", Scope: ScopeConnection,
		Requirement: "A connection presents a credential the socket reads — a single-use token (sutkn_…) in ?token= or an API key in the xi-api-key header — " +
			"never an API key, undefined, null, [object Object] or an empty value in ?token=, nor the token under another name such as single_use_token.",
		Meaning: "The socket reads exactly two credentials. A placeholder in ?token= means the app connected before it had a token; " +
			"an API key there is refused and leaks the key into URLs and logs; single_use_token is the TTS sockets' name."},
	// D: the path and the model ids; S: every SDK sends model_id, and the old names are history the SDKs carry.
	{ID: RuleModelPath, Level: verdict.Must, Evidence: "D, S", Scope: ScopeConnection,
		Requirement: "A connection goes to " + protocol.RealtimePath + " with a model_id the socket knows (" + strings.Join(protocol.Models, ", ") + ").",
		Meaning: "The model is required and there is no default. The path is compared exactly: a trailing / is another path, answered 404. " +
			"The old path realtime-beta and the old model name scribe_realtime_v2 " +
			"(before 2025-11-11) mean an outdated client or copied sample code."},
	// D: the list of parameters; O: the server ignores a key it does not know, so nothing refuses a typo.
	{ID: RuleQueryKeys, Level: verdict.Should, Evidence: "D, O", Scope: ScopeConnection,
		Requirement: "The query string uses only documented keys; a misspelt or old key (keyterm, vad_commit_strategy, sample_rate) is not used.",
		Meaning: "The server ignores keys it does not know, so a typo silently loses the setting it meant. " +
			"A key that is neither a typo nor an old name is reported as drift (INFORMATIONAL): perhaps a newer contract than scribecheck knows."},
	// D: input_audio_chunk is the only client message, and its discriminator is message_type.
	{ID: RuleFrames, Level: verdict.Must, Evidence: "D", Scope: ScopeConnection,
		Requirement: "Every client frame is a JSON text frame {\"message_type\":\"input_audio_chunk\",\"audio_base_64\":…}: no binary frames, no {\"message_type\":\"commit\"}, no \"type\".",
		Meaning:     "The server answers any other frame with input_error and ignores its audio (O). A commit is an input_audio_chunk with commit:true."},
	// D: audio_format (default pcm_16000) and the chunk's sample_rate both state the audio's rate; they cannot both be right.
	{ID: RuleSampleRate, Level: verdict.Must, Evidence: "D", Scope: ScopeConnection,
		Requirement: "Each chunk's sample_rate equals the rate of audio_format (pcm_16000 when the query does not say).",
		Meaning: "The server decodes the audio as audio_format says. A sample_rate that disagrees means the app captures at one rate " +
			"and declares another: the transcript comes out garbled, slowed or empty."},
	// D: audio_base_64 is standard base64 of PCM16LE mono (or 8-bit μ-law): whole samples.
	{ID: RuleBase64, Level: verdict.Must, Evidence: "D", Scope: ScopeConnection,
		Requirement: "audio_base_64 is standard base64 (A–Z a–z 0–9 + /, padded) of whole samples: an even number of bytes for PCM16.",
		Meaning: "URL-safe base64, line breaks (Python's base64.encodebytes), a data: URL prefix or missing padding are refused; " +
			"an odd byte count means the app splits audio in the middle of a sample."},
	// D, as a recommendation of the docs ("0.1 to 1 s"): not a requirement, so SHOULD.
	{ID: RuleChunkSize, Level: verdict.Should, Evidence: "D (a recommendation)", Scope: ScopeConnection,
		Requirement: "Audio chunks carry 0.1–1 s of audio each (empty chunks, and the last chunk before a commit or the close, excepted).",
		Meaning: "Tiny chunks (one 10–20 ms audio frame each) multiply frames and overhead; chunks over 1 s add latency and " +
			"approach the server's frame limits. Buffer audio to 100 ms or more before sending."},
	// O: commit_throttled with the exact text, then close 1000 commit_throttled (several captures).
	{ID: RuleCommitMinimum, Level: verdict.Should, Evidence: "O", Scope: ScopeConnection,
		Requirement: "A commit comes only when at least 0.3 s of audio is uncommitted (since the last commit, the client's or the server's).",
		Meaning: "The live server answers a shorter commit with commit_throttled and closes the session. " +
			"Pad the segment with silence to 0.3 s, or wait; never commit right after a commit."},
	// D: previous_text only with the first chunk; S: the Python SDK sends previous_text:null on every chunk (accepted).
	{ID: RulePreviousText, Level: verdict.Must, Evidence: "D, S", Scope: ScopeConnection,
		Requirement: "previous_text comes only with the first chunk (a null previous_text counts as absent).",
		Meaning:     "previous_text is context for the start of a session; on a later chunk it is an error."},
	// D: a spent token is refused ("consumed on use"), and a refused query is refused again (invalid_request, then close).
	{ID: RuleNoRetryRefused, Level: verdict.Must, Evidence: "D", Scope: ScopeRun,
		Requirement: "After auth_error (or an HTTP refusal) no later connection presents the same credential, and after invalid_request none repeats the same refused query.",
		Meaning: "A refusal is deterministic: the same token or the same parameters are refused again. " +
			"After auth_error mint a new token; after invalid_request fix what the error names."},
	// O/S: useScribe's reconnect loop and pipecat's retries are seen in the wild; nothing documents a reconnect policy.
	{ID: RuleNoBurst, Level: verdict.Should, Evidence: "O, S", Scope: ScopeRun,
		Requirement: "A client does not reconnect in a burst: fewer than 3 new connections within 2 s after the server refused or closed one of its connections.",
		Meaning: "A burst is a reconnect loop without back-off: each socket costs a token and a session, and rate limits follow. " +
			"One reconnect, or a few seconds apart (pipecat: 3 tries, 4–10 s apart), is fine."},
	// S: the SDKs close with 1000 (@elevenlabs/client, Python); O: a close does not commit pending audio.
	{ID: RuleCloseCode, Level: verdict.Should, Evidence: "S, O", Scope: ScopeConnection,
		Requirement: "A connection the client ends is closed with a close frame of code 1000.",
		Meaning: "Another code (or none: elevenlabs-js sends no code, 1005) or a dropped TCP connection looks like a crash on the server side; " +
			"a connection the server closed is N/A."},
	// O: the server closes ~15.5 s after the last audio chunk with 1000 and no message (two measurements).
	{ID: RuleKeepalive, Level: verdict.Should, Evidence: "O", Scope: ScopeConnection,
		Requirement: "A client keeps a session alive across silence (audio at least every ~10 s) or closes it itself; it does not leave it to the server's idle timeout (~15.5 s).",
		Meaning: "The server closes an idle session with 1000 and no message, and uncommitted audio is lost. " +
			"Send silence during pauses (whether an empty chunk keeps the session alive is unconfirmed)."},
	// U: what the socket does with a tts_websocket or batch_scribe token is unconfirmed.
	{ID: RuleTokenType, Level: verdict.Info, Evidence: "U", Scope: ScopeConnection,
		Requirement: "A token presented on this socket was minted as realtime_scribe.",
		Meaning: "Tokens have a type; whether the speech-to-text socket accepts a tts_websocket or batch_scribe token is unconfirmed. " +
			"A token that \"works for TTS\" but not here fits this cause."},
	// D: "a time bound single use token that expires after 15 minutes".
	{ID: RuleTokenAge, Level: verdict.Must, Evidence: "D", Scope: ScopeConnection,
		Requirement: "A token is presented within 15 minutes of being minted.",
		Meaning:     "Tokens expire 15 minutes after minting. Mint right before connecting, not when the page loads."},
	// D: enums and types of the parameters, and their rejection with invalid_request; S: the numeric ranges and list limits;
	// C: the newest contract's limits, which the faithful fake enforces too (protocol.CheckQuery decides for both).
	{ID: RuleQueryValues, Level: verdict.Must, Evidence: "D, S, C", Scope: ScopeConnection,
		Requirement: "Every known query parameter has a value the server takes: a member of its enum, a boolean, a number in its range, lists and strings within their limits, and no pair that may not go together.",
		Meaning: "A value out of range or of the wrong enum is refused with invalid_request and the session closes. " +
			"A parameter given twice with different values, or a boolean not written true or false, is read on past: INFORMATIONAL."},
	// O: language_code=en-US is accepted but never transcribes.
	{ID: RuleLanguageCode, Level: verdict.Should, Evidence: "O", Scope: ScopeConnection,
		Requirement: "language_code is a bare ISO 639-1 or 639-3 code (en, eng), not a locale with a region (en-US).",
		Meaning:     "A locale is accepted but the session never transcribes: every committed_transcript is empty."},
	// U: each answer is one of the fake's switchable choices; live has not confirmed it.
	{ID: RuleUnconfirmed, Level: verdict.Info, Evidence: "U", Scope: ScopeConnection,
		Requirement: "A connection does not depend on an answer the live server has not confirmed: booleans written True or False, an input_audio_chunk without message_type, an xi-api-key header beside ?token=, empty chunks as keepalive.",
		Meaning: "The fake picks one answer to each (a switchable choice) and live may give the other. " +
			"The finding names the fake's pick and what live may do instead; run the app again with --fake-choice NAME=POSITION to see that world."},
}

// Lookup returns the rule with this ID.
func Lookup(id string) (Rule, bool) {
	for _, r := range Rules {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

func mustRule(id string) Rule {
	r, ok := Lookup(id)
	if !ok {
		panic("clientcheck: unknown rule " + id)
	}
	return r
}

// Finding is one rule's grade on one connection, or across a run.
type Finding struct {
	Rule    string // ID
	Level   verdict.Level
	Verdict verdict.Verdict
	Conns   []string // connection ids (conn-0001 …) involved
	Frames  []int    // indices into the first connection's Frames, if any
	// Message says what went wrong, naming the connection and the frames,
	// and what to do; for OK and N/A, what was checked or why it did not apply.
	Message string
	// Evidence is a few lines: the frames or request lines that show it
	// (redacted in the log already).
	Evidence string
}

// ConnResult is one graded connection.
type ConnResult struct {
	ID           string // conn-0001
	Who          string // the User-Agent, or "unknown client"
	AuthPath     string // token-query, header, token+header, single_use_token-query, none, …
	ClientFrames int
	ServerFrames int
	Close        string    // client 1000 "User ended session", server 1000, cut, …
	Results      []Finding // one per connection rule, in rule order
	// Refusal is set when the server refused the connection before a
	// session; the verdict is then FAILED whatever the rules say.
	Refusal *Refusal
	Verdict verdict.Verdict // FAILED if a MUST failed or the server refused it, NON-STRICT if only SHOULDs broke, else OK
}

// Cause is a diagnosis in the doctor's manner: what the app does wrong, and
// the fix.
type Cause struct {
	Title    string
	Fix      string
	Rules    []string
	Conns    []string
	Evidence string
}

// Report is the grade of one run.
type Report struct {
	Conns   []ConnResult
	Run     []Finding       // the run rules, one finding each, in rule order
	Causes  []Cause         // most important first
	Verdict verdict.Verdict // worst over everything; N/A when nothing connected
	// Refusals diagnose each connection whose credential the server refused:
	// the server's fault or the app's, on the evidence of the recording.
	// They are the Auth refusals of Conns, in the same order.
	Refusals []Refusal
}

// Worst is each rule's most severe finding anywhere in the report: on any
// connection, or across the run.
func (r Report) Worst() map[string]Finding {
	out := map[string]Finding{}
	note := func(f Finding) {
		if cur, ok := out[f.Rule]; !ok || f.Verdict.Severity() > cur.Verdict.Severity() {
			out[f.Rule] = f
		}
	}
	for _, c := range r.Conns {
		for _, f := range c.Results {
			note(f)
		}
	}
	for _, f := range r.Run {
		note(f)
	}
	return out
}

// Failed reports whether a MUST rule failed, or, when strict, a SHOULD rule.
func (r Report) Failed(strict bool) bool { return r.Verdict.Fails(strict) }

// fold is the verdict of a connection or a run from its findings: an
// INFORMATIONAL or N/A finding is no failure.
func fold(fs []Finding) verdict.Verdict {
	vs := make([]verdict.Verdict, len(fs))
	for i, f := range fs {
		vs[i] = f.Verdict
	}
	return verdict.Fold(vs...)
}
