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
import hashlib
import json
import os
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

# The runner's code is the package tools/benchlib/, beside this file.
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))

from benchlib.common import (ALGS, HERE, HOST_IN, HOST_OUT,  # noqa: E402
                             LOCAL, MANY_NET, MANY_STEP, REMOTE, ROOT,
                             SPI_IN, SPI_OUT, Ctx, die, gen_size_args,
                             ip_str, keys, log, mean_frame)
from benchlib.processes import (Run, Telemetry, log_tails, sh,  # noqa: E402
                                wait_for)

SECGW_SRC = "/usr/share/dpdk/examples/ipsec-secgw"
PY = "/usr/bin/python3"  # Debian's scapy


# ---- the gateways' configurations -------------------------------------------

def manual_keys(alg, spi_in, spi_out, extra=""):
    ck, ak = keys(alg)
    auth = f' auth_key_in = "{ak}"; auth_key_out = "{ak}";' if ak else ""
    return (f'manual_keys: {{ algorithm = "{alg}"; spi_in = {spi_in:#x}; '
            f'spi_out = {spi_out:#x}; key_in = "{ck}"; key_out = "{ck}";'
            f'{auth}{extra} }};')


def vpngw_conf(path, ctx, name, outside_dev, inside_dev, alg, tunnels=1,
               replay=True, udp=False, outside_mac="02:00:00:00:02:02",
               inside_mac="02:00:00:00:02:01"):
    """vpngw with one connection per tunnel asked for, manual keys; the
    next hops of both ports are static ARP entries (the generator's or
    the null port's MACs)."""
    eal = ", ".join('"%s"' % a for a in ctx.eal)
    workers = ", ".join(str(1 + i) for i in range(ctx.workers))
    extra = "" if replay else " replay_check = false;"
    if udp:
        extra += ' encapsulation = "udp";'
    conns = []
    for t in range(tunnels):
        if tunnels == 1:
            routes, cidr1, cidr2 = '"192.0.2.0/24"', "", ""
        else:
            routes = '"%s/28"' % ip_str(MANY_NET + t * MANY_STEP)
            b1, b2 = 0xA9FE0800 + 8 * t, 0xA9FE0800 + 8 * t + 4
            cidr1 = f' inside_cidr = "{ip_str(b1)}/30";'
            cidr2 = f' inside_cidr = "{ip_str(b2)}/30";'
        k1 = manual_keys(alg, SPI_IN + t, SPI_OUT + t, extra)
        k2 = manual_keys(alg, 0x40000 + t, 0x50000 + t, extra)
        conns.append(
            f'  {{ name = "t{t}"; customer_gateway = "cgw"; '
            f'static_routes = [{routes}];\n'
            f'    tunnels = ( {{{cidr1} {k1} }},\n'
            f'                {{{cidr2} {k2} }} ); }}')
    open(path, "w").write(f"""
appliance:
{{
  name = "{name}";
  state_dir = "{ctx.work}/vpngw-state";
  eal_args = [{eal}, "--file-prefix", "{ctx.cur_prefix}", "--log-level", "*:warning"];
  control_lcore = 0;
  workers = [{workers}];
  ports = (
    {{ name = "outside"; role = "outside"; device = "{outside_dev}";
      address = "{LOCAL}/24"; static_arp = ["{REMOTE} {outside_mac}"]; }},
    {{ name = "inside"; role = "inside"; device = "{inside_dev}";
      address = "198.51.100.1/24"; static_arp = ["{HOST_IN} {inside_mac}"]; }}
  );
  outside_addresses = ["{LOCAL}", "203.0.113.11"];
}};
customer_gateways = ( {{ name = "cgw"; address = "{REMOTE}"; }} );
vpn_connections = (
{",".join(conns)}
);
""")
    r = subprocess.run([ctx.vpngw, "-n", path], capture_output=True,
                       text=True)
    if r.returncode != 0:
        die(f"the generated vpngw configuration does not check:\n{r.stderr}")


