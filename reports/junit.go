package reports

import (
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
)

// JUnit XML, the subset CI systems read. Assertion failures are <failure>,
// harness faults <error>, and every <testcase> has a name.

type JUnitSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	JUnitCounts
	Suites []JUnitSuite `xml:"testsuite"`
}

type JUnitSuite struct {
	Name string `xml:"name,attr"`
	JUnitCounts
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Cases      []JUnitCase     `xml:"testcase"`
}

// JUnitCounts are the counts <testsuites> and each <testsuite> carry, the
// first the sum of the second.
type JUnitCounts struct {
	Tests    int     `xml:"tests,attr"`
	Failures int     `xml:"failures,attr"`
	Errors   int     `xml:"errors,attr"`
	Skipped  int     `xml:"skipped,attr"`
	Time     float64 `xml:"time,attr"`
}

type JUnitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type JUnitCase struct {
	Name       string          `xml:"name,attr"`
	Classname  string          `xml:"classname,attr"`
	Status     string          `xml:"status,attr,omitempty"`
	Time       float64         `xml:"time,attr"`
	Properties []JUnitProperty `xml:"properties>property,omitempty"`
	Failure    *JUnitProblem   `xml:"failure,omitempty"`
	Error      *JUnitProblem   `xml:"error,omitempty"`
	Skipped    *JUnitSkipped   `xml:"skipped,omitempty"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type JUnitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

type JUnitSkipped struct {
	Message string `xml:"message,attr"`
}

// tally fills in the counts of a suite from its cases.
func (s *JUnitSuite) tally() {
	s.JUnitCounts = JUnitCounts{Tests: len(s.Cases)}
	for _, c := range s.Cases {
		s.Time += c.Time
		switch {
		case c.Failure != nil:
			s.Failures++
		case c.Error != nil:
			s.Errors++
		case c.Skipped != nil:
			s.Skipped++
		}
	}
}

// tally fills in the counts of every suite, and their sums.
func (ss *JUnitSuites) tally() {
	ss.JUnitCounts = JUnitCounts{}
	for i := range ss.Suites {
		s := &ss.Suites[i]
		s.tally()
		ss.Tests += s.Tests
		ss.Failures += s.Failures
		ss.Errors += s.Errors
		ss.Skipped += s.Skipped
		ss.Time += s.Time
	}
}

// writeJUnit writes suites (already redacted) to path, counts filled in.
func writeJUnit(path string, suites JUnitSuites) error {
	suites.tally()
	for i := range suites.Suites {
		for j := range suites.Suites[i].Cases {
			if suites.Suites[i].Cases[j].Name == "" {
				return fmt.Errorf("junit: a testcase in %q has no name", suites.Suites[i].Name)
			}
		}
	}
	b, err := xml.MarshalIndent(suites, "", "  ")
	if err != nil {
		return fmt.Errorf("junit: %w", err)
	}
	out := xml.Header + string(b) + "\n"
	return WriteFile(path, []byte(out))
}

// ReadJUnit parses a JUnit file (ours or Ginkgo's).
func ReadJUnit(path string) (JUnitSuites, error) {
	var s JUnitSuites
	b, err := os.ReadFile(path)
	if err != nil {
		return s, err
	}
	if err := xml.Unmarshal(b, &s); err != nil {
		return s, fmt.Errorf("%s is not well-formed JUnit XML: %w", path, err)
	}
	return s, nil
}

// WriteFile writes b to path, creating its directory.
func WriteFile(path string, b []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("cannot create the report folder: %w", err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		return fmt.Errorf("cannot write %s: %w", path, err)
	}
	return nil
}
