#!/bin/bash
# IKEv2 interop with strongSwan 5.9 as the customer gateway, both tunnels
# of a connection, PSK, in rounds that change who initiates and which
# algorithms are allowed (AWS's minimum AES128-SHA1-DH2 up to
# AES256-GCM-16 with DH21). Each round: both Child SAs come up with the
# algorithms asked for (checked in charon's own listing), ESP runs in UDP
# 4500 (libipsec always encapsulates; vpngw sees the NAT it fakes), host A
# pings host B and runs iperf3 through the tunnels; then charon deletes
# tunnel 1 and vpngw steers onto tunnel 2 without being told anything else.
#
#   host A ---- vpngw 1 ======== underlay ======== charon (G2) ---- host B
#   198.51.100.10  |  .1          203.0.113.1, .11   203.0.113.2  |  192.0.2.130
#
#   strongswan.sh VPNGW [WORKDIR]
. "$(dirname "$0")/lib.sh" "$@"
. "$(dirname "$0")/swan.sh"

e2e_underlay_direct
swan_router
swan_write_conf
PSK1=interop.psk.tunnel.1
PSK2=interop.psk.tunnel.2

ip netns exec "$B" iperf3 -s -B 192.0.2.130 >"$work/iperf3-server.log" 2>&1 &
pids+=($!)

# round NAME "VPNGW T1 OPTIONS" "VPNGW T2 OPTIONS" "CHARON T1" "CHARON T2"
#       IKE1 ESP1 IKE2 ESP2 (what charon must list for each tunnel)
round() {
	local name=$1
	echo "=== round $name"
	swan_gw_conf "$2" "$3"
	swan_write_conf
	swan_conf "$4" "$5"
	swan_gw_start
	swan_start
	swan_wait 2 30 || fail "$name: charon has $(swan_installed) of 2 CHILD_SAs"
	sw --list-sas >"$work/sas-$name.txt"
	grep -E "ESTABLISHED|INSTALLED|AES|in  |out " "$work/sas-$name.txt"
	for t in 1 2; do
		local ike esp
		[ $t = 1 ] && ike=$6 esp=$7 || ike=$8 esp=$9
		awk "/^tun$t: /,/^tun$((3 - t)): /" "$work/sas-$name.txt" >"$work/sas-$name-$t.txt"
		grep -q "$ike" "$work/sas-$name-$t.txt" ||
			fail "$name: tunnel $t IKE SA is not $ike"
		grep -q "INSTALLED, TUNNEL-in-UDP.*ESP:$esp" "$work/sas-$name-$t.txt" ||
			fail "$name: tunnel $t Child SA is not ESP-in-UDP $esp"
	done
	for _ in $(seq 1 50); do
		grep -q "tunnel e2e/2: down -> up" "$work/gw1.log" &&
			grep -q "tunnel e2e/1: down -> up" "$work/gw1.log" && break
		sleep 0.1
	done
	local n
	n=$(pings 10)
	echo "$name: ping host A -> host B: $n of 10"
	[ "$n" -ge 8 ] || fail "$name: ping through the tunnels: $n of 10"
	ip netns exec "$A" timeout 20 iperf3 -c 192.0.2.130 -t 2 -P 2 -J \
		>"$work/iperf3-$name.json" 2>&1 || fail "$name: iperf3"
	/usr/bin/python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print("%s: iperf3 %.0f Mbit/s, %d retransmits" % (sys.argv[2],
      d["end"]["sum_received"]["bits_per_second"] / 1e6,
      d["end"]["sum_sent"].get("retransmits", 0)))' "$work/iperf3-$name.json" "$name"
	# charon deletes tunnel 1: vpngw takes it out, traffic goes on over
	# tunnel 2 (charon routes by its remaining Child SA).
	sw --terminate --ike tun1 >/dev/null 2>&1
	for _ in $(seq 1 50); do
		grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" && break
		sleep 0.1
	done
	grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" ||
		fail "$name: vpngw did not take tunnel 1 down on DELETE"
	n=$(pings 10)
	echo "$name: after tunnel 1 was deleted: $n of 10 over tunnel 2"
	[ "$n" -ge 8 ] || fail "$name: tunnel 2 alone: $n of 10"
	swan_stop
	swan_gw_stop
	grep "vpngw: IKE:" "$work/gw1.log"
	grep -q "malformed 0 .*bad_icv 0 .*auth_failed 0" "$work/gw1.log" ||
		fail "$name: vpngw dropped IKE messages"
	if [ -n "${SWAN_FRAG:-}" ]; then
		local f
		f=$(grep "vpngw: IKE:" "$work/gw1.log" | grep -o " fragments_received [0-9]*" | awk '{print $2}')
		echo "$name: charon's fragments of $SWAN_FRAG bytes reassembled: $f"
		[ "${f:-0}" -gt 0 ] || fail "$name: no IKE fragments from charon"
	fi
	cp "$work/gw1.log" "$work/gw1-$name.log"
	cp "$swan/charon.log" "$work/charon-$name.log"
}

