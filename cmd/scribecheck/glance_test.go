package main

import (
	"encoding/json"
	"html"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/internal/testkit"
	"github.com/scribecheck/scribecheck/internal/verdict"
	"github.com/scribecheck/scribecheck/reports"
)

// Every HTML report answers at a glance: rendered in headless Chromium in a
// 1400×900 viewport (a laptop's browser), its verdict and the names of what
// failed are on the first screen, inside the viewport and visible, before
// any scrolling. Each page is also saved as a screenshot, into the test's
// temp dir and, when SCRIBECHECK_SCREENSHOTS names a folder, there, for a
// person to look at.

// glanceWidth and glanceHeight are the viewport the reports are read in.
const glanceWidth, glanceHeight = 1400, 900

// screenshotsEnv names a folder that keeps the screenshots.
const screenshotsEnv = "SCRIBECHECK_SCREENSHOTS"

// needle is a text a page must show on its first screen: the first element
// inside Scope whose whole text it is, else the first stretch of text in
// Scope that holds it.
type needle struct {
	What  string `json:"what"`
	Scope string `json:"scope"` // a CSS selector
	Text  string `json:"text"`
}

// seen is where the page put a needle.
type seen struct {
	What    string  `json:"what"`
	Found   bool    `json:"found"`
	Top     float64 `json:"top"`
	Bottom  float64 `json:"bottom"`
	Left    float64 `json:"left"`
	Right   float64 `json:"right"`
	Visible bool    `json:"visible"`
	// Hit: the element at the needle's centre is the needle's (no other
	// element covers it).
	Hit bool `json:"hit"`
}

// glance is what the measuring script writes into the page.
type glance struct {
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
	Seen   []seen  `json:"seen"`
}

// measureScript finds each needle and writes where it is into the page, in
// #glance-result, after the page's own scripts ran.
const measureScript = `<script>
(function () {
  var needles = NEEDLES;
  function whole(scope, text) {
    var all = [scope].concat(Array.prototype.slice.call(scope.querySelectorAll("*")));
    var hit = null;
    all.forEach(function (el) {
      if (el.textContent.trim() === text && (hit === null || hit.contains(el))) { hit = el; }
    });
    return hit;
  }
  function partial(scope, text) {
    var walk = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (var n = walk.nextNode(); n; n = walk.nextNode()) {
      var i = n.data.indexOf(text);
      if (i >= 0) {
        var r = document.createRange();
        r.setStart(n, i);
        r.setEnd(n, i + text.length);
        return { el: n.parentElement, box: r.getBoundingClientRect() };
      }
    }
    return null;
  }
  function shown(el) {
    for (; el; el = el.parentElement) {
      var st = getComputedStyle(el);
      if (st.display === "none" || st.visibility === "hidden" || st.opacity === "0") { return false; }
    }
    return true;
  }
  var out = { width: window.innerWidth, height: window.innerHeight, seen: [] };
  needles.forEach(function (nd) {
    var s = { what: nd.what, found: false };
    var scope = document.querySelector(nd.scope);
    var m = null;
    if (scope) {
      var el = whole(scope, nd.text);
      m = el ? { el: el, box: el.getBoundingClientRect() } : partial(scope, nd.text);
    }
    if (m) {
      var b = m.box;
      var at = document.elementFromPoint((b.left + b.right) / 2, (b.top + b.bottom) / 2);
      s = { what: nd.what, found: true, top: b.top, bottom: b.bottom, left: b.left, right: b.right,
        visible: b.width > 0 && b.height > 0 && shown(m.el), hit: at !== null && (m.el === at || m.el.contains(at)) };
    }
    out.seen.push(s);
  });
  var pre = document.createElement("pre");
  pre.id = "glance-result";
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>`

var glanceResult = regexp.MustCompile(`(?s)<pre id="glance-result">(.*?)</pre>`)

