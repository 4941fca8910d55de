#!/bin/bash
# The built-in demo: sets up the machine, builds vpngw, checks the demo
# configuration and runs the appliance on DPDK virtual devices. Stop it
# with Ctrl-C; without a terminal it stops by itself after
# VPNGW_DEMO_SECONDS (default 10).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh build
conf=config/demo.conf
echo "=== vpngw -n $conf"
build/app/vpngw/vpngw -n "$conf"
echo "=== vpngw $conf"
if [ -t 0 ] && [ -z "${VPNGW_DEMO_SECONDS:-}" ]; then
	exec build/app/vpngw/vpngw "$conf"
fi
exec timeout --preserve-status -s INT "${VPNGW_DEMO_SECONDS:-10}" \
	build/app/vpngw/vpngw "$conf"