# AWS's minimum and a common set; vpngw responds (charon starts).
round responder \
	'phase1_encryption = ["AES128"]; phase1_integrity = ["SHA1"]; phase1_dh_groups = [2]; phase2_encryption = ["AES128"]; phase2_integrity = ["SHA1"];' \
	'phase1_encryption = ["AES256"]; phase1_integrity = ["SHA2-256"]; phase1_dh_groups = [14]; phase2_encryption = ["AES256"]; phase2_integrity = ["SHA2-256"];' \
	"aes128-sha1-modp1024 aes128-sha1 start" \
	"aes256-sha256-modp2048 aes256-sha256 start" \
	"AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024" "AES_CBC-128/HMAC_SHA1_96" \
	"AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048" "AES_CBC-256/HMAC_SHA2_256_128"
# GCM with ECP groups; vpngw initiates (its default lists, lowest
# first: charon's single proposal decides, after INVALID_KE_PAYLOAD).
round initiator \
	'startup_action = "start"; phase1_encryption = ["AES128-GCM-16"]; phase1_integrity = ["SHA2-256"]; phase1_dh_groups = [19]; phase2_encryption = ["AES128-GCM-16"];' \
	'startup_action = "start";' \
	"aes128gcm16-prfsha256-ecp256 aes128gcm16 none" \
	"aes256gcm16-prfsha384-ecp384 aes256gcm16 none" \
	"AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256" "AES_GCM_16-128" \
	"AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384" "AES_GCM_16-256"
# Mixed roles: ECP-521 with GCM-256 answered, MODP-2048/256 (group 24)
# with SHA2-512 initiated; charon sends IKE fragments (RFC 7383) of 300
# bytes, which vpngw reassembles.
SWAN_FRAG=300 round mixed \
	'phase1_encryption = ["AES256-GCM-16"]; phase1_integrity = ["SHA2-512"]; phase1_dh_groups = [21];' \
	'startup_action = "start"; phase1_encryption = ["AES256"]; phase1_integrity = ["SHA2-512"]; phase1_dh_groups = [24]; phase2_encryption = ["AES256"]; phase2_integrity = ["SHA2-512"];' \
	"aes256gcm16-prfsha512-ecp521 aes256gcm16 start" \
	"aes256-sha512-modp2048s256 aes256-sha512 none" \
	"AES_GCM_16-256/PRF_HMAC_SHA2_512/ECP_521" "AES_GCM_16-256" \
	"AES_CBC-256/HMAC_SHA2_512_256/PRF_HMAC_SHA2_512/MODP_2048_256" "AES_CBC-256/HMAC_SHA2_512_256"

# Rekeying with strongSwan both ways while a UDP stream runs: charon
# rekeys tunnel 1 (its Child SA every ~10 s, its IKE SA every ~25 s) and
# vpngw answers; vpngw rekeys tunnel 2 (lab lifetimes) and charon answers.
# Nothing may be lost.
echo "=== round rekey"
swan_gw_conf "" 'startup_action = "start"; lab_phase1_lifetime = 24; lab_phase2_lifetime = 8; lab_rekey_margin = 2;'
swan_conf "aes128gcm16-prfsha256-ecp256 aes128gcm16-ecp256 start" \
	"aes128gcm16-prfsha256-ecp256 aes128gcm16-ecp256 none"
