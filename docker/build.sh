#!/usr/bin/env bash
# build.sh builds one of the images with docker, from the repository root as the
# context, passing the versions of versions.env as build args (the Dockerfiles'
# ARG defaults are the same values; docker/dockerfile_test.go checks).
#
# Usage: bash docker/build.sh cuda|cpu [--dry-run] [docker build options, e.g. -t NAME:TAG]
#   The image is tagged gpt2taps:cuda or gpt2taps:cpu unless -t is given.
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

kind=${1:-}
[ $# -eq 0 ] || shift
dry=0
if [ "${1:-}" = --dry-run ]; then
	dry=1
	shift
fi
case $kind in
cuda) base="CUDA_BASE_IMAGE=$CUDA_BASE_IMAGE" ;;
cpu) base="CPU_BASE_IMAGE=$CPU_BASE_IMAGE" ;;
*) die "usage: $0 cuda|cpu [--dry-run] [docker build options]" ;;
esac
tag=(-t "gpt2taps:$kind")
for a in "$@"; do
	case $a in -t | --tag | -t=* | --tag=*) tag=() ;; esac
done
cmd=(docker build -f "$repo_dir/docker/Dockerfile.$kind" --build-arg "$base"
	--build-arg "NB_USER=$NB_USER" --build-arg "NB_UID=$NB_UID" --build-arg "NB_GID=$NB_GID"
	"${tag[@]}" "$@" "$repo_dir")
echo "${cmd[*]}"
[ "$dry" = 1 ] || DOCKER_BUILDKIT=1 exec "${cmd[@]}"
