//go:build unix

package testkit

import (
	"os"
	"syscall"
)

// lockBuild holds an exclusive lock on the file at path, across processes,
// until the returned function is called.
func lockBuild(path string) (func(), error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX); err != nil {
		_ = f.Close()
		return nil, err
	}
	return func() { _ = f.Close() }, nil // closing the file releases the lock
}
