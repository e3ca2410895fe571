//go:build !linux

package tempfile

import "os"

func openNameless(string) (*os.File, error) { return nil, errUnsupported }
