package fakeserver

import (
	"os"
	"strings"
	"testing"
)

// The README tells users what the fake chooses where the real server is
// unconfirmed; it must name every choice the code makes.
func TestReadmeNamesEveryChoice(t *testing.T) {
	b, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Choices {
		if !strings.Contains(string(b), "| `"+c.Name+"` |") {
			t.Errorf("README.md has no row for the choice %s", c.Name)
		}
	}
}
