// Package ci holds the ready-to-copy CI recipes of docs/ci.md (github-actions.yml,
// gitlab-ci.yml). Its tests parse them, check the structure a nightly job relies on,
// check every scribecheck command in them against the flags the built binary
// accepts, and check that docs/ci.md links each recipe and no page copies one.
package ci

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/testkit"
	"gopkg.in/yaml.v3"
)

const (
	githubRecipe = "github-actions.yml"
	gitlabRecipe = "gitlab-ci.yml"
	ciPage       = "../ci.md"

	// What the nightly command must say: the live target, the report folder the
	// artifact and JUnit steps read, the key's variable.
	outDir    = "scribecheck-report"
	apiKeyEnv = "ELEVENLABS_API_KEY"
)

// The command of the brief, which at least one scribecheck line of each recipe runs.
var nightlyFlags = map[string]string{
	"target":        "live",
	"out":           outDir,
	"baseline":      "baseline/results.json",
	"known-failing": ".scribecheck/known-failing.txt",
	"retries":       "1",
	"timeout":       "10m",
}

// binary is scribecheck, built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	var err error
	binary, err = testkit.BuildScribecheck(false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(m.Run())
}

// ---- GitHub Actions ----

type ghWorkflow struct {
	On          map[string]any    `yaml:"on"`
	Permissions map[string]string `yaml:"permissions"`
	Env         map[string]string `yaml:"env"`
	Jobs        map[string]ghJob  `yaml:"jobs"`
}

type ghJob struct {
	RunsOn string            `yaml:"runs-on"`
	Env    map[string]string `yaml:"env"`
	Steps  []ghStep          `yaml:"steps"`
}

type ghStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	If   string            `yaml:"if"`
	Env  map[string]string `yaml:"env"`
	With map[string]any    `yaml:"with"`
}

func (s ghStep) String() string {
	if s.Name != "" {
		return fmt.Sprintf("step %q", s.Name)
	}
	return fmt.Sprintf("step %q", s.Uses+s.Run)
}

