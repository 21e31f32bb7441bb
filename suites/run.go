package suites

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/scribecheck/scribecheck/internal/exitcode"
	"github.com/scribecheck/scribecheck/internal/text"
	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// RunOptions say which specs to run and how.
type RunOptions struct {
	LabelFilter string
	Focus       []string
	NoColor     bool
	Verbose     bool
	// Timeout bounds the whole run: the spec running when it passes is
	// interrupted and the rest are not run. No bound if zero.
	Timeout time.Duration
	// Retries is how many more times a spec that failed on a timeout is run;
	// one that then passes is FLAKY.
	Retries int
}

// Outcome is what a run of the specs found.
type Outcome struct {
	Results []reports.SpecResult
	// TimedOut says, when the run hit its timeout, how far it got.
	TimedOut string
	// Bugs are the ERROR lines of specs that panicked: scribecheck's bugs.
	Bugs []string
}

// ValidateSelection checks --label-filter and --focus before anything runs
// (Ginkgo would exit the process on a bad filter).
func ValidateSelection(labelFilter string, focus []string) error {
	if _, err := types.ParseLabelFilter(labelFilter); err != nil {
		return exitcode.Usagef("--label-filter %q: %s; join key:value labels with &&, || and !, e.g. 'auth:token-query || level:must'", labelFilter, plainError(err))
	}
	for _, f := range focus {
		if _, err := regexp.Compile(f); err != nil {
			return exitcode.Usagef("--focus %q is not a regular expression: %v", f, err)
		}
	}
	return nil
}

// ginkgoMarkup is a colour or style mark of Ginkgo's formatter ({{red}},
// {{/}}), which its errors carry unrendered or render as escapes.
var ginkgoMarkup = regexp.MustCompile(`\{\{[a-z/-]*\}\}|\x1b\[[0-9;]*m`)

// plainError is a Ginkgo error on one line without colour: the reason, and
// where in the input it is. Ginkgo renders its errors for a terminal, on
// several lines, with escapes even into a pipe.
func plainError(err error) string {
	var ge types.GinkgoError
	if !errors.As(err, &ge) {
		return text.OneLine(ginkgoMarkup.ReplaceAllString(err.Error(), ""), 300)
	}
	input, reason, _ := strings.Cut(ge.Message, "\n")
	if reason = strings.TrimSuffix(strings.TrimSpace(ginkgoMarkup.ReplaceAllString(reason, "")), "."); reason == "" {
		reason = ge.Heading
	}
	if i := strings.Index(input, "{{"); i >= 0 {
		reason += fmt.Sprintf(" (at character %d)", utf8.RuneCountInString(input[:i])+1)
	}
	return text.OneLine(reason, 300)
}

// Run runs the selected specs against env in this process and returns their
// results; writing reports is the caller's. Ginkgo allows one run per
// process: call it once. t is the testing.T under `go test`, or any value
// with a Fail method in the binary.
func Run(t ginkgo.GinkgoTestingT, env *Env, opts RunOptions) (Outcome, error) {
	if err := ValidateSelection(opts.LabelFilter, opts.Focus); err != nil {
		return Outcome{}, err
	}
	if opts.Retries < 0 {
		return Outcome{}, exitcode.Usagef("--retries %d: give 0 or more", opts.Retries)
	}
	if env.Redactor == nil {
		env.Redactor = reports.NewRedactor()
	}
	env.Redactor.Add(env.Target.APIKey)
	env.Redactor.Add(env.Target.RestrictedKey)
	if env.schemas == nil {
		env.schemas = protocol.MustLoadSchemas()
	}
	env.Probe.Redactor = env.Redactor
	env.Probe = env.Probe.WithDefaults()
	env.retries = opts.Retries

	cases := Catalog()
	var report types.Report
	if err := registerCases(env, cases, func(r types.Report) { report = r }); err != nil {
		return Outcome{}, err
	}
	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = opts.LabelFilter
	suiteConfig.FocusStrings = append(suiteConfig.FocusStrings, opts.Focus...)
	if opts.Timeout > 0 {
		suiteConfig.Timeout = opts.Timeout
	}
	reporterConfig.NoColor = reporterConfig.NoColor || opts.NoColor
	reporterConfig.Verbose = reporterConfig.Verbose || opts.Verbose
	ginkgo.RunSpecs(t, "scribecheck", suiteConfig, reporterConfig)

	out := Outcome{Results: specResults(report, env, cases)}
	for _, sr := range report.SpecReports {
		for _, e := range sr.ReportEntries {
			if e.Name == entryBug {
				out.Bugs = append(out.Bugs, e.StringRepresentation())
			}
		}
	}
	if timedOut(report) {
		notRun := 0
		for i, r := range out.Results {
			if r.Verdict == reports.Skipped && r.Message == notSelected {
				out.Results[i].Message = fmt.Sprintf("not run: the run hit --timeout %s", opts.Timeout)
				notRun++
			}
		}
		out.TimedOut = fmt.Sprintf("the run hit --timeout %s: %d of %s did not run", opts.Timeout, notRun, text.Plural(len(out.Results), "spec", "specs"))
	}
	return out, nil
}

// timedOut says whether Ginkgo stopped the suite at its timeout.
func timedOut(r types.Report) bool {
	for _, reason := range r.SpecialSuiteFailureReasons {
		if strings.Contains(strings.ToLower(reason), "timeout") {
			return true
		}
	}
	return false
}
