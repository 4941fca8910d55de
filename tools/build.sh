#!/bin/bash
# Configures (once) and builds vpngw into a build directory.
#   tools/build.sh [BUILDDIR [MESON-OPTIONS...]]     default: build
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-build}
shift || true
if [ ! -f "$dir/build.ninja" ]; then
	meson setup "$dir" "$@" >/dev/null
fi
ninja -C "$dir" >/dev/null
