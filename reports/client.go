package reports

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/scribecheck/scribecheck/internal/secrets"
	"github.com/scribecheck/scribecheck/internal/text"
)

// ClientRun is what `scribecheck client` saw: every connection a client
// made to the fake, graded by the CLIENT rules, and the causes named. The
// proxy and a HAR file give the same report of real traffic, with the
// server's side graded too and every refusal put on a side.
type ClientRun struct {
	// Kind names the command and the report files: client (the default),
	// proxy or har.
	Kind      string    `json:"kind"`
	StartedAt time.Time `json:"started_at"`
	BaseURL   string    `json:"base_url"`
	// Upstream is the server the proxy forwarded to; Source the recording
	// read (a HAR file).
	Upstream string   `json:"upstream,omitempty"`
	Source   string   `json:"source,omitempty"`
	Faults   []string `json:"fake_faults,omitempty"`
	Command  string   `json:"command,omitempty"`
	// CommandExit is the command's own exit code (nil: no command, or it
	// never started); CommandError says why it did not start or was stopped.
	CommandExit  *int         `json:"command_exit,omitempty"`
	CommandError string       `json:"command_error,omitempty"`
	Verdict      Verdict      `json:"verdict"`
	Summary      string       `json:"summary"`
	Causes       []Cause      `json:"causes"`
	Conns        []ClientConn `json:"connections"`
	// Run holds the rules graded across connections.
	Run []SpecResult `json:"run_rules"`
	// Refusals put every connection whose credential was refused on a
	// side: the server's, the app's, or unknown, on the evidence of the
	// recording. Each is also on its connection (ClientConn.Refusal).
	Refusals []Refusal `json:"auth_refusals"`
	WireDir  string    `json:"wire_logs"`
}

// Refusal is the diagnosis of one refused connection: a doctor's finding
// (cause, fix, confidence, evidence) and whose side it is on. The doctor
// and the client grader diagnose a refused credential in the same words.
type Refusal struct {
	Conn string `json:"connection,omitempty"` // empty for a probe of the run's auth matrix
	Side string `json:"side"`                 // server, app, unknown
	Finding
}

// kind is the run's kind, client when unset.
func (run ClientRun) kind() string {
	if run.Kind == "" {
		return "client"
	}
	return run.Kind
}

// Title names the command that made the run.
func (run ClientRun) Title() string {
	if run.kind() == "har" {
		return "scribecheck doctor --har"
	}
	return "scribecheck " + run.kind()
}

// ReportFiles are the names of a run's reports: client.json, client.md,
// client.html and client-junit.xml for a client run, proxy.* for the
// proxy, har.* for a HAR.
func (run ClientRun) ReportFiles() (jsonName, md, html, junit string) {
	k := run.kind()
	return k + ".json", k + ".md", k + ".html", k + "-junit.xml"
}

// Cause is a named cause with its fix, as the doctor gives them.
type Cause struct {
	Title    string   `json:"title"`
	Fix      string   `json:"fix"`
	Rules    []string `json:"rules"`
	Conns    []string `json:"connections"`
	Evidence string   `json:"evidence,omitempty"`
}

// ClientConn is one graded connection.
type ClientConn struct {
	ID           string  `json:"id"`
	Who          string  `json:"who"`
	AuthPath     string  `json:"auth_path"`
	ClientFrames int     `json:"client_frames"`
	ServerFrames int     `json:"server_frames"`
	Close        string  `json:"close"`
	Verdict      Verdict `json:"verdict"`
	// Refusal is set when the server refused the connection before a
	// session (its credential, or another way): the verdict is then FAILED,
	// and the row shows it.
	Refusal *Refusal     `json:"refusal,omitempty"`
	Log     string       `json:"wire_log"`
	Results []SpecResult `json:"results"`
	// Server holds the rules on what the server sent (proxy and HAR).
	Server        []SpecResult `json:"server_results,omitempty"`
	ServerVerdict Verdict      `json:"server_verdict,omitempty"`
}

