package secrets

import (
	"fmt"
	"testing"
	"time"
)

type shade string

type model struct {
	Title  string
	When   time.Time
	Kind   shade
	Rows   []row
	ByName map[string]string
	Extra  any
	Next   *row
	hidden string
}

type row struct {
	Cells [2]string
	Note  *string
}

func TestRedactedCopiesAndRedactsEveryString(t *testing.T) {
	r := New()
	r.Add(hostile)
	note := "note " + hostile
	when := time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC)
	in := model{Title: hostile, When: when, Kind: shade(hostile), Rows: []row{{Cells: [2]string{"a", hostile}, Note: &note}},
		ByName: map[string]string{hostile: hostile}, Extra: []string{hostile}, Next: &row{Note: &note}, hidden: hostile}
	out := Redacted(r, in)
	text := fmt.Sprintf("%v %v %v %v %v %v %v", out.Title, out.Kind, out.Rows[0].Cells, *out.Rows[0].Note, out.ByName, out.Extra, *out.Next.Note)
	if leaks := ScanText("model", text, []string{hostile}); len(leaks) > 0 {
		t.Errorf("the copy still holds the secret: %s", text)
	}
	if !out.When.Equal(when) || out.hidden != hostile {
		t.Errorf("non-string and unexported fields changed: %v %q", out.When, out.hidden)
	}
	if in.Title != hostile || *in.Rows[0].Note != note || in.ByName[hostile] != hostile {
		t.Error("Redacted changed its input")
	}
}

func ExampleRedacted() {
	r := New()
	r.Add("sk_0123456789abcdef")
	type report struct{ Lines []string }
	fmt.Println(Redacted(r, report{Lines: []string{"key sk_0123456789abcdef refused"}}).Lines[0])
	// Output: key sk_…cdef refused
}
