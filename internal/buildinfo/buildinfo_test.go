package buildinfo

import (
	"runtime/debug"
	"strings"
	"testing"
)

func TestFrom(t *testing.T) {
	rev := []debug.BuildSetting{{Key: "vcs.revision", Value: "46fd63e3b761"}, {Key: "vcs.modified", Value: "true"}}
	for _, c := range []struct {
		name, stamped, stampedCommit string
		info                         *debug.BuildInfo
		v, commit                    string
	}{
		{"a checkout's go build", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: rev}, "dev", "46fd63e3b761-dirty"},
		{"go install …@v1.2.0", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v1.2.0"}}, "v1.2.0", notRecorded},
		{"make release from a worktree", "v1.3.0", "abc123", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v1.3.0", "abc123"},
		{"make release from a clone", "v1.3.0", "abc123", &debug.BuildInfo{Settings: rev[:1]}, "v1.3.0", "46fd63e3b761"},
		{"no build info", "", "", nil, "dev", notRecorded},
	} {
		if i := from(c.info, c.stamped, c.stampedCommit); i.Version != c.v || i.Commit != c.commit || !strings.HasPrefix(i.Go, "go") {
			t.Errorf("%s: %+v; want %q, %q", c.name, i, c.v, c.commit)
		}
	}
}