func TestGitHubActionsRecipe(t *testing.T) {
	var wf ghWorkflow
	decode(t, githubRecipe, &wf)

	// Triggers: a nightly schedule and a button.
	sched, _ := wf.On["schedule"].([]any)
	if len(sched) == 0 {
		t.Fatalf("on.schedule is missing or empty: %#v", wf.On["schedule"])
	}
	first, _ := sched[0].(map[string]any)
	cron, _ := first["cron"].(string)
	if err := checkCron(cron); err != nil {
		t.Errorf("on.schedule[0].cron %q: %v", cron, err)
	}
	if _, ok := wf.On["workflow_dispatch"]; !ok {
		t.Error("on.workflow_dispatch is missing: the job cannot be started by hand")
	}
	if wf.Permissions["checks"] != "write" {
		t.Errorf("permissions.checks = %q, want write (the JUnit action publishes a check run)", wf.Permissions["checks"])
	}
	if _, ok := wf.Env[apiKeyEnv]; ok {
		t.Errorf("the workflow-wide env sets %s: give it to the scribecheck step only", apiKeyEnv)
	}

	if len(wf.Jobs) != 1 {
		t.Fatalf("want one job, got %d", len(wf.Jobs))
	}
	var job ghJob
	for _, j := range wf.Jobs {
		job = j
	}
	if job.RunsOn != "ubuntu-latest" {
		t.Errorf("runs-on = %q, want ubuntu-latest", job.RunsOn)
	}
	if _, ok := job.Env[apiKeyEnv]; ok {
		t.Errorf("the job's env sets %s: give it to the scribecheck step only", apiKeyEnv)
	}

	// Each step the recipe needs, found by what it does; -1 when absent.
	find := func(what string, match func(ghStep) bool) int {
		t.Helper()
		at := -1
		for i, s := range job.Steps {
			if match(s) {
				if at >= 0 {
					t.Errorf("more than one %s step: %v and %v", what, job.Steps[at], s)
				}
				at = i
			}
		}
		if at < 0 {
			t.Errorf("no %s step", what)
		}
		return at
	}
	uses := func(action string) func(ghStep) bool {
		return func(s ghStep) bool { return strings.HasPrefix(s.Uses, action+"@") }
	}
	checkout := find("checkout", uses("actions/checkout"))
	setupGo := find("setup-go", uses("actions/setup-go"))
	install := find("install", func(s ghStep) bool {
		return strings.Contains(s.Run, "go install github.com/scribecheck/scribecheck/cmd/scribecheck@")
	})
	restore := find("baseline restore", uses("actions/cache/restore"))
	run := find("scribecheck run", func(s ghStep) bool { return len(invocations(s.Run)) > 0 })
	save := find("baseline save", uses("actions/cache/save"))
	upload := find("upload-artifact", uses("actions/upload-artifact"))
	junit := find("JUnit", func(s ghStep) bool {
		return uses("mikepenz/action-junit-report")(s) || uses("dorny/test-reporter")(s)
	})
	if t.Failed() {
		t.FailNow()
	}
	inOrder(t, job.Steps, checkout, setupGo, install, restore, run, save)
	inOrder(t, job.Steps, run, upload)
	inOrder(t, job.Steps, run, junit)

	// Every action is pinned to a major version at least.
	pinned := regexp.MustCompile(`@(v\d+(\.\d+){0,2}|[0-9a-f]{40})$`)
	for _, s := range job.Steps {
		if s.Uses != "" && !pinned.MatchString(s.Uses) {
			t.Errorf("%v: uses %q, want a pinned version such as @v5", s, s.Uses)
		}
	}

	// The key reaches the scribecheck step, from the secret, and no other step.
	secret := regexp.MustCompile(`^\$\{\{\s*secrets\.` + apiKeyEnv + `\s*\}\}$`)
	if got := job.Steps[run].Env[apiKeyEnv]; !secret.MatchString(got) {
		t.Errorf("%v: env %s = %q, want ${{ secrets.%s }}", job.Steps[run], apiKeyEnv, got, apiKeyEnv)
	}
	for i, s := range job.Steps {
		if _, ok := s.Env[apiKeyEnv]; ok && i != run {
			t.Errorf("%v also gets %s", s, apiKeyEnv)
		}
	}
	checkNightlyCommand(t, githubRecipe, invocations(job.Steps[run].Run))

	// The baseline: restored into and saved from the folder the command reads.
	baseDir := filepath.Dir(nightlyFlags["baseline"])
	for _, i := range []int{restore, save} {
		if p := str(job.Steps[i].With["path"]); strings.TrimSuffix(p, "/") != baseDir {
			t.Errorf("%v: path %q, want %s", job.Steps[i], p, baseDir)
		}
	}
	if !isAlways(job.Steps[save].If) {
		t.Errorf("%v: if %q, want always() (a red night is tomorrow's baseline too)", job.Steps[save], job.Steps[save].If)
	}

	// The reports are kept and published whatever the run's exit code.
	for _, i := range []int{upload, junit} {
		if !isAlways(job.Steps[i].If) {
			t.Errorf("%v: if %q, want always()", job.Steps[i], job.Steps[i].If)
		}
	}
	if p := str(job.Steps[upload].With["path"]); strings.TrimSuffix(p, "/") != outDir {
		t.Errorf("%v: path %q, want %s/", job.Steps[upload], p, outDir)
	}
	reportPaths := str(job.Steps[junit].With["report_paths"]) + str(job.Steps[junit].With["path"])
	for _, f := range junitFiles() {
		if !strings.Contains(reportPaths, f) {
			t.Errorf("%v does not publish %s (paths: %q)", job.Steps[junit], f, reportPaths)
		}
	}
}

// inOrder fails unless the steps at these indexes come one after another.
func inOrder(t *testing.T, steps []ghStep, at ...int) {
	t.Helper()
	for k := 1; k < len(at); k++ {
		if at[k-1] >= at[k] {
			t.Errorf("%v must come before %v", steps[at[k-1]], steps[at[k]])
		}
	}
}

// isAlways says whether a step condition holds even after a failed step.
func isAlways(cond string) bool {
	cond = strings.TrimSpace(cond)
	if c, ok := strings.CutPrefix(cond, "${{"); ok {
		cond = strings.TrimSpace(strings.TrimSuffix(c, "}}"))
	}
	return cond == "always()" || strings.HasPrefix(cond, "always() &&")
}

