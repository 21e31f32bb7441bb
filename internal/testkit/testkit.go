// Package testkit is what the tests of scribecheck's servers (the fake, the
// replay, the recording proxy) share: a server started on loopback for one
// test, a token requested the way a bare HTTP client requests one, and a log
// a test reads while a server writes it; and the headless Chromium that the
// reports' tests show their pages in (Browser); and the rules of which
// tests run where: RealClients (the pinned SDKs, in make test),
// SkipUnderRace (in make test's run without the race detector) and the
// GORACE of a race-built child (ChildGORACE). It imports none of the
// servers, so that the fake's own tests can use it too. Tests only.
package testkit

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/tidwall/gjson"

	"github.com/scribecheck/scribecheck/protocol"
)

// Server is a server of this project that serves in the background once
// started: fakeserver.Server, replay.Server, proxy.Proxy.
type Server interface {
	Start(addr string) (string, error)
	Close() error
}

// Serve starts srv on a free loopback port, closes it when t ends, and
// returns its base URL.
func Serve(t testing.TB, srv Server) string {
	t.Helper()
	base, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return base
}

// Mint requests a single-use token of tokenType from the server at base
// (POST /v1/single-use-token/{tokenType}) with key in the xi-api-key header,
// or with no key when key is "". It returns the status and the body, and
// fails t only when no answer came.
func Mint(t testing.TB, base, key, tokenType string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, base+protocol.SingleUseTokenPath+tokenType, nil)
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set(protocol.APIKeyHeader, key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading the answer to POST %s: %v", req.URL.Path, err)
	}
	return resp.StatusCode, string(b)
}

// Token mints as Mint does and returns the token, failing t unless the
// answer is 200 with a token in it.
func Token(t testing.TB, base, key, tokenType string) string {
	t.Helper()
	status, body := Mint(t, base, key, tokenType)
	token := gjson.Get(body, "token").String()
	if status != http.StatusOK || token == "" {
		t.Fatalf("mint %s: HTTP %d %s", tokenType, status, body) // no token in it to leak
	}
	return token
}

// SyncBuffer is a log a test reads while a server's goroutines write it.
type SyncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// BuildScribecheck builds the scribecheck command (Build), with the race
// detector when race is set, and returns its path: the tests that run the
// binary as users and CI do share the two builds.
func BuildScribecheck(race bool) (string, error) {
	return Build("github.com/scribecheck/scribecheck/cmd/scribecheck", fmt.Sprintf("scribecheck-race-%t", race), race)
}

// Build builds the main package pkg as name, with the race detector when race
// is set, and returns its path. Its build output goes to stderr.
//
// The binary is kept between test runs in the checkout's bin/test folder
// (ignored by git; make clean removes it), so every package of a checkout
// that builds the same name shares it, worktrees never do, and it goes with
// the checkout (in the system's temporary folder, each checkout left about
// 117 MB behind): go build relinks a target only when it is out of date,
// and the link took 1.7 s of CPU per scribecheck binary, before any test of
// its package could start. go build replaces a target by renaming a new
// file over it, so a run still executing the old one goes on; but where it
// cannot rename (its work folder on another file system) it rewrites the
// file, so two packages building the same target take turns (lockBuild),
// and the second finds it up to date.
func Build(pkg, name string, race bool) (string, error) {
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir := filepath.Join(root, "bin", "test")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, name)
	unlock, err := lockBuild(path + ".lock")
	if err != nil {
		return "", err
	}
	defer unlock()
	args := []string{"build", "-o", path}
	if race {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, pkg)...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return "", fmt.Errorf("building %s: %w", pkg, err)
	}
	return path, nil
}

// moduleRoot is the folder of the go.mod above the test's working folder.
func moduleRoot() (string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		if filepath.Dir(dir) == dir {
			return "", fmt.Errorf("no go.mod above %s", wd)
		}
	}
}
