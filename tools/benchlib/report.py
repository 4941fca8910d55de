"""The report: the machine and versions, one row per case with vpngw's
figures beside each peer's and the ratios, the cost of many tunnels,
Markdown tables and the PNG plots."""
import math
import os
import platform
import re
import subprocess

from .common import ROOT, log, mean_frame


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


def summarize(prof, results, tsc_hz, floors=None):
    """Rows of the report: one per (alg, size, direction), vpngw's best
    over rounds beside each peer's, and the ratios; with the case's
    physical floor (floors[(alg, size, direction)]: I/O rate and bare
    crypto cycles) where it was measured."""
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
                fl = (floors or {}).get((alg, size, d))
                if fl and fl["io_pps"] and fl["crypto_cycles"] and tsc_hz:
                    io = tsc_hz / fl["io_pps"]
                    row["floor"] = {"io_cycles": io,
                                    "crypto_cycles": fl["crypto_cycles"],
                                    "cycles": io + fl["crypto_cycles"]}
                    vc = row["vpngw"]["cycles_per_packet"]
                    row["vpngw"]["floor_share"] = \
                        row["floor"]["cycles"] / vc \
                        if vc and math.isfinite(vc) else None
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


def worker_scaling(report):
    """For the profiles one scaling profile became (NAME-Kw, K workers):
    each row's rate against the same case with 1 worker, and that per
    worker (the goal is 0.9 or more)."""
    for p in report["profiles"]:
        of = p["profile"].get("scaling_of")
        if not of:
            continue
        base = [q for q in report["profiles"]
                if q["profile"].get("scaling_of") == of and
                q["profile"]["workers"] == 1]
        k = p["profile"]["workers"]
        for row in p["rows"]:
            for b in (base[0]["rows"] if base else []):
                if (b["algorithm"], b["size"], b["direction"]) != \
                        (row["algorithm"], row["size"], row["direction"]):
                    continue
                for impl in ["vpngw"] + p["profile"]["peers"]:
                    if row[impl]["mpps"] and b[impl]["mpps"]:
                        x = row[impl]["mpps"] / b[impl]["mpps"]
                        row[impl]["vs_one_worker"] = x
                        row[impl]["per_worker"] = x / k


def scaling_table(report):
    """Markdown: every scaling profile's rates by workers, and the
    ratios."""
    out = []
    fams = []
    for p in report["profiles"]:
        of = p["profile"].get("scaling_of")
        if of and of not in fams:
            fams.append(of)
    for of in fams:
        ps = sorted((p for p in report["profiles"]
                     if p["profile"].get("scaling_of") == of),
                    key=lambda p: p["profile"]["workers"])
        peers = ps[0]["profile"]["peers"]
        out += [f"## {of}: one tunnel over 1 to "
                f"{ps[-1]['profile']['workers']} workers", "",
                "Rate with K workers / rate with 1 (goal: K x 0.9 or "
                "more), from the rows above.", ""]
        head = ["algorithm", "size", "dir"]
        for p in ps:
            head += [f"vpngw {p['profile']['workers']}w Mpps"]
        head += ["vpngw scaling", "per worker"]
        for peer in peers:
            head += [f"{peer} scaling"]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        for i, r in enumerate(ps[0]["rows"]):
            top = ps[-1]["rows"][i]
            cells = [r["algorithm"], r["size"], r["direction"]]
            cells += [num("%.3f", p["rows"][i]["vpngw"]["mpps"]) for p in ps]
            v = top["vpngw"]
            cells += [num("**%.2f**", v.get("vs_one_worker")),
                      num("%.2f", v.get("per_worker"))]
            for peer in peers:
                cells += [num("%.2f", top[peer].get("vs_one_worker"))]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return out


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
        floor = any("floor" in r for r in p["rows"])
        if floor:
            head += ["floor cyc (I/O + crypto)", "floor/vpngw"]
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
            if floor:
                f = r.get("floor")
                cells += ["%.0f (%.0f + %.0f)" % (f["cycles"], f["io_cycles"],
                                                 f["crypto_cycles"])
                          if f else "-",
                          num("%.0f %%", 100 * v0["floor_share"]
                              if v0.get("floor_share") else None)]
            if lat:
                cells += [latt(v0)] + [latt(r[peer]) for peer in peers]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    out += scaling_table(report)
    out += ["Mpps with `+`: the first trial, at the most the generator "
            "could offer, lost nothing: the gateway may do more. Cycles "
            "per packet: TSC Hz x workers / packet rate (the gateway's "
            "worker cores busy-poll; not given for strongSwan, whose "
            "path is the kernel's and threads on every CPU). Gbit/s counts "
            "the plaintext frames with FCS. Latency: of the fastest "
            "passing trial. Floor: what no gateway on this core can beat, "
            "measured in the same run: dpdk-testpmd io-forwarding the same "
            "pcap to net_null (I/O) plus intel-ipsec-mb alone on the same "
            "crypto in bursts of 32 (esp-bench's bare column); floor/vpngw "
            "is vpngw's share of it (100 % would be the floor).", ""]
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
