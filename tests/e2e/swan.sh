# strongSwan as the customer gateway (sourced after lib.sh): charon 5.9
# with its userspace ESP (kernel-libipsec: this kernel has no XFRM, and
# libipsec always puts ESP in UDP 4500) in namespace G2, which routes host
# B's network (192.0.2.128/25) to vpngw 1's two outside addresses.
#
#   host A ---- vpngw 1 ======== underlay ======== charon (G2) ---- host B
#   198.51.100.10        203.0.113.1, .11        203.0.113.2   .129  192.0.2.130
#
# One charon per run with a private /run (its pid file is fixed), its own
# VICI socket and log under $work/swan.

swan=$work/swan

swan_router() { # G2 becomes a plain router with charon instead of vpngw 2
	ip -n "$G2" addr add 192.0.2.129/25 dev g2in
	ip -n "$G2" addr add 203.0.113.2/24 dev g2out
	ip netns exec "$G2" sysctl -qw net.ipv4.ip_forward=1 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.g2in.rp_filter=0 \
		net.ipv4.conf.g2out.rp_filter=0
	ip netns exec "$G2" ethtool -K g2out tx off >/dev/null
}

swan_write_conf() {
	mkdir -p "$swan/run"
	cat >"$swan/strongswan.conf" <<EOF
charon {
    # kernel-libipsec first (the ESP backend), kdf for key derivation,
    # and no bypass-lan (it would hijack the underlay route).
    load_modular = no
    load = random nonce openssl aes sha1 sha2 hmac gcm gmp kdf pem pkcs1 pkcs8 x509 pubkey constraints kernel-libipsec kernel-netlink socket-default vici
    install_virtual_ip = no
    # RSA signatures as RSASSA-PSS (RFC 7427) rather than PKCS#1 v1.5
    rsa_pss = ${SWAN_RSA_PSS:-no}
    retransmit_timeout = 2.0
    retransmit_base = 1.4
    retransmit_tries = ${SWAN_TRIES:-3}
    # IKE fragments (RFC 7383) no bigger than this
    fragment_size = ${SWAN_FRAG:-1280}
    plugins {
        vici {
            socket = unix://$swan/charon.vici
        }
    }
    filelog {
        charonlog {
            path = $swan/charon.log
            time_format = %H:%M:%S
            default = 1
            ike = 2
        }
    }
}
swanctl {
    socket = unix://$swan/charon.vici
    load = random openssl pem pkcs1 pkcs8 x509 pubkey
}
EOF
}

# swan_tunnel N VPNGW_ADDR IKE_PROPOSAL ESP_PROPOSAL START PSK [DPD_DELAY]
swan_tunnel() {
	cat <<EOF
    tun$1 {
        version = 2
        local_addrs = 203.0.113.2
        remote_addrs = $2
        proposals = $3
        dpd_delay = ${7:-0}s
        keyingtries = 0
        mobike = no
        local { auth = psk
                id = 203.0.113.2 }
        remote { auth = psk
                 id = $2 }
        children {
            tun$1 {
                local_ts = 192.0.2.128/25
                remote_ts = 198.51.100.0/24
                esp_proposals = $4
                start_action = $5
                dpd_action = ${SWAN_DPD_ACTION:-clear}
            }
        }
    }
EOF
}

# swan_conf T1_ARGS T2_ARGS: swanctl.conf with two tunnels (each "IKE ESP
# START" proposals) and their PSKs (PSK1, PSK2).
swan_conf() {
	{
		echo "connections {"
		# shellcheck disable=SC2086
		swan_tunnel 1 203.0.113.1 $1 "$PSK1" ${SWAN_DPD:-}
		# shellcheck disable=SC2086
		swan_tunnel 2 203.0.113.11 $2 "$PSK2" ${SWAN_DPD:-}
		cat <<EOF
}
secrets {
    ike-1 { id-a = 203.0.113.2
            id-b = 203.0.113.1
            secret = "$PSK1" }
    ike-2 { id-a = 203.0.113.2
            id-b = 203.0.113.11
            secret = "$PSK2" }
}
EOF
	} >"$swan/swanctl.conf"
}

sw() { STRONGSWAN_CONF=$swan/strongswan.conf swanctl "$@"; }

swan_start() { # start charon in G2, load swanctl.conf
	: >"$swan/charon.log"
	ip netns exec "$G2" sh -c "mount --bind '$swan/run' /run && STRONGSWAN_CONF='$swan/strongswan.conf' exec /usr/lib/ipsec/charon" \
		>"$swan/charon.stdout" 2>&1 &
	swan_pid=$!
	pids+=($swan_pid)
	for _ in $(seq 1 100); do
		[ -S "$swan/charon.vici" ] && ip -n "$G2" link show ipsec0 >/dev/null 2>&1 && break
		sleep 0.1
	done
	[ -S "$swan/charon.vici" ] || fail "charon did not start"
	# libipsec's routes in table 220 are not wanted: route A's network
	# into its TUN ourselves.
	ip -n "$G2" rule del pref 220 2>/dev/null
	ip -n "$G2" link set ipsec0 up
	ip -n "$G2" route replace 198.51.100.0/24 dev ipsec0 src 192.0.2.129
	# Tunnel inside addresses (BGP) before the connections: libipsec
	# installs no policy whose local selector holds none of ours.
	for a in ${SWAN_INSIDE:-}; do
		ip -n "$G2" addr add "$a" dev ipsec0
	done
	sw --load-all --file "$swan/swanctl.conf" >"$swan/load.log" 2>&1 ||
		fail "swanctl --load-all: $(cat "$swan/load.log")"
}

