package main

import (
	"context"
	"flag"
	"fmt"
	"io"

	"github.com/scribecheck/scribecheck/internal/buildinfo"
	"github.com/scribecheck/scribecheck/internal/cli"
)

// versionCommand prints the version, the commit and the Go that built this
// binary.
func versionCommand(ctx context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	fmt.Fprint(stdout, buildinfo.Read())
	return nil
}
