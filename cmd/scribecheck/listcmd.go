package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
	"github.com/scribecheck/scribecheck/internal/sdks"
	"github.com/scribecheck/scribecheck/suites"
)

func listCommand(_ context.Context, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) error {
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	client := fs.Bool("client", false, "list the CLIENT rules that grade an app's connections")
	sdk := fs.Bool("sdk", false, "list the SDK specs of the SDK matrix")
	if err := cli.ParseFlags(fs, args); err != nil {
		return err
	}
	if *client || *sdk {
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tLEVEL\tEVIDENCE\tREQUIREMENT")
		if *client {
			for _, r := range clientcheck.Rules {
				fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.ID, r.Level, r.Evidence, r.Requirement)
			}
		}
		if *sdk {
			for _, s := range sdks.Listed() {
				fmt.Fprintf(tw, "%s\t%s\tS\t%s\n", s.ID, s.Level, s.Requirement)
			}
		}
		return tw.Flush()
	}
	cases := suites.Catalog()
	if err := suites.Validate(cases); err != nil {
		return err
	}
	if *asJSON {
		type row struct {
			ID          string   `json:"id"`
			Level       string   `json:"level"`
			Labels      []string `json:"labels"`
			Requirement string   `json:"requirement"`
		}
		var rows []row
		for _, c := range cases {
			rows = append(rows, row{c.ID, string(c.Level), c.AllLabels(), c.Requirement})
		}
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLEVEL\tLABELS\tREQUIREMENT")
	for _, c := range cases {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.ID, c.Level, strings.Join(c.AllLabels(), ","), c.Requirement)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%d specs\n", len(cases))
	return nil
}
