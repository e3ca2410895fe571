//go:build unix

package filesource

import "syscall"

// nonBlocking opens a FIFO without waiting for a writer (and a terminal
// without making it the controlling one); on a regular file it changes
// nothing.
const nonBlocking = syscall.O_NONBLOCK | syscall.O_NOCTTY