// checkCron accepts a five-field cron line of numbers, ranges, lists and steps.
func checkCron(line string) error {
	fields := strings.Fields(line)
	if len(fields) != 5 {
		return fmt.Errorf("%d fields, want 5 (minute hour day-of-month month day-of-week)", len(fields))
	}
	limits := [5][2]int{{0, 59}, {0, 23}, {1, 31}, {1, 12}, {0, 6}}
	names := [5]string{"minute", "hour", "day of month", "month", "day of week"}
	number := func(s string, lo, hi int) bool {
		n, err := strconv.Atoi(s)
		return err == nil && n >= lo && n <= hi
	}
	for i, f := range fields {
		lo, hi := limits[i][0], limits[i][1]
		for part := range strings.SplitSeq(f, ",") {
			rng, step, hasStep := strings.Cut(part, "/")
			if hasStep && !number(step, 1, hi) {
				return fmt.Errorf("%s field %q: bad step", names[i], f)
			}
			if rng == "*" {
				continue
			}
			a, b, isRange := strings.Cut(rng, "-")
			ok := number(a, lo, hi)
			if isRange {
				ok = ok && number(b, lo, hi)
			}
			if !ok {
				return fmt.Errorf("%s field %q: want numbers in %d-%d", names[i], f, lo, hi)
			}
		}
	}
	return nil
}

// ---- GitLab CI ----

type glJob struct {
	Image     string           `yaml:"image"`
	Variables map[string]any   `yaml:"variables"`
	Rules     []map[string]any `yaml:"rules"`
	Script    []string         `yaml:"script"`
	Before    []string         `yaml:"before_script"`
	After     []string         `yaml:"after_script"`
	Cache     map[string]any   `yaml:"cache"`
	Artifacts glArtifacts      `yaml:"artifacts"`
}

// shell is the job's shell text: before_script, script, after_script.
func (j glJob) shell() string {
	return strings.Join(slices.Concat(j.Before, j.Script, j.After), "\n")
}

type glArtifacts struct {
	When     string              `yaml:"when"`
	Paths    []string            `yaml:"paths"`
	Reports  map[string][]string `yaml:"reports"`
	ExpireIn string              `yaml:"expire_in"`
}

// glKeywords are the top-level keys of a .gitlab-ci.yml that are not jobs.
var glKeywords = []string{"default", "include", "stages", "variables", "workflow", "image", "services", "cache", "before_script", "after_script"}

