#!/usr/bin/env bash
# install-user.sh creates the images' notebook user NB_USER (uid NB_UID, group
# NB_GID, as JupyterHub's images have it; versions.env), renaming a user that
# already holds that uid (Ubuntu's images ship "ubuntu" as uid 1000), and the
# folders its caches live in: ~/.cache/huggingface (the Hugging Face cache,
# shared with Python, a volume in `docker run`) and ~/.cache/gpt2taps.
#
# Usage: bash docker/install-user.sh [--dry-run]   (--dry-run: say what it would do)
set -euo pipefail
# shellcheck source=lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

dry=0
[ "${1:-}" != --dry-run ] || dry=1
run() {
	echo "+ $*"
	[ "$dry" = 1 ] || "$@"
}

home="/home/$NB_USER"
step "user $NB_USER (uid $NB_UID, gid $NB_GID)"
[ "$dry" = 1 ] || [ "$(id -u)" -eq 0 ] || die "creating users needs root (or use --dry-run)"
if ! getent group "$NB_GID" >/dev/null; then
	run groupadd -g "$NB_GID" "$NB_USER"
fi
holder=$(getent passwd "$NB_UID" | cut -d: -f1 || true)
if [ "$holder" = "$NB_USER" ]; then
	echo "$NB_USER exists with uid $NB_UID"
elif [ -n "$holder" ]; then
	echo "uid $NB_UID belongs to $holder: renaming it to $NB_USER"
	run usermod -l "$NB_USER" -d "$home" -m -g "$NB_GID" -s /bin/bash "$holder"
elif getent passwd "$NB_USER" >/dev/null; then
	die "user $NB_USER exists with another uid ($(id -u "$NB_USER")): remove it or change NB_UID in versions.env"
else
	run useradd -m -d "$home" -u "$NB_UID" -g "$NB_GID" -s /bin/bash "$NB_USER"
fi
run install -d -o "$NB_UID" -g "$NB_GID" "$home" "$home/.cache" "$home/.cache/huggingface" "$home/.cache/gpt2taps"
