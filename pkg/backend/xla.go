//go:build ((linux && amd64) || darwin) && !noxla && cgo

package backend

import _ "github.com/gomlx/gomlx/backends/stablehlo" // XLA through PJRT plugins (CPU, CUDA)
