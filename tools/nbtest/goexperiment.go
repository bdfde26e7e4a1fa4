package nbtest

import (
	"slices"
	"strings"
)

// WithSIMD returns env ("NAME=value" entries, the last of a name winning) with
// simd added to GOEXPERIMENT, unless it names simd or nosimd already. GoNB
// compiles every cell with go build, which then builds the pure-Go backend
// with its SIMD matmul kernel, as scripts/goexperiment.sh does for the
// scripts.
func WithSIMD(env []string) []string {
	value := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOEXPERIMENT="); ok {
			value = v
		}
	}
	items := strings.Split(value, ",")
	if slices.Contains(items, "simd") || slices.Contains(items, "nosimd") {
		return env
	}
	if value != "" {
		value += ","
	}
	return append(slices.Clip(env), "GOEXPERIMENT="+value+"simd")
}
