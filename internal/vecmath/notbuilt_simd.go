//go:build goexperiment.simd && amd64 && !go1.27

package vecmath

// notBuilt is replaced by init's verdict on the CPU.
const notBuilt = ""
