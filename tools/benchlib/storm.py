"""The rekey-storm benchmark's Python half (tools/bench-rekey-storm.sh):
the two gateways' configurations, a sampler of their counters over DPDK
telemetry, and the report.

  storm.py conf WORK ID TUNNELS NOUT LIFETIME MARGIN
  storm.py sample WORK ID TUNNELS SECONDS   (until SECONDS have passed)
  storm.py report WORK ID TUNNELS SIZE GEN_JSON

Tunnel t of vpngw 1 (the appliance measured) is outside address
o = t % NOUT to vpngw 2's c = (t // NOUT + t % NOUT) % NOUT: every pair
once, and a connection's two tunnels (t = 2k, 2k + 1) on two addresses at
either end, as each side's checker asks. Connection k's network behind
vpngw 2 is the k-th /28 of 169.254.128.0/17, routed over both tunnels
(active-active, flows hashed).
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))
from benchlib.processes import Telemetry  # noqa: E402

AFP = "framesz=8192,blocksz=8192,qdisc_bypass=0"
PSK = "storm.psk"


def ours(o):
    return "203.0.113.%d" % (1 + o)


def theirs(c):
    return "203.0.113.%d" % (101 + c)


def net(k):
    a = (169 << 24) | (254 << 16) | (128 << 8)
    a += 16 * k
    return "%d.%d.%d.%d/28" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def ends(t, nout):
    return t % nout, (t // nout + t % nout) % nout


def appliance(work, ident, name, lcores, sleep, frames, out_if, out_addr,
              outs, in_if, in_addr, extra):
    afp = "%s,framecnt=%d" % (AFP, frames)
    return """appliance:
{
  name = "%s";
  state_dir = "%s/%s.state";
  eal_args = ["--no-huge", "--no-shconf", "-m", "1024", "--lcores", "%s",
              "--file-prefix", "vpngw-e2e-%s-%s", "--log-level", "*:warning"];
  workers = [1];
  worker_idle_sleep = %d;
  exception_iface = "vpngw0";
  ports = (
    { name = "outside"; role = "outside";
      device = "net_af_packet%s0,iface=%s,%s"; address = "%s/24"; },
    { name = "inside"; role = "inside";
      device = "net_af_packet%s1,iface=%s,%s"; address = "%s"; %s }
  );
  outside_addresses = [%s];
};
""" % (name, work, name, lcores, name, ident, sleep, name[-1], out_if, afp,
       out_addr, name[-1], in_if, afp, in_addr, extra,
       ", ".join('"%s"' % a for a in outs))


def conf(work, ident, tunnels, nout, life, margin):
    conns = tunnels // 2
    algs = ('phase1_encryption = ["AES128-GCM-16"]; '
            'phase1_integrity = ["SHA2-256"]; phase1_dh_groups = [19]; '
            'phase2_encryption = ["AES128-GCM-16"]; phase2_dh_groups = [19];')
    # vpngw 1: the appliance measured; its Child SAs live LIFE seconds
    # and are rekeyed MARGIN to twice MARGIN before they end. It starts
    # every tunnel; its worker has CPU 1 to itself, and rings of 4096
    # frames as a NIC's (with 512, 10 ms at 50,000 packets a second,
    # other work on CPU 1 preempting the worker lost packets once).
    g1 = [appliance(work, ident, "gw1", "0@0,1@1", 0, 4096, "g1out", ours(0),
                    [ours(o) for o in range(nout)], "g1in",
                    "198.51.100.1/24", "")]
    g1.append('customer_gateways = ( { name = "cgw"; address = "%s"; } );'
              % theirs(0))
    g1.append("vpn_connections = (")
    # vpngw 2: every customer gateway, with the default lifetimes (it
    # never rekeys first); what it decrypts goes to host B, its inside
    # port's gateway. Its worker shares CPU 0 (with the generator and
    # both control cores) and naps while idle: its rings hold 4096
    # frames, 80 ms at 50,000 packets a second, where the default 512
    # overflow while the control cores take CPU 0 for the rekeys.
    g2 = [appliance(work, ident, "gw2", "0@0,1@0", 100, 4096, "g2out",
                    theirs(0),
                    [theirs(c) for c in range(nout)], "g2in",
                    "192.0.2.129/25",
                    'gateway = "192.0.2.130"; '
                    'static_arp = ["192.0.2.130 02:00:00:00:0b:01"];')]
    g2.append('customer_gateways = ( { name = "cgw"; address = "%s"; } );'
              % ours(0))
    g2.append("vpn_connections = (")
    for k in range(conns):
        t1, t2 = [], []
        for t in (2 * k, 2 * k + 1):
            o, c = ends(t, nout)
            psk = "%s.%d" % (PSK, t)
            t1.append('{ outside_address = "%s"; remote_address = "%s"; '
                      'psk = "%s"; startup_action = "start"; %s '
                      'lab_phase2_lifetime = %d; lab_rekey_margin = %d; '
                      'rekey_fuzz = 100; }'
                      % (ours(o), theirs(c), psk, algs, life, margin))
            t2.append('{ outside_address = "%s"; remote_address = "%s"; '
                      'psk = "%s"; %s }' % (theirs(c), ours(o), psk, algs))
        sep = "," if k < conns - 1 else ""
        g1.append('  { name = "c%d"; customer_gateway = "cgw"; '
                  'static_routes = ["%s"]; steering = "active-active";\n'
                  '    tunnels = ( %s,\n      %s ); }%s'
                  % (k, net(k), t1[0], t1[1], sep))
        g2.append('  { name = "c%d"; customer_gateway = "cgw"; '
                  'static_routes = [];\n    tunnels = ( %s,\n      %s ); }%s'
                  % (k, t2[0], t2[1], sep))
    for name, lines in (("gw1", g1), ("gw2", g2)):
        lines.append(");")
        with open(os.path.join(work, name + ".conf"), "w") as f:
            f.write("\n".join(lines) + "\n")


def sample(work, ident, tunnels, seconds):
    """Both gateways' counters every 0.25 s, one JSON line each."""
    # The IKE counters come with every page of tunnels: the last one
    # (a single tunnel) is the shortest.
    last = "/vpngw/ike,%d" % (tunnels - 1)
    tels = {}
    for g in ("gw1", "gw2"):
        tels[g] = Telemetry("vpngw-e2e-%s-%s" % (g, ident), 30)
    # Each tunnel's Child SA now, to tell which ones were rekeyed.
    with open(os.path.join(work, "tunnels0.json"), "w") as out:
        json.dump(tunnels_of(tels["gw1"]), out)
    end = time.time() + seconds
    with open(os.path.join(work, "samples.jsonl"), "w") as out:
        while time.time() < end:
            row = {"t": time.time()}
            for g, tel in tels.items():
                s = tel.get("/vpngw/stats")
                i = tel.get(last)
                row[g] = {"outside_rx": s["outside_rx"],
                          "outside_tx": s["outside_tx"],
                          "inside_rx": s["inside_rx"],
                          "inside_tx": s["inside_tx"],
                          "drops": s["tunnel_down"] + s["no_route"] +
                          s["esp_out_drop"] + s["esp_in_drop"] +
                          s["tx_full"],
                          "esp_in_drop": s["esp_in_drop"],
                          "child_rekeys": i["child_rekeys"],
                          "child_up": i["child_up"]}
            out.write(json.dumps(row) + "\n")
            out.flush()
            time.sleep(0.25)
    for tel in tels.values():
        tel.close()


