package voicecb_test

import (
	"os/exec"
	"syscall"
)

// killWithParent makes the kernel kill the sandbox if the test binary dies
// without running its clean-up (a panic, go test's -timeout).
func killWithParent(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