// checkGlance measures the needles on page in a 1400×900 viewport and fails
// for each that is missing, hidden, covered or below the first screen; then
// it saves the page's screenshot.
func checkGlance(t *testing.T, page string, needles []needle) {
	t.Helper()
	src, err := os.ReadFile(page)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(needles)
	script := strings.Replace(measureScript, "NEEDLES", string(js), 1)
	at := strings.LastIndex(string(src), "</body>")
	if at < 0 {
		t.Fatalf("%s has no </body>", page)
	}
	probe := filepath.Join(t.TempDir(), "glance-"+filepath.Base(page))
	if err := os.WriteFile(probe, []byte(string(src[:at])+script+string(src[at:])), 0o644); err != nil {
		t.Fatal(err)
	}
	p := show(t, "file://"+probe, testkit.View{Width: glanceWidth, Height: glanceHeight})
	if strings.Contains(p.Log, "Uncaught") {
		t.Errorf("script errors in %s:\n%s", page, p.Log)
	}
	m := glanceResult.FindStringSubmatch(p.DOM)
	if m == nil {
		t.Fatalf("the measuring script wrote nothing into %s", page)
	}
	var g glance
	if err := json.Unmarshal([]byte(html.UnescapeString(m[1])), &g); err != nil {
		t.Fatalf("the measuring script's result: %v\n%s", err, m[1])
	}
	if int(g.Height) != glanceHeight || int(g.Width) != glanceWidth {
		t.Fatalf("the page was laid out in a %.0f×%.0f viewport, not %d×%d", g.Width, g.Height, glanceWidth, glanceHeight)
	}
	for i, s := range g.Seen {
		n := needles[i]
		switch {
		case !s.Found:
			t.Errorf("%s: %q is not in %s at all", s.What, n.Text, n.Scope)
		case !s.Visible:
			t.Errorf("%s: %q is hidden", s.What, n.Text)
		case s.Top < 0 || s.Bottom > g.Height || s.Left < 0 || s.Right > g.Width:
			t.Errorf("%s: %q is off the first screen (%.0f×%.0f): at x %.0f–%.0f, y %.0f–%.0f", s.What, n.Text, g.Width, g.Height, s.Left, s.Right, s.Top, s.Bottom)
		case !s.Hit:
			t.Errorf("%s: %q is covered by another element", s.What, n.Text)
		}
	}
	screenshot(t, page)
}

// screenshot saves page's first screen (glanceWidth×glanceHeight) as a PNG
// in the test's temp dir and, when SCRIBECHECK_SCREENSHOTS is set, in that
// folder too.
func screenshot(t *testing.T, page string) {
	t.Helper()
	name := strings.NewReplacer("/", "-", " ", "-").Replace(t.Name()) + ".png"
	b := show(t, "file://"+page, testkit.View{Width: glanceWidth, Height: glanceHeight, Screenshot: true}).PNG
	if len(b) < 10_000 {
		t.Fatalf("screenshot of %s missing or blank (%d bytes)", page, len(b))
	}
	if err := os.WriteFile(filepath.Join(t.TempDir(), name), b, 0o644); err != nil {
		t.Fatal(err)
	}
	if dir := os.Getenv(screenshotsEnv); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("screenshot: %s", filepath.Join(dir, name))
	}
}

// failingNames are the values of name in each element of list (a gjson
// path) in a JSON report that failed says failed.
func failingNames(t *testing.T, file, list, name string, failed func(gjson.Result) bool) []string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range gjson.GetBytes(b, list).Array() {
		if failed(e) {
			out = append(out, e.Get(name).String())
		}
	}
	return out
}

// inScope are needles for each text inside scope.
func inScope(what, scope string, texts ...string) []needle {
	var out []needle
	for _, t := range texts {
		out = append(out, needle{What: what, Scope: scope, Text: t})
	}
	return out
}

