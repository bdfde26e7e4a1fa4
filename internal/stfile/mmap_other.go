//go:build !unix

package stfile

import (
	"fmt"
	"os"
)

// readMapping reads tensors from the file on demand where memory mapping is not available.
type readMapping struct {
	f *os.File
}

// newMapping keeps osf open to read tensors from it; there is no private mapping to make either.
func newMapping(osf *os.File, _ int64, _ bool) (mapping, error) {
	return &readMapping{f: osf}, nil
}

func (m *readMapping) bytes(off, n int64) ([]byte, error) {
	buf := make([]byte, n)
	if _, err := m.f.ReadAt(buf, off); err != nil {
		return nil, fmt.Errorf("read %d bytes at offset %d: %w", n, off, err)
	}
	return buf, nil
}

func (m *readMapping) readAt(p []byte, off int64) error { return readFull(m.f, p, off) }

// release does nothing: the bytes returned by bytes are ordinary garbage-collected memory.
func (m *readMapping) release(int64, int64) {}

func (m *readMapping) close() error { return m.f.Close() }

// private returns nil: without a mapping, MappedFloat32s always leaves the decoding to Float32s.
func (m *readMapping) private() []byte { return nil }
