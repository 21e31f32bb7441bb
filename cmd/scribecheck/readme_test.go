package main

import (
	"os"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/clientcheck"
)

// The README's table of CLIENT rules names every rule with its level.
func TestReadmeNamesEveryClientRule(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range clientcheck.Rules {
		if !strings.Contains(string(b), "| "+r.ID+" | "+string(r.Level)+" |") {
			t.Errorf("README's CLIENT rules table lacks %s at level %s", r.ID, r.Level)
		}
	}
}