func TestGitLabCIRecipe(t *testing.T) {
	var top map[string]yaml.Node
	decode(t, gitlabRecipe, &top)
	if v, ok := top["variables"]; ok {
		var vars map[string]any
		if err := v.Decode(&vars); err != nil {
			t.Fatalf("variables: %v", err)
		}
		if _, ok := vars[apiKeyEnv]; ok {
			t.Errorf("variables sets %s in the file: it belongs in the project's masked CI/CD variables", apiKeyEnv)
		}
	}

	var name string
	var job glJob
	for key, node := range top {
		if slices.Contains(glKeywords, key) || strings.HasPrefix(key, ".") || node.Kind != yaml.MappingNode {
			continue
		}
		var j glJob
		if err := node.Decode(&j); err != nil {
			t.Fatalf("job %s: %v", key, err)
		}
		if len(invocations(j.shell())) > 0 {
			if name != "" {
				t.Fatalf("two jobs run scribecheck: %s and %s", name, key)
			}
			name, job = key, j
		}
	}
	if name == "" {
		t.Fatal("no job's script runs `scribecheck run`")
	}

	if !regexp.MustCompile(`^golang:1\.2\d(\.\d+)?(-[a-z0-9]+)?$`).MatchString(job.Image) {
		t.Errorf("%s: image %q, want golang:1.2x", name, job.Image)
	}
	if _, ok := job.Variables[apiKeyEnv]; ok {
		t.Errorf("%s: variables sets %s in the file: it belongs in the project's masked CI/CD variables", name, apiKeyEnv)
	}
	schedule := regexp.MustCompile(`^\$CI_PIPELINE_SOURCE\s*==\s*["']schedule["']$`)
	scheduled := false
	for _, r := range job.Rules {
		if cond, _ := r["if"].(string); schedule.MatchString(strings.TrimSpace(cond)) {
			scheduled = true
		}
	}
	if !scheduled {
		t.Errorf(`%s: no rule "if: $CI_PIPELINE_SOURCE == \"schedule\"" (rules: %v)`, name, job.Rules)
	}
	if !slices.ContainsFunc(job.Script, func(l string) bool {
		return strings.Contains(l, "go install github.com/scribecheck/scribecheck/cmd/scribecheck@")
	}) {
		t.Errorf("%s: the script does not go install scribecheck", name)
	}
	checkNightlyCommand(t, gitlabRecipe, invocations(job.shell()))

	// The baseline: the cache carries the folder the command reads, red nights too.
	baseDir := filepath.Dir(nightlyFlags["baseline"])
	var cachePaths []string
	for _, p := range asList(job.Cache["paths"]) {
		cachePaths = append(cachePaths, strings.TrimSuffix(p, "/"))
	}
	if !slices.Contains(cachePaths, baseDir) {
		t.Errorf("%s: cache.paths %v, want %s/", name, job.Cache["paths"], baseDir)
	}
	if w := str(job.Cache["when"]); w != "always" {
		t.Errorf("%s: cache.when %q, want always (a red night is tomorrow's baseline too)", name, w)
	}
	if str(job.Cache["key"]) == "" {
		t.Errorf("%s: cache has no key", name)
	}

	// The reports: kept and shown whatever the exit code.
	a := job.Artifacts
	if a.When != "always" {
		t.Errorf("%s: artifacts.when %q, want always", name, a.When)
	}
	if !slices.Contains(a.Paths, outDir+"/") && !slices.Contains(a.Paths, outDir) {
		t.Errorf("%s: artifacts.paths %v, want %s/", name, a.Paths, outDir)
	}
	if want := junitFiles(); !slices.Equal(a.Reports["junit"], want) {
		t.Errorf("%s: artifacts.reports.junit %v, want %v", name, a.Reports["junit"], want)
	}
	if strings.TrimSpace(a.ExpireIn) == "" {
		t.Errorf("%s: artifacts.expire_in is not set", name)
	}
}

// ---- the scribecheck command lines ----

// TestRecipeFlagsExist checks every scribecheck command in both recipes against
// the built binary: each flag is one its subcommand's --help lists, and the
// binary's own parser accepts the whole argument list (values included).
func TestRecipeFlagsExist(t *testing.T) {
	helps := map[string]map[string]bool{}
	for _, recipe := range []string{githubRecipe, gitlabRecipe} {
		calls := invocations(shellText(t, recipe))
		if len(calls) == 0 {
			t.Errorf("%s: no scribecheck command found", recipe)
		}
		for _, args := range calls {
			sub := args[0]
			if helps[sub] == nil {
				helps[sub] = helpFlags(t, sub)
			}
			for _, f := range flagNames(args[1:]) {
				if !helps[sub][f] {
					t.Errorf("%s: `scribecheck %s` is given --%s, which `scribecheck %s --help` does not list (it lists %v)",
						recipe, strings.Join(args, " "), f, sub, sortedKeys(helps[sub]))
				}
			}
			// Appending --help makes the real parser read every flag and value
			// and then stop before running anything.
			cmd := exec.Command(binary, append(slices.Clone(args), "--help")...)
			cmd.Env = append(os.Environ(), apiKeyEnv+"=")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("%s: `scribecheck %s` is refused by the binary: %v\n%s",
					recipe, strings.Join(args, " "), err, lastLines(string(out), 3))
			}
		}
	}
}