def colon_hex(h):
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def secgw_sa(direction, spi, alg, src, dst):
    ck, ak = keys(alg)
    a = ALGS[alg]
    if ak is None:
        crypto = f"aead_algo {a[2]} aead_key {colon_hex(ck)}"
    else:
        crypto = (f"cipher_algo {a[2]} cipher_key {colon_hex(ck)} "
                  f"auth_algo {a[3]} auth_key {colon_hex(ak)}")
    return f"sa {direction} {spi} {crypto} mode ipv4-tunnel src {src} dst {dst}\n"


def secgw_conf(path, alg, tunnels, inner_port, outer_port):
    """Port inner_port is the protected (plaintext) side."""
    text = ""
    for t in range(tunnels):
        net = "192.0.2.0/24" if tunnels == 1 else \
            "%s/28" % ip_str(MANY_NET + t * MANY_STEP)
        text += (f"sp ipv4 out esp protect {SPI_OUT + t} pri 1 dst {net} "
                 f"sport 0:65535 dport 0:65535\n")
        text += secgw_sa("out", SPI_OUT + t, alg, LOCAL, REMOTE)
        text += secgw_sa("in", SPI_IN + t, alg, REMOTE, LOCAL)
    for t in range(tunnels):
        # Each inbound SA has its own selector (the tunnel's remote
        # network as the source): secgw checks a packet's SA against it.
        src = "" if tunnels == 1 else \
            "src %s/28 " % ip_str(MANY_NET + t * MANY_STEP)
        text += (f"sp ipv4 in esp protect {SPI_IN + t} pri 1 {src}dst "
                 f"198.51.100.0/24 sport 0:65535 dport 0:65535\n")
    text += f"rt ipv4 dst {REMOTE}/32 port {outer_port}\n"
    text += f"rt ipv4 dst 198.51.100.0/24 port {inner_port}\n"
    open(path, "w").write(text)


def secgw_cmd(ctx, vdevs, cfg, unprotected_mask, crypto_vdev, mtu=1600):
    """memif ports take frames up to 1518 bytes: mtu 1500 there."""
    cores = ",".join(str(1 + i) for i in range(ctx.workers))
    conf = ",".join(f"({p},0,{1 + (p % ctx.workers)})" for p in range(2))
    return [ctx.secgw, "-l", cores, "--no-pci",
            "--file-prefix", ctx.cur_prefix, *sum((["--vdev", v]
                                                  for v in vdevs), []),
            "--vdev", crypto_vdev, *ctx.eal, "--log-level", "*:warning",
            "--", "-p", "0x3", "-P", "-u", unprotected_mask,
            "--config", conf, "-f", cfg, "--mtu", str(mtu)]


