package suites

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// multiCases: the rules of multiplicity and order protocol.md states, checked
// on every socket the run opened (the way SCHEMA-1 validates every frame),
// not only on the sessions a spec opens for them. They run last.
func multiCases() []Case {
	rule := func(id string, lvl Level, subject, req string, check func(tl probes.Timeline) []string) Case {
		return Case{ID: id, Level: lvl, Subject: subject, Requirement: req, Body: func(ctx ginkgo.SpecContext, s *Spec) {
			s.gradeEverySocket(ctx, lvl, check)
		}}
	}
	cs := []Case{
		rule("MULTI-1", Must, "session_started once, first", "In every session session_started is the first frame and comes once.", sessionStartedOnce),
		rule("MULTI-2", Must, "no commit answered twice", "In every manual session there are never more committed_transcripts than commits (the client's, and one per 90 s of uncommitted audio).", notMoreCommitsThanAsked),
		{ID: "MULTI-3", Level: Must, Subject: "segment frames follow their segment",
			Requirement: "In every session each timestamped and entity frame follows the committed_transcript it belongs to, with its text, one of a kind per segment (and so, at SHOULD, redacted, edited and diarized transcripts).",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				s.gradeEverySocket(ctx, Must, func(tl probes.Timeline) []string {
					return unpaired(tl.Received(), []string{protocol.CommittedTranscriptWithTimestamps, protocol.CommittedTranscriptEntities})
				})
				s.gradeEverySocket(ctx, Should, func(tl probes.Timeline) []string {
					return unpaired(tl.Received(), []string{protocol.RedactedTranscript, protocol.EditedTranscript, protocol.DiarizedTranscript})
				})
			}},
		rule("MULTI-4", Must, "nothing after a closing error", "In every session nothing follows an error other than input_error but the close.", nothingAfterClosingError),
		rule("MULTI-5", Should, "every commit echoed", "In every session the first partial_transcript after a non-empty committed_transcript repeats its text.", echoesFollowCommits),
		rule("MULTI-6", Should, "no partial before 2 s", "In every session no partial_transcript (other than a commit's echo) comes before 2 s of audio have been sent.", noEarlyPartials),
	}
	for i := range cs {
		cs[i].Area = "multi"
	}
	return cs
}

// gradeEverySocket applies check to the timeline of every socket the run
// opened and grades the violations at lvl, each with the spec that opened
// the socket and the frames around it.
func (s *Spec) gradeEverySocket(ctx ginkgo.SpecContext, lvl Level, check func(probes.Timeline) []string) {
	if len(s.Env.loggedTimelines()) == 0 { // run alone: make a session to judge
		c := s.Open(ctx, query("include_timestamps", "true", "entity_detection", "all"))
		s.Send(ctx, c, speech(3), true)
		s.Await(ctx, c, protocol.CommittedTranscriptEntities)
		s.Barrier(ctx, c)
		c.Close()
		s.Env.log(s.Case.ID, c.Timeline())
	}
	var violations []string
	sessions := 0
	for _, lt := range s.Env.loggedTimelines() {
		if first, ok := lt.tl.First(); !ok || first.Type != protocol.SessionStarted {
			continue // refused, or no session: nothing these rules speak of
		}
		sessions++
		for _, v := range check(lt.tl) {
			violations = append(violations, fmt.Sprintf("%s (%s): %s", lt.specID, clipText(socketName(lt.tl), 80), v))
		}
	}
	s.Require(lvl, len(violations) == 0, fmt.Sprintf("the rule holds in all %d sessions", sessions), firstLines(violations, 6))
}

func socketName(tl probes.Timeline) string {
	u, err := url.Parse(tl.URL)
	if err != nil {
		return "?"
	}
	q := u.Query()
	q.Del(protocol.TokenParam)
	return "?" + q.Encode()
}

