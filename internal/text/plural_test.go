package text

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// hedgedPlural is a count worded both ways at once: "connection(s)",
// "entr(ies)". http(s) and ws(s) name two schemes, not a count.
var hedgedPlural = regexp.MustCompile(`\b(\w+)\((s|es|ies)\)`)

// No output hedges a count: every string literal of the module's Go code
// (tests aside) and every template says "1 session" or "2 sessions", with
// Plural.
func TestNoHedgedPlurals(t *testing.T) {
	root := "../.."
	var found []string
	check := func(where, s string) {
		for _, m := range hedgedPlural.FindAllStringSubmatch(s, -1) {
			if w := strings.ToLower(m[1]); w != "http" && w != "ws" {
				found = append(found, where+": "+m[0])
			}
		}
	}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules") {
				return filepath.SkipDir
			}
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".tmpl"):
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			check(path, string(b))
		case strings.HasSuffix(path, ".go") && !strings.HasSuffix(path, "_test.go"):
			fset := token.NewFileSet()
			f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
					if s, err := strconv.Unquote(lit.Value); err == nil {
						check(fset.Position(lit.Pos()).String(), s)
					}
				}
				return true
			})
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range found {
		t.Errorf("a count worded both ways (use Plural): %s", f)
	}
}
