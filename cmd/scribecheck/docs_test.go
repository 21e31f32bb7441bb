package main

// The documentation's promises, checked: every "docs/protocol.md §N" the code
// cites names a heading of that page; every command and flag the README and
// docs/*.md write exists, as the command table declares it; the README stays a
// front door; the links between the pages land; the CLIENT rules table is
// whole. These live beside the command table because the flags are read from
// it, unexported.

import (
	"errors"
	"flag"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/scribecheck/scribecheck/internal/cli"
	"github.com/scribecheck/scribecheck/internal/clientcheck"
)

const (
	repoRoot     = "../.."
	protocolPage = "docs/protocol.md"
	clientPage   = "docs/client.md"
	commandsPage = "docs/commands.md"
	readmeLines  = 200 // a front door, not a manual
	readmeScreen = 40  // the first screen names the doctor
)

// dispatchWords are what dispatch answers itself, besides the command table.
// (version belongs to the release work of issue 21; it may be a command of
// the table too.)
var dispatchWords = []string{"help", "version"}

// TestProtocolCitationsResolve: a citation of the protocol notes in Go code
// (comments and strings) or a help text is spelt "docs/protocol.md §N" (a
// range §4-6 and a list §2, §4 too), and each §N is a heading of
// docs/protocol.md. A bare §N names nothing; RFC sections are not ours.
func TestProtocolCitationsResolve(t *testing.T) {
	t.Parallel()
	sections := protocolSections(t)
	texts := citingTexts(t)
	if len(texts) == 0 {
		t.Fatal("found no Go file or help text to read")
	}
	cited := 0
	for where, text := range texts {
		cited += checkCitations(t, where, text, sections)
	}
	if cited == 0 {
		t.Error("no Go file cites docs/protocol.md §N: the search is broken")
	}
}

// TestDocsSectionSignsResolve: the pages' own §N (the notes cite one another,
// other pages cite the notes) name headings of docs/protocol.md.
func TestDocsSectionSignsResolve(t *testing.T) {
	t.Parallel()
	sections := protocolSections(t)
	for _, page := range docPages(t) {
		for _, m := range regexp.MustCompile(`§(\d+(?:\.\d+)*)`).FindAllStringSubmatch(repoFile(t, page), -1) {
			if !sections[m[1]] {
				t.Errorf("%s cites §%s, which is no heading of %s", page, m[1], protocolPage)
			}
		}
	}
}

// TestDocsCommandsAndFlagsExist: every `scribecheck CMD [--flag …]` in the
// README and docs/*.md code names a command of the table and flags it
// declares, read from the flag set each command fills before it parses.
func TestDocsCommandsAndFlagsExist(t *testing.T) {
	t.Parallel()
	declared := declaredFlags(t)
	checked := map[string]int{}
	for _, page := range docPages(t) {
		for _, code := range markdownCode(repoFile(t, page)) {
			for _, use := range commandUses(code) {
				checked[page]++
				checkUse(t, page, use, declared)
			}
		}
	}
	for _, page := range []string{"README.md", commandsPage} {
		if checked[page] < 10 {
			t.Errorf("%s: only %d scribecheck commands found in its code; the reader is broken", page, checked[page])
		}
	}
}

// TestCommandsPageFlagsExist: in docs/commands.md a section named after
// commands ("## load, load merge") writes only their flags, in its tables
// and prose too.
func TestCommandsPageFlagsExist(t *testing.T) {
	t.Parallel()
	declared := declaredFlags(t)
	flagIn := regexp.MustCompile(`(?:^|[\s\[(])--([a-z][a-z0-9-]*)`)
	sections := 0
	for _, sec := range strings.Split(repoFile(t, commandsPage), "\n## ")[1:] {
		heading, body, _ := strings.Cut(sec, "\n")
		var names []string
		for _, n := range strings.Split(heading, ", ") {
			if declared[n] != nil {
				names = append(names, n)
			}
		}
		if len(names) == 0 {
			continue
		}
		sections++
		for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(stripFences(body), -1) {
			for _, f := range flagIn.FindAllStringSubmatch(m[1], -1) {
				if !slices.ContainsFunc(names, func(n string) bool { return declared[n][f[1]] }) {
					t.Errorf("%s, section %q: `%s`: no flag --%s in %s", commandsPage, heading, m[1], f[1], strings.Join(names, ", "))
				}
			}
		}
	}
	if sections < len(declared)/2 {
		t.Errorf("%s: only %d sections named after commands", commandsPage, sections)
	}
}

