//go:build !linux

package voicecb_test

import "os/exec"

// killWithParent: only Linux has a parent-death signal; elsewhere the
// sandbox is killed by TestMain's clean-up alone.
func killWithParent(cmd *exec.Cmd) {}
