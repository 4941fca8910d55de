"""What the benchmark runner's modules share: where the tools and the
source tree are, the addresses, SPIs and keys every case uses, frame
sizes and the ESP transforms, progress and fatal messages, and the run's
context (Ctx: paths, the work directory, the current DPDK file prefix)."""
import os
import socket
import sys

# tools/ (bench.py, pcapgen.py) and the source tree.
HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROOT = os.path.dirname(HERE)

# Addresses (documentation ranges only): vpngw's outside and the CGW's,
# a host behind the inside port and one behind the CGW.
LOCAL, REMOTE = "203.0.113.10", "203.0.113.1"
HOST_IN, HOST_OUT = "198.51.100.10", "192.0.2.130"
SPI_OUT, SPI_IN = 0x1001, 0x2001
# Many tunnels: tunnel t's remote network is 169.254.128.0/17's t-th /28.
MANY_NET, MANY_STEP = 0xA9FE8000, 16

FRAMES = {"imix": [64] * 7 + [594] * 4 + [1518]}

# ESP transforms: vpngw's name -> (cipher key bytes, auth key bytes,
# ipsec-secgw's cipher, its auth). strongSwan names them as vpngw does.
ALGS = {"aes128gcm16": (16, 0, "aes-128-gcm", None),
        "aes256gcm16": (32, 0, "aes-256-gcm", None)}
for _k in (128, 256):
    for _h, _alen in (("sha1", 20), ("sha256", 32), ("sha384", 48),
                      ("sha512", 64)):
        ALGS[f"aes{_k}-{_h}"] = (_k // 8, _alen, f"aes-{_k}-cbc",
                                 f"{_h}-hmac")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def die(msg):
    log("bench: " + msg)
    sys.exit(1)


def keys(alg):
    """(cipher key hex incl. a GCM salt, auth key hex or None)."""
    klen, alen = ALGS[alg][0], ALGS[alg][1]
    ck = bytes((0x11 + i) & 0xFF for i in range(klen))
    if alen == 0:
        return (ck + b"\xc0\xff\xee\x01").hex(), None
    return ck.hex(), bytes((0x71 + i) & 0xFF for i in range(alen)).hex()


def lcores_args(lcores):
    """EAL arguments that place lcores (ids) on this machine's CPUs: none
    when each has a CPU of its number, else --lcores mapping them round
    the CPUs there are (the control lcore, which sleeps between events,
    shares a CPU with a worker)."""
    cpus = sorted(os.sched_getaffinity(0))
    if max(lcores) < len(cpus) and all(c in cpus for c in lcores):
        return []
    return ["--lcores", ",".join(f"{l}@{cpus[l % len(cpus)]}"
                                 for l in lcores)]


def frames(size):
    return FRAMES.get(size) or [int(size)]


def mean_frame(size):
    f = frames(size)
    return sum(f) / len(f)


def gen_size_args(size):
    return ["--imix"] if size == "imix" else ["--size", size]


def ip_str(v):
    return socket.inet_ntoa(v.to_bytes(4, "big"))


class Ctx:
    pass
