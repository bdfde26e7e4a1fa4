# shellcheck shell=bash
# lib.sh is sourced by the docker/ scripts: it finds the repository
# (GPT2TAPS_DIR, else the folder above docker/), loads versions.env (the one
# place for versions) and defines step and die.

repo_dir=${GPT2TAPS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
prog=$(basename "$0")
lib_start=$SECONDS
export PYDEVD_DISABLE_FILE_VALIDATION=1 # quiets a debugger warning that Jupyter commands print

step() { printf '==> %s [%3d s] %s\n' "$prog" "$((SECONDS - lib_start))" "$*"; }
die() {
	printf '%s: %s\n' "$prog" "$*" >&2
	exit 1
}

[ -f "$repo_dir/versions.env" ] || die "$repo_dir/versions.env not found: run this from the repository, or set GPT2TAPS_DIR to it"
# shellcheck source=../versions.env
. "$repo_dir/versions.env"

# GOEXPERIMENT=simd: Go code built here (the repository's packages, GoNB's
# cells) gets the pure-Go backend's SIMD matmul kernel, as scripts/goexperiment.sh
# does outside the images; a GOEXPERIMENT that already says simd or nosimd is kept.
case ",${GOEXPERIMENT:-}," in
*,simd,* | *,nosimd,*) ;;
*) export GOEXPERIMENT="${GOEXPERIMENT:+$GOEXPERIMENT,}simd" ;;
esac

# version_at_least A B: whether version A >= version B (dotted numbers).
version_at_least() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n1)" = "$2" ]; }

# find_go puts Go on PATH if it is in /usr/local/go and prints its version
# (e.g. 1.26.0), or nothing if there is no Go.
find_go() {
	if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	fi
	command -v go >/dev/null 2>&1 || return 0
	go env GOVERSION | sed 's/^go//'
}
