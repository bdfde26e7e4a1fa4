#!/usr/bin/env bash
# install-gonb.sh installs the Go tools pinned in tools/gonb/go.mod (GoNB, goimports,
# gopls; versions.env names the same versions) into GOBIN (default
# /usr/local/bin) and registers the GoNB kernel with Jupyter for every user:
# its kernel.json goes to JUPYTER_DATA_DIR/kernels/gonb (default
# /usr/local/share/jupyter, on Jupyter's system path, so that a volume
# mounted on the user's home does not hide it), with a PATH that finds go and
# those tools and GOEXPERIMENT=simd (GoNB builds every cell: the SIMD matmul
# kernel). CI runs it with GOBIN and JUPYTER_DATA_DIR in a scratch folder.
#
# Usage: bash docker/install-gonb.sh
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

gobin=${GOBIN:-/usr/local/bin}
data_dir=${JUPYTER_DATA_DIR:-/usr/local/share/jupyter}
[ -n "$(find_go)" ] || die "go is not on PATH: run install-base.sh first"

step "Go tools of tools/gonb/go.mod (GoNB $GONB_VERSION, goimports $GOIMPORTS_VERSION, gopls $GOPLS_VERSION) into $gobin"
grep -q "github.com/janpfeifer/gonb $GONB_VERSION" "$repo_dir/tools/gonb/go.mod" ||
	die "tools/gonb/go.mod does not require GoNB $GONB_VERSION: make versions.env and tools/gonb/go.mod agree"
mkdir -p "$gobin"
(cd "$repo_dir/tools/gonb" && GOBIN="$gobin" GOTOOLCHAIN=local go install tool)
for tool in gonb goimports gopls; do
	[ -x "$gobin/$tool" ] || die "go install tool did not install $gobin/$tool"
done
version=$("$gobin/gonb" --version 2>&1) || die "$gobin/gonb --version failed: $version"
echo "${version%%$'\n'*}"

step "GoNB kernel in $data_dir/kernels/gonb"
kernel_path="$gobin:$(go env GOROOT)/bin"
PATH="$kernel_path:$PATH" JUPYTER_DATA_DIR="$data_dir" "$gobin/gonb" --install
kernel_json="$data_dir/kernels/gonb/kernel.json"
[ -f "$kernel_json" ] || die "gonb --install did not write $kernel_json"
# Jupyter expands ${PATH} in a kernel's env to the PATH it runs with.
python3 - "$kernel_json" "$kernel_path:\${PATH}" "$GOEXPERIMENT" <<'PY'
import json, sys
path, kernel_path, goexperiment = sys.argv[1], sys.argv[2], sys.argv[3]
with open(path) as f:
    spec = json.load(f)
env = spec.setdefault("env", {})
env["PATH"] = kernel_path
env["GOEXPERIMENT"] = goexperiment
with open(path, "w") as f:
    json.dump(spec, f, indent=1)
    f.write("\n")
PY
chmod -R a+rX "$data_dir/kernels/gonb"
kernels=$(JUPYTER_PATH="$data_dir${JUPYTER_PATH:+:$JUPYTER_PATH}" jupyter kernelspec list)
echo "$kernels"
grep -E "^ *gonb +$data_dir/kernels/gonb\$" >/dev/null <<<"$kernels" || die "Jupyter does not list the gonb kernel from $data_dir"
