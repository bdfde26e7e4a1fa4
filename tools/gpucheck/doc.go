// Package gpucheck holds the parts of the GPU check (scripts/gpu-check.sh):
// a generated test case whose taps the PyTorch reference computed once
// (Case, stored in testdata/), the comparison of captured taps with those
// reference taps (Compare, with a Tolerance per platform), and the timing of
// captures (Timing), written as JSON for the PyTorch timing script
// torch_bench.py, which times the same forward pass on the same device and
// reports the ratio.
//
// The check itself is this package's test binary, built here with
// `go test -c` and run on a machine with an NVIDIA GPU:
//
//   - TestReferenceTaps generates the case's checkpoint, captures its taps on
//     the backend that GOMLX_BACKEND names (xla:cuda on the GPU machine) and
//     compares them with testdata/reference_taps.safetensors;
//   - BenchmarkCaptureGPT2Large generates a random gpt2-large checkpoint
//     (nothing is shipped), times the lesson's capture of its ~340-token text,
//     and writes the Timing as JSON (-gpucheck.json).
//
// Both run here too, on the pure-Go backend, which is how CI proves them.
package gpucheck
