package suites

import (
	"fmt"
	"net/url"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/servercheck"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// multiCases: the rules of multiplicity and order docs/protocol.md states
// (servercheck.MultiRules), checked on every socket the run opened (the way
// SCHEMA-1 validates every frame), not only on the sessions a spec opens for
// them. They run last.
func multiCases() []Case {
	var cs []Case
	for _, r := range servercheck.MultiRules() {
		cs = append(cs, Case{ID: r.ID, Level: verdict.Level(r.Level()), Subject: r.Subject, Requirement: r.Requirement, Area: "multi",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				for _, c := range r.Checks {
					s.gradeEverySocket(ctx, verdict.Level(c.Level), c.Run)
				}
			}})
	}
	return cs
}

// gradeEverySocket applies check to the timeline of every socket the run
// opened and grades the violations at lvl, each with the spec that opened
// the socket and the frames around it.
func (s *Spec) gradeEverySocket(ctx ginkgo.SpecContext, lvl verdict.Level, check func(probes.Timeline) []string) {
	if len(s.sessions()) == 0 { // run alone, or after refusals only: make a session to judge
		c := s.Open(ctx, query("include_timestamps", "true", "entity_detection", "all"))
		s.Send(ctx, c, speech(3), true)
		s.Await(ctx, c, protocol.CommittedTranscriptEntities)
		s.Barrier(ctx, c)
		c.Close()
		s.Env.log(s.Case.ID, c.Timeline())
	}
	var violations []string
	sessions := s.sessions()
	for _, lt := range sessions {
		for _, v := range check(lt.tl) {
			violations = append(violations, fmt.Sprintf("%s (%s): %s", lt.specID, text.Clip(socketName(lt.tl), 80), v))
		}
	}
	s.Require(lvl, len(violations) == 0, fmt.Sprintf("the rule holds in all %d sessions", len(sessions)), firstLines(violations, 6))
}

// sessions are the logged sockets on which a session started (its
// session_started anywhere: MULTI-1 judges where).
func (s *Spec) sessions() []loggedTimeline {
	var out []loggedTimeline
	for _, lt := range s.Env.loggedTimelines() {
		if _, ok := lt.tl.Find(protocol.SessionStarted); ok {
			out = append(out, lt)
		}
	}
	return out
}

func socketName(tl probes.Timeline) string {
	q := url.Values{}
	if u, err := url.Parse(tl.URL); err == nil {
		q = u.Query()
	}
	q.Del(protocol.TokenParam)
	return "?" + q.Encode()
}
