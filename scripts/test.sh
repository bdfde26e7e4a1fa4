#!/usr/bin/env bash
# test.sh runs every check of the project, as CI does (after scripts/install.sh):
#   gofmt, go vet, the build variants (noxla / cgo+XLA / without the SIMD
#   kernel / GPU-check binary), the docker images' install steps (as root), the
#   PyTorch reference's unit tests, and the Go tests, with the pure-Go GoMLX
#   backend (GOMLX_BACKEND=go) and GOEXPERIMENT=simd (its SIMD matmul kernel).
#   The Go tests include the notebook tests (internal/nbtest and the notebooks'
#   own), which execute notebooks with Jupyter and GoNB.
#
# Usage: bash scripts/test.sh [go test flags, e.g. -run Name or -v]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=goexperiment.sh
. scripts/goexperiment.sh # GOEXPERIMENT=simd: the SIMD matmul kernel (environment.md)
export PYDEVD_DISABLE_FILE_VALIDATION=1 # Quiets a debugger warning Jupyter commands print.
start=$SECONDS

step() { printf '==> [%3d s] %s\n' "$((SECONDS - start))" "$*"; }

if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"
# PYTHON runs the reference tests: Debian's, which has PyTorch, by default.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=python3

step "gofmt"
unformatted=$(gofmt -l .)
if [ -n "$unformatted" ]; then
	printf 'gofmt would change these files (run gofmt -w on them):\n%s\n' "$unformatted" >&2
	exit 1
fi
echo "all formatted"

step "go vet ./..."
go vet ./...
echo "no findings"

step "build variants: without cgo/XLA (-tags noxla), with cgo/XLA, and the GPU-check binary"
bash scripts/build-variants.sh

if [ "$(id -u)" -eq 0 ]; then
	step "docker images' install steps, run here on Debian (minus CUDA)"
	bash scripts/check-images.sh
else
	step "docker images' install steps: NOT run (they install Debian packages: run 'sudo bash scripts/check-images.sh'; CI runs them as root)"
fi

if [ -n "$(find reference -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
	step "reference tests ($PYTHON -m unittest discover -s reference -p 'test_*.py')"
	"$PYTHON" -m unittest discover -s reference -p 'test_*.py'
fi

step "go test ./... (GOMLX_BACKEND=go)"
GOMLX_BACKEND=go go test -count=1 -timeout 45m "$@" ./...
