#!/bin/bash
# Rekeying under load, vpngw to vpngw over IKEv2: tunnel 1 (raw ESP,
# protocol 50) has lab lifetimes of seconds (Child SA 6 s, IKE SA 14 s,
# margin 2 s) and no fuzz on either side, so both ends rekey the same SAs
# at the same moment (RFC 7296 2.8.1 collisions) again and again, while an
# iperf3 UDP stream from host A to host B runs for 70 s. It must lose no
# packet across at least 20 Child SA and 5 IKE SA rekeys, and vpngw 2
# must drop no ESP packet for an unknown SPI or a bad ICV.
#
#   host A ---- vpngw 1 ======== underlay ======== vpngw 2 ---- host B
#   198.51.100.10     203.0.113.1, .11        203.0.113.2      192.0.2.130
#   vpngw 1 waits for the peer (startup_action add), vpngw 2 starts both
#   tunnels and plays the customer gateway.
#
#   rekey.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"

e2e_underlay_direct
e2e_ike_configs rekey.test.psk \
	'lab_phase1_lifetime = 14; lab_phase2_lifetime = 6; lab_rekey_margin = 2; rekey_fuzz = 0;'
e2e_start
for _ in $(seq 1 100); do
	[ "$(grep -c "down -> up" "$work/gw1.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c "down -> up" "$work/gw1.log")" -ge 2 ] ||
	fail "the tunnels did not come up"
n=$(pings 5)
[ "$n" -ge 4 ] || fail "ping through the tunnel: $n of 5"
# The same state over telemetry (published by the control core).
sleep 0.3
for t in e2e/1 e2e/2; do
	st=$(tel gw1 /vpngw/ike "d['$t']['ike_sa'] + ' ' + d['$t']['child_sa']")
	echo "telemetry /vpngw/ike $t: $st"
	[ "$st" = "established up" ] || fail "telemetry: $t is '$st'"
done
[ "$(tel gw2 /vpngw/ike "d['ike_up']")" -ge 2 ] || fail "telemetry: ike_up"

ip netns exec "$B" iperf3 -s -1 -B 192.0.2.130 >"$work/iperf3-server.log" 2>&1 &
pids+=($!)
iperf3_ready "$B"
ip netns exec "$A" timeout 100 iperf3 -c 192.0.2.130 -u -b 8M -l 1000 -t 70 \
	-J >"$work/iperf3.json" 2>&1 || fail "iperf3"
read -r sent lost <<<"$(udp_loss "$work/iperf3.json")"
cleanup
for g in gw1 gw2; do
	grep "vpngw: IKE:" "$work/$g.log" | sed "s/^/$g: /"
done
stat() { # stat GW COUNTER: the IKE counter at the end
	grep "vpngw: IKE:" "$work/$1.log" | grep -o " $2 [0-9]*" | awk '{print $2}'
}
crekeys=$(stat gw2 child_rekeys) irekeys=$(stat gw2 ike_rekeys)
coll=$(($(stat gw1 collisions) + $(stat gw2 collisions)))
echo "iperf3 UDP: $sent packets sent, $lost lost, across $crekeys Child SA" \
	"and $irekeys IKE SA rekeys ($coll collisions resolved)"
[ "$sent" -gt 50000 ] || fail "iperf3 sent only $sent packets"
[ "$crekeys" -ge 20 ] || fail "only $crekeys Child SA rekeys"
[ "$irekeys" -ge 5 ] || fail "only $irekeys IKE SA rekeys"
[ "$lost" = 0 ] || fail "$lost packets lost across the rekeys"
for g in gw1 gw2; do
	grep -q "vpngw: IKE:.* illegal_state 0" "$work/$g.log" ||
		fail "$g: an illegal IKE state change was refused (a bug)"
done
grep -q "esp_in_drop 0 " "$work/gw2.log" ||
	fail "vpngw 2 dropped inbound ESP: $(grep -o 'esp_in_drop [0-9]*' "$work/gw2.log")"
echo "ok: no packet lost across $crekeys Child SA and $irekeys IKE SA rekeys"
exit 0
