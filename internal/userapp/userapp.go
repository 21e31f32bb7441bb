// Package userapp runs the user's own app, the command after --, against a
// local server of scribecheck's (the fake, the proxy, a replay): with the
// environment that points it there, and in its own process group, so that an
// interrupt reaches the whole app and an app that will not end is killed,
// never a hang.
package userapp

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/scribecheck/scribecheck/internal/exitcode"
)

// WSBase is the WebSocket base of a local server at base, http(s)://HOST:PORT.
func WSBase(base string) string { return "ws" + strings.TrimPrefix(base, "http") }

// Env is the environment of an app pointed at a local server at base, with
// extra after it.
func Env(base string, extra ...string) []string {
	ws := WSBase(base)
	env := append(os.Environ(), "SCRIBECHECK_BASE_URL="+base, "SCRIBECHECK_WS_URL="+ws, "SCRIBECHECK_REALTIME_URL="+ws+"/v1/speech-to-text/realtime")
	return append(env, extra...)
}

// WriteURLs prints the two URLs an app is pointed at.
func WriteURLs(w io.Writer, base string) {
	ws := WSBase(base)
	fmt.Fprintf(w, "  base URL:       %s\n  WebSocket URL:  %s (socket: %s/v1/speech-to-text/realtime)\n", base, ws, ws)
}

// Result is how the app's command went.
type Result struct {
	Exit       *int   // nil: no command, or it did not end by itself
	Err        string // why it did not start, or that it was stopped
	NotStarted bool   // it could not start: a usage error
}

// StartError is the usage error of a command that could not start, nil
// for one that did (or no command).
func (r Result) StartError() error {
	if !r.NotStarted {
		return nil
	}
	return exitcode.Usagef("%s: check the command after -- (is it installed and on PATH?)", r.Err)
}

// RunOrServe runs command (printed as shown) with env; without one it
// prints serving and waits for an interrupt.
func RunOrServe(ctx context.Context, command, env []string, shown, serving string, stdout, stderr io.Writer) Result {
	if len(command) == 0 {
		fmt.Fprintln(stdout, serving)
		<-ctx.Done()
		return Result{}
	}
	fmt.Fprintf(stdout, "running: %s\n", shown)
	code, err := Run(ctx, command, env, stdout, stderr)
	if err != nil {
		return Result{Err: err.Error(), NotStarted: errors.Is(err, ErrNotStarted)}
	}
	return Result{Exit: &code}
}

// ErrNotStarted wraps a command that could not start (not found, not
// executable).
var ErrNotStarted = errors.New("the command did not start")

// killAfter is how long an interrupted app's group has to end before it is
// killed.
var killAfter = 5 * time.Second

// Run runs command in its own process group and returns its exit code. An
// interrupt (ctx done) is passed on to the whole group as SIGINT, and a
// group that does not end within killAfter is killed.
func Run(ctx context.Context, command, env []string, stdout, stderr io.Writer) (int, error) {
	cmd := exec.Command(command[0], command[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, stdout, stderr
	ownGroup(cmd)
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("%w: %v", ErrNotStarted, err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		interruptGroup(cmd)
		select {
		case err = <-done:
		case <-time.After(killAfter):
			killGroup(cmd)
			err = <-done
		}
		if err == nil {
			err = errors.New("interrupted")
		}
		return 0, fmt.Errorf("stopped by an interrupt (%v)", err)
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), nil
	}
	if err != nil {
		return 0, err
	}
	return 0, nil
}
