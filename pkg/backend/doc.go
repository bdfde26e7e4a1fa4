// Package backend chooses the GoMLX backend that runs GPT-2, in one place.
//
// Three backends matter to this project:
//
//   - "go": GoMLX's pure-Go simplego backend. Always compiled in, needs nothing
//     installed, runs everywhere (slowest).
//   - "xla:cpu": XLA through a PJRT CPU plugin (gopjrt). Fast on users' machines.
//   - "xla:cuda": XLA through a PJRT CUDA plugin, on NVIDIA GPUs.
//
// The choice comes from, in order: an explicit name (a command-line flag or a
// notebook line), the GOMLX_BACKEND environment variable, and finally Auto,
// which takes XLA when it is compiled in and a PJRT plugin can be loaded and
// falls back to "go" otherwise. XLA is compiled in unless the build uses the
// `noxla` tag (needed with CGO_ENABLED=0).
package backend
