package suites

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/reporters"
	"github.com/onsi/ginkgo/v2/types"
	"github.com/onsi/gomega"

	"github.com/scribecheck/scribecheck/protocol"
	"github.com/scribecheck/scribecheck/reports"
)

// RunOptions say what to run and where the reports go.
type RunOptions struct {
	// OutDir receives every report; "scribecheck-report" if empty.
	OutDir string
	// JUnitPath is Ginkgo's JUnit report; OutDir/junit.xml if empty.
	JUnitPath   string
	LabelFilter string
	Focus       []string
	// Title heads the console matrix.
	Title string
	// Stdout receives the matrix and the report paths.
	Stdout  io.Writer
	NoColor bool
	Verbose bool
}

// Summary is what a run found and wrote.
type Summary struct {
	Results  []reports.SpecResult
	Files    []string
	ExitCode int
}

// Report file names inside OutDir.
const (
	JUnitFile       = "junit.xml"
	AuthMatrixFile  = "auth-matrix.xml"
	ResultsJSONFile = "results.json"
)

// ValidateSelection checks --label-filter and --focus before anything runs
// (Ginkgo would exit the process on a bad filter).
func ValidateSelection(labelFilter string, focus []string) error {
	if _, err := types.ParseLabelFilter(labelFilter); err != nil {
		return usageError("--label-filter %q: %v", labelFilter, err)
	}
	for _, f := range focus {
		if _, err := regexp.Compile(f); err != nil {
			return usageError("--focus %q is not a regular expression: %v", f, err)
		}
	}
	return nil
}

// Execute runs every spec against env in this process and writes the reports.
// Ginkgo allows one run per process: call it once. t is the testing.T under
// `go test`, or any value with a Fail method in the binary.
func Execute(t ginkgo.GinkgoTestingT, env *Env, opts RunOptions) (Summary, error) {
	if err := ValidateSelection(opts.LabelFilter, opts.Focus); err != nil {
		return Summary{ExitCode: ExitUsage}, err
	}
	if opts.OutDir == "" {
		opts.OutDir = "scribecheck-report"
	}
	if opts.JUnitPath == "" {
		opts.JUnitPath = filepath.Join(opts.OutDir, JUnitFile)
	}
	if opts.Stdout == nil {
		opts.Stdout = os.Stdout
	}
	if env.Redactor == nil {
		env.Redactor = reports.NewRedactor()
	}
	env.Redactor.Add(env.Target.APIKey)
	env.Redactor.Add(env.Target.RestrictedKey)
	if env.schemas == nil {
		env.schemas = protocol.MustLoadSchemas()
	}
	if env.Probe.OnSecret == nil {
		env.Probe.OnSecret = env.Redactor.Add
	}
	env.Probe.Redact = env.Redactor.Redact
	env.Probe = env.Probe.WithDefaults()

	cases := Catalog()
	var report types.Report
	if err := Register(env, cases, func(r types.Report) { report = r }); err != nil {
		return Summary{ExitCode: ExitUsage}, err
	}
	gomega.RegisterFailHandler(ginkgo.Fail)
	suiteConfig, reporterConfig := ginkgo.GinkgoConfiguration()
	suiteConfig.LabelFilter = opts.LabelFilter
	suiteConfig.FocusStrings = append(suiteConfig.FocusStrings, opts.Focus...)
	reporterConfig.NoColor = reporterConfig.NoColor || opts.NoColor
	reporterConfig.Verbose = reporterConfig.Verbose || opts.Verbose
	ginkgo.RunSpecs(t, "scribecheck", suiteConfig, reporterConfig)

	sum := Summary{Results: Results(report, env, cases)}
	if err := writeReports(report, env, opts, &sum); err != nil {
		return sum, err
	}
	title := opts.Title
	if title == "" {
		title = "Auth matrix, target " + env.Target.Name
	}
	reports.WriteSummary(opts.Stdout, sum.Results, env.Redactor)
	reports.WriteMatrix(opts.Stdout, title, sum.Results, env.Redactor)
	fmt.Fprintf(opts.Stdout, "all specs: %s\n", reports.Count(sum.Results).Summary())
	fmt.Fprintf(opts.Stdout, "spent on the target: %s\n", env.Spent())
	fmt.Fprintf(opts.Stdout, "reports:\n")
	for _, f := range sum.Files {
		fmt.Fprintf(opts.Stdout, "  %s\n", f)
	}
	sum.ExitCode = exitCode(sum.Results)
	return sum, nil
}

func exitCode(results []reports.SpecResult) int {
	c := reports.Count(results)
	if c[reports.Failed] > 0 || c[reports.Error] > 0 {
		return ExitFailed
	}
	return ExitOK
}

// writeReports writes Ginkgo's JUnit (redacted), the auth matrix and the
// results as JSON, then scans every one of them for secrets.
func writeReports(report types.Report, env *Env, opts RunOptions, sum *Summary) error {
	tmp, err := os.CreateTemp("", "scribecheck-junit-*.xml")
	if err != nil {
		return fmt.Errorf("cannot create a temporary file: %w", err)
	}
	tmp.Close()
	defer os.Remove(tmp.Name())
	if err := reporters.GenerateJUnitReportWithConfig(report, tmp.Name(), reporters.JunitReportConfig{OmitLeafNodeType: true}); err != nil {
		return fmt.Errorf("writing the JUnit report: %w", err)
	}
	raw, err := os.ReadFile(tmp.Name())
	if err != nil {
		return err
	}
	if err := reports.WriteFile(opts.JUnitPath, []byte(env.Redactor.Redact(string(raw)))); err != nil {
		return err
	}
	matrix := filepath.Join(opts.OutDir, AuthMatrixFile)
	if err := reports.WriteJUnit(matrix, reports.MatrixJUnit(sum.Results), env.Redactor); err != nil {
		return err
	}
	js, err := json.MarshalIndent(struct {
		Target  string               `json:"target"`
		Spent   reports.Spent        `json:"spent"`
		Results []reports.SpecResult `json:"results"`
	}{env.Target.Name, env.Spent(), sum.Results}, "", "  ")
	if err != nil {
		return err
	}
	resultsPath := filepath.Join(opts.OutDir, ResultsJSONFile)
	if err := reports.WriteFile(resultsPath, []byte(env.Redactor.Redact(string(js)))); err != nil {
		return err
	}
	sum.Files = []string{opts.JUnitPath, matrix, resultsPath}
	if err := reports.CheckNoLeaks(sum.Files, env.Redactor); err != nil {
		return &ExitError{Code: ExitFailed, Err: err}
	}
	return nil
}
