package suites

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/scribecheck/scribecheck/internal/verdict"
)

// Case is one spec.
type Case struct {
	ID          string
	Area        string
	Level       verdict.Level
	Requirement string
	// Subject names what the spec is about in its name (an auth path, a
	// parameter); the name is "ID subject [target:…]".
	Subject string
	// AuthPath is set for the specs of the auth matrix.
	AuthPath string
	// NeedsFake: the spec needs the fake's control and is skipped elsewhere.
	NeedsFake bool
	// Session: the spec needs a session opened with the header key; it fails
	// wherever that path is broken.
	Session bool
	Labels  []string
	Body    func(ctx ginkgo.SpecContext, s *Spec)
}

var idPattern = regexp.MustCompile(`^[A-Z]+-[1-9][0-9]*$`)

// AllLabels are the case's labels plus the ones every case has.
func (c Case) AllLabels() []string {
	out := []string{"area:" + c.Area, "level:" + strings.ToLower(string(c.Level))}
	if c.NeedsFake {
		out = append(out, "needs:fake")
	}
	if c.AuthPath != "" {
		out = append(out, "auth:"+c.AuthPath)
	}
	return append(out, c.Labels...)
}

// Catalog is every case, in the order they run.
func Catalog() []Case {
	var all []Case
	all = append(all, authCases()...)
	all = append(all, modelCases()...)
	all = append(all, paramCases()...)
	all = append(all, commitCases()...)
	all = append(all, inputCases()...)
	all = append(all, errorCases()...)
	all = append(all, contractCases()...)
	all = append(all, schemaCases()...) // SCHEMA-1 validates every frame the run saw
	all = append(all, multiCases()...)  // last: the rules over every session the run opened
	return all
}

// Validate checks a catalog the way the tree is checked before it runs: IDs
// well-formed and unique, a level and a requirement on every case.
func Validate(cases []Case) error {
	seen := map[string]bool{}
	var problems []string
	for _, c := range cases {
		switch {
		case !idPattern.MatchString(c.ID):
			problems = append(problems, fmt.Sprintf("%q is not an ID like AUTH-4", c.ID))
		case seen[c.ID]:
			problems = append(problems, fmt.Sprintf("%s is used twice", c.ID))
		}
		seen[c.ID] = true
		if c.Level != verdict.Must && c.Level != verdict.Should && c.Level != verdict.Info {
			problems = append(problems, fmt.Sprintf("%s has no valid level", c.ID))
		}
		if strings.TrimSpace(c.Requirement) == "" || c.Body == nil || c.Area == "" {
			problems = append(problems, fmt.Sprintf("%s lacks a requirement, an area or a body", c.ID))
		}
	}
	if len(problems) > 0 {
		sort.Strings(problems)
		return fmt.Errorf("invalid spec catalog: %s", strings.Join(problems, "; "))
	}
	return nil
}

// Lookup finds a case by ID.
func Lookup(id string) (Case, bool) {
	for _, c := range Catalog() {
		if c.ID == id {
			return c, true
		}
	}
	return Case{}, false
}