// TestReadmeIsAFrontDoor: short, and the doctor on its first screen.
func TestReadmeIsAFrontDoor(t *testing.T) {
	t.Parallel()
	lines := strings.Split(strings.TrimRight(repoFile(t, "README.md"), "\n"), "\n")
	if len(lines) > readmeLines {
		t.Errorf("README.md has %d lines; keep it under %d and move the rest to a page of docs/", len(lines), readmeLines)
	}
	if !strings.Contains(strings.Join(lines[:min(readmeScreen, len(lines))], "\n"), "scribecheck doctor") {
		t.Errorf("README.md does not name `scribecheck doctor` in its first %d lines", readmeScreen)
	}
}

// TestDocsLinksLand: every relative link of the README and docs/*.md names a
// file that exists and, with a #fragment, a heading of that page.
func TestDocsLinksLand(t *testing.T) {
	t.Parallel()
	link := regexp.MustCompile(`\]\(([^)\s]+)\)`)
	links := 0
	slugs := map[string][]string{} // file -> its headings' slugs, read once (a page is linked to many times)
	for _, page := range docPages(t) {
		text := stripFences(repoFile(t, page))
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			links++
			file, frag, _ := strings.Cut(target, "#")
			if file == "" {
				file = page
			} else {
				file = filepath.ToSlash(filepath.Join(filepath.Dir(page), file))
			}
			if _, err := os.Stat(filepath.Join(repoRoot, file)); err != nil {
				t.Errorf("%s links to %s, which does not exist", page, target)
				continue
			}
			if _, ok := slugs[file]; !ok && frag != "" {
				slugs[file] = headingSlugs(repoFile(t, file))
			}
			if frag != "" && !slices.Contains(slugs[file], frag) {
				t.Errorf("%s links to %s: %s has no heading #%s", page, target, file, frag)
			}
		}
	}
	if links == 0 {
		t.Error("found no relative link: the reader is broken")
	}
}

// The CLIENT rules table names every rule with its level.
func TestDocsNameEveryClientRule(t *testing.T) {
	t.Parallel()
	page := repoFile(t, clientPage)
	for _, r := range clientcheck.Rules {
		if !strings.Contains(page, "| "+r.ID+" | "+string(r.Level)+" |") {
			t.Errorf("%s's CLIENT rules table lacks %s at level %s", clientPage, r.ID, r.Level)
		}
	}
}

// ---- the protocol notes ----

// protocolSections are the §N of docs/protocol.md's headings.
func protocolSections(t *testing.T) map[string]bool {
	t.Helper()
	sections := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^#{1,4} §(\d+(?:\.\d+)*)\s`).FindAllStringSubmatch(repoFile(t, protocolPage), -1) {
		sections[m[1]] = true
	}
	if len(sections) == 0 {
		t.Fatalf("%s has no heading like \"## §1 Hosts and path\"", protocolPage)
	}
	return sections
}

