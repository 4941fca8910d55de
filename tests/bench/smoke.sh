#!/bin/bash
# The benchmark runner runs, peers and all, and writes its report: three
# small profiles, one per topology (memif beside ipsec-secgw, pcap with
# 100 tunnels beside ipsec-secgw and the physical floor, netns beside
# strongSwan). The figures
# are not judged (a benchmark is read by people, not timed by tests); the
# runner fails when any gateway forwards nothing, a profile is refused,
# or a process does not start, and the report must hold every case.
#
#   smoke.sh SOURCE_ROOT BUILD_ROOT
set -u
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; exit 1; }
mkdir "$work/profiles"
# memif: 5 trials, so that on a loaded machine the bisection still
# reaches a rate that loses nothing (2 could find none).
cat >"$work/profiles/memif.conf" <<'P'
profile: { name = "smoke-memif"; topology = "memif"; sizes = ["64"];
  trials = 5; peers = ["ipsec-secgw"]; default = true; };
P
cat >"$work/profiles/pcap.conf" <<'P'
profile: { name = "smoke-pcap"; topology = "pcap"; sizes = ["1420"];
  algorithms = ["aes128-sha1"]; tunnels = 100; peers = ["ipsec-secgw"];
  default = true; };
P
cat >"$work/profiles/netns.conf" <<'P'
profile: { name = "smoke-netns"; topology = "netns"; sizes = ["64"];
  directions = ["encrypt"]; trials = 5; peers = ["strongswan"];
  default = true; };
P
cat >"$work/profiles/off.conf" <<'P'
profile: { name = "not-default"; topology = "pcap"; };
P
"$src/tools/bench.py" --build "$build" --profiles-dir "$work/profiles" --list |
	tee "$work/list" || fail "--list"
grep -q "^not-default" "$work/list" && fail "--list shows a profile not in the default set"
# A bad profile is refused with its line, before anything runs.
printf 'profile: { name = "bad"; topology = "memif";\n tunnels = 5; };\n' \
	>"$work/profiles/bad.conf"
"$src/tools/bench.py" --build "$build" --profiles-dir "$work/profiles" \
	--out "$work/r0" >"$work/bad.out" 2>&1 && fail "a bad profile ran"
grep -q "bad.conf:2: error: tunnels" "$work/bad.out" || { cat "$work/bad.out"; fail "no FILE:LINE"; }
rm "$work/profiles/bad.conf"
# pcapgen refuses tunnels whose addresses would wrap, with a message.
/usr/bin/python3 "$src/tools/pcapgen.py" --size 64 --out "$work/x.pcap" \
	--dst 255.255.255.0 --tunnels 20 --dst-step 16 >"$work/wrap.out" 2>&1 &&
	fail "pcapgen wrapped addresses"
grep -q "past 255.255.255.255" "$work/wrap.out" || { cat "$work/wrap.out"; fail "pcapgen: no message"; }

"$src/tools/bench.py" --build "$build" --profiles-dir "$work/profiles" \
	--out "$work/report" >"$work/md" 2>"$work/progress" || {
	tail -30 "$work/progress"
	fail "the runner failed"
}
tail -5 "$work/progress"
cat "$work/md"
grep -q "\[10/10\]" "$work/progress" || fail "no progress lines"
/usr/bin/python3 - "$work/report" <<'PY' || fail "the report"
import json, os, sys
d = sys.argv[1]
r = json.load(open(os.path.join(d, "report.json")))
assert r["versions"]["git"] and r["versions"]["dpdk"] and r["machine"]["cpus"]
names = [p["profile"]["name"] for p in r["profiles"]]
assert names == ["smoke-memif", "smoke-netns", "smoke-pcap"], names
rows = {p["profile"]["name"]: p["rows"] for p in r["profiles"]}
assert len(rows["smoke-memif"]) == 2 and len(rows["smoke-pcap"]) == 2
assert len(rows["smoke-netns"]) == 1
for name, peer in (("smoke-memif", "ipsec-secgw"), ("smoke-pcap", "ipsec-secgw"),
                   ("smoke-netns", "strongswan")):
    for row in rows[name]:
        assert row["vpngw"]["mpps"] > 0 and row[peer]["mpps"] > 0, row
        assert row["ratio_" + peer] > 0, row
        if name != "smoke-pcap":
            assert row["vpngw"]["latency_us"]["p50"] > 0, row
        else:
            assert row["vpngw"]["per_tunnel_kpps"] > 0, row
            # the physical floor, measured in the same run: both parts,
            # and no more than what vpngw takes (no gateway beats it;
            # 1.2 for the noise of a shared machine)
            f = row["floor"]
            assert f["io_cycles"] > 0 and f["crypto_cycles"] > 0, row
            assert 0 < row["vpngw"]["floor_share"] < 1.2, row
md = open(os.path.join(d, "report.md")).read()
for s in ("vpngw/ipsec-secgw", "vpngw/strongswan", "kpps/tunnel", "## smoke-netns",
          "floor cyc (I/O + crypto)"):
    assert s in md, s
for png in ("throughput.png", "latency.png"):
    assert open(os.path.join(d, png), "rb").read(8) == b"\x89PNG\r\n\x1a\n", png
print("report: 3 profiles, 5 rows, ratios, plots")
PY
echo "ok: the runner ran every topology with its peer and wrote its report"
