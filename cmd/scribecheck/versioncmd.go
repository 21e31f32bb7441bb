package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// version and commit are stamped into release builds by make release
// (-ldflags "-X main.version=v1.2.0 -X main.commit=…"). Unstamped, the build
// info says them: the module's version (go install …@v1.2.0), else "dev";
// the VCS revision, which Go records from a clone but not from a git
// worktree, hence the stamp.
var version, commit string

// versionCommand prints the version, the commit and the Go that built this
// binary, from its build info.
func versionCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	info, _ := debug.ReadBuildInfo()
	v, commit := buildVersion(info)
	fmt.Fprintf(stdout, "scribecheck %s\ncommit: %s\ngo:     %s %s/%s\n", v, commit, runtime.Version(), runtime.GOOS, runtime.GOARCH)
	return nil
}

// buildVersion is the version and the commit of a build: the stamped
// version, else the module's; the VCS revision with "-dirty" when the tree
// had changes, or what was not recorded.
func buildVersion(info *debug.BuildInfo) (v, commit string) {
	v, commit = version, commitStamp()
	if info == nil {
		return orDev(v), commit
	}
	if v == "" {
		v = info.Main.Version
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
		commit = rev
		if modified == "true" {
			commit += "-dirty"
		}
	}
	return orDev(v), commit
}

func commitStamp() string {
	if commit == "" {
		return "unknown (not recorded in this build)"
	}
	return commit
}

func orDev(v string) string {
	if v == "" || v == "(devel)" {
		return "dev"
	}
	return v
}