// Client report file names.
const (
	ClientJSON  = "client.json"
	ClientMD    = "client.md"
	ClientHTML  = "client.html"
	ClientJUnit = "client-junit.xml"
)

// WriteClientRun writes the JSON, Markdown, HTML and JUnit of a client run
// into dir, each rendered from one redacted copy, and scans them (and the
// wire logs) for every secret.
func WriteClientRun(dir string, run ClientRun, red *Redactor) ([]string, error) {
	jsonName, md, html, junit := run.ReportFiles()
	set := reportSet[ClientRun]{json: jsonName, md: md, html: html, junit: junit,
		page: clientPage, pageName: "client HTML report", markdown: clientMarkdown, cases: clientJUnit}
	var wire []string
	if run.WireDir != "" {
		wire = append(wire, run.WireDir)
	}
	return set.write(dir, run, red, wire...)
}

// clientJUnit is one <testsuite> per connection, its cases the rules
// graded on it, then one for the rules across connections.
func clientJUnit(run ClientRun) JUnitSuites {
	out := JUnitSuites{Name: run.Title()}
	for _, c := range run.Conns {
		s := JUnitSuite{Name: fmt.Sprintf("%s %s (%s)", c.ID, c.Who, c.AuthPath),
			Properties: []JUnitProperty{{"connection", c.ID}, {"who", c.Who}, {"auth_path", c.AuthPath}, {"close", c.Close}, {"wire_log", c.Log}}}
		for _, r := range c.Results {
			s.Cases = append(s.Cases, junitCase(r, "scribecheck.client."+c.ID))
		}
		for _, r := range c.Server {
			s.Cases = append(s.Cases, junitCase(r, "scribecheck.server."+c.ID))
		}
		if f := c.Refusal; f != nil { // the connection's own suite fails, as its row does
			r := SpecResult{ID: "REFUSAL", Name: fmt.Sprintf("refusal %s [side:%s]", f.Conn, f.Side), Level: Must, Area: "auth",
				Target: f.Conn, Verdict: Failed, Requirement: "The server opens a session for a valid request.",
				Message: fmt.Sprintf("%s's side (%s): %s. Fix: %s", f.Side, f.Confidence, f.Cause, f.Fix), Evidence: strings.Join(f.Evidence, "\n")}
			s.Cases = append(s.Cases, junitCase(r, "scribecheck.refusal."+c.ID))
		}
		out.Suites = append(out.Suites, s)
	}
	if len(run.Run) > 0 {
		s := JUnitSuite{Name: "across connections"}
		for _, r := range run.Run {
			s.Cases = append(s.Cases, junitCase(r, "scribecheck.client.run"))
		}
		out.Suites = append(out.Suites, s)
	}
	out.tally()
	return out
}