sed -i -e '/^    tun1 {/,/^    }/s|keyingtries = 0|&\n        rekey_time = 25s\n        rand_time = 2s|' \
	-e '/^    tun1 {/,/^    }/s|start_action = start|&\n                rekey_time = 10s\n                rand_time = 2s|' \
	"$swan/swanctl.conf"
grep -q "rekey_time = 10s" "$swan/swanctl.conf" || fail "rekey: swanctl.conf"
swan_gw_start
swan_start
swan_wait 2 30 || fail "rekey: charon has $(swan_installed) of 2 CHILD_SAs"
for _ in $(seq 1 50); do
	[ "$(grep -c "down -> up" "$work/gw1.log")" -ge 2 ] && break
	sleep 0.1
done
ip netns exec "$A" timeout 80 iperf3 -c 192.0.2.130 -u -b 4M -l 1000 -t 45 \
	-J >"$work/iperf3-rekey.json" 2>&1 || fail "rekey: iperf3"
read -r sent lost <<<"$(udp_loss "$work/iperf3-rekey.json")"
# The tunnel's counters count across its rekeys: every packet iperf3
# sent went out on tunnel 1, over every Child SA it had.
out1=$(tel gw1 /vpngw/tunnels "d['e2e/1']['out_packets']")
# The same from the Prometheus endpoint (every line well formed).
prom1=$(ip netns exec "$G1" /usr/bin/python3 - <<'PY'
import re, urllib.request
b = urllib.request.urlopen("http://127.0.0.1:9464/metrics", timeout=10).read().decode()
v = {}
for l in b.splitlines():
    if l.startswith("#"):
        assert re.match(r"# (HELP|TYPE) vpngw_\w+ ", l), l
        continue
    m = re.fullmatch(r'(vpngw_\w+)(\{[^}]*\})? (\d+)', l)
    assert m, l
    v[m.group(1) + (m.group(2) or "")] = int(m.group(3))
print(v['vpngw_tunnel_data_out_packets_total{connection="e2e",tunnel="e2e/1"}'],
      v['vpngw_tunnel_state{connection="e2e",tunnel="e2e/2"}'],
      v['vpngw_port_link_up{port="outside",role="outside"}'],
      v['vpngw_port_link_up{port="inside",role="inside"}'])
PY
)
swan_stop
swan_gw_stop
grep "vpngw: IKE:" "$work/gw1.log"
cr=$(grep "vpngw: IKE:" "$work/gw1.log" | grep -o " child_rekeys [0-9]*" | awk '{print $2}')
ir=$(grep "vpngw: IKE:" "$work/gw1.log" | grep -o " ike_rekeys [0-9]*" | awk '{print $2}')
cp "$work/gw1.log" "$work/gw1-rekey.log"
cp "$swan/charon.log" "$work/charon-rekey.log"
echo "rekey: iperf3 UDP $sent packets, $lost lost, across $cr Child SA and $ir IKE SA rekeys"
[ "$cr" -ge 6 ] || fail "rekey: only $cr Child SA rekeys"
[ "$ir" -ge 2 ] || fail "rekey: only $ir IKE SA rekeys"
[ "$sent" -gt 20000 ] || fail "rekey: iperf3 sent $sent"
[ "$lost" = 0 ] || fail "rekey: $lost packets lost"
echo "rekey: tunnel e2e/1 sent $out1 ESP packets over its Child SAs"
[ "$out1" -ge "$sent" ] || fail "rekey: tunnel 1's counters did not count across rekeys ($out1 < $sent)"
echo "rekey: Prometheus endpoint: e2e/1 data out packets, e2e/2 state, outside and inside links: $prom1"
read -r p_out p_state p_lout p_lin <<<"$prom1"
[ "${p_out:-0}" -ge "$sent" ] && [ "${p_state:-0}" = 1 ] &&
	[ "${p_lout:-0}" = 1 ] && [ "${p_lin:-0}" = 1 ] ||
	fail "rekey: the metrics endpoint ($prom1)"
