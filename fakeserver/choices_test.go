package fakeserver

import (
	"os"
	"strings"
	"testing"
)

// docs/fake.md tells users what the fake chooses where the real server is
// unconfirmed; it must name every choice the code makes.
func TestFakePageNamesEveryChoice(t *testing.T) {
	b, err := os.ReadFile("../docs/fake.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range Choices {
		if !strings.Contains(string(b), "| `"+c.Name+"` |") {
			t.Errorf("docs/fake.md has no row for the choice %s", c.Name)
		}
	}
}
