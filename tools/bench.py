#!/usr/bin/python3
"""vpngw benchmark runner: profiles from config/bench/, peers side by side.

    tools/bench.py [PROFILE ...] [--all] [--out DIR] [--build DIR]
                   [--profiles DIR] [--list]

With no PROFILE, runs the default set (the profiles with `default = true`);
a PROFILE is a name or a file. Each profile (libconfig, read by
vpngw-profile with the appliance's option tables, so a bad one fails with
FILE:LINE) names a topology, sizes, algorithms, directions, a number of
tunnels, workers and trial lengths, and the peers measured beside vpngw in
the same run, case by case, implementations taking turns:

  memif  vpngw-gen is the memif server of the gateway's two ports
         (lcore 0); the gateway (lcore 1..) encrypts or decrypts; the
         generator counts what comes back (it decrypts the gateway's ESP
         with the SA's key) and runs an RFC 2544 search for the highest
         rate losing at most max_loss, with latency percentiles of the
         best passing trial. Peer: ipsec-secgw.
  pcap   a pcap replayed from memory (net_pcap infinite_rx) into the
         gateway, out to net_null; the rate is the best 100 ms window of
         the transmit counter. Tunnels 1..1000 (traffic spread over all).
         Peer: ipsec-secgw.
  netns  the generator on af_packet ports in a network namespace, the
         gateway in another, joined by veth; plaintext one side, ESP in
         UDP 4500 the other. vpngw (af_packet) beside strongSwan's
         userspace data path (charon with kernel-libipsec): one charon
         negotiates with a second one standing where the generator is,
         the generator then takes over the ESP with the Child SA's keys
         (charon logs them at level 4) and the second charon is stopped.

The report (DIR, default ./bench-report-DATE): report.json for machines,
report.md for people (machine, versions, git revision, one table per
profile with vpngw's ratio to each peer), throughput.png and latency.png.
Progress goes to stderr. Traffic goes only to the run's own virtual
devices, memif sockets and namespaces (--no-pci always); every run is
bounded in time and every process started is stopped by its PID.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# The runner's code is the package tools/benchlib/, beside this file.
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from benchlib.common import (HERE, HOST_IN, HOST_OUT, LOCAL,  # noqa: E402
                             MANY_NET, MANY_STEP, REMOTE, ROOT, SPI_IN,
                             SPI_OUT, Ctx, die, ip_str, keys, log,
                             mean_frame)
from benchlib.peers import (build_secgw, crypto_vdev, gen_cmd,  # noqa: E402
                            gen_result, secgw_cmd, secgw_conf, swan_gateway,
                            vpngw_conf)
from benchlib.processes import Run, Telemetry, sh, wait_for  # noqa: E402

PY = "/usr/bin/python3"  # Debian's scapy


# ---- topology memif ------------------------------------------------------------

def memif_case(ctx, prof, impl, alg, size, direction):
    sock = os.path.join(ctx.work, "memif.sock")
    if os.path.exists(sock):
        os.unlink(sock)
    m = f"socket={sock},socket-abstract=no"
    ck, ak = keys(alg)
    gen, bound = gen_cmd(
        ctx, prof, alg, size, direction,
        [f"net_memif0,role=server,id=0,mac=02:00:00:00:02:01,{m}",
         f"net_memif1,role=server,id=1,mac=02:00:00:00:02:02,{m}"],
        SPI_OUT, SPI_IN, (ck, ak, ck, ak), ["--wait-link", "30"])
    glog = ctx.logpath(f"gen-{impl}")
    g = ctx.run.start(["timeout", str(bound), *gen], glog)
    if not wait_for(glog, "waiting up to", g, 30):
        die(f"the generator did not start; see {glog}")
    dpre = ctx.new_prefix(impl)
    dlog = ctx.logpath(impl)
    out_dev = f"net_memif1,role=client,id=1,mac=02:00:00:00:01:02,{m}"
    in_dev = f"net_memif0,role=client,id=0,mac=02:00:00:00:01:01,{m}"
    if impl == "vpngw":
        cfg = ctx.logpath("vpngw", ".conf")
        vpngw_conf(cfg, ctx, "bench", out_dev, in_dev, alg)
        d = ctx.run.start([ctx.vpngw, cfg], dlog)
    else:
        cfg = ctx.logpath("secgw", ".cfg")
        secgw_conf(cfg, alg, 1, inner_port=0, outer_port=1)
        d = ctx.run.start(secgw_cmd(ctx, [in_dev, out_dev], cfg, "0x2",
                                    crypto_vdev(alg), mtu=1500), dlog)
    try:
        g.wait(bound + 10)
        if impl == "vpngw":
            ctx.read_tsc(dpre)
    finally:
        ctx.run.stop(g)
        ctx.run.stop(d)
    return gen_result(impl, alg, size, direction, glog, dlog)


# ---- topology pcap --------------------------------------------------------------

def pcaps(ctx, alg, size, tunnels):
    """The plaintext and the ESP pcap (scapy encrypts) for a case; cached
    in the work directory."""
    key = f"{alg}-{size}-{tunnels}"
    if key in ctx.pcaps:
        return ctx.pcaps[key]
    plain = os.path.join(ctx.work, f"plain-{key}.pcap")
    esp = os.path.join(ctx.work, f"esp-{key}.pcap")
    count = max(1200, 8 * tunnels)
    count -= count % 12  # whole IMIX patterns
    ck, ak = keys(alg)
    base = [PY, os.path.join(HERE, "pcapgen.py"), "--size", size,
            "--count", str(count)]
    far = HOST_OUT
    if tunnels > 1:  # one host in each tunnel's remote network
        base += ["--tunnels", str(tunnels)]
        far = ip_str(MANY_NET + 1)
    step = ["--dst-step", str(MANY_STEP)] if tunnels > 1 else []
    sstep = ["--dst-step", "0", "--src-step", str(MANY_STEP)] \
        if tunnels > 1 else []
    for cmd in (base + step + ["--out", plain, "--src", HOST_IN, "--dst",
                               far],
                base + sstep + ["--out", esp, "--src", far, "--dst", HOST_IN,
                        "--esp", str(SPI_IN), "--alg", alg, "--key", ck,
                        "--tunnel", f"{REMOTE},{LOCAL}"] +
                (["--auth-key", ak] if ak else [])):
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            die("pcapgen failed: " + r.stdout + r.stderr)
    ctx.pcaps[key] = (plain, esp)
    return plain, esp


def sample(counter, tel, seconds):
    rates = []
    time.sleep(0.5)  # let it start forwarding
    last_t, last_n = time.monotonic(), counter(tel)
    end = last_t + seconds
    while time.monotonic() < end:
        time.sleep(0.1)
        t, n = time.monotonic(), counter(tel)
        rates.append((n - last_n) / (t - last_t))
        last_t, last_n = t, n
    return rates


def pcap_case(ctx, prof, impl, alg, size, direction):
    tunnels = prof["tunnels"]
    plain, esp = pcaps(ctx, alg, size, tunnels)
    pcap = plain if direction == "encrypt" else esp
    replay = f"net_pcap0,rx_pcap={pcap},infinite_rx=1"
    null = "net_null0,no-rx=1"
    pre = ctx.new_prefix(impl)
    dlog = ctx.logpath(impl)
    if impl == "vpngw":
        cfg = ctx.logpath("vpngw", ".conf")
        out_dev, in_dev = (null, replay) if direction == "encrypt" else \
            (replay, null)
        # A replayed pcap repeats its sequence numbers: no replay check
        # (ipsec-secgw runs without one too).
        vpngw_conf(cfg, ctx, "bench", out_dev, in_dev, alg, tunnels,
                   replay=False)
        cmd = [ctx.vpngw, cfg]
        key = "outside_tx" if direction == "encrypt" else "inside_tx"

        def counter(t):
            return t.get("/vpngw/stats")[key]
    else:
        cfg = ctx.logpath("secgw", ".cfg")
        inner = 0 if direction == "encrypt" else 1
        secgw_conf(cfg, alg, tunnels, inner_port=inner, outer_port=1 - inner)
        cmd = secgw_cmd(ctx, [replay, null], cfg,
                        "0x2" if direction == "encrypt" else "0x1",
                        crypto_vdev(alg))

        def counter(t):
            return t.get("/ethdev/stats,1")["opackets"]
    p = ctx.run.start(cmd, dlog)
    tel = None
    try:
        tel = Telemetry(pre, 60)
        rates = sample(counter, tel, prof["seconds"])
        if impl == "vpngw":
            ctx.read_tsc(pre, tel)
    except OSError as e:
        die(f"{impl}: no telemetry ({e}); see {dlog}")
    finally:
        if tel is not None:
            tel.close()
        ctx.run.stop(p)
    if not rates or max(rates) <= 0:
        die(f"{impl} forwarded nothing ({alg} {size} {direction}); see {dlog}")
    return {"pps": max(rates), "pps_median": statistics.median(rates),
            "latency_us": None}


# ---- topology netns --------------------------------------------------------------

# An af_packet port on a veth end: net_af_packetN on IFACE.
AF_PACKET = ("net_af_packet{},iface={},blocksz=4096,framesz=2048,"
             "framecnt=4096,qdisc_bypass=1")


def netns_setup(ctx):
    """ns G (the generator: gi, go) and ns D (the gateway: di, do):
    gi-di is the inside link, go-do the outside one."""
    g, d = f"vbg{os.getpid()}", f"vbd{os.getpid()}"
    for ns in (g, d):
        sh("ip", "netns", "add", ns)
        ctx.run.netns.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")
    sh("ip", "link", "add", "gi", "netns", g, "type", "veth", "peer", "di",
       "netns", d)
    sh("ip", "link", "add", "go", "netns", g, "type", "veth", "peer", "do",
       "netns", d)
    macs = {"gi": "02:00:00:00:02:01", "go": "02:00:00:00:02:02",
            "di": "02:00:00:00:01:01", "do": "02:00:00:00:01:02"}
    for ns, ifs in ((g, ("gi", "go")), (d, ("di", "do"))):
        for i in ifs:
            sh("ip", "-n", ns, "link", "set", i, "address", macs[i])
            sh("ip", "-n", ns, "link", "set", i, "mtu", "1600")
            sh("ip", "-n", ns, "link", "set", i, "up")
            # veth checksum offload would leave af_packet frames with
            # partial checksums.
            sh("ip", "netns", "exec", ns, "ethtool", "-K", i, "tx", "off",
               check=False)
    return g, d


def netns_gen(ctx, prof, g, alg, size, direction, spi_in, spi_out, gkeys):
    """The generator in namespace g on af_packet ports, ESP in UDP."""
    cmd, bound = gen_cmd(ctx, prof, alg, size, direction,
                         [AF_PACKET.format(0, "gi"), AF_PACKET.format(1, "go")],
                         spi_in, spi_out, gkeys, ["--esp-udp"])
    return ["timeout", str(bound), "ip", "netns", "exec", g, *cmd], bound


def netns_case(ctx, prof, impl, alg, size, direction):
    g, d = netns_setup(ctx)
    try:
        return netns_measure(ctx, prof, impl, alg, size, direction, g, d)
    finally:
        for ns in (g, d):
            # charon's and the generator's processes are stopped by now
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            ctx.run.netns.remove(ns)


def netns_measure(ctx, prof, impl, alg, size, direction, g, d):
    procs = []
    try:
        if impl == "vpngw":
            ctx.new_prefix("vpngw")
            cfg = ctx.logpath("vpngw", ".conf")
            vpngw_conf(cfg, ctx, "bench", AF_PACKET.format(0, "do"),
                       AF_PACKET.format(1, "di"), alg, udp=True)
            dlog = ctx.logpath("vpngw")
            p = ctx.run.start(["ip", "netns", "exec", d, ctx.vpngw, cfg],
                              dlog)
            procs.append(p)
            if not wait_for(dlog, "vpngw: running", p, 60):
                die(f"vpngw did not start; see {dlog}")
            ck, ak = keys(alg)
            gkeys = (ck, ak, ck, ak)
            spi_in, spi_out = SPI_OUT, SPI_IN
        else:
            spi_in, spi_out, gkeys = swan_gateway(ctx, alg, g, d, procs)
        cmd, bound = netns_gen(ctx, prof, g, alg, size, direction, spi_in,
                               spi_out, gkeys)
        glog = ctx.logpath("gen-" + impl)
        gp = ctx.run.start(cmd, glog)
        procs.append(gp)
        gp.wait(bound + 10)
        return gen_result(impl, alg, size, direction, glog, glog)
    finally:
        for p in reversed(procs):
            ctx.run.stop(p, signal.SIGTERM)


# ---- the runner ---------------------------------------------------------------

def machine():
    info = {"kernel": platform.release(), "cpus": os.cpu_count()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        flags = open("/proc/cpuinfo").read()
        info["avx512"] = " avx512f" in flags
        info["vaes"] = " vaes" in flags
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["memory_gib"] = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return info


def cpu_hz():
    """The CPU clock from /proc/cpuinfo, when vpngw's telemetry did not
    give its TSC frequency (a constant TSC runs at the nominal clock)."""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("cpu MHz"):
                return float(line.split(":")[1]) * 1e6
    except (OSError, ValueError):
        pass
    return None


def versions(ctx):
    v = {}

    def out(*cmd):
        try:
            return subprocess.run(cmd, capture_output=True, text=True,
                                  timeout=10).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            return ""
    m = re.search(r"version\s*:\s*'([^']+)'",
                  open(os.path.join(ROOT, "meson.build")).read())
    v["vpngw"] = m.group(1) if m else "?"
    v["git"] = out("git", "-C", ROOT, "describe", "--always", "--dirty")
    v["dpdk"] = out("pkg-config", "--modversion", "libdpdk")
    try:
        m = re.search(r'IMB_VERSION_STR "([^"]+)"',
                      open("/usr/include/intel-ipsec-mb.h").read())
        v["intel-ipsec-mb"] = m.group(1) if m else "?"
    except OSError:
        v["intel-ipsec-mb"] = "?"
    v["strongswan"] = out("dpkg-query", "-W", "-f", "${Version}",
                          "strongswan-charon")
    return v


def read_profiles(ctx, files):
    """The profiles in files (vpngw-profile checks them: a bad one stops
    the run with its FILE:LINE messages), each with its file."""
    r = subprocess.run([ctx.profile_tool, "--json", *files],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die("bad profile:\n" + r.stderr)
    profs = json.loads(r.stdout)
    for p, f in zip(profs, files):
        p["file"] = f
    return profs


def load_profiles(ctx, names, run_all):
    every = read_profiles(ctx, sorted(glob.glob(os.path.join(ctx.profiles,
                                                             "*.conf"))))
    if not names:
        return every if run_all else [p for p in every if p["default"]]
    chosen = []
    for n in names:
        if os.path.isfile(n):
            chosen += read_profiles(ctx, [n])
            continue
        found = [p for p in every if p["name"] == n]
        if not found:
            die(f"no profile named {n} in {ctx.profiles} (--list)")
        chosen += found
    return chosen


def cases(prof):
    impls = ["vpngw"] + prof["peers"]
    for rnd in range(prof["rounds"]):
        for alg in prof["algorithms"]:
            for size in prof["sizes"]:
                for d in prof["directions"]:
                    for impl in impls:
                        yield rnd, alg, size, d, impl


def estimate(prof):
    """Seconds one case takes, roughly, for the progress line."""
    if prof["topology"] == "pcap":
        return prof["seconds"] + 2.5
    return prof["trials"] * (prof["seconds"] + 0.3) + \
        (6 if prof["topology"] == "netns" else 2)


def summarize(prof, results, tsc_hz):
    """Rows of the report: one per (alg, size, direction), vpngw's best
    over rounds beside each peer's, and the ratios."""
    rows = []
    for alg in prof["algorithms"]:
        for size in prof["sizes"]:
            for d in prof["directions"]:
                row = {"algorithm": alg, "size": size, "direction": d,
                       "frame_bytes": round(mean_frame(size), 1)}
                for impl in ["vpngw"] + prof["peers"]:
                    rs = [r for r in results if r["algorithm"] == alg and
                          r["size"] == size and r["direction"] == d and
                          r["impl"] == impl]
                    best = max(rs, key=lambda r: r["pps"])
                    pps = best["pps"] or float("nan")
                    # Cycles only where the gateway is that many busy
                    # cores (not strongSwan: kernel and threads on all).
                    cores = None if impl == "strongswan" else prof["workers"]
                    row[impl] = {
                        "mpps": pps / 1e6,
                        "gbps": pps * mean_frame(size) * 8 / 1e9,
                        "cycles_per_packet": tsc_hz * cores / pps
                        if tsc_hz and cores else None,
                        "per_tunnel_kpps": pps / prof["tunnels"] / 1e3,
                        "latency_us": best.get("latency_us"),
                        "capped": best.get("capped", False),
                        "runs_mpps": [r["pps"] / 1e6 for r in rs]}
                for peer in prof["peers"]:
                    row["ratio_" + peer] = row["vpngw"]["mpps"] / \
                        row[peer]["mpps"]
                for k, v in list(row.items()):  # JSON has no NaN
                    if isinstance(v, float) and v != v:
                        row[k] = None
                    if isinstance(v, dict):
                        for kk, vv in v.items():
                            if isinstance(vv, float) and vv != vv:
                                v[kk] = None
                rows.append(row)
    return rows


