package exitcode

import (
	"errors"
	"fmt"
	"testing"
)

func TestOf(t *testing.T) {
	wrapped := fmt.Errorf("run: %w", &Error{Code: Unreachable, Err: errors.New("no route")})
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, OK},
		{errors.New("plain"), Failed},
		{Usagef("--x %d", 1), Usage},
		{wrapped, Unreachable},
		{Unreachablef("no client connected"), Unreachable},
		{Reported(Internal), Internal},
		{Reported(OK), OK},
		{Fails(true), Failed},
		{Fails(false), OK},
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if got := Usagef("--retries %d: give 0 or more", -1).Error(); got != "--retries -1: give 0 or more" {
		t.Errorf("Usagef message = %q", got)
	}
}

func TestQuiet(t *testing.T) {
	if !Quiet(Reported(Failed)) || !Quiet(Fails(true)) {
		t.Error("a reported outcome is not quiet")
	}
	if Quiet(nil) || Quiet(Usagef("--x")) || Quiet(errors.New("plain")) || Quiet(fmt.Errorf("w: %w", Reported(Failed))) {
		t.Error("an error with something to say is quiet")
	}
	if got := Reported(Unreachable).Error(); got != "exit status 3" {
		t.Errorf("Reported(3).Error() = %q", got)
	}
	inner := errors.New("no such file")
	if err := Usagef("--har: %w", inner); !errors.Is(err, inner) || err.Error() != "--har: no such file" || Of(err) != Usage {
		t.Errorf("Usagef does not wrap: %v", err)
	}
}
