package text

import "testing"

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
