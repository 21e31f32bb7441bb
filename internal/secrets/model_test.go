package secrets

import (
	"encoding/json"
	"fmt"
	"strings"
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

type inner struct{ Note string }

type innerPtr struct{ Detail string }

type withEmbedded struct {
	inner
	*innerPtr
	Title string
}

// encoding/json writes the exported fields of an embedded struct of an
// unexported type as the outer struct's own: they are redacted too.
func TestRedactedReachesPromotedFields(t *testing.T) {
	r := New()
	r.Add(hostile)
	in := withEmbedded{inner: inner{Note: hostile}, innerPtr: &innerPtr{Detail: hostile}, Title: hostile}
	out := Redacted(r, in)
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	if leaks := ScanText("json", string(b), []string{hostile}); len(leaks) > 0 || !strings.Contains(string(b), Fingerprint(hostile)) {
		t.Errorf("the copy's JSON holds the secret: %s", b)
	}
	if in.Note != hostile || in.Detail != hostile {
		t.Error("Redacted changed its input")
	}
}

type node struct {
	Name string
	Next *node
	Kids []any
}

// A cycle is copied once, as a cycle; a shared pointer stays shared.
func TestRedactedCopiesCycles(t *testing.T) {
	r := New()
	r.Add(hostile)
	a := &node{Name: hostile}
	b := &node{Name: "b", Next: a}
	a.Next = b
	a.Kids = []any{a, b}
	out := Redacted(r, a) // without the guard: a stack overflow
	if out == a || out.Name == hostile || out.Next.Next != out || out.Kids[0].(*node) != out || out.Kids[1].(*node) != out.Next {
		t.Errorf("the copy is not the same graph, redacted: %+v", out)
	}
}