tunnel_log_check 'any(d["TunnelName"] == "e2e/2" and "rekeying Child SA" in d["VpnLogDetail"] and d["TunnelIKEPhase2State"] == "Rekeying" and d["TunnelIKEPhase1State"] == "Established" and d["TunnelDPDEnabled"] and d["TunnelCGWNATTDetectionStatus"] and d["TunnelOutsideIPAddress"] == "203.0.113.11" and d["TunnelCGWOutsideIPAddress"] == "203.0.113.2" for d in L)' ||
	fail "rekey: the tunnel log"
grep -q "malformed 0 .*bad_icv 0 .*auth_failed 0" "$work/gw1.log" ||
	fail "rekey: vpngw dropped IKE messages"

# DPD: charon's tunnel 1 goes silent (every packet between it and vpngw's
# 203.0.113.1 dropped in G2): vpngw declares the peer dead after DPD
# (10 s idle, dpd_timeout 30 s), takes the tunnel out, traffic runs on
# tunnel 2; with dpd_action restart vpngw brings tunnel 1 back itself once
# the path heals.
echo "=== round dpd"
swan_gw_conf 'dpd_action = "restart";' ""
SWAN_DPD=5 swan_conf "aes128-sha256-modp2048 aes128-sha256 start" \
	"aes128-sha256-modp2048 aes128-sha256 start"
swan_gw_start
swan_start
swan_wait 2 30 || fail "dpd: charon has $(swan_installed) of 2 CHILD_SAs"
sleep 1
[ "$(pings 5)" -ge 4 ] || fail "dpd: no ping before the cut"
ip netns exec "$G2" nft -f - <<'NFT' || fail "dpd: nft"
table inet cut {
	chain in { type filter hook input priority -10; ip saddr 203.0.113.1 drop; }
	chain out { type filter hook output priority -10; ip daddr 203.0.113.1 drop; }
}
NFT
t0=$SECONDS
for _ in $(seq 1 600); do
	grep -q "ike e2e/1: DPD: no answer" "$work/gw1.log" && break
	sleep 0.1
done
grep -q "ike e2e/1: DPD: no answer" "$work/gw1.log" || fail "dpd: vpngw never declared tunnel 1's peer dead"
echo "dpd: tunnel 1's peer declared dead $((SECONDS - t0)) s after the cut"
grep -q "tunnel e2e/1: up -> down" "$work/gw1.log" || fail "dpd: tunnel 1 still in steering"
n=$(pings 10)
echo "dpd: ping over tunnel 2 alone: $n of 10"
[ "$n" -ge 8 ] || fail "dpd: traffic did not move to tunnel 2 ($n of 10)"
ip netns exec "$G2" nft delete table inet cut
t0=$SECONDS
for _ in $(seq 1 900); do
	[ "$(grep -c "tunnel e2e/1: down -> up" "$work/gw1.log")" -ge 2 ] && break
	sleep 0.1
done
[ "$(grep -c "tunnel e2e/1: down -> up" "$work/gw1.log")" -ge 2 ] ||
	fail "dpd: tunnel 1 did not come back (restart)"
echo "dpd: tunnel 1 back $((SECONDS - t0)) s after the path healed"
tunnel_log_check 'any("DPD: no answer" in d["VpnLogDetail"] and d["TunnelName"] == "e2e/1" for d in L) and any(d["VpnLogDetail"].startswith("tunnel e2e/1: up -> down") and d["TunnelIKEPhase2State"] != "Established" for d in L) and L[-1]["TunnelIKEPhase2State"] in ("Established", "Negotiating")' ||
	fail "dpd: the tunnel log"
swan_stop
swan_gw_stop
cp "$work/gw1.log" "$work/gw1-dpd.log"

cleanup
echo "ok: IKEv2 with strongSwan: 3 rounds, both roles, 6 algorithm sets, ping, iperf3, DELETE; rekeys both ways with nothing lost; DPD with restart"
exit 0