// shellText is every shell command of a recipe: the steps' run of the
// workflow's jobs, or the jobs' scripts.
func shellText(t *testing.T, recipe string) string {
	t.Helper()
	var parts []string
	switch recipe {
	case githubRecipe:
		var wf ghWorkflow
		decode(t, recipe, &wf)
		for _, name := range sortedKeys(wf.Jobs) {
			for _, s := range wf.Jobs[name].Steps {
				parts = append(parts, s.Run)
			}
		}
	case gitlabRecipe:
		var top map[string]yaml.Node
		decode(t, recipe, &top)
		for _, key := range sortedKeys(top) {
			node := top[key]
			if slices.Contains(glKeywords, key) || node.Kind != yaml.MappingNode {
				continue
			}
			var j glJob
			if err := node.Decode(&j); err != nil {
				t.Fatalf("%s: job %s: %v", recipe, key, err)
			}
			parts = append(parts, j.shell())
		}
	default:
		t.Fatalf("unknown recipe %s", recipe)
	}
	return strings.Join(parts, "\n")
}

// checkNightlyCommand: every scribecheck call of a recipe's run step is `run`
// against live writing to outDir, and one is the whole nightly command.
func checkNightlyCommand(t *testing.T, recipe string, calls [][]string) {
	t.Helper()
	if len(calls) == 0 {
		t.Errorf("%s: the run step has no scribecheck command", recipe)
		return
	}
	whole := false
	for _, args := range calls {
		if args[0] != "run" {
			t.Errorf("%s: `scribecheck %s`, want `scribecheck run`", recipe, strings.Join(args, " "))
			continue
		}
		got := flagValues(args[1:])
		for _, f := range []string{"target", "out"} {
			if got[f] != nightlyFlags[f] {
				t.Errorf("%s: `scribecheck %s`: --%s %q, want %q", recipe, strings.Join(args, " "), f, got[f], nightlyFlags[f])
			}
		}
		all := true
		for f, v := range nightlyFlags {
			all = all && got[f] == v
		}
		whole = whole || all
	}
	if !whole {
		t.Errorf("%s: no command is `scribecheck run %s`", recipe, nightlyLine())
	}
}

func nightlyLine() string {
	var parts []string
	for _, f := range sortedKeys(nightlyFlags) {
		parts = append(parts, "--"+f+" "+nightlyFlags[f])
	}
	return strings.Join(parts, " ")
}

// invocations finds the scribecheck commands in shell text: for each, the
// words after "scribecheck" up to the end of the command (an operator, a
// comment or the end of the line; a trailing backslash continues the line).
// "scribecheck" counts only where a command starts, so `echo scribecheck run`
// is no call.
func invocations(script string) [][]string {
	script = strings.ReplaceAll(script, "\\\n", " ")
	var out [][]string
	for line := range strings.SplitSeq(script, "\n") {
		if strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		words := shellWords(line)
		for i, w := range words {
			if w != "scribecheck" && !strings.HasSuffix(w, "/scribecheck") || !commandStart(words[:i]) {
				continue
			}
			var args []string
			for _, a := range words[i+1:] {
				if isOperator(a) {
					break
				}
				args = append(args, a)
			}
			if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
				out = append(out, args)
			}
		}
	}
	return out
}

