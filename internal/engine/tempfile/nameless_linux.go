package tempfile

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// openNameless opens an O_TMPFILE file in dir. File systems without it
// answer EOPNOTSUPP, and kernels older than 3.11 EISDIR.
func openNameless(dir string) (*os.File, error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_RDWR|unix.O_CLOEXEC, 0o600)
	if errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EISDIR) {
		return nil, errUnsupported
	}
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: dir, Err: err}
	}
	return os.NewFile(uintptr(fd), fmt.Sprintf("%s/(unlinked)", dir)), nil
}