def many_tunnel_cost(report):
    """For a profile with many tunnels: its vpngw figures against the
    same case of a one-tunnel profile of the same topology in the run."""
    for p in report["profiles"]:
        if p["profile"]["tunnels"] <= 1:
            continue
        base = [q for q in report["profiles"] if q["profile"]["tunnels"] == 1
                and q["profile"]["topology"] == p["profile"]["topology"]]
        for row in p["rows"]:
            for q in base:
                for b in q["rows"]:
                    if (b["algorithm"], b["size"], b["direction"]) == \
                            (row["algorithm"], row["size"], row["direction"]):
                        for impl in ["vpngw"] + p["profile"]["peers"]:
                            if impl in b and row[impl]["mpps"] and \
                                    b[impl]["mpps"]:
                                row[impl]["vs_one_tunnel"] = \
                                    row[impl]["mpps"] / b[impl]["mpps"]
                                c1 = b[impl]["cycles_per_packet"]
                                cn = row[impl]["cycles_per_packet"]
                                if c1 and cn:
                                    row[impl]["extra_cycles"] = cn - c1


def num(fmt, v):
    """v formatted, or "-" when there is none (no passing trial)."""
    return "-" if v is None else fmt % v


def markdown(report):
    m = report["machine"]
    v = report["versions"]
    out = ["# vpngw benchmark report", "",
           f"Run {report['started']} ({report['seconds']:.0f} s), git "
           f"`{v['git']}`, vpngw {v['vpngw']}.", "",
           f"Machine: {m.get('cpu', '?')}, {m['cpus']} CPUs, "
           f"{m.get('memory_gib', '?')} GiB, kernel {m['kernel']}, TSC "
           f"{(report['tsc_hz'] or 0) / 1e6:.0f} MHz"
           f"{', AVX-512' if m.get('avx512') else ''}"
           f"{', VAES' if m.get('vaes') else ''}. DPDK {v['dpdk']}, "
           f"intel-ipsec-mb {v['intel-ipsec-mb']}, strongSwan "
           f"{v['strongswan']}.", ""]
    for p in report["profiles"]:
        pr = p["profile"]
        peers = pr["peers"]
        out += [f"## {pr['name']}", "", pr["description"] or "", "",
                f"Topology {pr['topology']}, {pr['tunnels']} tunnel(s), "
                f"{pr['workers']} worker(s), trials of {pr['seconds']} s"
                + (f", RFC 2544 with {pr['trials']} trials at <= "
                   f"{pr['max_loss']} % loss" if pr["topology"] != "pcap"
                   else ", best 100 ms window of the transmit counter")
                + f", {pr['rounds']} round(s).", ""]
        head = ["algorithm", "size", "dir", "vpngw Mpps", "Gbit/s",
                "cyc/pkt"]
        if pr["tunnels"] > 1:
            head += ["kpps/tunnel", "vs 1 tunnel", "+cyc/pkt"]
        for peer in peers:
            head += [f"{peer} Mpps", f"{peer} cyc/pkt", f"vpngw/{peer}"]
        lat = pr["topology"] != "pcap"
        if lat:
            head += ["vpngw latency p50/p99/p99.9/max us"]
            head += [f"{peer} latency" for peer in peers]
        out += ["| " + " | ".join(head) + " |",
                "|" + "---|" * len(head)]
        for r in p["rows"]:
            v0 = r["vpngw"]

            def cyc(x):
                return num("%.0f", x["cycles_per_packet"])

            def latt(x):
                la = x.get("latency_us")
                return "/".join("%.1f" % la[k] for k in
                                ("p50", "p99", "p99.9", "max")) \
                    if la else "-"
            cells = [r["algorithm"], r["size"], r["direction"],
                     num("%.3f", v0["mpps"]) + ("+" if v0["capped"] else ""),
                     num("%.2f", v0["gbps"]), cyc(v0)]
            if pr["tunnels"] > 1:
                cells += [num("%.1f", v0["per_tunnel_kpps"]),
                          "%.2f" % v0["vs_one_tunnel"]
                          if "vs_one_tunnel" in v0 else "-",
                          "%+.0f" % v0["extra_cycles"]
                          if "extra_cycles" in v0 else "-"]
            for peer in peers:
                cells += [num("%.3f", r[peer]["mpps"]), cyc(r[peer]),
                          num("**%.2f**", r["ratio_" + peer])]
            if lat:
                cells += [latt(v0)] + [latt(r[peer]) for peer in peers]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += ["Mpps with `+`: the first trial, at the most the generator "
            "could offer, lost nothing: the gateway may do more. Cycles "
            "per packet: TSC Hz x workers / packet rate (the gateway's "
            "worker cores busy-poll; not given for strongSwan, whose "
            "path is the kernel's and threads on every CPU). Gbit/s counts "
            "the plaintext frames with FCS. Latency: of the fastest "
            "passing trial.", ""]
    out += ["![throughput](throughput.png)", "", "![latency](latency.png)",
            ""]
    return "\n".join(out)