// shellWords splits a line into words, keeping quoted text in one word and
// operators (; | || & && > <) as words of their own; a # at a word's start
// ends the line.
func shellWords(line string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	for i := 0; i < len(line); i++ {
		c := line[i]
		switch {
		case c == ' ' || c == '\t':
			flush()
		case c == '#' && !inWord:
			return words
		case c == '\'' || c == '"':
			end := strings.IndexByte(line[i+1:], c)
			if end < 0 {
				end = len(line) - i - 1
			}
			cur.WriteString(line[i+1 : i+1+end])
			inWord = true
			i += end + 1
		case strings.IndexByte(";|&<>", c) >= 0:
			flush()
			op := string(c)
			if i+1 < len(line) && line[i+1] == c {
				op += string(c)
				i++
			}
			words = append(words, op)
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	flush()
	return words
}

// commandStart says whether the word after these begins a command: at the
// start of the line, after an operator or a keyword, or after VAR=value.
func commandStart(before []string) bool {
	if len(before) == 0 {
		return true
	}
	prev := before[len(before)-1]
	switch {
	case isOperator(prev), slices.Contains([]string{"then", "else", "do", "if", "elif", "while", "until", "!", "time", "exec", "env"}, prev):
		return true
	case regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`).MatchString(prev):
		return commandStart(before[:len(before)-1])
	}
	return false
}

func isOperator(w string) bool {
	return w != "" && strings.Trim(w, ";|&<>") == ""
}

// flagNames lists the flags in args, without dashes or values.
func flagNames(args []string) []string {
	var names []string
	for f := range flagValues(args) {
		names = append(names, f)
	}
	slices.Sort(names)
	return names
}

// flagValues reads -name value, --name value and --name=value; a flag followed
// by another flag (or nothing) is a switch and gets "true".
func flagValues(args []string) map[string]string {
	got := map[string]string{}
	for i := 0; i < len(args); i++ {
		a := args[i]
		if !strings.HasPrefix(a, "-") || a == "-" || a == "--" {
			continue
		}
		name, value, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if !hasValue {
			value = "true"
			if i+1 < len(args) && !strings.HasPrefix(args[i+1], "-") {
				value = args[i+1]
				i++
			}
		}
		got[name] = value
	}
	return got
}

// helpFlags runs `scribecheck SUB --help` and lists the flags it prints
// (Go's flag format: "  -name type", then the usage on the next line).
func helpFlags(t *testing.T, sub string) map[string]bool {
	t.Helper()
	out, err := exec.Command(binary, sub, "--help").CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("scribecheck %s --help: %v", sub, err)
	}
	flags := map[string]bool{}
	for _, m := range regexp.MustCompile(`(?m)^ {1,4}--?([a-zA-Z0-9][a-zA-Z0-9_-]*)(?:[ \t=]|$)`).FindAllStringSubmatch(string(out), -1) {
		flags[m[1]] = true
	}
	if len(flags) == 0 {
		t.Fatalf("scribecheck %s --help lists no flags:\n%s", sub, out)
	}
	return flags
}

// ---- the pages ----

// TestDocsLinkRecipes: docs/ci.md links each recipe file, and no page (the
// README, docs/*.md) copies one in a ```yaml block: the file is the one copy.
func TestDocsLinkRecipes(t *testing.T) {
	b, err := os.ReadFile(ciPage)
	if err != nil {
		t.Fatal(err)
	}
	for _, recipe := range []string{githubRecipe, gitlabRecipe} {
		if !strings.Contains(string(b), "](ci/"+recipe+")") {
			t.Errorf("docs/ci.md has no link to docs/ci/%s: write [...](ci/%s)", recipe, recipe)
		}
	}
	pages, err := filepath.Glob("../*.md")
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, "../../README.md")
	for _, page := range pages {
		b, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, recipe := range []string{githubRecipe, gitlabRecipe} {
			want, err := os.ReadFile(recipe)
			if err != nil {
				t.Fatal(err)
			}
			for _, blk := range yamlBlocks(strings.ReplaceAll(string(b), "\r\n", "\n")) {
				if blk == string(want) {
					t.Errorf("%s copies docs/ci/%s in full: link the file instead", page, recipe)
				}
			}
		}
	}
}

// yamlBlocks returns the bodies of the ```yaml blocks of a Markdown text,
// each line ending in "\n".
func yamlBlocks(md string) []string {
	var out []string
	lines := strings.Split(md, "\n")
	for i := 0; i < len(lines); i++ {
		if strings.TrimSpace(lines[i]) != "```yaml" {
			continue
		}
		var body strings.Builder
		j := i + 1
		for ; j < len(lines) && strings.TrimSpace(lines[j]) != "```"; j++ {
			body.WriteString(lines[j] + "\n")
		}
		out = append(out, body.String())
		i = j
	}
	return out
}

// ---- helpers ----

func decode(t *testing.T, path string, into any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(b, into); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if regexp.MustCompile(`\bsk_[0-9a-zA-Z]{8,}`).Match(b) {
		t.Errorf("%s holds what looks like an API key", path)
	}
}

func junitFiles() []string {
	return []string{outDir + "/junit.xml", outDir + "/auth-matrix.xml"}
}

func str(v any) string {
	s, _ := v.(string)
	return s
}

func asList(v any) []string {
	var out []string
	items, _ := v.([]any)
	for _, it := range items {
		out = append(out, str(it))
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
