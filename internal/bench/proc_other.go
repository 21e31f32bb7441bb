//go:build !linux

package bench

import "os/exec"

// dieWithParent has no portable form; elsewhere a killed bench may leave its
// servers running (the bench's figures need Linux /proc anyway).
func dieWithParent(*exec.Cmd) {}
