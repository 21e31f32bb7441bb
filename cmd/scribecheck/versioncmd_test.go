package main

import (
	"context"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

func TestBuildVersion(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "46fd63e3b761"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		name, stamped, stampedCommit string
		info                         *debug.BuildInfo
		v, commit                    string
	}{
		{"a checkout's go build", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "dev", "46fd63e3b761-dirty"},
		{"go install …@v1.2.0", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0", "unknown (not recorded in this build)"},
		{"make release from a worktree", "v1.3.0", "abc123", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v1.3.0", "abc123"},
		{"make release from a clone", "v1.3.0", "abc123", &debug.BuildInfo{Settings: rev[:1]}, "v1.3.0", "46fd63e3b761"},
		{"no build info", "", "", nil, "dev", "unknown (not recorded in this build)"},
	} {
		version, commit = c.stamped, c.stampedCommit
		v, got := buildVersion(c.info)
		if v != c.v || got != c.commit {
			t.Errorf("%s: %q, %q; want %q, %q", c.name, v, got, c.v, c.commit)
		}
	}
	version, commit = "", ""
}

func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		var out, errs strings.Builder
		if code := run(context.Background(), args, &out, &errs); code != 0 || !strings.HasPrefix(out.String(), "scribecheck ") ||
			!strings.Contains(out.String(), "go:     "+runtime.Version()) {
			t.Errorf("%v: exit %d\n%s%s", args, code, out.String(), errs.String())
		}
	}
}
