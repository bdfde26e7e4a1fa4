//go:build ((linux && amd64) || darwin) && !noxla && cgo

package backend

import (
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/backends/stablehlo" // XLA through PJRT plugins (CPU, CUDA)
)

func init() {
	xlaPlugins = stablehlo.GetAvailablePlugins
	describeXLA = func(b backends.Backend) (string, bool) {
		x, ok := b.(*stablehlo.Backend)
		if !ok {
			return "", false
		}
		devices := make([]string, x.NumDevices())
		for i := range devices {
			devices[i] = x.DeviceDescription(backends.DeviceNum(i))
		}
		return xlaDescription(x.Description(), devices), true
	}
}