def tunnels_of(tel):
    """Every tunnel of a gateway from /vpngw/ike's pages."""
    out, first = {}, 0
    while True:
        d = tel.get("/vpngw/ike,%d" % first)
        for k, v in d.items():
            if isinstance(v, dict) and "child_sa" in v:
                out[v.get("name", k)] = v
        if "next" not in d:
            return out
        first = d["next"]


def rate(rows, g, key, a, b):
    """Packets per second of counter key between times a and b."""
    sel = [r for r in rows if a <= r["t"] <= b]
    if len(sel) < 2 or sel[-1]["t"] - sel[0]["t"] <= 0:
        return None
    return (sel[-1][g][key] - sel[0][g][key]) / (sel[-1]["t"] - sel[0]["t"])


def lowest(rows, g, key, a, b):
    """The lowest rate of counter key over one second between a and b."""
    sel = [r for r in rows if a <= r["t"] <= b]
    low, j = None, 0
    for r in sel:
        while sel[j]["t"] < r["t"] - 1.0:
            j += 1
        if j > 0 and r["t"] - sel[j - 1]["t"] >= 1.0:
            p = sel[j - 1]
            v = (r[g][key] - p[g][key]) / (r["t"] - p["t"])
            low = v if low is None else min(low, v)
    return low


def fmt(v):
    return "%12s" % ("-" if v is None else "%.0f" % v)


