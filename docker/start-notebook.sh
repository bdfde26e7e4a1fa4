#!/usr/bin/env bash
# start-notebook.sh is the images' entry point (under tini). It starts:
#   - JupyterHub's single-user server when a hub spawned the container
#     (JUPYTERHUB_API_TOKEN is set): jupyterhub-singleuser;
#   - otherwise Jupyter Notebook on 0.0.0.0:8888, no browser;
# either with the notebooks folder (GPT2TAPS_DIR/notebooks) as the landing
# page, and the options given appended (e.g. --NotebookApp.token=SECRET). A
# first argument that is not an option is run as a command instead
# (`docker run … IMAGE bash`, or a spawner's `jupyterhub-singleuser …`).
#
# Usage: start-notebook.sh [--dry-run] [jupyter options] | start-notebook.sh COMMAND [ARGS]
set -euo pipefail

dir=${GPT2TAPS_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
dry=0
if [ "${1:-}" = --dry-run ]; then
	dry=1
	shift
fi
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then
	export PATH="/usr/local/go/bin:$PATH"
fi
export PYDEVD_DISABLE_FILE_VALIDATION=1 # quiets a debugger warning Jupyter prints

# with_default NAME VALUE: "--NAME=VALUE" unless the options given set NAME.
with_default() {
	local a
	for a in "${opts[@]}"; do
		case $a in --"$1" | --"$1"=* | --*App."$1" | --*App."$1"=*) return ;; esac
	done
	cmd+=("--$1=$2")
}

opts=("$@")
if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	cmd=("$@")
elif [ -n "${JUPYTERHUB_API_TOKEN:-}" ]; then
	cmd=(jupyterhub-singleuser)
	with_default notebook-dir "$dir/notebooks"
	cmd+=("$@")
else
	cmd=(jupyter notebook --no-browser)
	with_default ip 0.0.0.0
	with_default port 8888
	with_default notebook-dir "$dir/notebooks"
	[ "$(id -u)" -ne 0 ] || cmd+=(--allow-root)
	cmd+=("$@")
fi
echo "start-notebook.sh: ${cmd[*]}" >&2
[ "$dry" = 1 ] || exec "${cmd[@]}"
