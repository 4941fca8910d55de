#!/usr/bin/python3
"""Data-plane benchmark: vpngw beside DPDK's ipsec-secgw on the same pcaps.

    tools/bench-dataplane.py [--vpngw BUILD/app/vpngw/vpngw] [--work DIR]
                             [--seconds S] [--rounds R] [--sizes 64,imix,1420]
                             [--dirs enc,dec] [--json FILE] [--strict]

For each size and direction, one worker core (lcore 1) forwards a pcap
replayed from memory (net_pcap infinite_rx=1) to net_null, with one
AES-128-GCM SA:
  enc  plaintext frames in on the inside port, ESP out;
  dec  ESP frames in on the outside port (made by scapy with the SA's key,
       replay check off on both sides: the pcap repeats its sequence
       numbers), plaintext out.
vpngw and ipsec-secgw (built here from the source in Debian's dpdk-doc
package, with its RX checksum offload request removed so that it starts on
net_pcap; crypto_aesni_gcm vdev, its fastest path for GCM) take turns, round
by round, so that both see the same machine. Each run samples the transmit
counter over DPDK telemetry every 100 ms; a run's rate is its best 100 ms
window (the median window is printed too). Cycles per packet = TSC Hz /
packets per second on the one busy worker core. Gbit/s counts the plaintext
frames (FCS included, as the sizes are named).

Every packet stays in the processes' virtual devices; each run is bounded by
--seconds and every process started is stopped by its PID.
"""
import argparse
import hashlib
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SECGW_SRC = "/usr/share/dpdk/examples/ipsec-secgw"
PY = "/usr/bin/python3"  # Debian's scapy
KEY = "0123456789abcdef0123456789abcdef" + "c0ffee01"  # AES-128 + salt
SPI_OUT, SPI_IN = 0x1001, 0x2001
LOCAL, REMOTE = "203.0.113.10", "203.0.113.1"  # outer: vpngw, the CGW
HOST_IN, HOST_OUT = "198.51.100.10", "192.0.2.130"  # inner: behind each
PEER_MAC = "02:00:00:00:00:02"
FRAME = {"64": [64], "1420": [1420], "imix": [64] * 7 + [594] * 4 + [1518]}
TARGET = {"64": 1.5, "imix": 1.3, "1420": 1.2}


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- DPDK telemetry (the v2 socket protocol: JSON over SOCK_SEQPACKET) ----

class Telemetry:
    def __init__(self, prefix, timeout):
        path = "/var/run/dpdk/%s/dpdk_telemetry.v2" % prefix
        end = time.time() + timeout
        while True:
            try:
                self.s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
                self.s.connect(path)
                break
            except OSError:
                self.s.close()
                if time.time() > end:
                    raise
                time.sleep(0.1)
        self.s.recv(16384)  # the greeting

    def get(self, cmd):
        self.s.send(cmd.encode())
        return json.loads(self.s.recv(1 << 20).decode())[cmd.split(",")[0]]

    def close(self):
        self.s.close()


# ---- the peer ---------------------------------------------------------------

