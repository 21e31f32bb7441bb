package userapp

import (
	"os/exec"
	"syscall"
)

// ownGroup starts cmd in a process group of its own. Windows has no SIGINT
// to send a group: an interrupt ends the app itself (its children are not
// reached), at once.
func ownGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{CreationFlags: syscall.CREATE_NEW_PROCESS_GROUP}
}

func interruptGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }

func killGroup(cmd *exec.Cmd) { _ = cmd.Process.Kill() }
