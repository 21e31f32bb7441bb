package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/scribecheck/scribecheck/suites"
)

const listHelp = `scribecheck list: print every spec with its ID, level, labels and requirement.
Labels work with run --label-filter; IDs and names with run --focus.
`

func listCommand(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("list", listHelp, stderr)
	asJSON := fs.Bool("json", false, "print JSON instead of a table")
	if err := parseFlags(fs, args); err != nil {
		return err
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
