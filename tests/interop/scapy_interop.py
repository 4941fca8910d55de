#!/usr/bin/python3
"""Interop of the ESP library with independent implementations.

For every algorithm of the AWS phase 2 set, with and without ESN and UDP
encapsulation:
  - packets vpngw encrypts (esp_pcap encrypt) are decrypted and verified
    by scapy's IPsec layer and must equal the originals;
  - packets scapy encrypts are accepted by vpngw (esp_pcap decrypt) and
    must come out as the originals;
  - tshark, given the keys, decodes the ESP that vpngw made (without ESN:
    Wireshark 4.0 has no ESN setting) down to the inner UDP ports.

Two faults of scapy 2.5 are worked around, not copied:
  - its ESP leaves the high 32 bits of an extended sequence number out of
    the HMAC ICV (it only adds them for AH), where RFC 4303 2.2.1 puts
    them in: for CBC+HMAC with ESN this test computes and checks the ICV
    itself, the RFC's way, and lets scapy do the cipher;
  - its NAT-T header keeps a UDP length of 8 whatever follows (RFC 768
    says header plus data; a kernel would drop such packets, and so does
    vpngw, as BAD_OUTER): the test recomputes it.

usage: scapy_interop.py ESP_PCAP
"""
import hashlib
import hmac
import os
import struct
import subprocess
import sys
import tempfile

from scapy.all import IP, IPv6, UDP, Ether, Raw, rdpcap, wrpcap
from scapy.layers.ipsec import ESP, SecurityAssociation

ESP_PCAP = sys.argv[1]
# Frames carry fixed, locally administered MACs: an Ether() without them
# makes scapy resolve the IP destination with ARP on the host's network.
# (The test also runs in a network namespace of its own; see meson.build.)
MACS = dict(src="02:00:00:00:00:01", dst="02:00:00:00:00:02")
SRC, DST = "203.0.113.1", "192.0.2.1"
SPI = 0x1000
ESN_HI = 1  # ESN runs use sequence numbers above 2^32
HASHES = {"HMAC-SHA1-96": (hashlib.sha1, 12),
          "SHA2-256-128": (hashlib.sha256, 16),
          "SHA2-384-192": (hashlib.sha384, 24),
          "SHA2-512-256": (hashlib.sha512, 32)}


def esn_icv(aalgo, akey, esp_bytes):
    """RFC 4303 2.2.1: the ICV over the ESP packet and then seq hi."""
    digest, n = HASHES[aalgo]
    return hmac.new(akey, esp_bytes + struct.pack("!L", ESN_HI),
                    digest).digest()[:n]

