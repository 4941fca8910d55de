#!/bin/bash
# The built-in demo: sets up the machine, builds vpngw, checks the demo
# configurations and runs the show (tools/demo-run.sh): two appliances in
# network namespaces joined by a VPN connection of two IKEv2 tunnels,
# traffic through them counted per tunnel as it happens, one tunnel
# dropped and the traffic moving to the other, then back. It ends by
# itself after about 30 s (Ctrl-C stops it sooner).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup.sh
tools/build.sh build
for conf in config/demo.conf config/static.conf; do
	echo "=== vpngw -n $conf"
	build/app/vpngw/vpngw -n "$conf"
done
echo "=== the show"
exec tools/demo-run.sh build/app/vpngw/vpngw