// WriteClientConsole prints the verdict, one line per connection (who, auth
// path, frames, verdict), the causes with their fixes, then every rule that
// failed with its evidence.
func WriteClientConsole(w io.Writer, run ClientRun, red *Redactor) {
	run = secrets.Redacted(red, run)
	var b strings.Builder
	fmt.Fprintf(&b, "\n%s: %s — %s\n", run.Title(), run.Verdict, run.Summary)
	if run.Command != "" {
		switch {
		case run.CommandExit != nil:
			fmt.Fprintf(&b, "command: %s (exit %d)\n", run.Command, *run.CommandExit)
		default:
			fmt.Fprintf(&b, "command: %s (%s)\n", run.Command, run.CommandError)
		}
	}
	if len(run.Conns) > 0 {
		b.WriteString("\n")
		tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
		graded := run.kind() != "client" // real traffic: the server's side is graded too
		refused := anyRefused(run.Conns)
		head := "CONNECTION\tWHO\tAUTH PATH\tFRAMES (client/server)\tCLOSE\tVERDICT"
		if graded {
			head = "CONNECTION\tWHO\tAUTH PATH\tFRAMES (client/server)\tCLOSE\tCLIENT\tSERVER"
		}
		if refused {
			head += "\tREFUSED (side: cause)"
		}
		fmt.Fprintln(tw, head)
		for _, c := range run.Conns {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%d/%d\t%s\t%s", c.ID, text.ClipLine(c.Who, 40), c.AuthPath, c.ClientFrames, c.ServerFrames, text.ClipLine(c.Close, 40), c.Verdict)
			if graded {
				fmt.Fprintf(tw, "\t%s (%s)", orDash(c.ServerVerdict), serverRules(c.Server))
			}
			if refused {
				fmt.Fprintf(tw, "\t%s", refusalCell(c.Refusal, 90))
			}
			fmt.Fprintln(tw)
		}
		tw.Flush()
	}
	for i, c := range run.Causes {
		fmt.Fprintf(&b, "\n%d. %s\n   fix: %s\n", i+1, c.Title, c.Fix)
		if c.Evidence != "" {
			fmt.Fprintf(&b, "   evidence:\n%s\n", indent(c.Evidence, "     "))
		}
	}
	if len(run.Refusals) > 0 {
		b.WriteString("\nAuth refusals, whose fault:\n")
		shown, rest := foldRefusals(run.Refusals)
		for _, f := range shown {
			fmt.Fprintf(&b, "  %s: %s (%s): %s\n    fix: %s\n%s\n", f.Conn, strings.ToUpper(f.Side), f.Confidence, f.Cause, f.Fix, indent(strings.Join(f.Evidence, "\n"), "      "))
		}
		for _, r := range rest {
			fmt.Fprintf(&b, "  %s\n", r)
		}
	}
	failed := failedClientRules(run)
	if len(failed) > 0 {
		b.WriteString("\nRules not met:\n")
		for _, r := range failed {
			fmt.Fprintf(&b, "  %s %s (%s)\n%s\n", r.Verdict, r.Name, r.Level, indent(r.Message, "      "))
			if r.Evidence != "" {
				fmt.Fprintf(&b, "%s\n", indent(r.Evidence, "        "))
			}
		}
	}
	fmt.Fprint(w, b.String())
}

// failedClientRules lists the FAILED and NON-STRICT results, connection
// rules first (the server's rules on it after the client's), each at most
// once per connection.
func failedClientRules(run ClientRun) []SpecResult {
	var out []SpecResult
	for _, c := range run.Conns {
		for _, r := range append(slices.Clone(c.Results), c.Server...) {
			if r.Verdict.Fails(true) {
				out = append(out, r)
			}
		}
	}
	for _, r := range run.Run {
		if r.Verdict.Fails(true) {
			out = append(out, r)
		}
	}
	return out
}

