#!/usr/bin/env bash
# install.sh installs what building, testing and running the notebooks need,
# and only what is missing; run it again at any time.
#
#   - Jupyter (notebook, nbconvert, ipykernel, jupyter-client) and PyTorch with
#     NumPy for the reference in reference/: Debian packages when run as root,
#     otherwise it checks they are there and prints how to install them;
#   - the Go tools pinned in tools/gonb/go.mod (GoNB, goimports, gopls), into
#     $(go env GOBIN), else $(go env GOPATH)/bin;
#   - the GoNB kernel, registered with Jupyter, with a PATH in its kernel.json
#     that finds go and those tools even when Jupyter runs as a service, and
#     GOEXPERIMENT=simd (the cells then build with the SIMD matmul kernel);
#   - Chromium for the browser tests: the Debian package when run as root,
#     otherwise the command to install it is printed (the tests are skipped);
#   - the main module's dependencies (go mod download);
#   - where the network allows, the XLA CPU plugin (PJRT) matching gopjrt
#     v0.10.0, with its own installer (docker/install-pjrt.sh cpu, pinned in
#     versions.env), into /usr/local as root, else ~/.local: the backend `auto`
#     then picks xla:cpu. Where it cannot (no network, or no result within
#     PJRT_INSTALL_TIMEOUT seconds, 120 by default), one line says that the
#     pure-Go backend will be used and how to install the plugin later; that
#     is never an error.
#
# Usage: bash scripts/install.sh
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
# shellcheck source=goexperiment.sh
. scripts/goexperiment.sh # GOEXPERIMENT=simd: the SIMD matmul kernel (environment.md)
export PYDEVD_DISABLE_FILE_VALIDATION=1 # Quiets a debugger warning Jupyter commands print.
start=$SECONDS

step() { printf '==> [%3d s] %s\n' "$((SECONDS - start))" "$*"; }
die() {
	printf 'install.sh: %s\n' "$*" >&2
	exit 1
}

# PYTHON is the Python that runs the reference tests (scripts/test.sh): Debian's
# by default, whatever python3 comes first on PATH.
PYTHON=${PYTHON:-/usr/bin/python3}
[ -x "$PYTHON" ] || PYTHON=$(command -v python3 || true)

debian_packages=(jupyter-notebook jupyter-nbconvert python3-ipykernel jupyter-client python3-torch python3-numpy)

# python_ready reports whether the Python side works without the Debian
# packages (a pip install, say): jupyter with nbconvert and notebook, and a
# $PYTHON that imports torch, numpy, ipykernel and jupyter_client.
python_ready() {
	command -v jupyter >/dev/null 2>&1 &&
		jupyter nbconvert --version >/dev/null 2>&1 &&
		jupyter notebook --version >/dev/null 2>&1 &&
		[ -n "$PYTHON" ] && "$PYTHON" -c 'import torch, numpy, ipykernel, jupyter_client' >/dev/null 2>&1
}

step "Go toolchain"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
# shellcheck source=versions.env
. ./versions.env # GO_VERSION and the other pinned versions, in one place
command -v go >/dev/null 2>&1 || die "go is not on PATH: install Go $GO_VERSION or newer, then run this again"
go version

