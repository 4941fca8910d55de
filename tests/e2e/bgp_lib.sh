# BGP between vpngw and a customer gateway of strongSwan (both tunnels)
# and BIRD 2 or FRR, for tests/e2e/bgp.sh and tools/bench-bgp.sh
# (sourced after lib.sh and swan.sh).
#
#   host A ---- vpngw 1 (FRR) ==== underlay ==== charon + BIRD (G2) ---- host B
#   198.51.100.10                                  169.254.20.2, .21.2  192.0.2.130

# vpngw stops its FRR; if vpngw itself was killed, its daemons are
# stopped here, by the pids in their pid files (checked to be FRR's
# daemons on this run's directory).
test_cleanup() {
	local f p
	for f in "$work"/gw1.state/frr/*.pid; do
		[ -f "$f" ] || continue
		p=$(cat "$f")
		[[ $p =~ ^[0-9]+$ ]] || continue
		{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -q "$work" &&
			kill "$p" 2>/dev/null
	done
}

speaker=${CGW_SPEAKER:-bird}
cgw_asn=65010
[ "$speaker" = frr ] && cgw_asn=4200000010
PSK1=bgp.psk.tunnel.1
PSK2=bgp.psk.tunnel.2
# charon: each tunnel's selectors hold its inside /30 (its BGP session)
# and the networks; it initiates.
bgp_swan_conf() {
	swan_conf "aes128gcm16-sha256-ecp256 aes128gcm16-ecp256 start" \
		"aes128gcm16-sha256-ecp256 aes128gcm16-ecp256 start"
	sed -i -e '0,/local_ts = 192.0.2.128\/25/s||local_ts = 169.254.20.2/32, 192.0.2.128/25|' \
		-e '0,/remote_ts = 198.51.100.0\/24/s||remote_ts = 169.254.20.1/32, 198.51.100.0/24|' \
		"$swan/swanctl.conf"
	sed -i -e 's|local_ts = 192.0.2.128/25|local_ts = 169.254.21.2/32, 192.0.2.128/25|' \
		-e 's|remote_ts = 198.51.100.0/24|remote_ts = 169.254.21.1/32, 198.51.100.0/24|' \
		"$swan/swanctl.conf"
	[ "$(grep -c 169.254.2 "$swan/swanctl.conf")" = 4 ] || fail "swanctl.conf"
}

# bird_conf [PREPEND] [MANY] [SCALE]: PREPEND extra copies of our ASN on
# what session 1 announces (AWS: the CGW steers with AS_PATH
# prepending); MANY: session 1 also announces 101 more prefixes (past
# the maximum); SCALE: both sessions announce that many more /32s from
# 169.254.64.0/18 (at most 16,384). BIRD_BFD=1: BFD on both sessions
# (300 ms x 3).
bird_conf() {
	local prepend=${1:-0} many=${2:-0} scale=${3:-0} i
	{
		cat <<EOF
log "$work/cgw-bird.log" all;
router id 192.0.2.129;
protocol device {}
protocol direct { ipv4; interface "g2in"; }
protocol static { ipv4; route 192.0.2.192/27 blackhole; }
EOF
		if [ "$scale" -gt 0 ]; then
			echo "protocol static scale { ipv4;"
			/usr/bin/python3 -c '
import sys
for i in range(int(sys.argv[1])):
    print("  route 169.254.%d.%d/32 blackhole;" % (64 + i // 256, i % 256))' "$scale"
			echo "}"
		fi
		if [ "$many" = 1 ]; then
			echo "protocol static many { ipv4;"
			for i in $(seq 0 100); do echo "  route 192.0.2.$i/32 blackhole;"; done
			echo "}"
		fi
		cat <<EOF
$([ "${BIRD_BFD:-0}" = 1 ] && echo 'protocol bfd { interface "*" { min rx interval 300 ms; min tx interval 300 ms; multiplier 3; }; }')
template bgp aws {
  local as $exp_asn_yours;
  $([ "${BIRD_BFD:-0}" = 1 ] && echo 'bfd on;')
  hold time $exp_hold; keepalive time $exp_keepalive;
  connect retry time 5;
  ipv4 { import all; export where source ~ [RTS_DEVICE, RTS_STATIC] && proto != "many"; };
}
protocol bgp aws1 from aws {
  local $exp_local1; neighbor $exp_nb1 as $exp_asn_ours;
  ipv4 { import all; export filter {
    if source !~ [RTS_DEVICE, RTS_STATIC] then reject;
EOF
		for i in $(seq 1 "$prepend"); do echo "    bgp_path.prepend($cgw_asn);"; done
		echo "    accept; }; };"
		echo "}"
		echo "protocol bgp aws2 from aws { local $exp_local2; neighbor $exp_nb2 as $exp_asn_ours; }"
	} >"$work/cgw-bird.conf"
}

bird_reconf() { # bird_reconf PREPEND MANY: the CGW's new configuration
	bird_conf "$@"
	birdc -s "$work/cgw-bird.ctl" configure >"$work/cgw-bird.reconf" 2>&1 ||
		fail "birdc configure: $(cat "$work/cgw-bird.reconf")"
}

# tunnel N's ESP packets out of vpngw
esp_out() { tel gw1 /vpngw/tunnels "d['dc/$1']['out_packets']"; }

# The CGW's BGP comes from what vpngw's console exports for it: an
# operator's FRR takes "show customer-gateway-config dc frr" as it is
# (the test adds only its logs and a second network), BIRD is written
# from the values of the "generic" export (cgw_from_generic). Either
# way the sessions must come up against vpngw.
export_of() { # export_of FORMAT: the export's text, on stdout
	console "export-$1" "show customer-gateway-config dc $1"
	awk -v c="show customer-gateway-config dc $1" \
		'index($0, c) && !on {on=1; next} /^gw1[>#] /{on=0} on' \
		"$work/export-$1-console.txt"
}

cgw_from_generic() { # exp_* from the generic export's BGP lines
	local v
	export_of generic >"$work/export-generic.txt"
	v=$(awk '
		/^Tunnel [12]$/ { t = $2 }
		/Your ASN:/ { gsub(",", ""); print "exp_asn_yours=" $3 " exp_asn_ours=" $5 }
		/Neighbor:/ { gsub(",", ""); print "exp_nb" t "=" $2 " exp_local" t "=" $5 }
		/Hold time:/ { gsub(",", ""); print "exp_hold=" $3 " exp_keepalive=" $6 }
	' "$work/export-generic.txt" | sort -u | tr '\n' ' ')
	[[ $v =~ ^((exp_[a-z0-9_]+=[0-9.]+)\ )+$ ]] ||
		fail "the generic export's BGP lines: $(cat "$work/export-generic.txt")"
	eval "$v"
	echo "from the generic export: $v"
	[ "$exp_asn_yours" = "$cgw_asn" ] && [ "$exp_asn_ours" = 64512 ] &&
		[ "$exp_nb1" = 169.254.20.1 ] && [ "$exp_local2" = 169.254.21.2 ] ||
		fail "the generic export does not describe the sessions: $v"
}

frr_cgw_conf() {
	mkdir -p "$work/cgw-frr"
	cat >"$work/cgw-frr/zebra.conf" <<EOF
hostname cgw
log file $work/cgw-frr/zebra.log informational
EOF
	export_of frr >"$work/cgw-frr/export.conf"
	grep -q "^router bgp $cgw_asn\$" "$work/cgw-frr/export.conf" &&
		grep -q "^  network 192.0.2.128/25\$" "$work/cgw-frr/export.conf" ||
		fail "no FRR configuration in the export: $(cat "$work/cgw-frr/export.conf")"
	{
		echo "hostname cgw"
		echo "log file $work/cgw-frr/bgpd.log informational"
		cat "$work/cgw-frr/export.conf"
		# The test's own: a second network, with no route behind it.
		cat <<EOF
router bgp $cgw_asn
 no bgp network import-check
 address-family ipv4 unicast
  network 192.0.2.192/27
 exit-address-family
exit
EOF
	} >"$work/cgw-frr/bgpd.conf"
	echo "--- the CGW's bgpd.conf, from the FRR export"
	cat "$work/cgw-frr/bgpd.conf"
	chown -R frr:frr "$work/cgw-frr"
}

cgw_vty() { vtysh --vty_socket "$work/cgw-frr" -c "$*"; }

cgw_start() { # the CGW's BGP speaker in G2
	if [ "$speaker" = frr ]; then
		frr_cgw_conf
		for d in zebra bgpd; do
			ip netns exec "$G2" /usr/lib/frr/$d -f "$work/cgw-frr/$d.conf" \
				-i "$work/cgw-frr/$d.pid" -z "$work/cgw-frr/zserv.api" \
				--vty_socket "$work/cgw-frr" -P 0 \
				>"$work/cgw-frr/$d.out" 2>&1 &
			pids+=($!)
			sleep 0.5
		done
	else
		cgw_from_generic
		bird_conf
		ip netns exec "$G2" bird -f -c "$work/cgw-bird.conf" \
			-s "$work/cgw-bird.ctl" -P "$work/cgw-bird.pid" \
			>"$work/cgw-bird.out" 2>&1 &
		pids+=($!)
	fi
}

cgw_sessions_up() { # how many of the CGW's two sessions are Established
	if [ "$speaker" = frr ]; then
		cgw_vty "show bgp summary" 2>/dev/null |
			awk '/^169\.254\./ && $10 ~ /^[0-9]+$/ {n++} END {print n+0}'
	else
		birdc -s "$work/cgw-bird.ctl" show protocols 2>/dev/null |
			grep -c "^aws[12] .*Established"
	fi
}

cgw_has_inside_networks() { # the CGW's routes to 198.51.100.0/24
	if [ "$speaker" = frr ]; then
		cgw_vty "show bgp ipv4 unicast 198.51.100.0/24" 2>/dev/null |
			grep -c "from 169.254.2[01].1"
	else
		birdc -s "$work/cgw-bird.ctl" show route 198.51.100.0/24 all 2>/dev/null |
			grep -c "BGP.as_path: 64512"
	fi
}

cgw_session() { # cgw_session 1|2 down|up
	local n=$1 what=$2
	if [ "$speaker" = frr ]; then
		local nb=169.254.2$((n - 1)).1
		if [ "$what" = down ]; then
			vtysh --vty_socket "$work/cgw-frr" -c "configure terminal" \
				-c "router bgp $cgw_asn" -c "neighbor $nb shutdown" >/dev/null
		else
			vtysh --vty_socket "$work/cgw-frr" -c "configure terminal" \
				-c "router bgp $cgw_asn" -c "no neighbor $nb shutdown" >/dev/null
		fi
	else
		local verb=disable
		[ "$what" = up ] && verb=enable
		birdc -s "$work/cgw-bird.ctl" "$verb" "aws$n" >/dev/null
	fi
}


# vpngw's route to 192.0.2.128/25 from its telemetry: "SOURCE TUNNELS"
gw_route() {
	tel gw1 /vpngw/routes "' '.join(r['type'] + ' ' + r['tunnels'] for r in d.values() if isinstance(r, dict) and r['prefix'] == '192.0.2.128/25') or 'none'"
}
# bgp_setup [CONN_OPTIONS]: namespaces, underlay, charon's files and
# vpngw 1's configuration (connection dc, routing bgp; CONN_OPTIONS
# added to it).
bgp_setup() {
	# FRR runs as its own user: it must pass through the work directory.
	chmod 755 "$work"

	e2e_underlay_direct
	swan_router
	swan_write_conf

	cat >"$work/gw1.conf" <<EOF
appliance:
{
  name = "gw1";
  state_dir = "$work/gw1.state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "512",
              "--file-prefix", "vpngw-e2e-gw1-$id", "--log-level", "*:warning"];
  workers = [1];
  exception_iface = "vpngw0";
  bgp_asn = 64512;
  ports = (
    { name = "outside"; role = "outside";
      device = "net_af_packet10,iface=g1out,$AFP"; address = "203.0.113.1/24"; },
    { name = "inside"; role = "inside";
      device = "net_af_packet11,iface=g1in,$AFP"; address = "198.51.100.1/24"; }
  );
  outside_addresses = ["203.0.113.1", "203.0.113.11"];
  inside_networks = ["198.51.100.0/24"];
};
customer_gateways = ( { name = "cgw"; address = "203.0.113.2"; bgp_asn = ${cgw_asn}L; } );
vpn_connections = (
  { name = "dc"; customer_gateway = "cgw"; routing = "bgp";
    steering = "active-active"; ${1:-}
    tunnels = ( { inside_cidr = "169.254.20.0/30"; psk = "$PSK1"; },
                { inside_cidr = "169.254.21.0/30"; psk = "$PSK2"; } ); }
);
EOF
}


two_children() { [ "$(swan_installed)" -ge 2 ]; }
both_established() {
	grep -q "BGP dc/1 .*-> Established" "$work/gw1.log" &&
		grep -q "BGP dc/2 .*-> Established" "$work/gw1.log" &&
		[ "$(cgw_sessions_up)" = 2 ]
}
route_both() { [ "$(gw_route)" = "bgp 1,2" ]; }

# bgp_start: vpngw 1, charon (it initiates both tunnels) and the CGW's
# speaker; until both Child SAs and both BGP sessions are up.
bgp_start() {
	bgp_swan_conf
	swan_gw_start
	SWAN_INSIDE="169.254.20.2/30 169.254.21.2/30" swan_start
	cgw_start
	wait_for 60 "both Child SAs installed" two_children
	wait_for 90 "both BGP sessions Established (vpngw's log, the CGW's $speaker)" \
		both_established
	# FRR read every line of the exported configuration.
	if [ "$speaker" = frr ] && grep -iE "config line|no such command|unknown|error|invalid" "$work/cgw-frr/bgpd.out"; then
		fail "the CGW's bgpd refused lines of the FRR export"
	fi
}
