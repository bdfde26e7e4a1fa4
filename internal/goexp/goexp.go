// Package goexp sets the Go build settings this project's own builds of Go
// code need: the SIMD matmul kernel of the pure-Go backend (internal/gemm)
// only exists in a build with GOEXPERIMENT=simd, so every go build this
// project starts by itself — GoNB's cells in the notebook tests, the model
// server that the notebooks build (package modelclient) — adds it, as
// scripts/goexperiment.sh does for the scripts.
package goexp

import (
	"slices"
	"strings"
)

// WithSIMD returns env ("NAME=value" entries, the last of a name winning) with
// simd added to GOEXPERIMENT, unless it names simd or nosimd already (a
// user's explicit nosimd is kept). env itself is not changed.
func WithSIMD(env []string) []string {
	value := Value(env)
	items := strings.Split(value, ",")
	if slices.Contains(items, "simd") || slices.Contains(items, "nosimd") {
		return env
	}
	if value != "" {
		value += ","
	}
	return append(slices.Clip(env), "GOEXPERIMENT="+value+"simd")
}

// Value is the GOEXPERIMENT entry of env ("" when it has none), the last one
// winning, as the go command reads it.
func Value(env []string) string {
	value := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "GOEXPERIMENT="); ok {
			value = v
		}
	}
	return value
}
