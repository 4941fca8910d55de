#!/usr/bin/python3
"""Write the pcaps that benchmarks replay: plaintext or ESP tunnel mode.

    pcapgen.py --size 64|imix|1420|N --out FILE [--count N] [--flows N]
               [--src A.B.C.D] [--dst A.B.C.D]
               [--tunnels N [--dst-step S] [--src-step S]]
               [--esp SPI [--alg ALG] --key HEX [--auth-key HEX]
                --tunnel SRC,DST [--udp]]

Sizes are Ethernet frame sizes with the 4-byte FCS (as RFC 2544 and IMIX
count them), so a 64-byte frame holds a 46-byte IP packet. IMIX is 7:4:1 of
64, 594 and 1518 bytes, interleaved. Packets are IPv4/UDP from --src to
--dst, the UDP source port cycling over --flows values, the payload a
counter. With --tunnels N, packet i belongs to tunnel i % N: its
destination is --dst + (i % N) * S, its source --src + (i % N) * --src-step
(default 0) and, with --esp, its SPI is SPI + i % N
(each SA numbering its own packets). With --esp the packets are encrypted
as ESP tunnel mode with --alg (a vpngw transform name; default
aes128gcm16, RFC 4106: --key is 16 or 32 bytes of key then the 4-byte
salt, in hex; CBC transforms take --auth-key too) in an outer IPv4 header
from SRC to DST, with sequence numbers 1, 2, ...; scapy's IPsec layer does
the encryption, so vpngw is not its own witness.
Frames carry fixed locally administered MACs (scapy must never ARP).
"""
import argparse
import socket
import struct
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
IMIX = [64] * 7 + [594] * 4 + [1518]
FCS = 4
# vpngw's transform names -> (key bytes, scapy cipher, scapy auth, auth
# key bytes).
ALGS = {"aes128gcm16": (16, "AES-GCM", None, 0),
        "aes256gcm16": (32, "AES-GCM", None, 0)}
for _k in (128, 256):
    for _h, _sa, _al in (("sha1", "HMAC-SHA1-96", 20),
                         ("sha256", "SHA2-256-128", 32),
                         ("sha384", "SHA2-384-192", 48),
                         ("sha512", "SHA2-512-256", 64)):
        ALGS[f"aes{_k}-{_h}"] = (_k // 8, "AES-CBC", _sa, _al)


def sizes(spec, count):
    if spec == "imix":
        # Spread the big ones: 64 594 64 594 64 1518 ... by interleaving.
        pattern = [64, 594, 64, 594, 64, 64, 594, 64, 594, 64, 64, 1518]
        assert sorted(pattern) == sorted(IMIX)
        return [pattern[i % len(pattern)] for i in range(count)]
    n = int(spec)
    if not 64 <= n <= 9000:
        sys.exit("pcapgen: --size must be 64..9000, imix")
    return [n] * count


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--count", type=int, default=1200)
    ap.add_argument("--flows", type=int, default=64)
    ap.add_argument("--src", default="198.51.100.10")
    ap.add_argument("--dst", default="192.0.2.130")
    ap.add_argument("--esp", type=lambda s: int(s, 0))
    ap.add_argument("--key")
    ap.add_argument("--tunnel")
    ap.add_argument("--udp", action="store_true")
    ap.add_argument("--alg", default="aes128gcm16")
    ap.add_argument("--auth-key")
    ap.add_argument("--tunnels", type=int, default=1)
    ap.add_argument("--dst-step", type=int, default=1)
    ap.add_argument("--src-step", type=int, default=0)
    a = ap.parse_args()
    if not 1 <= a.tunnels <= 65536 or not 0 <= a.dst_step <= 65536 or \
            not 0 <= a.src_step <= 65536:
        sys.exit("pcapgen: --tunnels 1..65536, --dst-step and --src-step "
                 "0..65536")
    if not 1 <= a.count <= 1000000 or not 1 <= a.flows <= 65535:
        sys.exit("pcapgen: --count 1..1000000, --flows 1..65535")
    sas = None
    if a.esp is not None:
        if a.key is None or a.tunnel is None:
            sys.exit("pcapgen: --esp needs --key and --tunnel")
        if a.alg not in ALGS:
            sys.exit("pcapgen: --alg is one of " + ", ".join(ALGS))
        klen, crypt, auth, alen = ALGS[a.alg]
        key = bytes.fromhex(a.key)
        akey = bytes.fromhex(a.auth_key) if a.auth_key else None
        if len(key) != klen + (4 if auth is None else 0):
            sys.exit(f"pcapgen: --key for {a.alg} is {klen} bytes"
                     + (" and a 4-byte salt" if auth is None else ""))
        if auth is not None and (akey is None or len(akey) != alen):
            sys.exit(f"pcapgen: --auth-key for {a.alg} is {alen} bytes")
        tsrc, tdst = a.tunnel.split(",")
        sas = [SecurityAssociation(
            ESP, spi=a.esp + t, crypt_algo=crypt, crypt_key=key,
            auth_algo=auth, auth_key=akey,
            tunnel_header=IP(src=tsrc, dst=tdst),
            nat_t_header=UDP(sport=4500, dport=4500) if a.udp else None)
            for t in range(a.tunnels)]
    dst0 = struct.unpack("!I", socket.inet_aton(a.dst))[0]
    src0 = struct.unpack("!I", socket.inet_aton(a.src))[0]
    last = a.tunnels - 1
    if dst0 + last * a.dst_step > 0xffffffff or \
            src0 + last * a.src_step > 0xffffffff:
        sys.exit("pcapgen: the tunnels' addresses go past 255.255.255.255")
    frames = []
    for i, size in enumerate(sizes(a.size, a.count)):
        ip_len = size - FCS - 14
        pay = ip_len - 28
        if pay < 0:
            sys.exit("pcapgen: frames below 46 bytes of IP cannot be made")
        body = (struct.pack("!Q", i) * (pay // 8 + 1))[:pay]
        t = i % a.tunnels
        dst = socket.inet_ntoa(struct.pack("!I", dst0 + t * a.dst_step))
        src = socket.inet_ntoa(struct.pack("!I", src0 + t * a.src_step))
        p = IP(src=src, dst=dst, ttl=64) / \
            UDP(sport=1024 + i % a.flows, dport=5001) / Raw(body)
        p = IP(bytes(p))
        if sas is not None:
            p = sas[t].encrypt(p)
            if a.udp:  # scapy 2.5 leaves the UDP length at 8
                p = IP(bytes(p))
                p[UDP].len = len(p[UDP])
                p[UDP].chksum = 0
            p = IP(bytes(p))
        frames.append(Ether(**MACS) / p)
    wrpcap(a.out, frames)


if __name__ == "__main__":
    main()
