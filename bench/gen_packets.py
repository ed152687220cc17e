#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""The frames egbench feeds to every program: built with scapy.

Writes one frame a line to argv[1]: "name hex". Addresses are documentation
addresses; BENCH_BLOCK4 (203.0.113.5) is the first rule of every rule set,
198.51.100.0/24 and 2001:db8::/32 are matched by no rule, no name rule
matches the names asked for.

  syn4   TCP SYN with the usual options, IPv4, no rule matches
  syn6   the same over IPv6
  blk4   TCP SYN to 203.0.113.5, blocked
  dns10  DNS query (UDP) for a name of 10 labels
  tls    TLS 1.3 ClientHello of a browser's shape, server_name the last extension
  http   HTTP/1.1 GET with Host, User-Agent, Accept
"""

import struct
import sys

from scapy.layers.dns import DNS, DNSQR
from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.layers.l2 import Ether
from scapy.packet import Raw, raw

SMAC = "02:00:00:00:00:01"
DMAC = "02:00:00:00:00:02"
SRC4 = "192.0.2.2"
SRC6 = "2001:db8:2::2"
PASS4 = "198.51.100.77"
PASS6 = "2001:db8:100::77"
BLOCK4 = "203.0.113.5"
RESOLVER4 = "198.51.100.53"
SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None), ("WScale", 7)]
NAME10 = "l1.l2.l3.l4.l5.l6.l7.l8.example.com"  # 10 labels
SNI = "www.example.com"


def eth():
    return Ether(src=SMAC, dst=DMAC)


def syn(dst, v6=False):
    l3 = IPv6(src=SRC6, dst=dst) if v6 else IP(src=SRC4, dst=dst, flags="DF")
    return eth() / l3 / TCP(sport=40000, dport=443, flags="S", seq=1000, options=SYN_OPTS)


def ext(etype, body):
    return struct.pack("!HH", etype, len(body)) + body


def vec8(b):
    return struct.pack("!B", len(b)) + b


def vec16(b):
    return struct.pack("!H", len(b)) + b


def client_hello(sni):
    """A ClientHello laid out like a current browser's, server_name last."""
    ciphers = [0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8,
               0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035]
    groups = [0x001D, 0x0017, 0x0018]
    sigalgs = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601]
    name = sni.encode()
    exts = b"".join([
        ext(0xFF01, b"\x00"),                                          # renegotiation_info
        ext(0x0017, b""),                                              # extended_master_secret
        ext(0x0023, b""),                                              # session_ticket
        ext(0x000A, vec16(b"".join(struct.pack("!H", g) for g in groups))),
        ext(0x000B, vec8(b"\x00")),                                    # ec_point_formats
        ext(0x000D, vec16(b"".join(struct.pack("!H", s) for s in sigalgs))),
        ext(0x0010, vec16(vec8(b"h2") + vec8(b"http/1.1"))),          # ALPN
        ext(0x0005, b"\x01\x00\x00\x00\x00"),                          # status_request
        ext(0x0012, b""),                                              # signed_certificate_timestamp
        ext(0x0033, vec16(struct.pack("!HH", 0x001D, 32) + bytes(range(32)))),  # key_share
        ext(0x002D, vec8(b"\x01")),                                    # psk_key_exchange_modes
        ext(0x002B, vec8(b"\x03\x04\x03\x03")),                        # supported_versions
        ext(0x001B, vec8(b"\x00\x02")),                                # compress_certificate
        ext(0x0015, bytes(64)),                                        # padding
        ext(0x0000, vec16(b"\x00" + vec16(name))),                     # server_name, last
    ])
    body = (b"\x03\x03" + bytes(range(32)) + vec8(bytes(range(32))) +
            vec16(b"".join(struct.pack("!H", c) for c in ciphers)) + vec8(b"\x00") + vec16(exts))
    hs = struct.pack("!B", 1) + struct.pack("!I", len(body))[1:] + body
    return struct.pack("!BHH", 22, 0x0301, len(hs)) + hs


def tcp_data(dport, payload):
    return (eth() / IP(src=SRC4, dst=PASS4, flags="DF") /
            TCP(sport=40001, dport=dport, flags="PA", seq=1001, ack=5001) / Raw(payload))


def build():
    http = (b"GET /artifact.txt HTTP/1.1\r\nHost: www.example.com\r\n"
            b"User-Agent: curl/7.88.1\r\nAccept: */*\r\n\r\n")
    dns = (eth() / IP(src=SRC4, dst=RESOLVER4) / UDP(sport=40002, dport=53) /
           DNS(id=0x4242, rd=1, qd=DNSQR(qname=NAME10, qtype="A")))
    assert len(NAME10.split(".")) == 10
    return [
        ("syn4", syn(PASS4)),
        ("syn6", syn(PASS6, v6=True)),
        ("blk4", syn(BLOCK4)),
        ("dns10", dns),
        ("tls", tcp_data(443, client_hello(SNI))),
        ("http", tcp_data(80, http)),
    ]


def main():
    with open(sys.argv[1], "w") as f:
        for name, pkt in build():
            f.write("%s %s\n" % (name, raw(pkt).hex()))


if __name__ == "__main__":
    main()
