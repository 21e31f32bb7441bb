package suites

import (
	"fmt"
	"net/url"
	"strings"

	"github.com/onsi/ginkgo/v2"

	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/probes"
	"github.com/scribecheck/scribecheck/protocol"
)

// modelCases: model_id present, missing, unknown, the turbo variant, case and
// whitespace (docs/protocol.md §2: required by every SDK; the server's reaction to
// a missing or unknown model is unconfirmed, so those specs are INFO).
func modelCases() []Case {
	echoes := func(model string) func(ginkgo.SpecContext, *Spec) {
		return func(ctx ginkgo.SpecContext, s *Spec) {
			c := s.Open(ctx, url.Values{protocol.ParamModelID: {model}})
			got := config(c).Get("model_id").String()
			s.Verify(got == model, "config.model_id "+model, fmt.Sprintf("config.model_id %q", got), c)
		}
	}
	observe := func(stimulus string, q url.Values) func(ginkgo.SpecContext, *Spec) {
		return func(ctx ginkgo.SpecContext, s *Spec) {
			s.ObserveStimulus(stimulus, s.Dial(ctx, q))
		}
	}
	withModel := func(m string) url.Values { return url.Values{protocol.ParamModelID: {m}} }
	return []Case{
		{ID: "MODEL-1", Area: "model", Level: verdict.Must, Subject: protocol.DefaultModel, Session: true,
			Requirement: "model_id=scribe_v2_realtime opens a session whose config echoes that model_id.", Body: echoes(protocol.DefaultModel)},
		{ID: "MODEL-2", Area: "model", Level: verdict.Must, Subject: protocol.TurboModel, Session: true,
			Requirement: "model_id=scribe_v2_realtime_turbo (in the newest docs) opens a session whose config echoes it.", Body: echoes(protocol.TurboModel)},
		{ID: "MODEL-3", Area: "model", Level: verdict.Info, Subject: "missing",
			Requirement: "What the socket does without model_id is recorded.", Body: observe(protocol.StimModelMissing, url.Values{})},
		{ID: "MODEL-4", Area: "model", Level: verdict.Info, Subject: "unknown",
			Requirement: "What the socket does with an unknown model_id (" + protocol.UnknownModel + ") is recorded.", Body: observe(protocol.StimModelUnknown, withModel(protocol.UnknownModel))},
		{ID: "MODEL-5", Area: "model", Level: verdict.Info, Subject: "upper-case",
			Requirement: "What the socket does with model_id in upper case is recorded.", Body: observe(protocol.StimModelUpperCase, withModel(strings.ToUpper(protocol.DefaultModel)))},
		{ID: "MODEL-6", Area: "model", Level: verdict.Info, Subject: "whitespace",
			Requirement: "What the socket does with model_id padded with spaces is recorded.", Body: observe(protocol.StimModelPadded, withModel(" "+protocol.DefaultModel+" "))},
		{ID: "MODEL-7", Area: "model", Level: verdict.Info, Subject: "old-name",
			Requirement: "What the socket does with the pre-2025-11 name " + protocol.OldModelName + " is recorded.", Body: observe(protocol.StimModelOldName, withModel(protocol.OldModelName))},
		{ID: "MODEL-8", Area: "model", Level: verdict.Info, Subject: "lite",
			Requirement: "What the socket does with " + protocol.LiteModel + " (quoted in third-party logs) is recorded.", Body: observe(protocol.StimModelLite, withModel(protocol.LiteModel))},
		{ID: "MODEL-9", Area: "model", Level: verdict.Info, Subject: "realtime-beta-path",
			Requirement: "What the old path " + protocol.OldRealtimePath + " does today is recorded.",
			Body: func(ctx ginkgo.SpecContext, s *Spec) {
				u := strings.Replace(s.Env.Target.SocketURL(probes.DefaultQuery()), protocol.RealtimePath, protocol.OldRealtimePath, 1)
				s.ObserveStimulus(protocol.StimOldRealtimePath, s.DialURL(ctx, u))
			}},
	}
}

// ObserveConn records what a socket came to, for INFO specs.
func (s *Spec) ObserveConn(c *probes.Conn) {
	if out, _ := c.Outcome(); out != probes.OutcomeSession {
		s.WaitClosed(s.ctx, c) // so the record shows how it closed
	}
	out, detail := c.Outcome()
	s.Observe(fmt.Sprintf("%s: %s", out, detail))
	s.entry(entryOutcome, detail)
}
