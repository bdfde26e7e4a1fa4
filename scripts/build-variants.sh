#!/usr/bin/env bash
# build-variants.sh builds the module both ways it ships, as CI does:
#   - without cgo and without XLA (CGO_ENABLED=0, -tags noxla): pure Go only,
#     builds anywhere; go vet of that variant (tests included), and the
#     backend package's tests there (XLA names must say "not compiled in");
#   - with cgo and XLA (the default): go build ./...;
#   - both again without the SIMD matmul kernel (GOEXPERIMENT=nosimd: the
#     stock kernel runs; the backend's and the kernel's tests say why, and
#     the benchmark's measure the stock kernel alone);
#   - the GPU-check test binary (scripts/gpu-check.sh --build-only).
# Everything else builds with GOEXPERIMENT=simd (scripts/goexperiment.sh).
#
# Usage: bash scripts/build-variants.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=goexperiment.sh
. scripts/goexperiment.sh # GOEXPERIMENT=simd: the SIMD matmul kernel (environment.md)
start=$SECONDS
step() { printf '==> [%3d s] %s\n' "$((SECONDS - start))" "$*"; }
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi

step "CGO_ENABLED=0 go build -tags noxla ./..."
CGO_ENABLED=0 go build -tags noxla ./...

step "CGO_ENABLED=0 go vet -tags noxla ./..."
CGO_ENABLED=0 go vet -tags noxla ./...

step "CGO_ENABLED=0 go test -tags noxla ./pkg/backend (the backend choice without XLA)"
CGO_ENABLED=0 go test -count=1 -tags noxla ./pkg/backend

step "go build ./... (cgo, with XLA)"
CGO_ENABLED=1 go build ./...

step "without the SIMD matmul kernel (GOEXPERIMENT=nosimd): go build and go vet, with and without cgo/XLA, and the kernel's, backend's and benchmark's tests"
GOEXPERIMENT=nosimd CGO_ENABLED=0 go build -tags noxla ./...
GOEXPERIMENT=nosimd CGO_ENABLED=0 go vet -tags noxla ./...
GOEXPERIMENT=nosimd CGO_ENABLED=1 go build ./...
GOEXPERIMENT=nosimd CGO_ENABLED=1 go vet ./...
GOEXPERIMENT=nosimd CGO_ENABLED=0 go test -count=1 -tags noxla ./internal/gemm ./pkg/backend ./tools/bench
GOEXPERIMENT=nosimd CGO_ENABLED=0 go test -count=1 -tags noxla -run '^TestBench' ./cmd/gpt2taps

step "GPU-check binary"
bash scripts/gpu-check.sh --build-only

step "done"
