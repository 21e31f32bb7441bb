package reports

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A refused connection shows its refusal on its own row — console,
// Markdown, HTML, JSON — and fails its own JUnit suite; a storm's cause
// names a few of its connections and counts the rest.
func TestClientRowsShowTheirRefusal(t *testing.T) {
	run := ClientRun{StartedAt: time.Now(), Verdict: Failed, Summary: "a storm"}
	for i := 1; i <= 283; i++ {
		id := fmt.Sprintf("conn-%04d", i)
		run.Conns = append(run.Conns, ClientConn{ID: id, Who: "node", AuthPath: "token-query", Close: "server 1000", Verdict: Failed,
			Refusal: &Refusal{Conn: id, Side: "app", Finding: Finding{Cause: "the token sutkn_…ab12 was already presented on conn-0001", Fix: "mint a fresh token",
				Confidence: Observed, Evidence: []string{id + ": GET /v1/speech-to-text/realtime?token=sutkn_…ab12"}}}})
	}
	run.Conns = append(run.Conns, ClientConn{ID: "conn-0284", Who: "node", AuthPath: "header", Close: "client 1000", Verdict: OK})
	ids := make([]string, 283)
	for i := range ids {
		ids[i] = run.Conns[i].ID
	}
	run.Causes = []Cause{{Title: "this app presented one token on 283 sockets", Fix: "mint a fresh token", Rules: []string{"CLIENT-1"}, Conns: ids}}

	var console strings.Builder
	WriteClientConsole(&console, run, NewRedactor())
	if !strings.Contains(console.String(), "REFUSED (side: cause)") {
		t.Fatalf("no refusal column:\n%s", console.String()[:400])
	}
	for _, line := range strings.Split(console.String(), "\n") {
		switch {
		case strings.HasPrefix(line, "conn-0007 "):
			if !strings.Contains(line, "FAILED") || !strings.Contains(line, "app: the token sutkn_…ab12 was already") {
				t.Errorf("a refused row: %q", line)
			}
		case strings.HasPrefix(line, "conn-0284 "):
			if !strings.HasSuffix(strings.TrimSpace(line), "—") || !strings.Contains(line, "OK") {
				t.Errorf("a row not refused: %q", line)
			}
		}
	}

	run.Refusals = make([]Refusal, 283)
	for i := range run.Refusals {
		run.Refusals[i] = *run.Conns[i].Refusal
	}
	console.Reset()
	WriteClientConsole(&console, run, NewRedactor())
	if out := console.String(); strings.Count(out, "): the token sutkn_…ab12 was already presented") != 3 ||
		!strings.Contains(out, "… and 280 more refused as conn-0001 was (APP, observed): conn-0004, conn-0005, conn-0006 and 277 more") {
		t.Errorf("the console lists every refusal of a storm:\n%s", out[strings.Index(out, "Auth refusals"):])
	}

	dir := t.TempDir()
	if _, err := WriteClientRun(dir, run, NewRedactor()); err != nil {
		t.Fatal(err)
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	md, page, js := read(ClientMD), read(ClientHTML), read(ClientJSON)
	if !strings.Contains(md, "| conn-0007 | node | token-query | 0/0 | server 1000 | FAILED | — | app: the token sutkn_…ab12 was already presented on conn-0001 |") {
		t.Errorf("Markdown row:\n%s", md)
	}
	if !strings.Contains(md, "connections: conn-0001, conn-0002, conn-0003 and 280 more") || strings.Contains(md, "conn-0003, conn-0004") {
		t.Errorf("Markdown cause names every connection of the storm")
	}
	if !strings.Contains(page, "<td class=\"refusal\"><strong>app</strong> (observed): <span title=\"the token sutkn_…ab12") ||
		!strings.Contains(page, `<a href="#conn-0003">conn-0003</a> and 280 more`) {
		t.Errorf("HTML row or cause")
	}
	if !strings.Contains(md, "* … and 280 more refused as conn-0001 was (APP, observed)") {
		t.Errorf("Markdown lists every refusal of a storm")
	}
	if strings.Count(js, `"connection": "conn-0283"`) != 2 { // on its row and among the auth refusals
		t.Errorf("the JSON keeps every refusal")
	}
	if !strings.Contains(js, `"refusal": {`) || strings.Count(js, `"refusal": {`) != 283 {
		t.Errorf("JSON: %d rows with a refusal", strings.Count(js, `"refusal": {`))
	}
	junit, err := ReadJUnit(filepath.Join(dir, ClientJUnit))
	if err != nil {
		t.Fatal(err)
	}
	if junit.Failures != 283 || junit.Suites[6].Failures != 1 || junit.Suites[283].Failures != 0 {
		t.Errorf("JUnit: %d failures; conn-0007's suite %d, conn-0284's %d", junit.Failures, junit.Suites[6].Failures, junit.Suites[283].Failures)
	}
}