def plots(report, out_dir):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        log("bench: no matplotlib (python3-matplotlib): no plots")
        return []
    made = []
    profs = report["profiles"]
    fig, axes = plt.subplots(len(profs), 1, figsize=(9, 3.2 * len(profs)),
                             squeeze=False)
    for ax, p in zip(axes[:, 0], profs):
        pr = p["profile"]
        labels, series = [], {}
        for r in p["rows"]:
            labels.append(f"{r['size']}\n{r['direction'][:3]}"
                          + (f"\n{r['algorithm']}"
                             if len(pr["algorithms"]) > 1 else ""))
            for impl in ["vpngw"] + pr["peers"]:
                series.setdefault(impl, []).append(r[impl]["gbps"] or 0)
        w = 0.8 / len(series)
        for i, (impl, ys) in enumerate(series.items()):
            xs = [k + i * w for k in range(len(ys))]
            ax.bar(xs, ys, w, label=impl)
        ax.set_xticks([k + 0.4 - w / 2 for k in range(len(labels))])
        ax.set_xticklabels(labels, fontsize=7)
        ax.set_ylabel("Gbit/s")
        ax.set_title(f"{pr['name']}: throughput by frame size "
                     f"({pr['topology']}, {pr['tunnels']} tunnel(s))",
                     fontsize=9)
        ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "throughput.png"), dpi=90)
    plt.close(fig)
    made.append("throughput.png")
    lat = [p for p in profs if p["profile"]["topology"] != "pcap"]
    fig, axes = plt.subplots(max(1, len(lat)), 1,
                             figsize=(9, 3.2 * max(1, len(lat))),
                             squeeze=False)
    for ax, p in zip(axes[:, 0], lat):
        pr = p["profile"]
        labels, k = [], 0
        for r in p["rows"]:
            for impl in ["vpngw"] + pr["peers"]:
                la = r[impl].get("latency_us")
                if not la:
                    continue
                ys = [la["p50"], la["p99"], la["p99.9"], la["max"]]
                ax.plot(["p50", "p99", "p99.9", "max"], ys, marker="o",
                        label=f"{impl} {r['size']} {r['direction'][:3]}")
                k += 1
        ax.set_yscale("log")
        ax.set_ylabel("us")
        ax.set_title(f"{pr['name']}: latency percentiles at the RFC 2544 "
                     f"rate", fontsize=9)
        if k:
            ax.legend(fontsize=6, ncol=3)
    fig.tight_layout()
    fig.savefig(os.path.join(out_dir, "latency.png"), dpi=90)
    plt.close(fig)
    made.append("latency.png")
    return made


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("profiles", nargs="*", metavar="PROFILE")
    ap.add_argument("--all", action="store_true",
                    help="every profile, not only the default set")
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--out", default=None)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--profiles-dir", default=os.path.join(ROOT, "config",
                                                           "bench"))
    ap.add_argument("--keep", action="store_true",
                    help="keep the work directory (logs, configurations)")
    a = ap.parse_args()
    ctx = Ctx()
    ctx.build = os.path.abspath(a.build)
    ctx.vpngw = os.path.join(ctx.build, "app", "vpngw", "vpngw")
    ctx.gen = os.path.join(ctx.build, "app", "vpngw-gen", "vpngw-gen")
    ctx.profile_tool = os.path.join(ctx.build, "app", "vpngw-profile",
                                    "vpngw-profile")
    ctx.profiles = a.profiles_dir
    for exe in (ctx.vpngw, ctx.gen, ctx.profile_tool):
        if not os.access(exe, os.X_OK):
            die(f"no {exe}: build first (tools/build.sh)")
    profs = load_profiles(ctx, a.profiles, a.all)
    if a.list:
        for p in profs:
            print(f"{p['name']:20} {p['topology']:6} tunnels "
                  f"{p['tunnels']:<5} peers {','.join(p['peers']) or '-':24}"
                  f" {'default ' if p['default'] else ''}{p['file']}")
        return 0
    if os.geteuid() != 0:
        die("run as root (DPDK, network namespaces)")
    ncpu = len(os.sched_getaffinity(0))
    for p in profs:
        if p["workers"] + 1 > ncpu:
            die(f"profile {p['name']}: {p['workers']} worker(s) and the "
                f"generator's core need {p['workers'] + 1} CPUs; this "
                f"machine has {ncpu}")
    started = datetime.datetime.now(datetime.timezone.utc)
    out_dir = os.path.abspath(a.out or "bench-report-" +
                              started.strftime("%Y%m%d-%H%M%S"))
    os.makedirs(out_dir, exist_ok=True)
    ctx.work = tempfile.mkdtemp(prefix="vpngw-bench-")
    ctx.run = Run(ctx.work, a.keep)
    huge = int(open("/sys/kernel/mm/hugepages/hugepages-2048kB/"
                    "free_hugepages").read())
    ctx.eal = ["--in-memory", "-m", "512"] if huge >= 256 else \
        ["--no-huge", "--no-shconf", "-m", "1024"]
    ctx.pcaps, ctx.tsc_hz, ctx.n = {}, None, 0
    ctx.cache = os.path.join(ctx.build, "bench-cache")
    os.makedirs(ctx.cache, exist_ok=True)
    if any(p["peers"].count("ipsec-secgw") for p in profs):
        ctx.secgw = build_secgw(ctx.cache)

    def new_prefix(name):
        ctx.n += 1
        ctx.cur_prefix = ctx.run.prefix(f"{ctx.n}-{name}")
        return ctx.cur_prefix

    def logpath(name, ext=".log"):
        return os.path.join(ctx.work, f"{ctx.n:03d}-{name}{ext}")

    def read_tsc(prefix, tel=None):
        if ctx.tsc_hz:
            return
        own = tel is None
        try:
            tel = tel or Telemetry(prefix, 30)
            ctx.tsc_hz = tel.get("/vpngw/info")["tsc_hz"]
        except (OSError, KeyError, TypeError, ValueError):
            pass
        finally:
            if own and tel is not None:
                tel.close()
    ctx.new_prefix, ctx.logpath, ctx.read_tsc = new_prefix, logpath, read_tsc

    todo = [(p, c) for p in profs for c in cases(p)]
    total_est = sum(estimate(p) for p, _ in todo)
    log(f"bench: {len(profs)} profile(s), {len(todo)} runs, about "
        f"{total_est / 60:.1f} min; work dir {ctx.work}; report in {out_dir}")
    t0 = time.monotonic()
    done_est = 0.0
    results = {p["name"]: [] for p in profs}
    run_fn = {"memif": memif_case, "pcap": pcap_case, "netns": netns_case}
    for i, (p, (rnd, alg, size, d, impl)) in enumerate(todo):
        el = time.monotonic() - t0
        left = (total_est - done_est) * (el / done_est if done_est else 1)
        log(f"bench: [{i + 1}/{len(todo)}] {el / 60:4.1f} min, ~"
            f"{left / 60:.1f} left: {p['name']} {alg} {size} {d} {impl}"
            + (f" (round {rnd + 1})" if p["rounds"] > 1 else ""))
        ctx.workers = p["workers"]
        res = run_fn[p["topology"]](ctx, p, impl, alg, size, d)
        res.update(algorithm=alg, size=size, direction=d, impl=impl,
                   round=rnd)
        log(f"bench:     {res['pps'] / 1e6:.3f} Mpps")
        results[p["name"]].append(res)
        done_est += estimate(p)
    ctx.tsc_hz = ctx.tsc_hz or cpu_hz()
    report = {"started": started.isoformat(timespec="seconds"),
              "seconds": time.monotonic() - t0, "machine": machine(),
              "versions": versions(ctx), "tsc_hz": ctx.tsc_hz,
              "profiles": []}
    for p in profs:
        report["profiles"].append({
            "profile": p, "rows": summarize(p, results[p["name"]],
                                            ctx.tsc_hz),
            "runs": [{k: v for k, v in r.items() if k != "trials"}
                     for r in results[p["name"]]]})
    many_tunnel_cost(report)
    with open(os.path.join(out_dir, "report.json"), "w") as f:
        json.dump(report, f, indent=1)
    made = plots(report, out_dir)
    with open(os.path.join(out_dir, "report.md"), "w") as f:
        f.write(markdown(report))
    print(markdown(report))
    log(f"bench: done in {report['seconds'] / 60:.1f} min: "
        f"{out_dir}/report.md, report.json" +
        "".join(", " + x for x in made))
    return 0


if __name__ == "__main__":
    sys.exit(main())
