package crash

import (
	"os"
	"regexp"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/scribecheck/scribecheck/internal/secrets"
)

func TestReportIsOneLineWithTheStackInAFile(t *testing.T) {
	dir := t.TempDir()
	var line string
	func() {
		defer func() {
			red := secrets.New()
			red.Add("sk_secret_123456")
			line = Report(dir, "the frame reader", recover(), debug.Stack(), red)
		}()
		var m map[string]int
		m["sk_secret_123456"] = 1 // a nil-map write: a real runtime panic
	}()
	t.Log(line)
	if strings.Contains(line, "\n") || !strings.HasPrefix(line, "ERROR: scribecheck bug: the frame reader panicked: assignment to entry in nil map") ||
		!strings.Contains(line, IssuesURL) {
		t.Errorf("line %q", line)
	}
	file := regexp.MustCompile(`the stack is in (\S+):`).FindStringSubmatch(line)
	if file == nil || !strings.HasPrefix(file[1], dir) {
		t.Fatalf("the line names no file in %s: %q", dir, line)
	}
	b, err := os.ReadFile(file[1])
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "goroutine ") || !strings.Contains(string(b), "crash_test.go") {
		t.Errorf("the file holds no stack:\n%s", b)
	}
	if strings.Contains(string(b)+line, "sk_secret_123456") {
		t.Error("a secret is written unredacted")
	}
}

func TestReportFallsBackToTheTempFolder(t *testing.T) {
	line := Report("/proc/no-such-dir", "main", "boom", []byte("stack"), nil)
	if !strings.Contains(line, os.TempDir()) {
		t.Errorf("line %q names no file in %s", line, os.TempDir())
	}
	if m := regexp.MustCompile(`the stack is in (\S+):`).FindStringSubmatch(line); m != nil {
		os.Remove(m[1])
	}
}
