//go:build !linux

package stfile

// adviseHuge does nothing where Linux's transparent huge pages are not available.
func adviseHuge([]byte) {}

// populate does nothing where Linux's MADV_POPULATE_WRITE is not available.
func populate([]byte) {}