// citingTexts are the comments and string literals of every Go file of the
// module, each file's joined into one text with its line breaks and comment
// markers gone (a citation may wrap), and the help texts.
func citingTexts(t *testing.T) map[string]string {
	t.Helper()
	texts := map[string]string{}
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() {
			if path != repoRoot && (strings.HasPrefix(name, ".") || name == "node_modules" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(repoRoot, path)
		switch {
		case name == "docs_test.go" && filepath.Base(filepath.Dir(path)) == "scribecheck":
			// this test: its patterns are about citations, not citations
		case strings.HasSuffix(name, ".go"):
			texts[rel] = goProse(t, path)
		case strings.HasSuffix(name, ".txt") && filepath.Base(filepath.Dir(path)) == "help":
			texts[rel] = oneLine(repoFile(t, rel))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return texts
}

// goProse is a Go file's comments and string literals, one line.
func goProse(t *testing.T, path string) string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments|parser.SkipObjectResolution)
	if err != nil {
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		return oneLine(string(b)) // not Go (a test's fixture): read it whole
	}
	var parts []string
	for _, cg := range f.Comments {
		parts = append(parts, cg.Text())
	}
	ast.Inspect(f, func(n ast.Node) bool {
		if lit, ok := n.(*ast.BasicLit); ok && lit.Kind == token.STRING {
			if s, err := strconv.Unquote(lit.Value); err == nil {
				parts = append(parts, s)
			}
		}
		return true
	})
	return oneLine(strings.Join(parts, "\n"))
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	anyNotes = regexp.MustCompile(`[\w./-]*protocol\.md`)
	// sectionRun is what follows "docs/protocol.md": one or more §N, each
	// maybe a range (§4-6, §4–§6), joined by commas or "and".
	sectionRun = regexp.MustCompile(`^(?:'s)?\s*(?:\(\s*)?((?:(?:,\s*|\s+and\s+|\s*)§\d+(?:\.\d+)*(?:\s*[-–]\s*§?\d+)?)+)`)
	oneSection = regexp.MustCompile(`§(\d+(?:\.\d+)*)(?:\s*[-–]\s*§?(\d+))?`)
	rfcBefore  = regexp.MustCompile(`RFC \d+\s*$`)
)

// checkCitations reports the citations of text that do not resolve, and
// returns how many it found.
func checkCitations(t *testing.T, where, text string, sections map[string]bool) int {
	t.Helper()
	found := 0
	covered := map[int]bool{} // offsets of § signs that belong to a citation
	for _, loc := range anyNotes.FindAllStringIndex(text, -1) {
		if spelt := text[loc[0]:loc[1]]; spelt != protocolPage {
			t.Errorf("%s: %q: cite the notes as %s", where, spelt, protocolPage)
			continue
		}
		m := sectionRun.FindStringSubmatchIndex(text[loc[1]:])
		if m == nil {
			continue // the notes as a whole
		}
		run := text[loc[1]+m[2] : loc[1]+m[3]]
		for _, s := range oneSection.FindAllStringSubmatchIndex(run, -1) {
			covered[loc[1]+m[2]+s[0]] = true
			found++
			from := run[s[2]:s[3]]
			for _, n := range sectionRange(from, run, s) {
				if !sections[n] {
					t.Errorf("%s: cites %s §%s, which is no heading of it", where, protocolPage, n)
				}
			}
		}
	}
	for _, loc := range regexp.MustCompile(`§`).FindAllStringIndex(text, -1) {
		if covered[loc[0]] || rfcBefore.MatchString(text[:loc[0]]) {
			continue
		}
		t.Errorf("%s: a bare § in %q: write %s §N, or name the RFC", where, clip(text, loc[0]), protocolPage)
	}
	return found
}

// sectionRange is the sections one match of oneSection names: §4, or each
// of §4-6.
func sectionRange(from, run string, s []int) []string {
	if s[4] < 0 {
		return []string{from}
	}
	lo, err1 := strconv.Atoi(from)
	hi, err2 := strconv.Atoi(run[s[4]:s[5]])
	if err1 != nil || err2 != nil || hi < lo {
		return []string{from, run[s[4]:s[5]]}
	}
	var out []string
	for n := lo; n <= hi; n++ {
		out = append(out, strconv.Itoa(n))
	}
	return out
}

func clip(s string, i int) string {
	lo, hi := max(0, i-30), min(len(s), i+20)
	return s[lo:hi]
}

// ---- commands and flags ----

// declaredFlags are the flags of every command of the table, by name: each
// command declares its flags on the flag set it is handed, then parses, so
// --help returns flag.ErrHelp with every flag declared.
func declaredFlags(t *testing.T) map[string]map[string]bool {
	t.Helper()
	all := map[string]map[string]bool{}
	for name, cmd := range commands {
		set := newFlagSet(name)
		if err := cmd(t.Context(), set, []string{"--help"}, io.Discard, io.Discard); !errors.Is(err, flag.ErrHelp) {
			t.Errorf("scribecheck %s --help: %v, want flag.ErrHelp", name, err)
		}
		// An old name still works but the docs teach the current one.
		flags := map[string]bool{"help": true, "h": true}
		set.VisitAll(func(f *flag.Flag) { flags[f.Name] = !cli.IsOldName(f) })
		all[name] = flags
	}
	return all
}

// use is one `scribecheck WORDS…` in a page's code: the words after the
// program's name, up to the end of its command line.
type use struct{ words []string }

var program = regexp.MustCompile(`(?:^|[\s/=(])scribecheck\s+[a-z]`)

// commandUses finds each scribecheck command line in a piece of code.
func commandUses(code string) []use {
	var uses []use
	for _, loc := range program.FindAllStringIndex(code, -1) {
		words := shellWords(code[loc[1]-1:])
		if len(words) == 0 || !regexp.MustCompile(`^[a-z][a-z-]*$`).MatchString(words[0]) {
			continue // scribecheck as a word of prose, or a file (bin/scribecheck fake.prof)
		}
		uses = append(uses, use{words})
	}
	return uses
}

// shellWords splits a command line into words, quotes kept inside a word,
// up to what ends the command's own arguments: "--" (the app's command
// follows), a pipe, ;, && or a comment.
func shellWords(s string) []string {
	var words []string
	var b strings.Builder
	var quote rune
	flush := func() bool {
		w := b.String()
		b.Reset()
		if w == "" {
			return true
		}
		if slices.Contains([]string{"--", "|", "||", "&&", ";", "&"}, w) || strings.HasPrefix(w, "#") {
			return false
		}
		words = append(words, w)
		return true
	}
	for _, r := range s {
		switch {
		case quote != 0:
			if r == quote {
				quote = 0
			}
			b.WriteRune(r)
		case r == '\'' || r == '"':
			quote = r
			b.WriteRune(r)
		case r == '\n':
			flush()
			return words
		case unicode.IsSpace(r):
			if !flush() {
				return words
			}
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return words
}

var flagWord = regexp.MustCompile(`^\[?--?([a-zA-Z][a-zA-Z0-9_-]*)`)

// checkUse reports a command the table does not have, or a flag the command
// does not declare.
func checkUse(t *testing.T, page string, u use, declared map[string]map[string]bool) {
	t.Helper()
	name, rest := u.words[0], u.words[1:]
	line := "scribecheck " + strings.Join(u.words, " ")
	if slices.Contains(dispatchWords, name) {
		if name == "help" && len(rest) > 0 && rest[0] != strings.ToUpper(rest[0]) && declared[rest[0]] == nil {
			t.Errorf("%s: `%s`: no command %q", page, line, rest[0])
		}
		if declared[name] == nil {
			return
		}
	}
	flags, ok := declared[name]
	if !ok {
		t.Errorf("%s: `%s`: no command %q", page, line, name)
		return
	}
	if len(rest) > 0 {
		if sub, ok := declared[name+" "+rest[0]]; ok {
			name, flags, rest = name+" "+rest[0], sub, rest[1:]
		}
	}
	for _, w := range rest {
		if m := flagWord.FindStringSubmatch(w); m != nil && !flags[m[1]] {
			t.Errorf("%s: `%s`: scribecheck %s has no flag --%s", page, line, name, m[1])
		}
	}
}

// ---- Markdown ----

// docPages are the README and the pages of docs/.
func docPages(t *testing.T) []string {
	t.Helper()
	pages, err := filepath.Glob(filepath.Join(repoRoot, "docs", "*.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no pages in docs/: %v", err)
	}
	out := []string{"README.md"}
	for _, p := range pages {
		rel, _ := filepath.Rel(repoRoot, p)
		out = append(out, filepath.ToSlash(rel))
	}
	return out
}

// repoFile reads a file of the repository by its path from the root.
func repoFile(t *testing.T, rel string) string {
	t.Helper()
	return readFile(t, repoRoot, rel)
}

var fence = regexp.MustCompile("(?ms)^ *```[^\n]*\n(.*?)^ *```")

// markdownCode is a page's code: every line of its fenced blocks, and every
// inline code span of the rest (a span may wrap).
func markdownCode(md string) []string {
	var code []string
	for _, m := range fence.FindAllStringSubmatch(md, -1) {
		code = append(code, strings.Split(m[1], "\n")...)
	}
	for _, m := range regexp.MustCompile("`([^`]+)`").FindAllStringSubmatch(stripFences(md), -1) {
		code = append(code, strings.ReplaceAll(m[1], "\n", " "))
	}
	return code
}

func stripFences(md string) string { return fence.ReplaceAllString(md, "") }

// headingSlugs are the anchors GitHub gives a page's headings: lower case,
// punctuation and symbols dropped, spaces as hyphens, a repeat numbered.
func headingSlugs(md string) []string {
	var slugs []string
	seen := map[string]int{}
	for _, m := range regexp.MustCompile(`(?m)^#{1,6} +(.+?)\s*$`).FindAllStringSubmatch(stripFences(md), -1) {
		var b strings.Builder
		for _, r := range strings.ToLower(m[1]) {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_':
				b.WriteRune(r)
			case r == ' ':
				b.WriteRune('-')
			}
		}
		slug := b.String()
		if n := seen[slug]; n > 0 {
			slugs = append(slugs, slug+"-"+strconv.Itoa(n))
		} else {
			slugs = append(slugs, slug)
		}
		seen[slug]++
	}
	return slugs
}
