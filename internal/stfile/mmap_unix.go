//go:build unix

package stfile

import (
	"fmt"
	"math"
	"os"

	"golang.org/x/sys/unix"
)

// mmapping is a memory mapping of a whole file, and the file, kept open for readAt: read-only and shared, or (priv)
// private, writable and copy-on-write, and then never unmapped.
type mmapping struct {
	data []byte
	f    *os.File
	priv bool
}

// newMapping maps the first size bytes of osf: read-only and shared, or, if private is set, readable and writable,
// private and copy-on-write (which a read-only file descriptor allows: writes go to this process's copies of the
// pages, never to the file). The mapping owns osf, which close closes.
func newMapping(osf *os.File, size int64, private bool) (mapping, error) {
	if size == 0 {
		return &mmapping{f: osf, priv: private}, nil
	}
	if size > math.MaxInt {
		osf.Close()
		return nil, fmt.Errorf("file of %d bytes is too large to map on this platform", size)
	}
	prot, flags := unix.PROT_READ, unix.MAP_SHARED
	if private {
		prot, flags = unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE
	}
	data, err := unix.Mmap(int(osf.Fd()), 0, int(size), prot, flags)
	if err != nil {
		osf.Close()
		return nil, fmt.Errorf("mmap: %w", err)
	}
	return &mmapping{data: data, f: osf, priv: private}, nil
}

func (m *mmapping) bytes(off, n int64) ([]byte, error) {
	return m.data[off : off+n : off+n], nil
}

// readAt reads from the file, not the mapping: the kernel copies from the page cache into p, without mapping the
// file's pages into the process (each of which would cost a page fault, and then a release).
func (m *mmapping) readAt(p []byte, off int64) error {
	return readFull(m.f, p, off)
}

// release drops the pages covering [off, off+n) from the process. The range is widened to whole pages: a
// neighbouring tensor sharing a page just reads it again from the page cache when used. A private mapping keeps
// its pages: dropping them would drop what was written to them.
func (m *mmapping) release(off, n int64) {
	if n == 0 || m.priv {
		return
	}
	page := int64(os.Getpagesize())
	start := off &^ (page - 1)
	end := min((off+n+page-1)&^(page-1), int64(len(m.data)))
	_ = unix.Madvise(m.data[start:end], unix.MADV_DONTNEED) // advisory: failure only costs memory
}

// close unmaps a shared mapping and closes the file. A private mapping stays mapped until the process exits: the
// slices private handed out alias it.
func (m *mmapping) close() error {
	var err error
	if m.data != nil && !m.priv {
		err = unix.Munmap(m.data)
		m.data = nil
	}
	if m.f != nil {
		if cerr := m.f.Close(); err == nil {
			err = cerr
		}
		m.f = nil
	}
	return err
}

func (m *mmapping) private() []byte {
	if !m.priv {
		return nil
	}
	return m.data
}
