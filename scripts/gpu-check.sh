#!/usr/bin/env bash
# gpu-check.sh builds, here, the GPU check: one self-contained test binary
# (go test -c of tools/gpucheck, with XLA), and runs it on a machine with an
# NVIDIA GPU, where Go is not needed. On that machine it
#   (a) compares the taps captured on XLA CUDA with the stored taps that the
#       PyTorch reference computed for a generated checkpoint (TestReferenceTaps);
#   (b) times the lesson's capture of its ~340-token text on a random gpt2-large
#       checkpoint generated there, 3.1 GB, never shipped (BenchmarkCaptureGPT2Large);
#   (c) times the same forward pass with PyTorch on the same GPU and prints the
#       ratio Go / PyTorch (tools/gpucheck/torch_bench.py).
#
# Usage:
#   bash scripts/gpu-check.sh --build-only   build bin/gpucheck.test here and say what to run on the GPU machine
#   bash scripts/gpu-check.sh --local        build, then run (a), (b) on 1 layer and (c) here on the CPU (GOMLX_BACKEND=go)
#   bash scripts/gpu-check.sh --run [--out DIR] [--work DIR] [--runs N] [--keep]
#                                            on the GPU machine: run (a), (b), (c) with the binary already built
#     (--layers N and --torch-device cpu rehearse --run on a machine without a GPU:
#      GOMLX_BACKEND=go bash scripts/gpu-check.sh --run --layers 1 --runs 2 --torch-device cpu)
#
# --run needs: bin/gpucheck.test (from --build-only), an NVIDIA GPU, Python 3 with
# PyTorch (transformers optional), and a PJRT CUDA plugin: gopjrt's (installed in
# /usr/local/lib/gomlx/pjrt or ~/.local/lib/gomlx/pjrt), or JAX's jax-cuda12-pjrt /
# jax-cuda13-pjrt wheel, which it finds through python3 unless
# PJRT_PLUGIN_LIBRARY_PATH is set. Results go to --out (default gpucheck-out):
# reference.log, bench.log, go_bench.json, torch.log, torch_bench.json, summary.txt.
# It stays under 10 minutes (the three steps have time limits of 120, 270 and
# 180 s); files it needs from here: the repository (about 1 MB) and
# bin/gpucheck.test (about 35 MB).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
bin=bin/gpucheck.test
start=$SECONDS
step() { printf '==> [%3d s] %s\n' "$((SECONDS - start))" "$*"; }
die() {
	printf 'gpu-check.sh: %s\n' "$*" >&2
	exit 1
}

build() {
	if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
		export PATH="/usr/local/go/bin:$PATH"
	fi
	command -v go >/dev/null 2>&1 || die "go is not on PATH: install Go (see versions.env) or run scripts/install.sh"
	# shellcheck source=goexperiment.sh
	. scripts/goexperiment.sh # GOEXPERIMENT=simd: the SIMD matmul kernel for --local (the pure-Go backend)
	step "go test -c ./tools/gpucheck → $bin (cgo, with XLA)"
	mkdir -p bin
	CGO_ENABLED=1 go test -c -trimpath -ldflags='-s -w' -o "$bin" ./tools/gpucheck
	local listed
	listed=$("./$bin" -test.list '.*')
	for name in TestReferenceTaps BenchmarkCaptureGPT2Large TestTorchBenchScript; do
		grep -qx "$name" <<<"$listed" || die "$bin does not list $name"
	done
	echo "$bin: $(du -h "$bin" | cut -f1), needs glibc $(objdump -T "$bin" 2>/dev/null | grep -o 'GLIBC_[0-9.]*' | sort -uV | tail -1 | sed 's/GLIBC_//') or newer"
}

instructions() {
	cat <<EOF

The GPU check is built. On a machine with an NVIDIA GPU (no Go needed: Python 3
with PyTorch, and a PJRT CUDA plugin, gopjrt's or the one in JAX's
jax-cuda12-pjrt / jax-cuda13-pjrt wheel), in a copy of this repository that
includes $bin, run:

    bash scripts/gpu-check.sh --run --out gpucheck-out

It finds JAX's CUDA plugin by itself; to name one, point PJRT_PLUGIN_LIBRARY_PATH
at its directory, e.g.
    export PJRT_PLUGIN_LIBRARY_PATH=\$(python3 -c 'import jax_plugins.xla_cuda12 as p, os; print(os.path.dirname(p.__file__))')
With the device tool: carry ["bin"] and run
    bash scripts/gpu-check.sh --run --out "\$OUT"
(under 10 minutes; about $(du -sm "$bin" | cut -f1) MB of binary plus the repository).
EOF
}

# find_cuda_plugin sets PJRT_PLUGIN_LIBRARY_PATH to JAX's CUDA plugin
# directory unless it is set or gopjrt's default directories hold a plugin,
# and says which plugin it is in plugin_msg.
find_cuda_plugin() {
	if [ -n "${PJRT_PLUGIN_LIBRARY_PATH:-}" ]; then
		plugin_msg="PJRT_PLUGIN_LIBRARY_PATH=$PJRT_PLUGIN_LIBRARY_PATH (given)"
		return
	fi
	local d
	for d in "$HOME/.local/lib/gomlx/pjrt" /usr/local/lib/gomlx/pjrt; do
		if [ -f "$d/pjrt_c_api_cuda_plugin.so" ]; then
			plugin_msg="gopjrt's CUDA plugin: $d/pjrt_c_api_cuda_plugin.so"
			return
		fi
	done
	d=$("$python" - <<'EOF' || true
import importlib, os
for name in ("jax_plugins.xla_cuda13", "jax_plugins.xla_cuda12"):
    try:
        m = importlib.import_module(name)
    except Exception:
        continue
    d = os.path.dirname(m.__file__)
    if os.path.isfile(os.path.join(d, "xla_cuda_plugin.so")):
        print(d)
        break
EOF
)
	[ -n "$d" ] || die "no PJRT CUDA plugin: install one with gopjrt's installer (see environment.md, GPU section), or pip install jax[cuda12], or set PJRT_PLUGIN_LIBRARY_PATH to the directory of a plugin"
	export PJRT_PLUGIN_LIBRARY_PATH=$d
	plugin_msg="JAX's CUDA plugin: PJRT_PLUGIN_LIBRARY_PATH=$d"
}