// around shows frame i of frames among its neighbours, for a violation.
func around(frames []probes.Frame, i int) string {
	var parts []string
	for j := max(0, i-2); j < min(len(frames), i+3); j++ {
		p := frames[j].Type
		if t := frames[j].Get("text"); t.Exists() {
			p += fmt.Sprintf(" %q", clipText(t.String(), 40))
		}
		if j == i {
			p = "[" + p + "]"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func sessionStartedOnce(tl probes.Timeline) []string {
	var out []string
	for i, f := range tl.Received() {
		if f.Type == protocol.SessionStarted && i > 0 {
			out = append(out, fmt.Sprintf("session_started again as frame %d: %s", i+1, around(tl.Received(), i)))
		}
	}
	return out
}

// notMoreCommitsThanAsked counts, in a manual session, the commits the client
// asked for (and the server's own after 90 s of uncommitted audio, D) against
// the committed_transcripts that came.
func notMoreCommitsThanAsked(tl probes.Timeline) []string {
	q, format := socketQuery(tl)
	if cs := q.Get(protocol.ParamCommitStrategy); cs != "" && cs != protocol.CommitManual {
		return nil // vad and turn_prediction commit by themselves
	}
	asked, answered, uncommitted := 0, 0, 0.0
	var out []string
	received := 0
	for _, f := range tl.Frames {
		switch {
		case f.Out && f.Type == protocol.InputAudioChunk:
			uncommitted += chunkSecs(f, format)
			if uncommitted >= autoCommitSecs {
				asked, uncommitted = asked+1, 0
			}
			if f.Get("commit").Bool() {
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

// autoCommitSecs: the stream is committed automatically every 90 s (D).
const autoCommitSecs = 90

func socketQuery(tl probes.Timeline) (url.Values, protocol.AudioFormat) {
	q := url.Values{}
	if u, err := url.Parse(tl.URL); err == nil {
		q = u.Query()
	}
	name := q.Get(protocol.ParamAudioFormat)
	if name == "" {
		name = "pcm_16000"
	}
	f, err := protocol.ParseAudioFormat(name)
	if err != nil {
		f = pcm16k
	}
	return q, f
}

func chunkSecs(f probes.Frame, format protocol.AudioFormat) float64 {
	return format.Seconds(base64.StdEncoding.DecodedLen(len(f.Get("audio_base_64").String())))
}

// unpaired checks that each frame of the given kinds follows a committed
// transcript that has none of its kind yet (the latest such), with the same
// text: the frames of a segment come after it, one of a kind.
func unpaired(frames []probes.Frame, kinds []string) []string {
	var out []string
	for _, kind := range kinds {
		var texts []string
		var paired []bool
		for i, f := range frames {
			switch f.Type {
			case protocol.CommittedTranscript:
				texts, paired = append(texts, f.Get("text").String()), append(paired, false)
			case kind:
				j := len(paired) - 1
				for j >= 0 && paired[j] {
					j--
				}
				switch {
				case j < 0:
					out = append(out, fmt.Sprintf("%s with no committed_transcript before it to belong to: %s", kind, around(frames, i)))
				case texts[j] != f.Get("text").String():
					out = append(out, fmt.Sprintf("%s text %q, its committed_transcript %q: %s", kind, f.Get("text").String(), texts[j], around(frames, i)))
				default:
					paired[j] = true
				}
			}
		}
	}
	return out
}

func nothingAfterClosingError(tl probes.Timeline) []string {
	frames := tl.Received()
	for i, f := range frames {
		if protocol.IsError(f.Type) && f.Type != protocol.ErrInput && i+1 < len(frames) {
			return []string{fmt.Sprintf("%d frames after %s: %s", len(frames)-i-1, f.Type, around(frames, i+1))}
		}
	}
	return nil
}

func echoesFollowCommits(tl probes.Timeline) []string {
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

func noEarlyPartials(tl probes.Timeline) []string {
	_, format := socketQuery(tl)
	sent, lastCommitted := 0.0, ""
	received := 0
	for _, f := range tl.Frames {
		if f.Out {
			if f.Type == protocol.InputAudioChunk {
				sent += chunkSecs(f, format)
			}
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
