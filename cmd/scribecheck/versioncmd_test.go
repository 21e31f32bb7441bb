package main

import (
	"context"
	"runtime"
	"strings"
	"testing"
)

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errs strings.Builder
		if code := run(context.Background(), args, &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "scribecheck ") ||
			!strings.Contains(out.String(), "go:     "+runtime.Version()) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out.String(), errs.String())
		}
	}
}
