#!/usr/bin/env bash
# install-repo.sh readies the repository copied into the image (GPT2TAPS_DIR,
# default /opt/gpt2taps) for the notebooks:
#   - downloads its Go modules and builds every package once, so that the
#     GoNB cells, which import them, compile from the build cache (GOPATH and
#     GOCACHE as the image sets them);
#   - installs the gpt2taps command into BIN_DIR (default /usr/local/bin);
#   - writes Jupyter's configuration into JUPYTER_CONFIG_TARGET (default
#     /etc/jupyter): the notebooks folder as the landing page, for
#     `jupyter notebook` and for JupyterHub's jupyterhub-singleuser alike;
#   - with --owner UID:GID, hands the repository, GOPATH and GOCACHE to the
#     notebook user (the image build does; CI, in a scratch folder, does not).
#
# Usage: bash docker/install-repo.sh [--owner UID:GID]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

owner=
if [ "${1:-}" = --owner ]; then
	owner=${2:?--owner needs UID:GID}
fi
bin_dir=${BIN_DIR:-/usr/local/bin}
config_dir=${JUPYTER_CONFIG_TARGET:-/etc/jupyter}
[ -n "$(find_go)" ] || die "go is not on PATH: run install-base.sh first"
export GOTOOLCHAIN=local
cd "$repo_dir"

step "Go modules and a build of every package ($(go env GOVERSION), GOCACHE=$(go env GOCACHE))"
go mod download
go build ./...
mkdir -p "$bin_dir"
go build -o "$bin_dir/gpt2taps" ./cmd/gpt2taps
usage=$("$bin_dir/gpt2taps" 2>&1 || true)
echo "$bin_dir/gpt2taps: ${usage%%$'\n'*}"

step "Jupyter configuration in $config_dir: landing page $repo_dir/notebooks"
[ -d "$repo_dir/notebooks" ] || die "$repo_dir/notebooks is missing"
mkdir -p "$config_dir"
for app in notebook server; do
	cat >"$config_dir/jupyter_${app}_config.py" <<PY
# Written by docker/install-repo.sh: the lesson's notebooks are the landing page.
c = get_config()  # noqa: F821
c.NotebookApp.notebook_dir = "$repo_dir/notebooks"
c.ServerApp.root_dir = "$repo_dir/notebooks"
c.NotebookApp.default_url = "/tree"
c.ServerApp.default_url = "/tree"
c.NotebookApp.open_browser = False
c.ServerApp.open_browser = False
PY
done

if [ -n "$owner" ]; then
	step "owner $owner: $repo_dir, $(go env GOPATH), $(go env GOCACHE)"
	chown -R "$owner" "$repo_dir" "$(go env GOPATH)" "$(go env GOCACHE)"
fi
