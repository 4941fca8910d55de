"""The topologies and the profiles that name them: how each case is
wired and measured (memif: the generator as memif server; pcap: a pcap
replayed into the gateway, out to net_null; netns: the generator and the
gateway in network namespaces joined by veth), and the profiles read,
chosen and expanded into cases."""
import glob
import json
import os
import re
import signal
import statistics
import subprocess
import time

from .common import (HERE, HOST_IN, HOST_OUT, LOCAL, MANY_NET, MANY_STEP,
                     REMOTE, SPI_IN, SPI_OUT, die, ip_str, keys,
                     lcores_args, log)
from .peers import (crypto_vdev, gen_cmd, gen_result, secgw_cmd, secgw_conf,
                    swan_gateway, vpngw_conf)
from .processes import Telemetry, sh, wait_for

PY = "/usr/bin/python3"  # Debian's scapy


# ---- topology memif ----------------------------------------------------------

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
        SPI_OUT, SPI_IN, (ck, ak, ck, ak),
        ["--wait-link", "30", "--warmup", "10"])
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


# ---- topology pcap -----------------------------------------------------------

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
    # One RX queue a worker, each replaying the same packets: one
    # tunnel's traffic reaches every worker (as RSS over inner flows does
    # outbound), and they share its SA.
    nq = ctx.workers
    replay = "net_pcap0," + ",".join([f"rx_pcap={pcap}"] * nq) + \
        ",infinite_rx=1"
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
                   replay=False,
                   queues_out=1 if direction == "encrypt" else nq,
                   queues_in=nq if direction == "encrypt" else 1)
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
                        crypto_vdev(alg),
                        rxq=[(0, q) for q in range(nq)] + [(1, 0)])

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


# ---- the physical floor -------------------------------------------------------

def floor_case(ctx, prof, alg, size, direction):
    """What no gateway on this core can beat, measured in this run: the
    I/O floor (dpdk-testpmd io-forwarding the case's own pcap, replayed
    the same way, to net_null: what receiving and sending a packet costs)
    and the bare crypto (esp-bench: intel-ipsec-mb alone on the same
    algorithm, size and direction, bursts of 32). {"io_pps", "crypto_cycles"}
    (TSC cycles a packet), or None where one could not be had."""
    key = (alg, size, direction, prof["tunnels"])
    if key in ctx.floors:
        return ctx.floors[key]
    plain, esp = pcaps(ctx, alg, size, prof["tunnels"])
    pcap = plain if direction == "encrypt" else esp
    pre = ctx.new_prefix("testpmd")
    log_ = ctx.logpath("testpmd")
    p = ctx.run.start(
        ["dpdk-testpmd", *(lcores_args([0, 1]) or ["-l", "0,1"]),
         "--no-pci", *ctx.eal,
         "--file-prefix", pre, "--log-level", "*:warning",
         "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
         "--vdev", "net_null0,no-rx=1", "--", "--forward-mode=io",
         "--nb-cores=1", "--rxq=1", "--txq=1", "--no-lsc-interrupt",
         "--stats-period", "1"], log_)
    time.sleep(prof["seconds"] + 2)
    ctx.run.stop(p)
    with open(log_) as f:
        tx = [int(x) for x in re.findall(r"Tx-pps:\s+(\d+)", f.read())]
    # The runner's sizes are frames with their FCS, as esp-bench's are
    # with --frames.
    crypto, out = None, ""
    try:
        r = subprocess.run(
            [os.path.join(ctx.build, "app", "esp-bench", "esp-bench"),
             "--alg", alg, "--dir",
             "enc" if direction == "encrypt" else "dec", "--size", size,
             "--frames", "--rounds", "3"],
            capture_output=True, text=True, timeout=120)
        out = r.stdout + r.stderr
        for line in r.stdout.splitlines():
            f = line.split()
            if len(f) >= 5 and f[0] == alg and f[1] == size:
                crypto = float(f[4])  # lib cyc/pkt, then bare cyc/pkt
    except (OSError, subprocess.TimeoutExpired) as e:
        out = str(e)
    res = {"io_pps": max(tx) if tx and max(tx) > 0 else None,
           "crypto_cycles": crypto}
    if res["io_pps"] is None:
        log(f"bench: no I/O floor for {alg} {size} {direction}: testpmd "
            f"forwarded nothing; see {log_}")
    if crypto is None:
        log(f"bench: no crypto floor for {alg} {size} {direction}: "
            f"{out.strip()[-300:]}")
    ctx.floors[key] = res
    return res


# ---- topology netns ----------------------------------------------------------

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


# ---- profiles ----------------------------------------------------------------

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
