#!/usr/bin/env bash
# check-images.sh checks the images of docker/ on Debian, where no Docker
# engine runs: what their builds run, this machine runs, minus CUDA.
#   - shellcheck of the scripts (installed from Debian when missing and root,
#     else bash -n);
#   - docker/install-base.sh for real: Debian packages and Go (both kept when
#     already installed), then jupyterhub-singleuser --version;
#   - docker/install-user.sh and install-pjrt.sh cpu|cuda as dry runs: they
#     would create a user on this machine, and download plugins;
#   - docker/install-gonb.sh and install-repo.sh for real, into a scratch folder
#     (GOBIN, JUPYTER_DATA_DIR, BIN_DIR, JUPYTER_CONFIG_TARGET), then
#     docker/start-notebook.sh started with that Jupyter set-up on a free port:
#     it must serve the notebooks as the landing page and list the GoNB kernel;
#   - docker/build.sh --dry-run of both images, and go test ./docker (the
#     Dockerfiles parsed and checked against versions.env and the scripts).
# Fast (well under 3 minutes once packages are installed) and idempotent.
#
# Usage: bash scripts/check-images.sh
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export PYDEVD_DISABLE_FILE_VALIDATION=1 # quiets a debugger warning Jupyter commands print
start=$SECONDS
step() { printf '==> [%3d s] %s\n' "$((SECONDS - start))" "$*"; }
die() {
	printf 'check-images.sh: %s\n' "$*" >&2
	exit 1
}

scratch=$(mktemp -d)
server=
cleanup() {
	if [ -n "$server" ]; then
		kill "$server" 2>/dev/null || true
		wait "$server" 2>/dev/null || true
	fi
	rm -rf "$scratch"
}
trap cleanup EXIT

scripts=(docker/*.sh scripts/gpu-check.sh scripts/build-variants.sh scripts/check-images.sh)
if ! command -v shellcheck >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
	step "installing shellcheck (Debian package)"
	DEBIAN_FRONTEND=noninteractive apt-get install -y shellcheck >/dev/null 2>&1 ||
		{ apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y shellcheck >/dev/null; } ||
		echo "could not install shellcheck: bash -n only"
fi
if command -v shellcheck >/dev/null 2>&1; then
	step "shellcheck ${scripts[*]}"
	shellcheck -x -P SCRIPTDIR "${scripts[@]}"
else
	step "bash -n ${scripts[*]} (shellcheck is not installed)"
	for s in "${scripts[@]}"; do bash -n "$s"; done
fi
echo "no findings"

step "docker/install-base.sh"
bash docker/install-base.sh

step "jupyterhub-singleuser --version (JupyterHub's single-user server)"
jupyterhub-singleuser --version 2>/dev/null | tail -n1

step "docker/install-user.sh --dry-run"
bash docker/install-user.sh --dry-run

for p in cpu cuda; do
	step "docker/install-pjrt.sh $p --dry-run"
	bash docker/install-pjrt.sh "$p" --dry-run
done

step "docker/install-gonb.sh and install-repo.sh into $scratch"
export GOBIN="$scratch/bin" BIN_DIR="$scratch/bin" JUPYTER_DATA_DIR="$scratch/share/jupyter" JUPYTER_CONFIG_TARGET="$scratch/etc/jupyter"
bash docker/install-gonb.sh
bash docker/install-repo.sh
[ -x "$scratch/bin/gpt2taps" ] || die "install-repo.sh did not install gpt2taps"
unset GOBIN BIN_DIR JUPYTER_DATA_DIR JUPYTER_CONFIG_TARGET

step "docker/start-notebook.sh: the notebooks and the GoNB kernel are served"
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
token=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
JUPYTER_PATH="$scratch/share/jupyter" JUPYTER_CONFIG_PATH="$scratch/etc/jupyter" \
	bash docker/start-notebook.sh --ip=127.0.0.1 "--port=$port" "--NotebookApp.token=$token" >"$scratch/server.log" 2>&1 &
server=$!
url="http://127.0.0.1:$port"
for _ in $(seq 60); do
	curl -fs "$url/api/status?token=$token" >/dev/null 2>&1 && break
	kill -0 "$server" 2>/dev/null || { cat "$scratch/server.log" >&2; die "start-notebook.sh exited"; }
	sleep 0.5
done
curl -fs "$url/api/kernelspecs?token=$token" >"$scratch/kernelspecs.json" || { cat "$scratch/server.log" >&2; die "Jupyter did not answer on $url"; }
curl -fs "$url/api/contents?token=$token" >"$scratch/contents.json"
landing=$(curl -s -o /dev/null -w '%{redirect_url}' "$url/?token=$token")
python3 - "$scratch/kernelspecs.json" "$scratch/contents.json" "$landing" <<'EOF'
import json, sys
specs = json.load(open(sys.argv[1]))["kernelspecs"]
names = [c["name"] for c in json.load(open(sys.argv[2]))["content"]]
landing = sys.argv[3]
problems = []
if "gonb" not in specs:
    problems.append(f"no gonb kernel (kernels: {sorted(specs)})")
if not any(n.endswith(".ipynb") for n in names):
    problems.append(f"the landing folder holds no notebooks ({names})")
if "/tree" not in landing:
    problems.append(f"/ redirects to {landing!r}, not to /tree")
if problems:
    sys.exit("check-images.sh: " + "; ".join(problems))
print(f"kernels {sorted(specs)}; notebooks {sorted(n for n in names if n.endswith('.ipynb'))}; / → {landing}")
EOF
kill "$server"
wait "$server" 2>/dev/null || true
server=

step "docker/build.sh --dry-run"
bash docker/build.sh cuda --dry-run
bash docker/build.sh cpu --dry-run

step "go test ./docker (the Dockerfiles, parsed and checked)"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
go test -count=1 ./docker

step "done"
