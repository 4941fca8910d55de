#!/usr/bin/python3
"""Write the pcaps that benchmarks replay: plaintext or ESP tunnel mode.

    pcapgen.py --size 64|imix|1420|N --out FILE [--count N] [--flows N]
               [--src A.B.C.D] [--dst A.B.C.D]
               [--esp SPI --key HEX --tunnel SRC,DST [--udp]]

Sizes are Ethernet frame sizes with the 4-byte FCS (as RFC 2544 and IMIX
count them), so a 64-byte frame holds a 46-byte IP packet. IMIX is 7:4:1 of
64, 594 and 1518 bytes, interleaved. Packets are IPv4/UDP from --src to
--dst, the UDP source port cycling over --flows values, the payload a
counter. With --esp the packets are encrypted as AES-GCM-16 ESP tunnel mode
(RFC 4106; --key is 16 or 32 bytes of key then the 4-byte salt, in hex) in
an outer IPv4 header from SRC to DST, with sequence numbers 1, 2, ...;
scapy's IPsec layer does the encryption, so vpngw is not its own witness.
Frames carry fixed locally administered MACs (scapy must never ARP).
"""
import argparse
import struct
import sys

from scapy.all import IP, UDP, Ether, Raw, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
IMIX = [64] * 7 + [594] * 4 + [1518]
FCS = 4


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
    a = ap.parse_args()
    if not 1 <= a.count <= 1000000 or not 1 <= a.flows <= 65535:
        sys.exit("pcapgen: --count 1..1000000, --flows 1..65535")
    sa = None
    if a.esp is not None:
        if a.key is None or a.tunnel is None:
            sys.exit("pcapgen: --esp needs --key and --tunnel")
        key = bytes.fromhex(a.key)
        if len(key) not in (20, 36):
            sys.exit("pcapgen: --key is a 16- or 32-byte key and a 4-byte salt")
        tsrc, tdst = a.tunnel.split(",")
        sa = SecurityAssociation(ESP, spi=a.esp, crypt_algo="AES-GCM",
                                 crypt_key=key,
                                 tunnel_header=IP(src=tsrc, dst=tdst),
                                 nat_t_header=UDP(sport=4500, dport=4500)
                                 if a.udp else None)
    frames = []
    for i, size in enumerate(sizes(a.size, a.count)):
        ip_len = size - FCS - 14
        pay = ip_len - 28
        if pay < 0:
            sys.exit("pcapgen: frames below 46 bytes of IP cannot be made")
        body = (struct.pack("!Q", i) * (pay // 8 + 1))[:pay]
        p = IP(src=a.src, dst=a.dst, ttl=64) / \
            UDP(sport=1024 + i % a.flows, dport=5001) / Raw(body)
        p = IP(bytes(p))
        if sa is not None:
            p = sa.encrypt(p)
            if a.udp:  # scapy 2.5 leaves the UDP length at 8
                p = IP(bytes(p))
                p[UDP].len = len(p[UDP])
                p[UDP].chksum = 0
            p = IP(bytes(p))
        frames.append(Ether(**MACS) / p)
    wrpcap(a.out, frames)


if __name__ == "__main__":
    main()
