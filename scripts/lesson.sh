#!/usr/bin/env bash
# lesson.sh is the main job: it installs what is missing (scripts/install.sh),
# builds gpt2taps, runs the lesson with the chosen model (figures and
# summary.json), executes the notebooks headless with it, and says
# where everything is.
#
# Usage: bash scripts/lesson.sh [--model M] [--out DIR] [--backend B] [--text-file F] [--smoke]
#   --model M      Hub id (gpt2, gpt2-medium, gpt2-large, gpt2-xl, org/name) or a checkpoint
#                  directory; default $GPT2TAPS_MODEL, else gpt2-large
#   --out DIR      output folder (default out/)
#   --backend B    GoMLX backend: go, xla:cpu, xla:cuda (default $GOMLX_BACKEND, else auto)
#   --text-file F  analyse this text instead of the notebooks' Nietzsche passage
#   --smoke        no download: generate a small random checkpoint and use it
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=goexperiment.sh
. scripts/goexperiment.sh # GOEXPERIMENT=simd: the SIMD matmul kernel (environment.md)

model=${GPT2TAPS_MODEL:-gpt2-large}
out=out
backend=""
text_file=""
smoke=0
while [ $# -gt 0 ]; do
	case "$1" in
	--model) model=$2; shift 2 ;;
	--out) out=$2; shift 2 ;;
	--backend) backend=$2; shift 2 ;;
	--text-file) text_file=$2; shift 2 ;;
	--smoke) smoke=1; shift ;;
	-h | --help) sed -n '2,15p' "$0"; exit 0 ;;
	*) echo "lesson.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
done

bash scripts/install.sh
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
gobin=$(go env GOBIN)
export PATH="${gobin:-$(go env GOPATH)/bin}:$PATH"

echo "==> building gpt2taps"
mkdir -p bin "$out"
go build -o bin/gpt2taps ./cmd/gpt2taps

if [ "$smoke" = 1 ]; then
	model="$out/smoke-checkpoint"
	if [ ! -f "$model/config.json" ]; then
		echo "==> generating a random 6-layer checkpoint for a smoke run in $model"
		bin/gpt2taps random-checkpoint --layers 6 --embd 256 --heads 8 --seed 1 --out "$model"
	fi
fi

args=(--model "$model")
[ -n "$backend" ] && args+=(--backend "$backend")
text_args=()
[ -n "$text_file" ] && text_args=(--text-file "$text_file")

echo "==> running the lesson with $model (the forward pass runs once; its taps are cached)"
if ! bin/gpt2taps lesson "${args[@]}" "${text_args[@]}" --out "$out/figures" --format png,svg; then
	echo "lesson.sh: the lesson could not run with $model (see the message above)." >&2
	echo "lesson.sh: without network, pass --model DIR with a checkpoint in Hugging Face layout, or run 'bash scripts/lesson.sh --smoke' for a smoke run on a generated checkpoint." >&2
	exit 1
fi

echo "==> executing the notebooks headless"
bin/gpt2taps notebooks "${args[@]}" "${text_args[@]}" --out "$out"

echo
echo "Done. Executed notebooks: $(cd "$out" && pwd)/*.ipynb"
echo "      Figures and summary.json: $(cd "$out/figures" && pwd)/"
echo "Open them with: bash scripts/jupyter.sh"
