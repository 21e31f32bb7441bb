// Package buildinfo says which scribecheck a binary is: its version, the
// commit it was built from and the Go that built it.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version and commit are stamped into release builds by make release
// (-ldflags "-X github.com/scribecheck/scribecheck/internal/buildinfo.version=v1.2.0 …").
// Unstamped, the build info says them: the module's version (go install
// …@v1.2.0), else "dev"; the VCS revision, which Go records from a clone
// but not from a git worktree, hence the stamp.
var version, commit string

// notRecorded is the commit of a build that recorded none.
const notRecorded = "unknown (not recorded in this build)"

// Info is a build's version, commit and Go.
type Info struct {
	Version string
	// Commit is the VCS revision, with "-dirty" when the tree had changes.
	Commit string
	Go     string
}

// Read is this binary's Info.
func Read() Info {
	info, _ := debug.ReadBuildInfo()
	return from(info, version, commit)
}

// String is the Info as `scribecheck version` prints it.
func (i Info) String() string {
	return fmt.Sprintf("scribecheck %s\ncommit: %s\ngo:     %s\n", i.Version, i.Commit, i.Go)
}

// from is the Info of a build: the stamped version, else the module's; the
// build info's VCS revision, else the stamped commit.
func from(info *debug.BuildInfo, stampedVersion, stampedCommit string) Info {
	i := Info{Version: stampedVersion, Commit: stampedCommit, Go: runtime.Version() + " " + runtime.GOOS + "/" + runtime.GOARCH}
	if i.Commit == "" {
		i.Commit = notRecorded
	}
	if info != nil {
		if i.Version == "" {
			i.Version = info.Main.Version
		}
		var rev, modified string
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.modified":
				modified = s.Value
			}
		}
		if rev != "" {
			i.Commit = rev
			if modified == "true" {
				i.Commit += "-dirty"
			}
		}
	}
	if i.Version == "" || i.Version == "(devel)" {
		i.Version = "dev"
	}
	return i
}