def build_secgw(work_cache):
    """ipsec-secgw from Debian's source, with its RX checksum offload
    request removed so that it starts on virtual devices; cached by the
    source's hash."""
    if not os.path.isdir(SECGW_SRC):
        die(f"no {SECGW_SRC}: install dpdk-doc (tools/setup.sh does)")
    h = hashlib.sha256()
    for f in sorted(os.listdir(SECGW_SRC)):
        p = os.path.join(SECGW_SRC, f)
        if os.path.isfile(p):
            h.update(open(p, "rb").read())
    d = os.path.join(work_cache, "secgw-" + h.hexdigest()[:16])
    exe = os.path.join(d, "build", "ipsec-secgw")
    if os.path.exists(exe):
        return exe
    log("bench: building ipsec-secgw from", SECGW_SRC)
    shutil.rmtree(d, ignore_errors=True)
    shutil.copytree(SECGW_SRC, d)
    src = os.path.join(d, "ipsec-secgw.c")
    text = open(src).read()
    old = ".offloads = RTE_ETH_RX_OFFLOAD_CHECKSUM,"
    if old not in text:
        die("ipsec-secgw.c has changed; cannot patch its RX offloads")
    open(src, "w").write(text.replace(old, ".offloads = 0,", 1))
    r = subprocess.run(["make", "-C", d, "-j2"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        die("ipsec-secgw did not build:\n" + r.stdout[-3000:] +
            r.stderr[-3000:])
    return exe


def crypto_vdev(alg):
    return "crypto_aesni_gcm0" if ALGS[alg][1] == 0 else "crypto_aesni_mb0"


# ---- topology memif ------------------------------------------------------------

def gen_rfc2544_args(prof):
    """The search starts above what one core does at any size (the
    generator then offers what it can: a first trial that loses nothing
    is reported as capped), and bisects below what came back in it."""
    return ["--rfc2544", "--trials", str(prof["trials"]), "--seconds",
            str(prof["seconds"]), "--rate", "10000000", "--loss",
            prof["max_loss"], "--json"]


def parse_gen(out):
    """The generator's JSON lines -> throughput and the latency of the
    fastest passing trial."""
    trials, result = [], None
    for line in out.splitlines():
        if not line.startswith("{"):
            continue
        d = json.loads(line)
        if d.get("run") == "rfc2544":
            result = d
        else:
            trials.append(d)
    if result is None:
        return None
    best = None
    for t in trials:
        lost = t["lost"] + max(0, t["sent"] - t["received"])
        if lost <= float(result["loss_pct"]) / 100 * t["sent"] and \
                (best is None or t["asked_pps"] > best["asked_pps"]):
            best = t
    return {"pps": result["throughput_pps"],
            "received": sum(t["received"] for t in trials),
            "capped": bool(trials) and trials[0]["asked_pps"] > 0 and
            best is trials[0],
            "latency_us": best["lat_us"] if best else None,
            "trials": trials}


def gen_result(impl, alg, size, direction, glog, dlog):
    """The search's result. Nothing back at all is a failure of the run;
    packets back but no trial within max_loss is a result (0 pps), said
    so in the report."""
    res = parse_gen(open(glog).read())
    what = f"{impl} {alg} {size} {direction}"
    if res is None:
        die(f"{what}: no RFC 2544 result; see {glog} and {dlog}\n" +
            log_tails(glog, dlog))
    if res["received"] == 0:
        die(f"{what}: nothing came back; see {glog} and {dlog}\n" +
            log_tails(glog, dlog))
    if res["pps"] <= 0:
        log(f"bench: {what}: no trial within max_loss")
    return res


def esp_spec(alg, spi, ck, ak):
    """vpngw-gen's ALG,SPI,KEY[,AUTHKEY]."""
    return f"{alg},{spi:#x},{ck}" + (f",{ak}" if ak else "")


def gen_cmd(ctx, prof, alg, size, direction, vdevs, spi_in, spi_out,
            gkeys, extra=()):
    """The generator on lcore 0, port 0 facing the gateway's inside, port
    1 its outside, and how long it may take. encrypt: plaintext out of
    port 0, what comes back on port 1 decrypted with (spi_in, the first
    key pair of gkeys: the gateway's outbound SA); decrypt: ESP with
    (spi_out, the second pair) out of port 1, plaintext back on port 0."""
    ck_in, ak_in, ck_out, ak_out = gkeys
    if direction == "encrypt":
        dargs = ["--tx", "0", "--rx", "1", "--src", HOST_IN, "--dst",
                 HOST_OUT, "--dmac", "02:00:00:00:01:01", "--esp-in",
                 esp_spec(alg, spi_in, ck_in, ak_in)]
    else:
        dargs = ["--tx", "1", "--rx", "0", "--src", HOST_OUT, "--dst",
                 HOST_IN, "--dmac", "02:00:00:00:01:02", "--esp-out",
                 esp_spec(alg, spi_out, ck_out, ak_out), "--tunnel",
                 f"{REMOTE},{LOCAL}"]
    bound = prof["trials"] * (prof["seconds"] + 2) + 60
    cmd = [ctx.gen, "-l", "0", "--no-huge", "--no-shconf", "--no-pci",
           "-m", "512", "--file-prefix", ctx.new_prefix("gen"),
           "--log-level", "*:warning",
           *sum((["--vdev", v] for v in vdevs), []),
           "--", *extra, "--flows", "64", *gen_size_args(size), *dargs,
           *gen_rfc2544_args(prof)]
    return cmd, bound


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


def swan_conf(ns_dir, local, remote, ts_local, ts_remote, alg, initiator):
    os.makedirs(os.path.join(ns_dir, "run"), exist_ok=True)
    sock = os.path.join(ns_dir, "charon.vici")
    logf = os.path.join(ns_dir, "charon.log")
    open(os.path.join(ns_dir, "strongswan.conf"), "w").write(f"""
charon {{
  load_modular = no
  load = random nonce openssl aes sha1 sha2 hmac gcm gmp kdf pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici
  install_routes = no
  plugins {{ vici {{ socket = unix://{sock} }} }}
  filelog {{
    bench {{
      path = {logf}
      default = 1
      chd = 4
      flush_line = yes
    }}
  }}
}}
swanctl {{ socket = unix://{sock} }}
""")
    ike = "aes128-sha256-modp2048"
    open(os.path.join(ns_dir, "swanctl.conf"), "w").write(f"""
connections {{
  bench {{
    version = 2
    local_addrs = {local}
    remote_addrs = {remote}
    proposals = {ike}
    dpd_delay = 0
    mobike = no
    rekey_time = 0
    reauth_time = 0
    local {{ auth = psk
            id = {local} }}
    remote {{ auth = psk
             id = {remote} }}
    children {{
      bench {{
        local_ts = {ts_local}
        remote_ts = {ts_remote}
        esp_proposals = {alg}
        rekey_time = 0
        life_time = 0
        start_action = {"start" if initiator else "none"}
      }}
    }}
  }}
}}
secrets {{
  ike-bench {{
    id-1 = {local}
    id-2 = {remote}
    secret = "bench-preshared-key-0123456789"
  }}
}}
""")
    return sock, logf


def swan_start(ctx, ns, ns_dir, name):
    env = dict(os.environ, STRONGSWAN_CONF=os.path.join(ns_dir,
                                                        "strongswan.conf"))
    cmd = ["ip", "netns", "exec", ns, "sh", "-c",
           f"mount --bind {ns_dir}/run /run && exec /usr/lib/ipsec/charon"]
    p = ctx.run.start(cmd, os.path.join(ns_dir, "stdout.log"), env=env)
    sock = os.path.join(ns_dir, "charon.vici")
    end = time.time() + 20
    while not os.path.exists(sock):
        if time.time() > end or p.poll() is not None:
            die(f"charon ({name}) did not start; see {ns_dir}")
        time.sleep(0.1)
    return p, env


def swanctl(ns, env, *args):
    return subprocess.run(["ip", "netns", "exec", ns, "swanctl", *args],
                          capture_output=True, text=True, env=env)


def swan_keys(logf):
    """(initiator key, responder key, initiator integ, responder integ)
    from charon's level-4 CHD log of the Child SA's key derivation."""
    text = open(logf, errors="replace").read()
    out = {}
    for what in ("encryption initiator key", "encryption responder key",
                 "integrity initiator key", "integrity responder key"):
        i = text.rfind(what)
        if i < 0:
            continue
        m = re.match(r".*?=> (\d+) bytes @ \S+\n", text[i:])
        if not m:
            continue
        n, hexs = int(m.group(1)), ""
        for line in text[i + m.end():].splitlines():
            # "   0: 7E 1C ...  ..ascii.." lines after the header
            mm = re.match(r".*?\s+\d+: ((?:[0-9A-F]{2} ){1,16})", line)
            if not mm or len(hexs) >= 2 * n:
                break
            hexs += mm.group(1).replace(" ", "")
        out[what] = hexs[:2 * n].lower()
    return out


def swan_gateway(ctx, alg, g, d, procs):
    """strongSwan as the gateway in namespace d: charon with
    kernel-libipsec, its Child SA negotiated with a second charon in g
    (which is then killed without a DELETE, behind an nft drop rule).
    Returns what the generator needs to stand in for the peer: (SPI
    the gateway sends with, SPI it receives with, keys as gen_cmd
    takes them). The charon processes join procs."""
    # The gateway D: inside 198.51.100.1 on di, outside LOCAL on
    # do; the second charon stands at REMOTE on go (ns G).
    sh("ip", "-n", d, "addr", "add", "198.51.100.1/24", "dev", "di")
    sh("ip", "-n", d, "addr", "add", f"{LOCAL}/24", "dev", "do")
    sh("ip", "-n", g, "addr", "add", f"{REMOTE}/24", "dev", "go")
    # kernel-libipsec routes from an address of the local
    # selector: the peer needs one.
    sh("ip", "-n", g, "addr", "add", "192.0.2.1/32", "dev", "lo")
    sh("ip", "netns", "exec", d, "sysctl", "-qw",
       "net.ipv4.ip_forward=1")
    sh("ip", "-n", d, "neigh", "replace", HOST_IN, "lladdr",
       "02:00:00:00:02:01", "dev", "di", "nud", "permanent")
    dd = os.path.join(ctx.work, "swan-d")
    gd = os.path.join(ctx.work, "swan-g")
    for x in (dd, gd):
        shutil.rmtree(x, ignore_errors=True)
        os.makedirs(x)
    swan_conf(dd, LOCAL, REMOTE, "198.51.100.0/24",
              "192.0.2.0/24", alg, initiator=False)
    _, glog = swan_conf(gd, REMOTE, LOCAL, "192.0.2.0/24",
                        "198.51.100.0/24", alg, initiator=True)
    pd, envd = swan_start(ctx, d, dd, "gateway")
    procs.append(pd)
    pg, envg = swan_start(ctx, g, gd, "peer")
    procs.append(pg)
    # kernel-libipsec routes in table 220 with a source address
    sh("ip", "netns", "exec", d, "ip", "rule", "del", "pref", "220",
       check=False)
    sh("ip", "netns", "exec", g, "ip", "rule", "del", "pref", "220",
       check=False)
    for ns, env, x in ((d, envd, dd), (g, envg, gd)):
        r = swanctl(ns, env, "--load-all", "--file",
                    os.path.join(x, "swanctl.conf"))
        if r.returncode != 0:
            die("swanctl --load-all: " + r.stdout + r.stderr)
    spis = None
    end = time.time() + 30
    while time.time() < end and spis is None:
        r = swanctl(d, envd, "--list-sas", "--raw")
        m = re.search(r"spi-in=([0-9a-f]+) spi-out=([0-9a-f]+)",
                      r.stdout)
        if "INSTALLED" in r.stdout and m:
            spis = (int(m.group(1), 16), int(m.group(2), 16))
        time.sleep(0.2)
    if spis is None:
        die(f"strongSwan's tunnel did not come up; see {dd}, {gd}")
    sh("ip", "-n", d, "route", "replace", "192.0.2.0/24", "dev",
       "ipsec0", "src", "198.51.100.1")
    # The peer charon (the initiator) is stopped without a
    # DELETE; what reaches its port 4500 now is the generator's.
    pg.send_signal(signal.SIGKILL)
    pg.wait()
    procs.remove(pg)
    ctx.run.procs.remove(pg)
    sh("ip", "netns", "exec", g, "nft", "add table inet b; add chain "
       "inet b in { type filter hook input priority 0; policy "
       "drop; }")
    k = swan_keys(glog)
    ei, er = (k.get("encryption initiator key"),
              k.get("encryption responder key"))
    ii, ir = (k.get("integrity initiator key"),
              k.get("integrity responder key"))
    if not ei or not er:
        die(f"no Child SA keys in {glog}")
    # D is the responder: it sends with the responder's keys
    # (which the generator receives with) and receives with the
    # initiator's.
    gkeys = (er, ir or None, ei, ii or None)
    spi_in, spi_out = spis[1], spis[0]
    return spi_in, spi_out, gkeys


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
