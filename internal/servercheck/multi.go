package servercheck

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// Check is one requirement of a rule at one level: it returns the
// violations in a session's timeline, one line each.
type Check struct {
	Level verdict.Level
	Run   func(probes.Timeline) []string
}

// Rule is a rule of multiplicity or order that holds in every session.
type Rule struct {
	ID, Subject, Requirement string
	// Checks are graded in order; most rules have one.
	Checks []Check
}

// Level is the rule's highest level.
func (r Rule) Level() verdict.Level { return r.Checks[0].Level }

// MultiRules are the rules of multiplicity and order docs/protocol.md states
// (MULTI-1..6).
func MultiRules() []Rule {
	one := func(id string, lvl verdict.Level, subject, req string, run func(probes.Timeline) []string) Rule {
		return Rule{ID: id, Subject: subject, Requirement: req, Checks: []Check{{lvl, run}}}
	}
	return []Rule{
		one("MULTI-1", verdict.Must, "session_started once, first", "In every session session_started is the first frame and comes once.", SessionStartedOnce),
		one("MULTI-2", verdict.Must, "no commit answered twice", "In every manual session there are never more committed_transcripts than commits (the client's, and one per 90 s of uncommitted audio).", NotMoreCommitsThanAsked),
		{ID: "MULTI-3", Subject: "segment frames follow their segment",
			Requirement: "In every session each timestamped and entity frame follows the committed_transcript it belongs to, with its text, one of a kind per segment (and so, at SHOULD, redacted, edited and diarized transcripts).",
			Checks: []Check{
				{verdict.Must, func(tl probes.Timeline) []string {
					return Unpaired(tl.Received(), []string{protocol.CommittedTranscriptWithTimestamps, protocol.CommittedTranscriptEntities})
				}},
				{verdict.Should, func(tl probes.Timeline) []string {
					return Unpaired(tl.Received(), []string{protocol.RedactedTranscript, protocol.EditedTranscript, protocol.DiarizedTranscript})
				}},
			}},
		one("MULTI-4", verdict.Must, "nothing after a closing error", "In every session nothing follows an error other than input_error but the close.", NothingAfterClosingError),
		one("MULTI-5", verdict.Should, "every commit echoed", "In every session the first partial_transcript after a non-empty committed_transcript repeats its text.", EchoesFollowCommits),
		one("MULTI-6", verdict.Should, "no partial before 2 s", "In every session no partial_transcript (other than a commit's echo) comes before 2 s of audio have been sent.", NoEarlyPartials),
	}
}

