# shellcheck shell=bash
# goexperiment.sh is sourced by the scripts that build Go code. It adds simd to
# GOEXPERIMENT, so that the pure-Go backend's float32 matrix products use this
# project's SIMD kernel (internal/gemm; Go's simd/archsimd only exists with
# GOEXPERIMENT=simd). Without it everything still builds and runs, with GoMLX's
# slower stock kernel (environment.md, "The pure-Go backend's matmul kernel").
# A GOEXPERIMENT that already says simd or nosimd is left as it is.
case ",${GOEXPERIMENT:-}," in
*,simd,* | *,nosimd,*) ;;
*) export GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}simd" ;;
esac
