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
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if got := Usagef("--retries %d: give 0 or more", -1).Error(); got != "--retries -1: give 0 or more" {
		t.Errorf("Usagef message = %q", got)
	}
}
