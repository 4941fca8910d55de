#!/bin/bash
# Installs every Debian 12 package vpngw needs to build, test and run its
# demo, and prepares hugepages. Idempotent: run it as often as you like.
# Run as root. VPNGW_HUGEPAGES sets how many 2 MiB pages to reserve (512).
set -euo pipefail

packages=(
	# build
	build-essential pkg-config meson ninja-build
	libdpdk-dev dpdk libipsec-mb-dev libssl-dev libconfig-dev
	libcli-dev libcrypt-dev
	# tests: unit, interop (scapy, tshark), fuzzing (clang's libFuzzer)
	libcunit1-dev clang-format iproute2 procps util-linux
	python3-scapy tshark clang libclang-rt-14-dev
	# end-to-end tests in network namespaces
	iputils-ping ethtool iperf3 dpdk-dev nftables
	# a NAT that maps a customer gateway anew (its entries flushed)
	conntrack
	# tests/host checks what tools/vpngw-host touches with strace;
	# app-service verifies the unit with systemd-analyze
	strace systemd
	# the console's tests drive Debian's telnet client under expect
	telnet expect
	# the benchmark builds DPDK's ipsec-secgw from its source here and
	# plots its report
	dpdk-doc python3-matplotlib
	# dynamic routing: vpngw runs FRR (zebra, bgpd) as its BGP speaker;
	# the tests' customer gateways speak BGP with BIRD 2 or FRR
	frr bird2
	# certificates: tools/vpngw-pki.sh makes a CA and certificates
	openssl
	# IKEv2 interop: strongSwan with its userspace ESP (kernel-libipsec)
	strongswan-charon strongswan-swanctl libcharon-extra-plugins
	libstrongswan-standard-plugins libstrongswan-extra-plugins
)

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture: no.
	echo "wireshark-common wireshark-common/install-setuid boolean false" |
		debconf-set-selections
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
	# vpngw starts and supervises its own FRR daemons; the system-wide
	# service the package just enabled would run a second zebra beside
	# them. Only when this run installed FRR: one already there is the
	# administrator's.
	if [[ " ${missing[*]} " == *" frr "* ]]; then
		if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
			systemctl disable --now frr >/dev/null 2>&1 || true
		elif [ -x /etc/init.d/frr ]; then
			/etc/init.d/frr stop >/dev/null 2>&1 || true
		fi
	fi
fi

# Hugepages for production-like runs; tests and the demo use --no-huge, so
# a machine that can't reserve them still builds, tests and demos.
pages=${VPNGW_HUGEPAGES:-512}
nr=/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
if [ -w "$nr" ] && [ "$(cat "$nr")" -lt "$pages" ]; then
	echo "$pages" >"$nr" 2>/dev/null ||
		echo "setup: could not reserve $pages hugepages (fine for tests)"
fi
if [ -d /sys/kernel/mm/hugepages ] && ! grep -q hugetlbfs /proc/mounts; then
	mkdir -p /dev/hugepages
	mount -t hugetlbfs nodev /dev/hugepages 2>/dev/null ||
		echo "setup: could not mount hugetlbfs (fine for tests)"
fi
echo "setup: ready ($(cat "$nr" 2>/dev/null || echo 0) hugepages of 2 MiB)"
