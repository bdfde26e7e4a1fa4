//go:build unix

package stfile

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mmapping is a read-only shared memory mapping of a whole file.
type mmapping struct {
	data []byte
}

// newMapping maps the first size bytes of osf read-only and closes osf (the mapping outlives it).
func newMapping(osf *os.File, size int64) (mapping, error) {
	defer osf.Close()
	if size == 0 {
		return &mmapping{}, nil
	}
	if size > math.MaxInt {
		return nil, fmt.Errorf("file of %d bytes is too large to map on this platform", size)
	}
	data, err := unix.Mmap(int(osf.Fd()), 0, int(size), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &mmapping{data: data}, nil
}

func (m *mmapping) bytes(off, n int64) ([]byte, error) {
	return m.data[off : off+n : off+n], nil
}

// release drops the pages covering [off, off+n) from the process. The range is widened to whole pages: a
// neighbouring tensor sharing a page just reads it again from the page cache when used.
func (m *mmapping) release(off, n int64) {
	if n == 0 {
		return
	}
	page := int64(os.Getpagesize())
	start := off &^ (page - 1)
	end := min((off+n+page-1)&^(page-1), int64(len(m.data)))
	_ = unix.Madvise(m.data[start:end], unix.MADV_DONTNEED) // advisory: failure only costs memory
}

func (m *mmapping) close() error {
	if m.data == nil {
		return nil
	}
	err := unix.Munmap(m.data)
	m.data = nil
	return err
}