step "Jupyter, PyTorch and NumPy (Debian packages: ${debian_packages[*]})"
missing=()
if command -v dpkg-query >/dev/null 2>&1; then
	for pkg in "${debian_packages[@]}"; do
		if [ "$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
			missing+=("$pkg")
		fi
	done
else
	missing=("${debian_packages[@]}")
fi
if [ ${#missing[@]} -eq 0 ]; then
	echo "all installed"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	echo "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y "${missing[@]}"
elif python_ready; then
	echo "not as Debian packages (${missing[*]}), but jupyter (nbconvert, notebook) and $PYTHON (torch, numpy, ipykernel, jupyter_client) work: using those"
else
	cat >&2 <<EOF
install.sh: Jupyter, PyTorch or NumPy is missing (${missing[*]}), and installing
Debian packages needs root. Install them either way, then run this again:
  as root:     apt-get update && apt-get install -y ${debian_packages[*]}
  with pip:    pip install notebook nbconvert ipykernel torch numpy
               (and PYTHON=path/to/that/python3 for this script and scripts/test.sh)
EOF
	exit 1
fi

# Chromium, for the browser tests (tools/browsertest): they open the notebooks
# through Jupyter's web interface. Kept as its own block.
step "Chromium for the browser tests (Debian packages: chromium fonts-dejavu-core)"
if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
	echo "installed: $(chromium --version 2>/dev/null || echo /usr/bin/chromium)"
elif [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	apt-get install -y chromium fonts-dejavu-core
else
	echo "not installed: the browser tests will be skipped (CI, with CI=true, fails them instead)."
	echo "  as root: apt-get update && apt-get install -y chromium fonts-dejavu-core"
fi

step "Go tools pinned in tools/gonb/go.mod (gonb, goimports, gopls)"
gobin=$(go env GOBIN)
[ -n "$gobin" ] || gobin="$(go env GOPATH)/bin"
export PATH="$gobin:$(go env GOROOT)/bin:$PATH"
(cd tools/gonb && go install tool)
echo "installed into $gobin: $(cd "$gobin" && ls gonb goimports gopls | tr '\n' ' ')"

step "GoNB kernel for Jupyter"
gonb --install
# Where gonb --install writes (as GoNB decides it).
case "$(uname -s)" in
Darwin) data_dir=${JUPYTER_DATA_DIR:-$HOME/Library/Jupyter} ;;
*) data_dir=${JUPYTER_DATA_DIR:-$HOME/.local/share/jupyter} ;;
esac
kernel_json="$data_dir/kernels/gonb/kernel.json"
[ -f "$kernel_json" ] || die "gonb --install did not write $kernel_json"
# Jupyter started as a service may not have go and the tools on its PATH: give
# the kernel one. Jupyter expands \${PATH} to the PATH it was started with.
# GoNB compiles every cell with go build: GOEXPERIMENT=simd gives the cells the
# SIMD matmul kernel (scripts/goexperiment.sh).
kernel_path="$gobin:$(go env GOROOT)/bin:\${PATH}"
"${PYTHON:-python3}" - "$kernel_json" "$kernel_path" "$GOEXPERIMENT" <<'EOF'
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
EOF
echo "$kernel_json: env PATH=$kernel_path GOEXPERIMENT=$GOEXPERIMENT"
if jupyter kernelspec list >/dev/null 2>&1; then
	kernels=$(jupyter kernelspec list)
else
	kernels=$("${PYTHON:-python3}" -c 'from jupyter_client.kernelspecapp import KernelSpecApp; KernelSpecApp.launch_instance()' list)
fi
echo "$kernels"
grep -qE '^ *gonb ' <<<"$kernels" || die "Jupyter does not list the gonb kernel after gonb --install"

step "Go modules of the main module (go mod download)"
go mod download

step "XLA CPU plugin (PJRT $PJRT_CPU_VERSION) for the xla:cpu backend"
if [ "$(id -u)" -eq 0 ]; then pjrt_prefix=/usr/local; else pjrt_prefix=$HOME/.local; fi
pjrt_later="PREFIX=$pjrt_prefix bash docker/install-pjrt.sh cpu"
# Where gopjrt looks: PJRT_PLUGIN_LIBRARY_PATH, else these two.
pjrt_found=""
IFS=: read -r -a pjrt_dirs <<<"${PJRT_PLUGIN_LIBRARY_PATH:-$HOME/.local/lib/gomlx/pjrt:/usr/local/lib/gomlx/pjrt}"
for d in "${pjrt_dirs[@]}"; do
	if [ -n "$d" ] && [ -f "$d/pjrt_c_api_cpu_plugin.so" ]; then
		pjrt_found="$d/pjrt_c_api_cpu_plugin.so"
		break
	fi
done
# The installer downloads from GitHub's releases: a 5-second probe first, so
# that a machine without that network gives up at once.
github_reachable() {
	if command -v curl >/dev/null 2>&1; then
		curl -fsS -m 5 -o /dev/null -I https://github.com/ 2>/dev/null
	else
		timeout 5 bash -c '</dev/tcp/github.com/443' 2>/dev/null
	fi
}
if [ -n "$pjrt_found" ]; then
	echo "found $pjrt_found: the backend auto will use xla:cpu"
elif ! github_reachable; then
	echo "XLA CPU plugin not installed (github.com is not reachable from here): the pure-Go backend will be used; to install the plugin later: $pjrt_later"
else
	pjrt_log=$(mktemp)
	status=0
	PREFIX=$pjrt_prefix timeout "${PJRT_INSTALL_TIMEOUT:-120}" bash docker/install-pjrt.sh cpu >"$pjrt_log" 2>&1 || status=$?
	if [ "$status" -eq 0 ]; then
		echo "installed $pjrt_prefix/lib/gomlx/pjrt/pjrt_c_api_cpu_plugin.so: the backend auto will use xla:cpu"
	else
		why=$(grep -v -e '^==>' -e '^[[:space:]]' -e '^$' "$pjrt_log" | tail -n 1 | cut -c1-240 || true)
		[ "$status" -ne 124 ] || why="no result within ${PJRT_INSTALL_TIMEOUT:-120} s"
		echo "XLA CPU plugin not installed (${why:-its installer failed}): the pure-Go backend will be used; to install the plugin later: $pjrt_later"
	fi
	rm -f "$pjrt_log"
fi

step "done"
