#!/bin/bash
# The customer gateway's configuration as the console exports it is what
# a real strongSwan needs: vpngw 1 with two IKE tunnels, PSKs and inside
# CIDRs generated (in no file), waits for the peer; its console's
# "enable" and "show customer-gateway-config e2e strongswan" become charon's
# swanctl.conf, loaded with swanctl --load-all (no error allowed), and
# charon brings both tunnels up from it; host A pings host B through them.
#
#   host A ---- vpngw 1 ======== underlay ======== charon (G2) ---- host B
#   198.51.100.10        203.0.113.1, .11        203.0.113.2          192.0.2.130
#
#   console_cgw.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"
exp=$(dirname "$0")/console.exp

e2e_underlay_direct
swan_router
swan_write_conf
swan_gw_conf "" ""
swan_gw_start "console: listening"

# The export's PSKs are shown at the privileged level only (no password
# is set here: enable asks for none).
printf '%s\n' 'enable' 'show customer-gateway-config e2e strongswan' >"$work/cgw.cmds"
timeout 60 expect "$exp" "$G1" admin "" "$work/cgw.cmds" | tr -d '\r' >"$work/cgw.txt" ||
	fail "console session"
mkdir -p "$swan"
awk '/show customer-gateway-config e2e strongswan$/{on=1; next} /^gw1[>#] /{on=0} on' \
	"$work/cgw.txt" >"$swan/swanctl.conf"
grep -q "^connections {" "$swan/swanctl.conf" && grep -q "^secrets {" "$swan/swanctl.conf" ||
	fail "no swanctl.conf in the export: $(cat "$work/cgw.txt")"
echo "--- exported swanctl.conf (PSKs elided)"
sed 's/secret = ".*"/secret = "..."/' "$swan/swanctl.conf"
swan_start # swanctl --load-all, which fails the test on any error
grep -v "opening directory" "$swan/load.log" | grep -iE "error|fail|invalid" && fail "swanctl reported problems"
grep "loaded" "$swan/load.log"
swan_wait 2 40 || fail "charon has $(swan_installed) of 2 CHILD_SAs up from the export"
sw --list-sas | grep -E "ESTABLISHED|INSTALLED"
for _ in $(seq 1 50); do
	grep -q "tunnel e2e/1: down -> up" "$work/gw1.log" &&
		grep -q "tunnel e2e/2: down -> up" "$work/gw1.log" && break
	sleep 0.1
done
n=$(pings 10)
echo "ping host A -> host B over the exported configuration: $n of 10"
[ "$n" -ge 8 ] || fail "ping through the tunnels: $n of 10"
swan_stop
cleanup
echo "ok: strongSwan loads the exported configuration and brings both tunnels up"
exit 0
