package stfile

import (
	"os"
	"unsafe"

	"golang.org/x/sys/unix"
)

// hugePage is the size of a transparent huge page on the platforms that have them (x86-64, arm64 with 4 KiB pages).
const hugePage = 2 << 20

// adviseHuge asks the kernel to back b with transparent huge pages when it first touches it (MADV_HUGEPAGE): a
// fresh buffer then costs one page fault per 2 MiB instead of one per 4 KiB, and later accesses far fewer TLB
// misses, which for a fresh buffer of hundreds of megabytes is most of the time a decode takes (on a virtual
// machine, each first touch of a 4 KiB page from user space costs microseconds). The advice covers the whole 2 MiB
// pages that b overlaps, so b's ends get huge pages too: at most 4 MiB beyond b may become resident, in a heap
// usually the neighbouring buffers, being filled as well. Buffers under 4 MiB are left alone. A hint: failure (no
// THP, THP off) changes nothing.
func adviseHuge(b []byte) {
	if len(b) < 2*hugePage {
		return
	}
	// The huge pages at b's two ends reach beyond it, into memory that is not b's (whose owner a hint does not
	// harm), so the range goes to the system call as plain numbers, never as a Go pointer outside b.
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := start &^ (hugePage - 1)
	hi := (start + uintptr(len(b)) + hugePage - 1) &^ (hugePage - 1)
	_, _, _ = unix.Syscall(unix.SYS_MADVISE, lo, hi-lo, unix.MADV_HUGEPAGE)
}

// populate faults in, writable, the pages wholly inside b in one system call (MADV_POPULATE_WRITE, Linux 5.14),
// instead of one page fault each as the read that fills b touches them. Contents are kept. A hint: failure (an
// older kernel) changes nothing.
func populate(b []byte) {
	if r := inner(b, os.Getpagesize()); len(r) > 0 {
		_ = unix.Madvise(r, unix.MADV_POPULATE_WRITE)
	}
}

// inner returns the part of b made of whole aligned blocks of size bytes (a power of two).
func inner(b []byte, size int) []byte {
	if len(b) == 0 {
		return nil
	}
	start := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	lo := (start + uintptr(size) - 1) &^ (uintptr(size) - 1)
	hi := (start + uintptr(len(b))) &^ (uintptr(size) - 1)
	if hi <= lo {
		return nil
	}
	return b[lo-start : hi-start]
}
