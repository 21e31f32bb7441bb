package text

import (
	"testing"
	"time"
)

func TestClip(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"hello", 5, "hello"},
		{"hello world", 5, "hell…"},
		{"héllo wörld", 4, "hél…"},
		{"first\nsecond", 20, "first\nsecond"},
	} {
		if got := Clip(c.in, c.n); got != c.want {
			t.Errorf("Clip(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	if got := ClipLine("  first line\nsecond", 6); got != "first…" {
		t.Errorf("ClipLine = %q", got)
	}
	if Plural(1, "session", "sessions") != "1 session" || Plural(0, "session", "sessions") != "0 sessions" {
		t.Error("Plural")
	}
}

func TestFew(t *testing.T) {
	ids := []string{"conn-0001", "conn-0002", "conn-0003", "conn-0004", "conn-0005"}
	for _, c := range []struct {
		in   []string
		n    int
		want string
	}{
		{nil, 3, ""},
		{ids[:1], 3, "conn-0001"},
		{ids[:3], 3, "conn-0001, conn-0002, conn-0003"},
		{ids, 3, "conn-0001, conn-0002, conn-0003 and 2 more"},
		{ids, 0, "conn-0001 and 4 more"},
	} {
		if got := Few(c.in, c.n); got != c.want {
			t.Errorf("Few(%d items, %d) = %q, want %q", len(c.in), c.n, got, c.want)
		}
	}
}

func TestOneLine(t *testing.T) {
	if got := OneLine("a\tb\n\n c\x00d\xffe", 20); got != "a b c d e" {
		t.Errorf("OneLine = %q", got)
	}
	if got := OneLine("ééééé", 3); got != "éé…" {
		t.Errorf("OneLine clips by rune: %q", got)
	}
}

func TestEscapers(t *testing.T) {
	if got, want := WorkflowData("100% done\r\nnext: a, b"), "100%25 done%0D%0Anext: a, b"; got != want {
		t.Errorf("WorkflowData = %q, want %q", got, want)
	}
	if got, want := WorkflowProperty("AUTH-4: a, b 5%\n"), "AUTH-4%3A a%2C b 5%25%0A"; got != want {
		t.Errorf("WorkflowProperty = %q, want %q", got, want)
	}
	if got, want := Markdown("a|b <i>\nc"), "a\\|b &lt;i&gt; c"; got != want {
		t.Errorf("Markdown = %q, want %q", got, want)
	}
}

func TestFewLinesAndClauses(t *testing.T) {
	lines := []string{"a", "b", "c", "d"}
	if got := FewLines(lines, 4); got != "a\nb\nc\nd" {
		t.Errorf("FewLines all = %q", got)
	}
	if got := FewLines(lines, 2); got != "a\nb\n… and 2 more" {
		t.Errorf("FewLines 2 = %q", got)
	}
	if got := FewClauses([]string{"x, y", "z", "w"}, 2, "tokens"); got != "x, y; z; and 1 more tokens" {
		t.Errorf("FewClauses = %q", got)
	}
}

func TestSecondsAndClause(t *testing.T) {
	if got := Seconds(400 * time.Millisecond); got != "0.40 s" {
		t.Errorf("Seconds = %q", got)
	}
	for in, want := range map[string]string{
		"Use model_id=x.": "use model_id=x", "Rename keyterm to keyterms.": "rename keyterm to keyterms",
		"API keys go in headers.": "API keys go in headers", "already a clause": "already a clause", "": "",
	} {
		if got := Clause(in); got != want {
			t.Errorf("Clause(%q) = %q, want %q", in, got, want)
		}
	}
}
