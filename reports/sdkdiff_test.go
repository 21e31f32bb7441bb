package reports

import (
	"bytes"
	"strings"
	"testing"
)

// The diff's Markdown leads with the verdict per path, keeps a value's pipe
// inside its cell, and marks what breaks; the console shows the same.
func TestSDKDiffMarkdownAndConsole(t *testing.T) {
	d := SDKDiff{Old: "x@1", New: "x@2", Rows: []SDKDiffRow{
		{Section: DiffWire, Scenario: "token", Aspect: "credential presented", Old: "?token= (token)", New: "?token= (token) | xi-api-key header (api_key)",
			Changed: true, Breaks: true, Note: "the server sees another credential"},
		{Section: DiffReaction, Scenario: "not-json", Aspect: "injected (non-JSON text frame)", Old: "crashed", New: "crashed"},
		{Section: DiffRules, Scenario: "token", Aspect: DiffEveryRule, Old: "OK", New: "FAILED: CLIENT-5"},
	}, Paths: []SDKDiffPath{{Path: "header", Safe: true, Line: "same"}, {Path: "token", Line: "the server sees another credential"}}}
	if !d.Breaking() {
		t.Fatal("a path that is not safe breaks the diff")
	}
	md := sdkDiffMarkdown(d)
	for _, want := range []string{
		"* ❌ **token**: upgrade NOT SAFE: the server sees another credential",
		"* ✅ **header**: upgrade safe: same",
		"`?token= (token) \\| xi-api-key header (api_key)`",
		"**breaks: the server sees another credential**",
		"| token | every rule | `OK` | `FAILED: CLIENT-5` |",
		"1 reaction or rule verdict not listed",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(md, "not-json") {
		t.Errorf("an unchanged reaction is listed:\n%s", md)
	}
	var b bytes.Buffer
	WriteSDKDiffConsole(&b, d, NewRedactor())
	for _, want := range []string{"token path: upgrade NOT SAFE: the server sees another credential", "BREAKS: the server sees another credential"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the console lacks %q:\n%s", want, b.String())
		}
	}
}

// A diff run against fakes with a choice switched names that world in the
// Markdown and on the console; one in the default world says nothing of it.
func TestSDKDiffNamesTheFakesWorld(t *testing.T) {
	d := SDKDiff{Old: "x@1", New: "x@2", Paths: []SDKDiffPath{{Path: "header", Safe: true, Line: "same"}}}
	const world = "The fake ran in another world: bool-capitals=refused"
	for _, choices := range [][]string{nil, {"bool-capitals=refused"}} {
		d.FakeChoices = choices
		var b bytes.Buffer
		WriteSDKDiffConsole(&b, d, NewRedactor())
		for name, out := range map[string]string{"Markdown": sdkDiffMarkdown(d), "console": b.String()} {
			if strings.Contains(out, world) != (choices != nil) {
				t.Errorf("%v: the %s names the world %v:\n%s", choices, name, !(choices != nil), out)
			}
		}
	}
}
