#!/usr/bin/env bash
# test.sh runs every check of the project, as CI does (after scripts/install.sh):
#   gofmt, go vet, the build variants (noxla / cgo+XLA / without the SIMD
#   kernel / GPU-check binary), the PyTorch reference's unit tests, and the Go
#   tests, with the pure-Go GoMLX backend (GOMLX_BACKEND=go) and
#   GOEXPERIMENT=simd (its SIMD matmul kernel). The Go tests include the
#   notebook tests (tools/nbtest and the notebooks' own), which execute
#   notebooks with Jupyter and GoNB, and the browser tests, which open them in
#   Chromium through Jupyter's web interface (screenshots in out/test-artifacts).
#
# It changes nothing on the host: the check of the docker images' install steps
# (scripts/check-images.sh), which installs Debian packages and JupyterHub,
# runs only in CI (CI=true, as root) or when asked for with --images.
#
# Usage: bash scripts/test.sh [--images] [go test flags, e.g. -run Name or -v]
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
images=false
if [ "${1:-}" = "--images" ]; then
	images=true
	shift
fi
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

if [ "${CI:-}" = "true" ] || [ "$images" = true ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "test.sh: the docker images' install steps install Debian packages and need root: run 'sudo bash scripts/test.sh --images'" >&2
		exit 1
	fi
	step "docker images' install steps, run here on Debian (minus CUDA)"
	bash scripts/check-images.sh
else
	step "docker images' install steps: skipped (they install Debian packages and JupyterHub on this host; CI runs them; to run them here: sudo bash scripts/test.sh --images)"
fi

if [ -n "$(find reference -name 'test_*.py' -print -quit 2>/dev/null)" ]; then
	step "reference tests ($PYTHON -m unittest discover -s reference -p 'test_*.py')"
	"$PYTHON" -m unittest discover -s reference -p 'test_*.py'
fi

step "go test ./... (GOMLX_BACKEND=go)"
# The browser tests' screenshots and executed notebooks (not committed: out/ is ignored).
export GPT2TAPS_ARTIFACTS=${GPT2TAPS_ARTIFACTS:-$PWD/out/test-artifacts}
GOMLX_BACKEND=go go test -count=1 -timeout 45m "$@" ./...
