package stfile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// readFull reads exactly len(p) bytes of f at off; a file that ends before is an error.
func readFull(f *os.File, p []byte, off int64) error {
	n, err := f.ReadAt(p, off)
	if n == len(p) {
		return nil
	}
	if err == nil || errors.Is(err, io.EOF) {
		return fmt.Errorf("read %d bytes at offset %d: got only %d, the file ends there", len(p), off, n)
	}
	return fmt.Errorf("read %d bytes at offset %d: %w", len(p), off, err)
}
