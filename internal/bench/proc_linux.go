package bench

import (
	"os/exec"
	"syscall"
)

// dieWithParent makes the server die with the bench: a bench killed
// mid-run (a signal, a crash) left its fake and sink running for good.
func dieWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
