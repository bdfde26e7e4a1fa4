package stfile

import "unsafe"

// OpenPrivate is Open for short-lived programs (a notebook cell, a command) that use F32 tensors in place: it
// validates the file exactly as Open does, but maps it private and copy-on-write (readable and writable, which a
// read-only file allows), so that MappedFloat32s can hand out a tensor's values without copying them into fresh
// memory — whose first touch, for hundreds of megabytes, costs more page faults than reading the file.
//
// The mapping is never unmapped: Close closes the file, but the mapping, and every slice MappedFloat32s and Bytes
// returned, stay valid until the process exits. Its address space is then not given back, so use OpenPrivate once
// per file in programs that end soon after, never in a loop or a server. Writing to those slices changes only this
// process's copy of the pages, never the file. Pages not yet written show the file as it is: a file that another
// process overwrites in place shows its new bytes, and one truncated in place makes reading the lost part a fatal
// fault (SIGBUS). Replacing a file by rename, as WriteFile does, or removing it, is safe. Where memory mapping is
// not available OpenPrivate is Open, and MappedFloat32s always declines.
func OpenPrivate(path string) (*File, error) { return open(path, true) }

// MappedFloat32s returns the values of tensor name as a slice that aliases the file's private mapping
// (OpenPrivate), with no copy, and true; writes to it change this process's pages only. It declines, returning
// nil and false, unless the file was opened with OpenPrivate and is open, on unix, the tensor is an F32 tensor of
// at least one value, the host is little-endian and the tensor's data is 4-byte aligned in the file (WriteFile's
// files always are: it pads the header to 8 bytes). Then decode the tensor with Float32s instead, which also
// reports a name the file lacks. The slice stays valid after Close, until the process exits.
func (f *File) MappedFloat32s(name string) ([]float32, bool) {
	t, ok := f.tensors[name]
	if !ok || f.m == nil || t.dtype != "F32" || !littleEndian || t.end == t.begin {
		return nil, false
	}
	data := f.m.private()
	off := f.dataOff + t.begin
	if data == nil || off%4 != 0 { // the mapping starts on a page boundary, so off's alignment is the address's
		return nil, false
	}
	n := int((t.end - t.begin) / 4)
	return unsafe.Slice((*float32)(unsafe.Pointer(&data[off])), n), true
}
