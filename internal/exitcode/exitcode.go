// Package exitcode holds the exit codes of scribecheck's commands, the
// contract scripts rely on, and the error that carries one to main.
package exitcode

import (
	"errors"
	"fmt"
)

// The codes every command uses.
const (
	OK          = 0
	Failed      = 1
	Usage       = 2
	Unreachable = 3
	// Internal is a bug of scribecheck itself (a panic), printed as one
	// ERROR line with the stack in a file.
	Internal = 4
)

// Error carries the exit code a failure maps to.
type Error struct {
	Code int
	Err  error
}

func (e *Error) Error() string {
	if e.Err == nil {
		return fmt.Sprintf("exit status %d", e.Code)
	}
	return e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Usagef is a usage or configuration error (exit 2). %w wraps an error.
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
}

// Unreachablef is a target, or a client, that was never reached (exit 3).
func Unreachablef(format string, args ...any) error {
	return &Error{Code: Unreachable, Err: fmt.Errorf(format, args...)}
}

// Reported is the outcome of a command whose own output (its console
// summary, its reports) has already said why: it carries only the code, and
// Quiet tells main to print nothing more. OK is nil.
func Reported(code int) error {
	if code == OK {
		return nil
	}
	return &Error{Code: code}
}

// Fails is the outcome of a check that has reported what it found: exit 1
// when it found a failure, nil when not.
func Fails(failed bool) error {
	if failed {
		return Reported(Failed)
	}
	return nil
}

// Quiet reports whether err is a Reported outcome, with nothing to print.
func Quiet(err error) bool {
	e, ok := err.(*Error)
	return ok && e.Err == nil
}

// Of is the code err maps to: OK for nil, the code it carries, or Failed.
func Of(err error) int {
	if err == nil {
		return OK
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Failed
}
