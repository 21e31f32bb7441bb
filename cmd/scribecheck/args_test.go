package main

import (
	"io/fs"
	"strings"
	"testing"
)

// Every command and subcommand has a help text that renders (a missing one
// would panic at --help), and every help text is a command's (or the usage).
func TestEveryCommandHasHelp(t *testing.T) {
	names := []string{"usage"}
	for name := range commands {
		names = append(names, name)
	}
	files, err := fs.Glob(helpFiles, "help/*.txt")
	if err != nil || len(files) != len(names) {
		t.Errorf("%d help texts %q, want one per command and the usage: %d (%v)", len(files), files, len(names), err)
	}
	for _, name := range names {
		if h := help(name); !strings.HasPrefix(h, "scribecheck") || strings.Contains(h, "<no value>") {
			t.Errorf("help %s:\n%s", name, h)
		}
	}
	if h := help("fake"); !strings.Contains(h, "  sutkn-query-rejected     every single-use token") || !strings.Contains(h, "  auth-at-upgrade          ") {
		t.Errorf("the fake's help lists no faults:\n%s", h)
	}
}