// clientMarkdown is the run for a CI job summary or an issue.
func clientMarkdown(run ClientRun) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s: %s\n\n%s\n\n", run.Title(), run.Verdict, text.Markdown(run.Summary))
	if run.Command != "" {
		exit := run.CommandError
		if run.CommandExit != nil {
			exit = fmt.Sprintf("exit %d", *run.CommandExit)
		}
		fmt.Fprintf(&b, "Command: %s (%s)\n\n", mdCode(run.Command), text.Markdown(exit))
	}
	if len(run.Causes) > 0 {
		b.WriteString("## Causes\n\n")
		for i, c := range run.Causes {
			fmt.Fprintf(&b, "%d. **%s**  \n   Fix: %s  \n   Rules: %s; connections: %s\n", i+1, text.Markdown(c.Title), text.Markdown(c.Fix), strings.Join(c.Rules, ", "), text.Few(c.Conns, fewConns))
		}
		b.WriteString("\n")
	}
	if len(run.Refusals) > 0 {
		b.WriteString("## Auth refusals, whose fault\n\n")
		shown, rest := foldRefusals(run.Refusals)
		for _, f := range shown {
			fmt.Fprintf(&b, "* **%s: %s** (%s): %s  \n  Fix: %s\n  ```\n%s\n  ```\n", f.Conn, strings.ToUpper(f.Side), f.Confidence, text.Markdown(f.Cause), text.Markdown(f.Fix), indent(strings.Join(f.Evidence, "\n"), "  "))
		}
		for _, r := range rest {
			fmt.Fprintf(&b, "* %s\n", text.Markdown(r))
		}
		b.WriteString("\n")
	}
	refused := anyRefused(run.Conns)
	b.WriteString("## Connections\n\n| connection | who | auth path | frames (client/server) | close | client | server |")
	if refused {
		b.WriteString(" refused (side: cause) |")
	}
	b.WriteString("\n|---|---|---|---|---|---|---|")
	if refused {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, c := range run.Conns {
		server := c.ServerVerdict
		if server == "" {
			server = "—"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %d/%d | %s | %s | %s |", c.ID, text.Markdown(c.Who), c.AuthPath, c.ClientFrames, c.ServerFrames, text.Markdown(c.Close), c.Verdict, server)
		if refused {
			fmt.Fprintf(&b, " %s |", text.Markdown(refusalCell(c.Refusal, 0)))
		}
		b.WriteString("\n")
	}
	if failed := failedClientRules(run); len(failed) > 0 {
		b.WriteString("\n## Rules not met\n\n")
		for _, r := range failed {
			fmt.Fprintf(&b, "* **%s** %s (%s): %s\n", r.ID, r.Verdict, r.Level, text.Markdown(r.Message))
			if r.Evidence != "" {
				fmt.Fprintf(&b, "  ```\n%s\n  ```\n", indent(r.Evidence, "  "))
			}
		}
	}
	fmt.Fprintf(&b, "\nWire logs: %s\n", mdCode(run.WireDir))
	return b.String()
}

// fewConns is how many connections a cause names before it counts the
// rest: a storm's 283 are listed in the JSON, not in the text.
const fewConns = 3

// foldRefusals keeps a storm of refusals readable: of the refusals with one
// diagnosis (side, confidence, fix), the first few are shown in full and
// the others counted, one line per diagnosis. Every refusal stays in the
// JSON, the HTML page and on its connection's row.
func foldRefusals(rs []Refusal) (shown []Refusal, rest []string) {
	type group struct {
		first Refusal
		more  []string
	}
	var order []string
	groups := map[string]*group{}
	for _, r := range rs {
		k := r.Side + "\x00" + string(r.Confidence) + "\x00" + r.Fix
		g, ok := groups[k]
		switch {
		case !ok:
			groups[k] = &group{first: r}
			order = append(order, k)
			shown = append(shown, r)
		case len(g.more) < fewConns-1:
			g.more = append(g.more, r.Conn)
			shown = append(shown, r)
		default:
			g.more = append(g.more, r.Conn)
		}
	}
	for _, k := range order {
		g := groups[k]
		if extra := g.more[min(len(g.more), fewConns-1):]; len(extra) > 0 {
			rest = append(rest, fmt.Sprintf("… and %d more refused as %s was (%s, %s): %s", len(extra), g.first.Conn,
				strings.ToUpper(g.first.Side), g.first.Confidence, text.Few(extra, fewConns)))
		}
	}
	return shown, rest
}

func anyRefused(cs []ClientConn) bool {
	for _, c := range cs {
		if c.Refusal != nil {
			return true
		}
	}
	return false
}

// refusalCell is a connection's refusal on its row: "server: the cause",
// clipped to n runes (0: whole); "—" for none.
func refusalCell(r *Refusal, n int) string {
	if r == nil {
		return "—"
	}
	s := r.Side + ": " + r.Cause
	if n > 0 {
		return text.ClipLine(s, n)
	}
	return s
}

func indent(s, prefix string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i := range lines {
		lines[i] = prefix + lines[i]
	}
	return strings.Join(lines, "\n")
}

func orDash(v Verdict) string {
	if v == "" {
		return "—"
	}
	return string(v)
}

// serverRules names the server rules graded on a connection, with how many
// applied.
func serverRules(rs []SpecResult) string {
	graded := 0
	for _, r := range rs {
		if r.Verdict != Skipped && r.Verdict != NotApplicable {
			graded++
		}
	}
	return fmt.Sprintf("%d of %d server rules applied", graded, len(rs))
}