def build_secgw(work):
    """Build ipsec-secgw from Debian's source, patched to start on
    net_pcap; cached by the source's hash."""
    h = hashlib.sha256()
    for f in sorted(os.listdir(SECGW_SRC)):
        p = os.path.join(SECGW_SRC, f)
        if os.path.isfile(p):
            h.update(open(p, "rb").read())
    key = h.hexdigest()[:16]
    d = os.path.join(work, "secgw-" + key)
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
        sys.exit("bench: ipsec-secgw.c has changed; cannot patch its "
                 "RX checksum offload request")
    open(src, "w").write(text.replace(old, ".offloads = 0,", 1))
    r = subprocess.run(["make", "-C", d, "-j2"], capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.exit("bench: ipsec-secgw did not build:\n" + r.stdout[-3000:] +
                 r.stderr[-3000:])
    return exe


def colon_hex(h):
    return ":".join(h[i:i + 2] for i in range(0, len(h), 2))


def secgw_cfg(path, direction):
    # Port 0 replays the pcap, port 1 is net_null. enc: port 0 is the
    # protected (plaintext) side; dec: port 0 carries the ESP.
    k = colon_hex(KEY)
    inner_port = 0 if direction == "enc" else 1
    outer_port = 1 - inner_port
    open(path, "w").write(f"""
sp ipv4 out esp protect {SPI_OUT} pri 1 dst 192.0.2.0/24 sport 0:65535 dport 0:65535
sp ipv4 in esp protect {SPI_IN} pri 1 dst 198.51.100.0/24 sport 0:65535 dport 0:65535
sa out {SPI_OUT} aead_algo aes-128-gcm aead_key {k} mode ipv4-tunnel src {LOCAL} dst {REMOTE}
sa in {SPI_IN} aead_algo aes-128-gcm aead_key {k} mode ipv4-tunnel src {REMOTE} dst {LOCAL}
rt ipv4 dst {REMOTE}/32 port {outer_port}
rt ipv4 dst 198.51.100.0/24 port {inner_port}
""")


def secgw_cmd(exe, pcap, cfg, direction, prefix, eal):
    return [exe, "-l", "1", "--no-pci", "--file-prefix", prefix,
            "--vdev", f"net_pcap0,rx_pcap={pcap},infinite_rx=1",
            "--vdev", "net_null0,no-rx=1",
            "--vdev", "crypto_aesni_gcm0", *eal,
            "--log-level", "*:warning", "--",
            "-p", "0x3", "-P", "-u", "0x2" if direction == "enc" else "0x1",
            "--config", "(0,0,1),(1,0,1)", "-f", cfg, "--mtu", "1600"]


# ---- vpngw --------------------------------------------------------------------

def vpngw_cfg(path, work, pcap, direction, prefix, eal):
    """Inside net_pcap (enc) or outside net_pcap (dec); the other port is
    net_null, its next hop a static ARP entry."""
    replay = f'device = "net_pcap0,rx_pcap={pcap},infinite_rx=1";'
    null = 'device = "net_null0,no-rx=1";'
    ealq = ", ".join('"%s"' % a for a in eal)
    keys = f"""algorithm = "aes128gcm16"; replay_check = false;
          spi_in = {SPI_IN:#x}; spi_out = {SPI_OUT:#x};
          key_in = "{KEY}"; key_out = "{KEY}";"""
    open(path, "w").write(f"""
appliance:
{{
  name = "bench";
  state_dir = "{work}/vpngw-state";
  eal_args = [{ealq}, "--file-prefix", "{prefix}", "--log-level", "*:warning"];
  control_lcore = 0;
  workers = [1];
  ports = (
    {{ name = "outside"; role = "outside"; {null if direction == "enc" else replay}
      address = "{LOCAL}/24"; static_arp = ["{REMOTE} {PEER_MAC}"]; }},
    {{ name = "inside"; role = "inside"; {replay if direction == "enc" else null}
      address = "198.51.100.1/24"; static_arp = ["{HOST_IN} {PEER_MAC}"]; }}
  );
  outside_addresses = ["{LOCAL}", "203.0.113.11"];
}};
customer_gateways = ( {{ name = "cgw"; address = "{REMOTE}"; }} );
vpn_connections = (
  {{ name = "bench"; customer_gateway = "cgw"; static_routes = ["192.0.2.0/24"];
    tunnels = (
      {{ manual_keys: {{ {keys} }}; }},
      {{ manual_keys: {{ algorithm = "aes128gcm16"; spi_in = 0x2002;
          spi_out = 0x1002; key_in = "{KEY}"; key_out = "{KEY}"; }}; }}
    );
  }}
);
""")


# ---- one run ------------------------------------------------------------------

def run(cmd, prefix, counter, seconds, logf):
    """Start cmd, sample counter() over telemetry every 100 ms for
    `seconds`, stop it; returns the per-window packet rates."""
    with open(logf, "w") as out:
        p = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT)
    rates, tel = [], None
    try:
        tel = Telemetry(prefix, 30)
        # Let it start forwarding (the first packets, ARP-free: static).
        time.sleep(0.5)
        last_t, last_n = time.monotonic(), counter(tel)
        end = last_t + seconds
        while time.monotonic() < end:
            time.sleep(0.1)
            t, n = time.monotonic(), counter(tel)
            rates.append((n - last_n) / (t - last_t))
            last_t, last_n = t, n
        info = None
        try:
            info = tel.get("/vpngw/info")
        except Exception:
            pass
        return rates, info
    finally:
        if tel is not None:
            tel.close()
        p.send_signal(signal.SIGINT)
        try:
            p.wait(10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        shutil.rmtree("/var/run/dpdk/" + prefix, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--vpngw", default=os.path.join(
        HERE, "..", "build", "app", "vpngw", "vpngw"))
    ap.add_argument("--work", default=None)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--sizes", default="64,imix,1420")
    ap.add_argument("--dirs", default="enc,dec")
    ap.add_argument("--json", default=None)
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 when a target ratio is missed")
    a = ap.parse_args()
    if not 0.5 <= a.seconds <= 60 or not 1 <= a.rounds <= 10:
        sys.exit("bench: --seconds 0.5..60, --rounds 1..10")
    sizes, dirs = a.sizes.split(","), a.dirs.split(",")
    if any(s not in FRAME for s in sizes) or \
            any(d not in ("enc", "dec") for d in dirs):
        sys.exit("bench: sizes are 64, imix, 1420; dirs enc, dec")
    work = a.work or tempfile.mkdtemp(prefix="vpngw-bench-")
    os.makedirs(work, exist_ok=True)
    vpngw = os.path.abspath(a.vpngw)
    if os.geteuid() != 0:
        sys.exit("bench: run as root (DPDK)")
    huge = open("/sys/kernel/mm/hugepages/hugepages-2048kB/"
                "free_hugepages").read().strip()
    eal = ["--in-memory", "-m", "512"] if int(huge) >= 256 else \
        ["--no-huge", "--no-shconf", "-m", "1024"]
    log("bench: work dir", work, "; EAL memory:", " ".join(eal))

    secgw = build_secgw(work)
    pcaps = {}
    for s in sizes:
        plain = os.path.join(work, f"plain-{s}.pcap")
        esp = os.path.join(work, f"esp-{s}.pcap")
        gen = [PY, os.path.join(HERE, "pcapgen.py"), "--size", s]
        subprocess.run(gen + ["--out", plain, "--src", HOST_IN,
                              "--dst", HOST_OUT], check=True,
                       capture_output=True)
        subprocess.run(gen + ["--out", esp, "--src", HOST_OUT,
                              "--dst", HOST_IN, "--esp", str(SPI_IN),
                              "--key", KEY, "--tunnel",
                              f"{REMOTE},{LOCAL}"], check=True,
                       capture_output=True)
        pcaps[s] = {"enc": plain, "dec": esp}

    results = {}
    tsc_hz = None
    n = 0
    total = a.rounds * len(sizes) * len(dirs) * 2
    for rnd in range(a.rounds):
        for s in sizes:
            for d in dirs:
                for impl in ("vpngw", "secgw"):
                    n += 1
                    prefix = f"vpngw-bench-{os.getpid()}-{n}"
                    pcap = pcaps[s][d]
                    logf = os.path.join(work, f"{impl}-{s}-{d}-{rnd}.log")
                    if impl == "vpngw":
                        cfg = os.path.join(work, f"vpngw-{s}-{d}.conf")
                        vpngw_cfg(cfg, work, pcap, d, prefix, eal)
                        cmd = [vpngw, cfg]
                        key = "outside_tx" if d == "enc" else "inside_tx"

                        def counter(t, key=key):
                            return t.get("/vpngw/stats")[key]
                    else:
                        cfg = os.path.join(work, f"secgw-{d}.cfg")
                        secgw_cfg(cfg, d)
                        cmd = secgw_cmd(secgw, pcap, cfg, d, prefix, eal)

                        def counter(t):
                            return t.get("/ethdev/stats,1")["opackets"]
                    log(f"bench: [{n}/{total}] round {rnd + 1} {s} {d} "
                        f"{impl} ({a.seconds:g} s)")
                    rates, info = run(cmd, prefix, counter, a.seconds, logf)
                    if info and not tsc_hz:
                        tsc_hz = info["tsc_hz"]
                    if not rates or max(rates) <= 0:
                        sys.exit(f"bench: {impl} forwarded nothing "
                                 f"({s} {d}); see {logf}")
                    r = results.setdefault((s, d, impl), [])
                    r.extend(rates)
    if not tsc_hz:
        sys.exit("bench: no TSC frequency from vpngw's telemetry")

    report = {"tsc_hz": tsc_hz, "seconds": a.seconds, "rounds": a.rounds,
              "rows": []}
    print(f"vpngw data plane vs DPDK ipsec-secgw, AES-128-GCM, one worker "
          f"core, net_pcap (infinite_rx) -> net_null; TSC "
          f"{tsc_hz / 1e6:.0f} MHz; best 100 ms window "
          f"(median in brackets), {a.rounds} x {a.seconds:g} s each")
    print(f"{'size':6} {'dir':4} {'vpngw Mpps':>16} {'Gbit/s':>7} "
          f"{'cyc/pkt':>8} {'secgw Mpps':>16} {'cyc/pkt':>8} "
          f"{'ratio':>6} {'target':>7}")
    ok = True
    for s in sizes:
        frame = sum(FRAME[s]) / len(FRAME[s])
        for d in dirs:
            v, g = results[(s, d, "vpngw")], results[(s, d, "secgw")]
            vb, gb = max(v), max(g)
            ratio = vb / gb
            good = ratio >= TARGET[s]
            ok = ok and good
            row = {"size": s, "dir": d,
                   "vpngw_mpps": vb / 1e6,
                   "vpngw_mpps_median": statistics.median(v) / 1e6,
                   "vpngw_gbps": vb * frame * 8 / 1e9,
                   "vpngw_cycles": tsc_hz / vb,
                   "secgw_mpps": gb / 1e6,
                   "secgw_mpps_median": statistics.median(g) / 1e6,
                   "secgw_cycles": tsc_hz / gb,
                   "ratio": ratio, "target": TARGET[s], "met": good}
            report["rows"].append(row)
            print(f"{s:6} {d:4} {vb / 1e6:6.2f} ({statistics.median(v) / 1e6:5.2f})"
                  f" {row['vpngw_gbps']:7.2f} {row['vpngw_cycles']:8.0f} "
                  f"{gb / 1e6:6.2f} ({statistics.median(g) / 1e6:5.2f}) "
                  f"{row['secgw_cycles']:8.0f} {ratio:6.2f} "
                  f"{'>= %.1f' % TARGET[s]:>7}{'' if good else '  MISSED'}")
    if a.json:
        with open(a.json, "w") as f:
            json.dump(report, f, indent=1)
    if a.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0 if ok or not a.strict else 1


if __name__ == "__main__":
    sys.exit(main())
