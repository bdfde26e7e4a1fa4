// Package bench measures gpt2taps against the repository's PyTorch reference on
// the same machine, in one run: the time and peak memory of a tap capture, of
// the same forward pass in PyTorch with the same number of threads, of the
// backend's matrix multiplications alone (the floor no forward pass can beat),
// and of the notebook path (the capture cell on a cold tap cache, an analysis
// cell on a warm one). On the pure-Go backend, the capture and the floor are
// measured with each float32 matmul kernel side by side (GoMLX's stock one and
// this project's SIMD one; see kernels.go for how).
//
// Every measurement runs in its own child process, so that each side's peak
// resident set size (the kernel's maxrss of that process) is its own: the Go
// child is this program re-executed with a hidden argument (see Job and
// RunJob), the PyTorch child is reference/gpt2_reference.py --bench. Run
// orchestrates the children and returns a Report, which Markdown renders as
// the table that docs/performance.md records. The targets of the issues are
// evaluated in the report (ModelReport.Targets) and printed, never asserted.
package bench