// around shows frame i of frames among its neighbours, for a violation.
func around(frames []probes.Frame, i int) string {
	var parts []string
	for j := max(0, i-2); j < min(len(frames), i+3); j++ {
		p := frames[j].Type
		if t := frames[j].Get("text"); t.Exists() {
			p += fmt.Sprintf(" %q", clip(t.String(), 40))
		}
		if j == i {
			p = "[" + p + "]"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func SessionStartedOnce(tl probes.Timeline) []string {
	var out []string
	for i, f := range tl.Received() {
		if f.Type == protocol.SessionStarted && i > 0 {
			out = append(out, fmt.Sprintf("session_started as frame %d, not only first: %s", i+1, around(tl.Received(), i)))
		}
	}
	return out
}

// NotMoreCommitsThanAsked counts, in a manual session, the commits the client
// asked for (and one the server may make itself per serverCommitFloorSecs of
// uncommitted audio) against the committed_transcripts that came. The mode
// and format are read from the query the client sent, not from the echo (a
// server that echoes wrongly is another spec's finding).
func NotMoreCommitsThanAsked(tl probes.Timeline) []string {
	q := socketQuery(tl)
	for _, cs := range q[protocol.ParamCommitStrategy] {
		if cs != protocol.CommitManual {
			return nil // vad and turn_prediction commit by themselves
		}
	}
	format := sessionFormat(tl)
	asked, answered, uncommitted := 0, 0, 0.0
	var out []string
	received := 0
	for _, f := range tl.Frames {
		switch {
		// A chunk without message_type counts too: a server may take it as
		// one (the fake's choice chunk-without-message-type=accepted).
		case f.Out && (f.Type == protocol.InputAudioChunk || f.Type == "" && f.Get("audio_base_64").Exists()):
			uncommitted += f.AudioSecs(format)
			if uncommitted >= serverCommitFloorSecs {
				asked, uncommitted = asked+1, 0
			}
			if f.Commit() {
				asked, uncommitted = asked+1, 0
			}
		case !f.Out:
			received++
			if f.Type == protocol.CommittedTranscript {
				answered++
				if answered > asked {
					out = append(out, fmt.Sprintf("committed_transcript %d for %d commits: %s", answered, asked, around(tl.Received(), received-1)))
				}
			}
		}
	}
	return out
}

// serverCommitFloorSecs: the docs say the stream is committed automatically
// every 90 s, one live log saw it at ~35.8 s, and a fake may be told less;
// the rule allows a server commit per 20 s of uncommitted audio (the docs
// recommend committing every 20-30 s), so it never fails an early auto-commit.
const serverCommitFloorSecs = 20

func socketQuery(tl probes.Timeline) url.Values {
	if u, err := url.Parse(tl.URL); err == nil {
		return u.Query()
	}
	return url.Values{}
}

// sessionFormat is the audio format the client asked for, pcm_16000 when it
// named none the fake knows.
func sessionFormat(tl probes.Timeline) protocol.AudioFormat {
	if f, ok := tl.AudioFormat(); ok {
		return f
	}
	return pcm16k
}

// Unpaired checks that each frame of the given kinds follows a committed
// transcript with the same text that has none of its kind yet (the earliest
// such, so a server that answers commits in a pipeline still pairs): the
// frames of a segment come after it, one of a kind.
func Unpaired(frames []probes.Frame, kinds []string) []string {
	var out []string
	for _, kind := range kinds {
		var texts []string
		var paired []bool
		for i, f := range frames {
			switch f.Type {
			case protocol.CommittedTranscript:
				texts, paired = append(texts, f.Get("text").String()), append(paired, false)
			case kind:
				text := f.Get("text").String()
				j := 0
				for j < len(texts) && (paired[j] || texts[j] != text) {
					j++
				}
				if j == len(texts) {
					out = append(out, fmt.Sprintf("%s %q with no committed_transcript of that text before it to belong to: %s", kind, clip(text, 40), around(frames, i)))
					continue
				}
				paired[j] = true
			}
		}
	}
	return out
}

// NothingAfterClosingError: once an error other than input_error came, the
// server answers nothing more the client sends. Frames already in flight
// when the error was sent (a partial, say) may still arrive; what the server
// sends after the client spoke again may not.
func NothingAfterClosingError(tl probes.Timeline) []string {
	closingError, spokeAfter := "", false
	received := -1
	for _, f := range tl.Frames {
		if !f.Out {
			received++
		}
		switch {
		case closingError == "" && !f.Out && protocol.IsError(f.Type) && f.Type != protocol.ErrInput:
			closingError = f.Type
		case closingError != "" && f.Out:
			spokeAfter = true
		case closingError != "" && spokeAfter && !f.Out:
			return []string{fmt.Sprintf("an answer after %s and the client's next frame: %s", closingError, around(tl.Received(), received))}
		}
	}
	return nil
}

func EchoesFollowCommits(tl probes.Timeline) []string {
	frames := tl.Received()
	var out []string
	for i, f := range frames {
		text := f.Get("text").String()
		if f.Type != protocol.CommittedTranscript || text == "" {
			continue
		}
		for j := i + 1; j < len(frames); j++ {
			if frames[j].Type == protocol.PartialTranscript {
				if frames[j].Get("text").String() != text {
					out = append(out, fmt.Sprintf("the partial after committed %q is no echo: %s", text, around(frames, j)))
				}
				break
			}
		}
	}
	return out
}

func NoEarlyPartials(tl probes.Timeline) []string {
	format := sessionFormat(tl)
	sent, lastCommitted := 0.0, ""
	received := 0
	for _, f := range tl.Frames {
		if f.Out {
			sent += f.AudioSecs(format)
			continue
		}
		received++
		switch f.Type {
		case protocol.CommittedTranscript:
			lastCommitted = f.Get("text").String()
		case protocol.PartialTranscript:
			echo := lastCommitted != "" && f.Get("text").String() == lastCommitted
			lastCommitted = ""
			if !echo && sent < 2-1e-9 {
				return []string{fmt.Sprintf("a partial after %.2f s of audio: %s", sent, around(tl.Received(), received-1))}
			}
		}
	}
	return nil
}

// pcm16k is the format of a session that names none.
var pcm16k, _ = protocol.ParseAudioFormat("pcm_16000")

func clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "") + "…"
}