# name, scapy crypt algo, key bytes, scapy auth algo, auth key bytes,
# Wireshark encryption and authentication names
ALGS = [
    ("aes128gcm16", "AES-GCM", 16, None, 0,
     "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
    ("aes256gcm16", "AES-GCM", 32, None, 0,
     "AES-GCM with 16 octet ICV [RFC4106]", "NULL"),
]
for bits in (128, 256):
    for sha, sc, kl, ws in (("sha1", "HMAC-SHA1-96", 20,
                             "HMAC-SHA-1-96 [RFC2404]"),
                            ("sha256", "SHA2-256-128", 32,
                             "HMAC-SHA-256-128 [RFC4868]"),
                            ("sha384", "SHA2-384-192", 48,
                             "HMAC-SHA-384-192 [RFC4868]"),
                            ("sha512", "SHA2-512-256", 64,
                             "HMAC-SHA-512-256 [RFC4868]")):
        ALGS.append((f"aes{bits}-{sha}", "AES-CBC", bits // 8, sc, kl,
                     "AES-CBC [RFC3602]", ws))


def inner_packets():
    pkts = []
    for i, size in enumerate((0, 1, 15, 16, 17, 100, 511, 1400, 1472)):
        pkts.append(IP(src="198.51.100.10", dst="192.0.2.130", id=i) /
                    UDP(sport=1234, dport=5678) / Raw(bytes([i]) * size))
    for size in (0, 60, 1200):
        pkts.append(IPv6(src="2001:db8::10", dst="2001:db8:1::130") /
                    UDP(sport=1234, dport=5678) / Raw(b"v6" * size))
    return pkts


def run(args):
    r = subprocess.run([ESP_PCAP] + args, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"esp_pcap {' '.join(args)}: {r.stderr}")


def tshark_count(pcap, enc, auth, key, akey):
    sa = (f'"IPv4","{SRC}","{DST}","0x{SPI:08x}","{enc}","0x{key.hex()}",'
          f'"{auth}","0x{akey.hex()}"')
    r = subprocess.run(
        ["tshark", "-n", "-r", pcap, "-o", "esp.enable_encryption_decode:TRUE",
         "-o", f"uat:esp_sa:{sa}", "-Y", "udp.dstport == 5678",
         "-T", "fields", "-e", "frame.number"],
        capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError("tshark: " + r.stderr)
    return len(r.stdout.split())


def check(alg, esn, udp, tmp, engine):
    name, calgo, klen, aalgo, alen, ws_enc, ws_auth = alg
    key = bytes((7 * i + 1) & 0xff for i in range(klen))
    salt = b"\x5a\x17\xc0\xde" if calgo == "AES-GCM" else b""
    akey = bytes((13 * i + 5) & 0xff for i in range(alen))
    seq0 = (ESN_HI << 32) if esn else 0
    # scapy does the HMAC itself, except with ESN (see above).
    own_icv = esn and aalgo is not None
    sa = SecurityAssociation(
        ESP, spi=SPI, crypt_algo=calgo, crypt_key=key + salt,
        auth_algo=None if own_icv else aalgo,
        auth_key=None if own_icv or not alen else akey,
        tunnel_header=IP(src=SRC, dst=DST),
        nat_t_header=UDP(sport=4500, dport=4500) if udp else None,
        esn_en=esn, esn=ESN_HI if esn else 0)
    icv_len = HASHES[aalgo][1] if own_icv else 0
    common = ["--alg", name, "--key", (key + salt).hex(), "--spi", str(SPI),
              "--seq", str(seq0), "--engine", engine]
    if alen:
        common += ["--auth-key", akey.hex()]
    if esn:
        common.append("--esn")
    if udp:
        common.append("--udp")
    orig = inner_packets()
    plain = os.path.join(tmp, "plain.pcap")
    enc = os.path.join(tmp, "enc.pcap")
    dec = os.path.join(tmp, "dec.pcap")

    # vpngw encrypts, scapy decrypts and verifies.
    wrpcap(plain, [Ether(**MACS) / p for p in orig])
    run(["encrypt"] + common + ["--src", SRC, "--dst", DST, plain, enc])
    got = rdpcap(enc)
    assert len(got) == len(orig), f"{len(got)} of {len(orig)} encrypted"
    for i, (frame, want) in enumerate(zip(got, orig)):
        outer = frame[IP]
        assert outer.src == SRC and outer.dst == DST
        if udp:
            assert outer.proto == 17 and outer[UDP].dport == 4500
            assert outer[UDP].chksum == 0
        else:
            assert outer.proto == 50
        outer = outer.copy()  # scapy's decrypt() changes its argument
        assert outer[ESP].seq == (i + 1) & 0xffffffff
        if own_icv:
            body = bytes(outer[ESP])
            assert body[-icv_len:] == esn_icv(aalgo, akey, body[:-icv_len]), \
                f"packet {i}: ICV with ESN wrong"
            outer[ESP].data = outer[ESP].data[:-icv_len]
        # scapy checks the ICV (when it does it) and raises if wrong.
        plain_pkt = sa.decrypt(outer)
        assert bytes(plain_pkt) == bytes(want), f"packet {i} differs"

    if not esn:
        n = tshark_count(enc, ws_enc, ws_auth, key + salt, akey)
        assert n == len(orig), f"tshark decoded {n} of {len(orig)}"

    # scapy encrypts, vpngw decrypts.
    frames = []
    for i, p in enumerate(orig):
        e = sa.encrypt(p, seq_num=i + 1)
        if own_icv:
            e[ESP].data += esn_icv(aalgo, akey, bytes(e[ESP]))
        if udp:
            e[UDP].len = None  # recomputed: 8 + what follows
            e[UDP].chksum = 0
        e[IP].len = None
        e[IP].chksum = None
        frames.append(Ether(**MACS) / IP(bytes(e)))
    wrpcap(enc, frames)
    run(["decrypt"] + common + [enc, dec])
    back = rdpcap(dec)
    assert len(back) == len(orig), f"{len(back)} of {len(orig)} decrypted"
    for i, (frame, want) in enumerate(zip(back, orig)):
        inner = frame[IP] if IP in frame and frame.type == 0x800 else \
            frame[IPv6]
        assert bytes(inner) == bytes(want), f"scapy packet {i} differs"


def main():
    passed = failed = 0
    with tempfile.TemporaryDirectory() as tmp:
        for engine in ("imb", "openssl"):
            for alg in ALGS:
                for esn in (False, True):
                    for udp in (False, True):
                        what = (f"{engine} {alg[0]} esn={int(esn)} "
                                f"udp={int(udp)}")
                        try:
                            check(alg, esn, udp, tmp, engine)
                            passed += 1
                            print("ok:", what)
                        except Exception as e:  # report all, then fail
                            failed += 1
                            print("FAIL:", what, e)
    print(f"interop: {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
