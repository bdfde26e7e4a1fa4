// Package backend chooses the GoMLX backend that runs GPT-2, in one place, and
// reports which engine and device actually ran.
//
// Three backends matter to this project:
//
//   - "go": GoMLX's pure-Go simplego backend. Always compiled in, needs nothing
//     installed, runs everywhere (slowest).
//   - "xla:cpu": XLA through a PJRT CPU plugin (gopjrt). Fast on users' machines.
//   - "xla:cuda": XLA through a PJRT CUDA plugin, on NVIDIA GPUs.
//
// The choice comes from, in order: an explicit name (the --backend flag of
// gpt2taps, model.Source.Backend), the GOMLX_BACKEND environment variable
// (how the notebooks choose), and finally Auto, which takes XLA on
// CUDA, else XLA on CPU, when it is compiled in and a PJRT plugin can be
// loaded, and falls back to "go" otherwise (Choice.Note says why). An
// explicit name never falls back.
//
// XLA is compiled in unless the build uses the `noxla` tag (needed with
// CGO_ENABLED=0). PJRT plugins are searched by gopjrt in the directories of
// PJRT_PLUGIN_LIBRARY_PATH, else ~/.local/lib/gomlx/pjrt,
// /usr/local/lib/gomlx/pjrt and the system library paths; this package also
// takes JAX's plugin file (xla_cuda_plugin.so of the jax-cuda12-pjrt and
// jax-cuda13-pjrt wheels) from those directories. A missing plugin is one
// error (*PluginError) that says how to install one with gopjrt's installer
// (InstallCommand), how to point PJRT_PLUGIN_LIBRARY_PATH at an existing
// one, or how to run without one.
//
// Choice.String and Choice.Device report what runs, e.g.
// "go: pure Go (GoMLX simplego), 16 CPU threads, float32 matmul: gpt2taps
// SIMD GEMM (AVX2+FMA)" or
// `xla:cuda: XLA, PJRT "cuda" plugin (…) v0.81; device 0: …; GPU: NVIDIA H100 80GB HBM3`.
//
// On the pure-Go backend, float32 matrix products (DotGeneral) run on this
// project's GEMM (internal/gemm) when the binary is built with
// GOEXPERIMENT=simd for amd64 and the CPU has AVX2 and FMA; otherwise, or
// with GPT2TAPS_MATMUL=stock (MatmulEnvVar) or SetMatmul(MatmulStock),
// simplego's own kernel runs. Matmul, MatmulKernels and MatmulDescription
// say which. The kernel is put into simplego's executor table, which is
// package-private, through go:linkname in matmul_linkname.go, the one file
// that depends on simplego's internals (GoMLX v0.25.0).
package backend
