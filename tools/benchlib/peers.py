"""The programs a case runs beside its topology: vpngw's configuration,
DPDK's ipsec-secgw (built from Debian's example source, its SAs and
command line), the generator vpngw-gen (command line, RFC 2544 result)
and strongSwan's charon (configuration, start, the Child SA's keys)."""
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import time

from .common import (ALGS, HOST_IN, HOST_OUT, LOCAL, MANY_NET, MANY_STEP,
                     REMOTE, SPI_IN, SPI_OUT, die, gen_size_args, ip_str,
                     keys, log, lcores_args)
from .processes import log_tails, sh

SECGW_SRC = "/usr/share/dpdk/examples/ipsec-secgw"


# ---- vpngw -------------------------------------------------------------------

def manual_keys(alg, spi_in, spi_out, extra=""):
    ck, ak = keys(alg)
    auth = f' auth_key_in = "{ak}"; auth_key_out = "{ak}";' if ak else ""
    return (f'manual_keys: {{ algorithm = "{alg}"; spi_in = {spi_in:#x}; '
            f'spi_out = {spi_out:#x}; key_in = "{ck}"; key_out = "{ck}";'
            f'{auth}{extra} }};')


def vpngw_conf(path, ctx, name, outside_dev, inside_dev, alg, tunnels=1,
               replay=True, udp=False, outside_mac="02:00:00:00:02:02",
               inside_mac="02:00:00:00:02:01", queues_out=1, queues_in=1):
    """vpngw with one connection per tunnel asked for, manual keys; the
    next hops of both ports are static ARP entries (the generator's or
    the null port's MACs)."""
    eal = ", ".join('"%s"' % a for a in
                    ctx.eal + lcores_args(range(ctx.workers + 1)))
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
      queues = {queues_out};
      address = "{LOCAL}/24"; static_arp = ["{REMOTE} {outside_mac}"]; }},
    {{ name = "inside"; role = "inside"; device = "{inside_dev}";
      queues = {queues_in};
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


# ---- ipsec-secgw -------------------------------------------------------------

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


def secgw_cmd(ctx, vdevs, cfg, unprotected_mask, crypto_vdev, mtu=1600,
              rxq=None):
    """memif ports take frames up to 1518 bytes: mtu 1500 there. rxq:
    the (port, queue) pairs to poll, one lcore each (port p's queue 0 on
    lcore 1 + p % workers when not given)."""
    lcores = [1 + i for i in range(ctx.workers)]
    if rxq is None:
        rxq = [(p, 0) for p in range(2)]
    conf = ",".join(f"({p},{q},{lcores[i % len(lcores)]})"
                    for i, (p, q) in enumerate(rxq))
    place = lcores_args(lcores)
    return [ctx.secgw, *(place or ["-l", ",".join(map(str, lcores))]),
            "--no-pci",
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


# ---- the generator -----------------------------------------------------------

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


# ---- strongSwan --------------------------------------------------------------

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
