#!/usr/bin/env bash
# jupyter.sh opens Jupyter Notebook on notebooks/, with the GoNB kernel that
# scripts/install.sh registers. Options are passed on to `jupyter notebook`.
#
# On your own machine (opens a browser tab):
#   bash scripts/jupyter.sh
# As a server, reached from other machines, on a chosen port:
#   bash scripts/jupyter.sh --no-browser --ip=0.0.0.0 --port=8888
#   (it prints a URL with a token to log in with; --ip=127.0.0.1 plus an SSH
#   tunnel, ssh -L 8888:localhost:8888 HOST, keeps it private)
# Other useful options: --NotebookApp.token=SECRET, --port-retries=0 (fail
# rather than take the next free port). As root it adds --allow-root.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=goexperiment.sh
. "$root/scripts/goexperiment.sh" # GoNB builds every cell: GOEXPERIMENT=simd for the SIMD matmul kernel
export PYDEVD_DISABLE_FILE_VALIDATION=1 # Quiets a debugger warning Jupyter commands print.
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
command -v go >/dev/null 2>&1 || { echo "jupyter.sh: go is not on PATH: run scripts/install.sh" >&2; exit 1; }
gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"

command -v jupyter >/dev/null 2>&1 || { echo "jupyter.sh: jupyter is not installed: run scripts/install.sh" >&2; exit 1; }
command -v gonb >/dev/null 2>&1 || { echo "jupyter.sh: the GoNB kernel is not installed: run scripts/install.sh" >&2; exit 1; }

args=(--notebook-dir="$root/notebooks")
[ "$(id -u)" -ne 0 ] || args+=(--allow-root)
exec jupyter notebook "${args[@]}" "$@"