def report(work, ident, tunnels, size, gen_json):
    rows = [json.loads(l) for l in open(os.path.join(work, "samples.jsonl"))]
    gen = json.loads(open(gen_json).read().splitlines()[-1])
    fails = []
    # The traffic: the samples where vpngw 1 took packets in, less the
    # first and the last second (the generator starting and draining).
    moving = [r for i, r in enumerate(rows) if i > 0 and
              r["gw1"]["inside_rx"] > rows[i - 1]["gw1"]["inside_rx"]]
    if len(moving) < 2:
        print("FAIL: no traffic went through vpngw 1")
        return 1
    g0, g1 = moving[0]["t"] + 1, moving[-1]["t"] - 1
    trows = [r for r in rows if g0 <= r["t"] <= g1]
    k0 = trows[0]["gw1"]["child_rekeys"]
    k1 = trows[-1]["gw1"]["child_rekeys"]
    # The storm: from the first rekey under traffic to the last.
    rk = [i for i, r in enumerate(trows) if r["gw1"]["child_rekeys"] > k0]
    if not rk:
        fails.append("no Child SA was rekeyed while the generator sent")
        s0 = s1 = g1
    else:
        s0 = trows[rk[0] - 1]["t"] if rk[0] > 0 else g0
        s1 = next(r["t"] for r in trows if r["gw1"]["child_rekeys"] == k1)
    peak, j = 0, 0
    for r in trows:
        while trows[j]["t"] < r["t"] - 1.0:
            j += 1
        peak = max(peak, r["gw1"]["child_rekeys"] -
                   trows[j]["gw1"]["child_rekeys"])

    tel = Telemetry("vpngw-e2e-gw1-%s" % ident, 10)
    per = tunnels_of(tel)
    tel.close()
    before = json.load(open(os.path.join(work, "tunnels0.json")))
    idle = [n for n, v in per.items() if v.get("out_packets", 0) == 0]
    same = [n for n, v in per.items()
            if n not in before or before[n]["spi_in"] == v["spi_in"]]

    print("rekey storm: %d tunnels, %d Child SA rekeys by vpngw 1 while "
          "the generator sent, from %.1f s to %.1f s of it (%.0f/s on "
          "average, %d in the busiest second); %d tunnels rekeyed"
          % (len(per), k1 - k0, s0 - g0 + 1, s1 - g0 + 1,
             (k1 - k0) / (s1 - s0) if s1 > s0 else 0, peak,
             len(per) - len(same)))
    print("generator: offered %s packets of %s B at %s/s; received %s, "
          "lost %s, reordered %s, duplicated %s; latency p50 %s us, "
          "p99 %s us, max %s us"
          % (gen.get("sent"), size, gen.get("asked_pps"),
             gen.get("received"), gen.get("lost"), gen.get("reordered"),
             gen.get("duplicates"), gen["lat_us"]["p50"],
             gen["lat_us"]["p99"], gen["lat_us"]["max"]))
    print("%-28s %12s %12s %12s %12s" % ("packets/s", "before", "during",
                                          "lowest 1 s", "after"))
    for g, key, what in (("gw1", "inside_rx", "vpngw 1 in (plaintext)"),
                         ("gw1", "outside_tx", "vpngw 1 out (ESP)"),
                         ("gw2", "outside_rx", "vpngw 2 in (ESP)"),
                         ("gw2", "inside_tx", "vpngw 2 out (plaintext)")):
        print("%-28s%s%s%s%s"
              % (what, fmt(rate(rows, g, key, g0, s0)),
                 fmt(rate(rows, g, key, s0, s1)),
                 fmt(lowest(rows, g, key, s0, s1)),
                 fmt(rate(rows, g, key, s1, g1) if g1 - s1 >= 1 else None)))
    d1 = rows[-1]["gw1"]["drops"] - rows[0]["gw1"]["drops"]
    d2 = rows[-1]["gw2"]["drops"] - rows[0]["gw2"]["drops"]
    print("drops while sending: vpngw 1 %d, vpngw 2 %d (tunnel_down, "
          "no_route, esp_out_drop, esp_in_drop, tx_full)" % (d1, d2))
    # Where packets went missing (IKE is in the port counters too, the
    # same both ways): what a hop sent less what the next one took.
    def gone(g, key, h, key2):
        return (rows[-1][g][key] - rows[0][g][key]) - \
            (rows[-1][h][key2] - rows[0][h][key2])
    print("missing between hops: generator -> vpngw 1 %d, vpngw 1 -> "
          "vpngw 2 %d (the link and vpngw 2's receive ring), vpngw 2 -> "
          "generator %d"
          % (gen.get("sent", 0) - (rows[-1]["gw1"]["inside_rx"] -
                                   rows[0]["gw1"]["inside_rx"]),
             gone("gw1", "outside_tx", "gw2", "outside_rx") -
             gone("gw2", "outside_tx", "gw1", "outside_rx"),
             (rows[-1]["gw2"]["inside_tx"] - rows[0]["gw2"]["inside_tx"]) -
             gen.get("received", 0)))
    if len(per) != tunnels:
        fails.append("vpngw 1 reports %d tunnels, not %d" % (len(per), tunnels))
    if idle:
        fails.append("%d tunnels carried nothing (%s...)"
                     % (len(idle), ", ".join(sorted(idle)[:3])))
    if same:
        fails.append("%d tunnels kept their Child SA (%s...)"
                     % (len(same), ", ".join(sorted(same)[:3])))
    if g0 >= s0:
        fails.append("the storm began before the traffic")
    if gen.get("lost") != 0:
        fails.append("%s packets lost" % gen.get("lost"))
    if d1 or d2:
        fails.append("the gateways dropped %d packets" % (d1 + d2))
    for f in fails:
        print("FAIL: " + f)
    return 1 if fails else 0


def main():
    cmd, a = sys.argv[1], sys.argv[2:]
    if cmd == "conf":
        conf(a[0], a[1], int(a[2]), int(a[3]), int(a[4]), int(a[5]))
    elif cmd == "sample":
        sample(a[0], a[1], int(a[2]), float(a[3]))
    elif cmd == "report":
        sys.exit(report(a[0], a[1], int(a[2]), a[3], a[4]))
    else:
        sys.exit("storm.py: conf, sample or report")


if __name__ == "__main__":
    main()
