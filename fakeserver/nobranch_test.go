package fakeserver

import (
	"go/ast"
	"go/parser"
	gotoken "go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// The fake's own code emits correct behaviour only: a fault is one row of
// the Faults table (faults.go) that flips a setting or wraps a part. This test
// reads every other file of the package and fails where one names a fault,
// or reaches for the server's faults anywhere but the few places that apply
// all of them at once.
func TestNoFaultBranchesOutsideTheTable(t *testing.T) {
	t.Parallel()
	// Where the collected wrappers are applied, each for every fault alike.
	appliers := map[string]string{
		"New":               "wraps the authenticator with the auth faults",
		"realtimeHandler":   "wraps the socket handler with the HTTP faults",
		"handleRealtime":    "wraps the socket's wire with the out filters",
		"rewriteInput":      "passes each client frame through the in filters",
		"applyFaults":       "collects the wrappers",
		"wrapWire":          "applies the out filters",
		"defaultSettings":   "the faithful settings",
		"faithfulParams":    "the faithful parameter rules",
		"silenceEndpointer": "the faithful endpointer",
	}
	names := map[string]bool{}
	for _, f := range Faults {
		names[f.Name] = true
	}
	files, err := filepath.Glob("*.go")
	if err != nil || len(files) < 10 {
		t.Fatalf("found %d source files: %v", len(files), err)
	}
	fset := gotoken.NewFileSet()
	checked := 0
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") || file == "faults.go" {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		for _, d := range f.Decls {
			fn, _ := d.(*ast.FuncDecl)
			ast.Inspect(d, func(n ast.Node) bool {
				switch x := n.(type) {
				case *ast.Ident:
					if isFaultConst(x.Name) {
						t.Errorf("%s: %s names a fault: a fault belongs in the Faults table", fset.Position(x.Pos()), x.Name)
					}
				case *ast.BasicLit:
					if s, err := strconv.Unquote(x.Value); err == nil && names[s] {
						t.Errorf("%s: the string %q is a fault's name", fset.Position(x.Pos()), s)
					}
				case *ast.SelectorExpr:
					if x.Sel.Name == "faults" && (fn == nil || appliers[fn.Name.Name] == "") {
						t.Errorf("%s: reads the server's faults outside the places that apply them all", fset.Position(x.Pos()))
					}
				}
				return true
			})
		}
	}
	if checked < 10 {
		t.Fatalf("only %d files checked", checked)
	}
}

// isFaultConst: FaultSutknQueryRejected and its kin, not Faults or FaultKind.
func isFaultConst(name string) bool {
	rest, ok := strings.CutPrefix(name, "Fault")
	return ok && rest != "" && rest != "Kind" && rest[0] >= 'A' && rest[0] <= 'Z'
}
