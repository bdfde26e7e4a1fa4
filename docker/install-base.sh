#!/usr/bin/env bash
# install-base.sh installs the images' system layer, only what is missing:
#   - the Debian/Ubuntu packages APT_PACKAGES of versions.env (C compiler for
#     cgo, Jupyter Notebook, nbconvert, ipykernel, JupyterHub's single-user
#     server, tini); where the distribution has no jupyterhub package, JupyterHub
#     JUPYTERHUB_PIP_VERSION is pip-installed into /opt/jupyterhub instead;
#   - Go GO_VERSION in /usr/local/go, from go.dev with its published SHA-256,
#     unless a Go at least that new is already installed.
# As root (the image build; CI on Debian through scripts/check-images.sh). Run it
# again at any time: with everything there, it changes nothing.
#
# Usage: bash docker/install-base.sh [--clean-apt]   (--clean-apt: empty apt's lists after, for a smaller image)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

clean_apt=0
[ "${1:-}" != --clean-apt ] || clean_apt=1

installed() { [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" = installed ]; }
has_candidate() { apt-cache policy "$1" 2>/dev/null | grep 'Candidate: [0-9]' >/dev/null; }

step "packages: $APT_PACKAGES"
read -r -a packages <<<"$APT_PACKAGES"
missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done
pip_hub=0
if [ ${#missing[@]} -eq 0 ]; then
	echo "all installed"
else
	[ "$(id -u)" -eq 0 ] || die "missing packages (${missing[*]}), and installing them needs root: run as root, or apt-get install -y ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update
	install=()
	for p in "${missing[@]}"; do
		if has_candidate "$p"; then
			install+=("$p")
		elif [ "$p" = jupyterhub ]; then
			pip_hub=1
		else
			die "package $p is not available from this system's apt sources: edit APT_PACKAGES in versions.env"
		fi
	done
	[ "$pip_hub" = 0 ] || install+=(python3-pip)
	echo "installing: ${install[*]}"
	apt-get install -y --no-install-recommends "${install[@]}"
fi
if [ "$pip_hub" = 1 ] && ! [ -x /opt/jupyterhub/bin/jupyterhub-singleuser ]; then
	step "JupyterHub $JUPYTERHUB_PIP_VERSION with pip into /opt/jupyterhub (no jupyterhub package here)"
	python3 -m venv --system-site-packages /opt/jupyterhub
	/opt/jupyterhub/bin/pip install --no-cache-dir "jupyterhub==$JUPYTERHUB_PIP_VERSION"
	ln -sf /opt/jupyterhub/bin/jupyterhub-singleuser /usr/local/bin/jupyterhub-singleuser
fi
command -v jupyterhub-singleuser >/dev/null 2>&1 || die "jupyterhub-singleuser is not on PATH after installing JupyterHub"
[ "$clean_apt" = 0 ] || rm -rf /var/lib/apt/lists/*

step "Go $GO_VERSION"
have=$(find_go)
if [ -n "$have" ] && version_at_least "$have" "$GO_VERSION"; then
	echo "Go $have found ($(command -v go)): nothing to do"
else
	[ -z "$have" ] || echo "Go $have is older than $GO_VERSION: replacing /usr/local/go"
	[ "$(id -u)" -eq 0 ] || die "installing Go into /usr/local/go needs root"
	case $(uname -m) in
	x86_64) arch=amd64 ;;
	aarch64) arch=arm64 ;;
	*) die "no Go download for $(uname -m)" ;;
	esac
	file="go${GO_VERSION}.linux-${arch}.tar.gz"
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	curl -fsSL -o "$tmp/$file" "https://go.dev/dl/$file" || die "could not download https://go.dev/dl/$file: install Go $GO_VERSION by hand into /usr/local/go and run this again"
	curl -fsSL -o "$tmp/releases.json" "https://go.dev/dl/?mode=json&include=all" || die "could not download Go's release list to check $file"
	want=$(python3 -c 'import json, sys
for r in json.load(open(sys.argv[1])):
    for f in r["files"]:
        if f["filename"] == sys.argv[2]:
            print(f["sha256"])' "$tmp/releases.json" "$file")
	[ -n "$want" ] || die "go.dev lists no SHA-256 for $file"
	echo "$want  $tmp/$file" | sha256sum -c - >/dev/null || die "$file does not match its published SHA-256"
	rm -rf /usr/local/go
	tar -C /usr/local -xzf "$tmp/$file"
	export PATH="/usr/local/go/bin:$PATH"
	echo "installed $(go version)"
fi
