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

func (e *Error) Error() string { return e.Err.Error() }
func (e *Error) Unwrap() error { return e.Err }

// Usagef is a usage or configuration error (exit 2).
func Usagef(format string, args ...any) error {
	return &Error{Code: Usage, Err: fmt.Errorf(format, args...)}
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
