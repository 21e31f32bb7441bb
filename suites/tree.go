package suites

import (
	"fmt"
	"time"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
)

// specName is a spec's full name: "AUTH-4 token-query [target:fake]". It
// carries every dimension, so a failed name can be fed back to --focus.
func specName(c Case, targetName string) string {
	return fmt.Sprintf("%s %s [target:%s]", c.ID, c.Subject, targetName)
}

// registerCases adds cases to Ginkgo's tree, bound to env, one Describe per area,
// and a ReportAfterSuite that hands the finished report to done. Call it once,
// before RunSpecs.
func registerCases(env *Env, cases []Case, done func(types.Report)) error {
	if err := Validate(cases); err != nil {
		return err
	}
	timeout := 2 * time.Minute
	if env.Probe.Slow {
		timeout = 20 * time.Minute // token-expired waits out the token on a real target
	}
	var areas []string
	byArea := map[string][]Case{}
	for _, c := range cases {
		if _, ok := byArea[c.Area]; !ok {
			areas = append(areas, c.Area)
		}
		byArea[c.Area] = append(byArea[c.Area], c)
	}
	// One Ordered container, so the specs run in catalog order and SCHEMA-1
	// and the MULTI rules, which judge every frame and socket of the run, run
	// last. Without Ordered, Ginkgo sorts specs made on one line (this loop)
	// by their text: SCHEMA-1 ran before SCHEMA-2..18 and saw none of their
	// frames. ContinueOnFailure: a failure must not skip the specs after it.
	ginkgo.Describe("scribecheck", ginkgo.Ordered, ginkgo.ContinueOnFailure, func() {
		for _, area := range areas {
			ginkgo.Describe(area, func() {
				for _, c := range byArea[area] {
					labels := append(c.AllLabels(), "target:"+env.Kind)
					args := []any{ginkgo.Label(labels...), ginkgo.SpecTimeout(timeout)}
					if env.retries > 0 {
						args = append(args, ginkgo.FlakeAttempts(env.retries+1))
					}
					args = append(args, func(ctx ginkgo.SpecContext) { runAttempt(ctx, env, c) })
					ginkgo.It(specName(c, env.Target.Name), args...)
				}
			})
		}
	})
	ginkgo.ReportAfterSuite("scribecheck reports", func(r ginkgo.Report) { done(r) })
	return nil
}
