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
         Peer: ipsec-secgw. Beside them, the physical floor measured in
         the same run: dpdk-testpmd io-forwarding the same pcap to
         net_null (the I/O floor) plus intel-ipsec-mb's bare crypto
         (esp-bench), in cycles per packet, and vpngw's share of it.
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
import json
import os
import sys
import tempfile
import time

# The runner's code is the package tools/benchlib/, beside this file.
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from benchlib.common import ROOT, Ctx, die, log  # noqa: E402
from benchlib.peers import build_secgw  # noqa: E402
from benchlib.processes import Run, Telemetry  # noqa: E402
from benchlib.report import (cpu_hz, machine, many_tunnel_cost,  # noqa: E402
                             markdown, plots, summarize, versions,
                             worker_scaling)
from benchlib.topologies import (cases, estimate, floor_case,  # noqa: E402
                                 load_profiles, memif_case, netns_case,
                                 pcap_case)


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
    # A scaling profile: the same cases with 1, 2, ... workers, each a
    # profile NAME-Kw of its own (report: the ratios to 1 worker).
    profs = [dict(p, workers=k, name=f"{p['name']}-{k}w",
                  scaling_of=p["name"])
             for p in profs if p.get("scaling")
             for k in range(1, p["workers"] + 1)] + \
        [p for p in profs if not p.get("scaling")]
    ncpu = len(os.sched_getaffinity(0))
    for p in profs:
        # pcap: the workers alone (the control lcore sleeps between
        # events and shares a CPU); memif, netns: and the generator.
        need = p["workers"] + (p["topology"] != "pcap")
        if need > ncpu:
            die(f"profile {p['name']}: {p['workers']} worker(s)"
                + (" and the generator's core" if need > p["workers"]
                   else "") + f" need {need} CPUs; this machine has {ncpu}")
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
    ctx.pcaps, ctx.tsc_hz, ctx.n, ctx.floors = {}, None, 0, {}
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
    # The physical floor of each pcap case, in the same run (a core's
    # own: the same for any number of workers).
    floors = {p["name"]: {} for p in profs}
    for p in profs:
        if p["topology"] != "pcap":
            continue
        for alg in p["algorithms"]:
            for size in p["sizes"]:
                for d in p["directions"]:
                    log(f"bench: floor of {p['name']} {alg} {size} {d}")
                    floors[p["name"]][(alg, size, d)] = \
                        floor_case(ctx, p, alg, size, d)
    ctx.tsc_hz = ctx.tsc_hz or cpu_hz()
    report = {"started": started.isoformat(timespec="seconds"),
              "seconds": time.monotonic() - t0, "machine": machine(),
              "versions": versions(ctx), "tsc_hz": ctx.tsc_hz,
              "profiles": []}
    for p in profs:
        report["profiles"].append({
            "profile": p, "rows": summarize(p, results[p["name"]],
                                            ctx.tsc_hz, floors[p["name"]]),
            "runs": [{k: v for k, v in r.items() if k != "trials"}
                     for r in results[p["name"]]]})
    many_tunnel_cost(report)
    worker_scaling(report)
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