run_check() {
	local out=gpucheck-out work="${TMPDIR:-/tmp}/gpt2taps-gpucheck" runs=10 keep=0 layers=0 device=cuda
	while [ $# -gt 0 ]; do
		case $1 in
		--out) out=$2; shift 2 ;;
		--work) work=$2; shift 2 ;;
		--runs) runs=$2; shift 2 ;;
		--keep) keep=1; shift ;;
		--layers) layers=$2; shift 2 ;;
		--torch-device) device=$2; shift 2 ;;
		*) die "unknown option $1 (see the usage at the top of $0)" ;;
		esac
	done
	[ -x "$bin" ] || die "$bin is missing: build it where Go is installed with: bash scripts/gpu-check.sh --build-only"
	python=${PYTHON:-python3}
	mkdir -p "$out" "$work"
	out=$(cd "$out" && pwd)
	summary="$out/summary.txt"
	: >"$summary"
	status=0

	step "GPU and plugin"
	if command -v nvidia-smi >/dev/null 2>&1; then
		nvidia-smi -L | tee -a "$summary"
	else
		echo "nvidia-smi not found" | tee -a "$summary"
	fi
	export GOMLX_BACKEND=${GOMLX_BACKEND:-xla:cuda}
	case $GOMLX_BACKEND in
	*cuda*) find_cuda_plugin ;;
	*) plugin_msg="GOMLX_BACKEND=$GOMLX_BACKEND: no CUDA plugin looked for (a rehearsal)" ;;
	esac
	echo "$plugin_msg" | tee -a "$summary"

	step "(a) taps on $GOMLX_BACKEND against the stored PyTorch reference taps"
	if timeout 120 "./$bin" -test.run '^TestReferenceTaps$' -test.v -test.count 1 >"$out/reference.log" 2>&1; then
		echo "(a) PASS: taps match the PyTorch reference" | tee -a "$summary"
	else
		echo "(a) FAIL: see $out/reference.log" | tee -a "$summary"
		status=1
	fi
	grep -E 'backend |max \|diff\||differ|Error|error' "$out/reference.log" | sed 's/^ *//' | tee -a "$summary" || true

	step "(b) capture timing, random gpt2-large, ~340 tokens, $runs runs"
	if timeout 270 "./$bin" -test.run '^$' -test.bench '^BenchmarkCaptureGPT2Large$' -test.benchtime "${runs}x" -test.count 1 \
		-gpucheck.layers "$layers" -gpucheck.dir "$work" -gpucheck.json "$out/go_bench.json" >"$out/bench.log" 2>&1; then
		grep -E 'Benchmark|tokens on' "$out/bench.log" | sed 's/^ *//' | tee -a "$summary"
	else
		echo "(b) FAIL: see $out/bench.log" | tee -a "$summary"
		tail -5 "$out/bench.log"
		status=1
	fi

	if [ -f "$out/go_bench.json" ]; then
		step "(c) the same forward pass with PyTorch on the same device ($device)"
		if timeout 180 "$python" tools/gpucheck/torch_bench.py --go-result "$out/go_bench.json" --device "$device" \
			--repeat "$runs" --out "$out/torch_bench.json" >"$out/torch.log" 2>&1; then
			tee -a "$summary" <"$out/torch.log"
		else
			echo "(c) FAIL: see $out/torch.log" | tee -a "$summary"
			tail -5 "$out/torch.log"
			status=1
		fi
	fi
	[ "$keep" = 1 ] || rm -rf "$work"
	step "done (status $status); summary in $summary"
	return "$status"
}

mode=${1:-}
[ $# -eq 0 ] || shift
case $mode in
--build-only)
	build
	instructions
	;;
--local)
	build
	export GOMLX_BACKEND=go
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
	step "(a) taps on go against the stored PyTorch reference taps"
	"./$bin" -test.run '^TestReferenceTaps$' -test.v | grep -E 'backend |max \|diff\||PASS|FAIL'
	step "(b) capture timing on 1 layer of gpt2-large (pure Go is too slow for 36)"
	"./$bin" -test.run '^$' -test.bench '^BenchmarkCaptureGPT2Large$' -test.benchtime 2x \
		-gpucheck.layers 1 -gpucheck.dir "$work" -gpucheck.json "$work/go_bench.json" | grep -E 'Benchmark|tokens on'
	step "(c) PyTorch on the CPU"
	"${PYTHON:-/usr/bin/python3}" tools/gpucheck/torch_bench.py --go-result "$work/go_bench.json" --device cpu --repeat 2 --no-transformers
	;;
--run) run_check "$@" ;;
*) die "usage: $0 --build-only | --local | --run [--out DIR] [--work DIR] [--runs N] [--keep] [--layers N] [--torch-device D]" ;;
esac