func TestReportsAnswerAtAGlance(t *testing.T) {
	t.Parallel()
	browser(t) // or skip, before any report is written

	// The run of the fake with the sutkn bug: its matrix names the paths
	// that failed (token-query, whose fresh token is refused, and the two
	// that need it) and the header path that works, beside the verdict.
	t.Run("run", func(t *testing.T) {
		t.Parallel()
		r := shared.Run(t, "--target", "fake", "--fake-bug", "sutkn-query-rejected")
		if r.Code != 1 {
			t.Fatalf("exit %d, want 1\n%s", r.Code, r.Stderr)
		}
		failed := failingNames(t, filepath.Join(r.Out, reports.ResultsJSONFile), "results", "auth_path", func(e gjson.Result) bool {
			return e.Get("auth_path").String() != "" && verdict.Verdict(e.Get("verdict").String()).NotOK()
		})
		if strings.Join(failed, ",") != "token-query,token-reused,token-and-header" {
			t.Fatalf("failing auth paths %v, want token-query, token-reused, token-and-header", failed)
		}
		needles := append([]needle{{"verdict", "#status", "FAILED"}, {"whose fault", "#lead", "Whose fault: the server's."}},
			inScope("auth path in the matrix", "#matrix", append(failed, "header")...)...)
		checkGlance(t, filepath.Join(r.Out, reports.RunHTMLFile), needles)
	})

	// The doctor on the same bug: its headline names the server's side and
	// its matrix the paths not as expected.
	t.Run("doctor", func(t *testing.T) {
		t.Parallel()
		r := doctorRun(t, nil, "--fake-bug", "sutkn-query-rejected")
		if r.Code != 1 {
			t.Fatalf("exit %d, want 1\n%s", r.Code, r.Stderr)
		}
		failed := failingNames(t, filepath.Join(r.Out, reports.DoctorJSON), "paths", "path", func(e gjson.Result) bool {
			return !e.Get("as_expected").Bool() && e.Get("expected").String() != "unknown"
		})
		if len(failed) == 0 || failed[0] != "token-query" {
			t.Fatalf("paths not as expected %v: token-query should lead them", failed)
		}
		needles := append([]needle{{"verdict", "#status", "problem"}, {"headline", "#summary", "a server-side problem, not the app's code"}},
			inScope("path not as expected", "#matrix", failed...)...)
		checkGlance(t, filepath.Join(r.Out, reports.DoctorHTML), needles)
	})

	// A browser's HAR of the bug: the refused connection, its auth path and
	// whose fault it is.
	t.Run("har", func(t *testing.T) {
		t.Parallel()
		r := doctorRun(t, nil, "--har", filepath.Join("..", "..", "internal", "wirelog", "testdata", "har", "scribe-token-refused.har"))
		if r.Code != 1 {
			t.Fatalf("exit %d, want 1\n%s", r.Code, r.Stderr)
		}
		checkGlance(t, filepath.Join(r.Out, "har.html"), connectionNeedles(t, filepath.Join(r.Out, "har.json")))
	})

	// An app that presents one token twice: the connection refused and its
	// auth path.
	t.Run("client", func(t *testing.T) {
		t.Parallel()
		r := clientRun(t, nil, node(t, "token_twice.mjs"))
		if r.Code != 1 {
			t.Fatalf("exit %d, want 1\n%s", r.Code, r.Stderr)
		}
		checkGlance(t, filepath.Join(r.Out, reports.ClientHTML), connectionNeedles(t, filepath.Join(r.Out, reports.ClientJSON)))
	})

	// The SDK matrix with one install falling short of its record: the SDK
	// and the spec are named beside the verdict. Written in-process: the
	// matrix's page does not depend on which SDKs are installed here.
	t.Run("sdk matrix", func(t *testing.T) {
		t.Parallel()
		m := sdkMatrixWithAFailure()
		dir := t.TempDir()
		if _, err := reports.WriteSDKMatrix(dir, m, reports.NewRedactor()); err != nil {
			t.Fatal(err)
		}
		row := m.Rows[len(m.Rows)-1]
		needles := []needle{{"verdict", "#verdict", "FAILED"}, {"failing install", "#lead", m.Columns[0].Key + " " + row.ID}}
		checkGlance(t, filepath.Join(dir, reports.SDKMatrixHTML), needles)
	})
}

// connectionNeedles are a client report's verdict and, in its connections
// table, each failed connection and its auth path.
func connectionNeedles(t *testing.T, file string) []needle {
	t.Helper()
	isFailed := func(e gjson.Result) bool { return e.Get("verdict").String() == string(reports.Failed) }
	ids := failingNames(t, file, "connections", "id", isFailed)
	paths := failingNames(t, file, "connections", "auth_path", isFailed)
	if len(ids) == 0 {
		t.Fatalf("%s: no connection failed", file)
	}
	needles := []needle{{"verdict", "#verdict", "FAILED"}}
	needles = append(needles, inScope("failed connection", "#connections", ids...)...)
	return append(needles, inScope("its auth path", "#connections", paths...)...)
}

// sdkMatrixWithAFailure is the SDK matrix of every spec on three installs,
// all as recorded but the first install's last spec.
func sdkMatrixWithAFailure() reports.SDKMatrix {
	m := reports.SDKMatrix{StartedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
	for _, key := range [][2]string{{"elevenlabs-js", "2.73.0"}, {"elevenlabs-client", "1.25.0"}, {"elevenlabs-python", "2.78.0"}} {
		m.Columns = append(m.Columns, reports.SDKColumn{Key: key[0] + "@" + key[1], SDK: key[0], Version: key[1], Pinned: true,
			Status: "ran", Client: "OK", Took: "2.1s"})
	}
	specs := sdks.Specs()
	for i, s := range specs {
		row := reports.SDKRow{ID: s.ID, Scenario: s.Scenario, Level: s.Level, Requirement: s.Requirement, Ideal: string(s.Ideal)}
		for c := range m.Columns {
			cell := reports.SDKCell{Outcome: string(s.Ideal), Expected: string(s.Ideal), Verdict: reports.OK}
			if c == 0 && i == len(specs)-1 {
				cell.Outcome, cell.Verdict = "silent", reports.Failed
			}
			row.Cells = append(row.Cells, cell)
		}
		m.Rows = append(m.Rows, row)
	}
	return m
}