# swan_kill SIGNAL PID: SIGNAL, then SIGKILL when it is not gone in 5 s.
swan_kill() { kill_wait "$@"; }

swan_stop() {
	[ -n "${swan_pid:-}" ] || return 0
	swan_kill TERM "$swan_pid"
	swan_pid=
	rm -f "$swan/charon.vici"
}

swan_installed() { # how many CHILD_SAs charon has installed
	sw --list-sas 2>/dev/null | grep -c INSTALLED
}

swan_wait() { # swan_wait N SECONDS: until N CHILD_SAs are installed
	for _ in $(seq 1 $((10 * $2))); do
		[ "$(swan_installed)" -ge "$1" ] && return 0
		sleep 0.1
	done
	return 1
}

# swan_gw_conf T1 T2: vpngw 1's configuration facing charon (IKE tunnels
# with the options given, PSK1/PSK2 when set, the exception TAP, charon's
# networks as traffic selectors).
swan_gw_conf() {
	conf gw1 g1in 198.51.100.1/24 g1out 203.0.113.1/24 \
		'["203.0.113.1", "203.0.113.11"]' 203.0.113.2 192.0.2.128/25 \
		"${PSK1:+psk = \"$PSK1\"; }$1" "${PSK2:+psk = \"$PSK2\"; }$2" \
		>"$work/gw1.conf"
	sed -i -e "s|^  workers = \\[1\\];|& exception_iface = \"vpngw0\"; tunnel_log = \"$work/tunnel-log.json\"; metrics_listen = \"127.0.0.1:9464\";|" \
		-e 's|static_routes = \["192.0.2.128/25"\];|& local_networks = ["198.51.100.0/24"]; remote_networks = ["192.0.2.128/25"];|' \
		"$work/gw1.conf"
	grep -q exception_iface "$work/gw1.conf" &&
		grep -q remote_networks "$work/gw1.conf" || fail "gw1.conf"
}

# tunnel_log_check PYTHON: every line of vpngw's tunnel log (appended by
# every round) is JSON with AWS's fields and states, and the Python
# expression PYTHON holds over L (the lines, as dicts).
tunnel_log_check() {
	/usr/bin/python3 - "$work/tunnel-log.json" "$1" <<'PY'
import json, sys
states = {"Established", "Rekeying", "Negotiating", "Down"}
fields = {"VpnLogCreationTimestamp": str, "VpnConnectionId": str, "TunnelName": str,
          "TunnelOutsideIPAddress": str, "TunnelCGWOutsideIPAddress": str,
          "TunnelDPDEnabled": bool, "TunnelCGWNATTDetectionStatus": bool,
          "TunnelIKEPhase1State": str, "TunnelIKEPhase2State": str, "VpnLogDetail": str}
L = [json.loads(l) for l in open(sys.argv[1])]
for d in L:
    assert set(d) == set(fields), d
    assert all(isinstance(d[k], t) for k, t in fields.items()), d
    assert d["TunnelIKEPhase1State"] in states and d["TunnelIKEPhase2State"] in states, d
    assert d["VpnConnectionId"] == "e2e" and d["TunnelName"] in ("e2e/1", "e2e/2"), d
if not eval(sys.argv[2]):
    sys.exit("tunnel log: not %s" % sys.argv[2])
print("tunnel log: %d JSON lines with AWS's fields; %s" % (len(L), sys.argv[2]))
PY
}

# swan_gw_start [PATTERN]: check and start vpngw 1, wait (30 s at most:
# a loaded machine) until its log shows PATTERN ("vpngw: running").
swan_gw_start() {
	local want=${1:-vpngw: running}
	"$vpngw" -n "$work/gw1.conf" >/dev/null || fail "gw1.conf does not check"
	ip netns exec "$G1" "$vpngw" "$work/gw1.conf" >"$work/gw1.log" 2>&1 &
	gw_pid=$!
	pids+=($gw_pid)
	for _ in $(seq 1 300); do
		if grep -q "$want" "$work/gw1.log"; then
			grep -q "vpngw: running" "$work/gw1.log" || return 0
			# Running: its privileges are dropped (every thread),
			# and it has seen its links up (lib.sh: e2e_start).
			[ "$(privs_dropped "$gw_pid")" = ok ] ||
				fail "vpngw kept more than it needs: $(privs_dropped "$gw_pid")"
			wait_for 30 "vpngw 1's links up" links_up "$work/gw1.log"
			return 0
		fi
		sleep 0.1
	done
	fail "vpngw 1 did not log '$want' within 30 s"
}

swan_gw_stop() { # SIGINT (final counters), SIGKILL after 5 s
	swan_kill INT "$gw_pid"
}
