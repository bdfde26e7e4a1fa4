#!/usr/bin/env bash
# install-pjrt.sh installs a PJRT plugin for GoMLX's XLA backend with gopjrt's
# installer (GOPJRT_INSTALLER at GOPJRT_INSTALLER_REF, versions.env) under
# PREFIX/lib/gomlx/pjrt (PREFIX: /usr/local), where gopjrt looks by default:
#   cpu   the CPU plugin of gopjrt release PJRT_CPU_VERSION: its "linux" build
#         where glibc is 2.41 or newer, its "amazonlinux" build otherwise;
#   cuda  the CUDA plugin of JAX's jax-<PJRT_CUDA_PLUGIN>-pjrt wheel, version
#         JAX_VERSION, with NVIDIA's libraries under PREFIX/lib/gomlx/nvidia.
# It downloads (GitHub releases, PyPI) and needs Go (install-base.sh): it runs
# in the image build, not on this project's machines, where CI only checks the
# command it would run (--dry-run).
#
# Usage: bash docker/install-pjrt.sh cpu|cuda [--dry-run]
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

platform=${1:-}
dry=0
[ "${2:-}" != --dry-run ] || dry=1
prefix=${PREFIX:-/usr/local}

case $platform in
cpu)
	glibc=$(getconf GNU_LIBC_VERSION | awk '{print $2}')
	if version_at_least "$glibc" 2.41; then
		plugin=linux
	elif version_at_least "$glibc" 2.35; then
		plugin=amazonlinux
	else
		die "glibc $glibc is older than 2.35, which gopjrt's CPU plugins need"
	fi
	version=$PJRT_CPU_VERSION
	file=pjrt_c_api_cpu_plugin.so
	;;
cuda)
	plugin=$PJRT_CUDA_PLUGIN
	version=$JAX_VERSION
	file=pjrt_c_api_cuda_plugin.so
	;;
*) die "usage: $0 cpu|cuda [--dry-run]" ;;
esac

cmd=(go run "$GOPJRT_INSTALLER@$GOPJRT_INSTALLER_REF" "-plugin=$plugin" "-version=$version" "-path=$prefix")
step "PJRT $platform plugin: ${cmd[*]}"
if [ "$dry" = 1 ]; then
	echo "(dry run: would install $prefix/lib/gomlx/pjrt/$file)"
	exit 0
fi
[ -n "$(find_go)" ] || die "Go is needed to run gopjrt's installer: run install-base.sh first"
# The installer's own modules and build go to a scratch cache, removed after.
scratch=$(mktemp -d)
trap 'chmod -R u+w "$scratch"; rm -rf "$scratch"' EXIT
GOMODCACHE="$scratch/mod" GOCACHE="$scratch/cache" GOFLAGS=-modcacherw GOTOOLCHAIN=local "${cmd[@]}"
[ -f "$prefix/lib/gomlx/pjrt/$file" ] || die "gopjrt's installer did not install $prefix/lib/gomlx/pjrt/$file"
if command -v ldconfig >/dev/null 2>&1 && [ "$(id -u)" -eq 0 ]; then
	ldconfig # the CUDA 13 plugin links cuBLAS into $prefix/lib
fi
ls -l "$prefix/lib/gomlx/pjrt/"
