#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""DNS fixtures for tc_unit: queries judged by name, built with scapy.

Writes one case per line to argv[1] in the format of gen_fixtures.py, with
these additions (tc_unit reads every fixture file the same way):

  rules    a token may also be  action:name:PATTERN:id  where PATTERN is
             github.com     the name and its subtree (exact and subtree slot)
             *.github.com   only the subtree (subtree slot of github.com)
             =github.com    only the name itself (exact slot)
           tokens naming the same name share its map entry
  event    name=TEXT (lowercased, no trailing dot) and src=EG_NSRC_*; left
           out, the event must have EG_NSRC_NONE and an empty name
  cfg:...  optional fields after `out`:  cfg:dns_rcode=3|5 (default 5),
           cfg:quic_block=0|1, cfg:dns_port=N (repeatable, into eg_dns_ports)

The answer a refused UDP query must get is built here with scapy from the
query as scapy dissects it: same id, opcode, RD and questions, QR and RA
set, the policy's RCODE, no records (the EDNS OPT record is not echoed),
addresses, ports and MACs swapped, IPv4 TTL 64, DF, id 0 without options,
IPv6 hop limit 64 without extension headers, checksums computed by scapy.
A refused TCP query gets the reset of gen_fixtures.expected_rst().
"""

import os
import struct
import sys

from scapy.layers.dns import DNS, DNSQR, DNSRROPT
from scapy.layers.inet import IP, TCP, UDP, IPOption_Router_Alert
from scapy.layers.inet6 import IPv6, IPv6ExtHdrDestOpt
from scapy.layers.l2 import Dot1Q, Ether
from scapy.packet import Raw, raw

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402
from gen_fixtures import (  # noqa: E402  (the shared helpers live beside us)
    BLK4,
    DMAC,
    SMAC,
    SRC4,
    SRC6,
    event,
    expected_rst,
    l2_layers,
)

RES4 = "192.0.2.53"        # a resolver no prefix rule covers
RES6 = "2001:db8:53::53"
BLK_RES4 = BLK4            # a resolver inside block 203.0.113.0/24
SPORT = 40053
QID = 0x4D2

R_GH = 100
GH = ["block:name:github.com:%d" % R_GH]

REFUSED = 5
NXDOMAIN = 3


def label_name(*sizes, ch="a"):
    """A name of labels of the given sizes, each made of one letter per label."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    return ".".join(letters[(i + letters.index(ch)) % 26] * n for i, n in enumerate(sizes))


N253 = label_name(63, 63, 63, 61)                       # 253 characters
N253_OTHER = label_name(63, 63, 63, 61, ch="p")
N254 = label_name(63, 63, 63, 62)                       # one too many
A127 = ".".join(["a"] * 127)                            # 127 labels, 253 characters
A126 = ".".join(["a"] * 126)
assert len(N253) == len(N253_OTHER) == len(A127) == 253 and len(N254) == 254 and len(A126) == 251


def eth():
    return Ether(src=SMAC, dst=DMAC)


def ip(v6=False, dst=None, **kw):
    if v6:
        return IPv6(src=SRC6, dst=dst or RES6, **kw)
    return IP(src=SRC4, dst=dst or RES4, **kw)


def dns_msg(*names, qtype="A", **kw):
    """A standard query (RD set) for the names, one question each."""
    qd = None
    for n in names:
        q = DNSQR(qname=n, qtype=qtype)
        qd = q if qd is None else qd / q
    args = dict(id=QID, rd=1, qd=qd)
    args.update(kw)
    return DNS(**args)


def udp_query(*names, v6=False, dst=None, dport=53, l3=None, **kw):
    l3 = l3 if l3 is not None else ip(v6, dst)
    return eth() / l3 / UDP(sport=SPORT, dport=dport) / dns_msg(*names, **kw)


def udp_raw(payload, v6=False, dst=None, dport=53):
    """A UDP datagram to a DNS port carrying bytes scapy is not asked to understand."""
    return eth() / ip(v6, dst) / UDP(sport=SPORT, dport=dport) / Raw(payload)


def tcp_seg(payload=b"", flags="PA", dport=53, dst=None, v6=False, **kw):
    args = dict(sport=41053, dport=dport, seq=7000, ack=9000, flags=flags)
    args.update(kw)
    pkt = eth() / ip(v6, dst) / TCP(**args)
    return pkt / Raw(payload) if payload else pkt


def tcp_framed(*msgs):
    """DNS messages as they go over TCP: each behind its 2-byte length (RFC 1035 4.2.2)."""
    return b"".join(struct.pack("!H", len(m)) + m for m in msgs)


def hdr(qdcount=1, flags=0x0100, qid=QID, an=0, ns=0, ar=0):
    return struct.pack("!HHHHHH", qid, flags, qdcount, an, ns, ar)


def wire(name):
    """A name in wire format, labels as given (no checks)."""
    out = b""
    for label in name.split("."):
        out += bytes([len(label)]) + label.encode()
    return out + b"\x00"


def expected_answer(frame, rcode=REFUSED):
    """The answer to the UDP query in frame, from scapy's reading of the query."""
    pkt = Ether(raw(frame))
    l2, l3 = l2_layers(pkt)
    while not isinstance(l3, (IP, IPv6)):
        l3 = l3.payload
    u = pkt[UDP]
    q = DNS(raw(u)[8:u.len])
    assert q.qr == 0 and q.qdcount >= 1
    qd, rec, n = None, q.qd, 0
    while isinstance(rec, DNSQR):  # the questions are a chain of layers
        r = DNSQR(qname=rec.qname, qtype=rec.qtype, qclass=rec.qclass)
        qd = r if qd is None else qd / r
        rec, n = rec.payload, n + 1
    assert n == q.qdcount, (n, q.qdcount)
    ans = DNS(id=q.id, qr=1, opcode=q.opcode, aa=0, tc=0, rd=q.rd, ra=1, z=0, ad=0, cd=0,
              rcode=rcode, qdcount=q.qdcount, ancount=0, nscount=0, arcount=0, qd=qd)
    if isinstance(l3, IP):
        ip3 = IP(src=l3.dst, dst=l3.src, ihl=5, tos=0, id=0, flags="DF", frag=0, ttl=64, proto=17)
    else:
        ip3 = IPv6(src=l3.dst, dst=l3.src, tc=0, fl=0, hlim=64, nh=17)
    return raw(l2 / ip3 / UDP(sport=u.dport, dport=u.sport) / ans)


CASES = []


def case(name, frame, ret, verdict, reasons=(), rule=0, ev=None, out=None, mode="enforce",
         default="allow", rules=GH, cfg=()):
    CASES.append(dict(name="dns_" + name, mode=mode, default=default, rules=list(rules),
                      frame=raw(frame), ret=ret, verdict=verdict, reasons=list(reasons),
                      rule=rule, ev=ev, out=out, cfg=list(cfg)))


def name_event(pkt, v, a, r, rule, name=None, src="EG_NSRC_DNS"):
    ev = event(pkt, v, a, r, rule)
    if name is not None:
        ev.update(name=name, src=src)
    return ev


def refused(name, frame, rule, qname, reason="EG_R_RULE_BLOCK", rcode=REFUSED, **kw):
    """A UDP query answered in place and sent back."""
    case(name, frame, "TC_ACT_REDIRECT", "EG_V_REJECT", [reason], rule,
         name_event(frame, "EG_V_REJECT", "EG_ACT_BLOCK", reason, rule, qname),
         expected_answer(frame, rcode), **kw)


def reset(name, frame, rule, qname, reason="EG_R_RULE_BLOCK", **kw):
    """A TCP query refused with a reset."""
    case(name, frame, "TC_ACT_REDIRECT", "EG_V_REJECT", [reason], rule,
         name_event(frame, "EG_V_REJECT", "EG_ACT_BLOCK", reason, rule, qname, "EG_NSRC_DNS_TCP"),
         expected_rst(frame), **kw)


def passed(name, frame, verdict="EG_V_PASS", rule=0, **kw):
    case(name, frame, "TC_ACT_UNSPEC", verdict, (), rule, **kw)


def unreadable(name, frame, why, qname=None, src="EG_NSRC_DNS", **kw):
    """A query on a DNS port that cannot be judged: dropped, the reason counted once."""
    case(name, frame, "TC_ACT_SHOT", "EG_V_DROP", [why], 0,
         name_event(frame, "EG_V_DROP", "EG_ACT_DROP", why, 0, qname, src), **kw)


def build():
    # --- how a name is read -----------------------------------------------
    refused("mixed_case_blocked", udp_query("GiThUb.CoM"), R_GH, "github.com")
    # "github.com." and "github.com" are the same labels on the wire; the
    # event never shows the root's dot.
    refused("trailing_dot_blocked", udp_query("github.com."), R_GH, "github.com")
    refused("subtree_blocked", udp_query("Api.GitHub.com"), R_GH, "api.github.com")
    passed("label_boundary_not_matched", udp_query("notgithub.com"))
    passed("suffix_not_at_boundary_v6", udp_query("xgithub.com", v6=True))
    passed("other_name_default_allow", udp_query("example.org"))

    refused("name_253_blocked", udp_query(N253.upper()), 101, N253,
            rules=["block:name:=%s:101" % N253])
    passed("name_253_allowed", udp_query(N253), "EG_V_ALLOW", 102,
           default="block", rules=["allow:name:%s:102" % N253])
    refused("name_253_other_refused", udp_query(N253_OTHER), 0, N253_OTHER,
            reason="EG_R_DEFAULT_DENY", default="block", rules=["allow:name:%s:102" % N253])
    refused("labels_127_blocked", udp_query(A127), 103, A127, rules=["block:name:a:103"])
    # Every one of the 127 label boundaries is looked up: the 126-label
    # suffix, one boundary from the start, is the most specific rule.
    passed("labels_127_most_specific_allowed", udp_query(A127), "EG_V_ALLOW", 104,
           rules=["block:name:a:103", "allow:name:%s:104" % A126])
    unreadable("name_254_bad", udp_query(N254), "EG_R_NAME_BAD",
               rules=["block:name:%s:101" % N253])
    unreadable("name_254_bad_default_deny", udp_query(N254), "EG_R_NAME_BAD", default="block")
    dot_label = udp_raw(hdr() + b"\x07git.hub\x03com\x00" + b"\x00\x01\x00\x01")
    unreadable("dot_inside_label_bad", dot_label, "EG_R_NAME_BAD",
               rules=["allow:name:git.hub.com:112"], default="block")

    # --- questions ----------------------------------------------------------
    refused("qdcount2_second_blocked", udp_query("example.org", "GitHub.com"), R_GH, "github.com")
    refused("qdcount2_first_blocked_v6", udp_query("github.com", "example.org", v6=True), R_GH,
            "github.com")
    refused("qdcount4_last_blocked", udp_query("a.example", "b.example", "c.example", "www.github.com"),
            R_GH, "www.github.com")
    too_many = udp_raw(hdr(qdcount=5) + b"".join(wire("q%d.example" % i) + b"\x00\x01\x00\x01"
                                                 for i in range(5)))
    unreadable("qdcount5_bad", too_many, "EG_R_DNS_BAD")
    unreadable("qdcount0_bad", udp_raw(hdr(qdcount=0)), "EG_R_DNS_BAD")
    # "www" + a pointer to the first question's name at offset 12: ordinary
    # compression, but names are judged only as written out.
    ptr = udp_raw(hdr(qdcount=2) + wire("example.org") + b"\x00\x01\x00\x01"
                  + b"\x03www\xc0\x0c" + b"\x00\x01\x00\x01")
    unreadable("pointer_in_question", ptr, "EG_R_DNS_POINTER", "example.org")
    loop = udp_raw(hdr() + b"\xc0\x0c" + b"\x00\x01\x00\x01")
    unreadable("pointer_loop", loop, "EG_R_DNS_POINTER")
    unreadable("pointer_loop_default_deny", loop, "EG_R_DNS_POINTER", default="block",
               rules=["allow:192.0.2.53/32:113"])
    unreadable("trunc_header", udp_raw(hdr()[:6]), "EG_R_DNS_BAD")
    unreadable("trunc_header_default_deny", udp_raw(hdr()[:6]), "EG_R_DNS_BAD", default="block")
    unreadable("trunc_question_name", udp_raw(hdr() + wire("github.com")[:9]), "EG_R_DNS_BAD")
    unreadable("trunc_question_qtype", udp_raw(hdr() + wire("github.com") + b"\x00\x01"),
               "EG_R_DNS_BAD", "github.com")
    resp = udp_query("github.com", qr=1, ra=1, rcode=3)
    unreadable("response_to_port53", resp, "EG_R_DNS_BAD")

    # --- DNS over TCP --------------------------------------------------------
    q_gh = raw(dns_msg("GitHub.com"))
    q_ok = raw(dns_msg("example.org"))
    reset("tcp_blocked_rst", tcp_seg(tcp_framed(q_gh)), R_GH, "github.com")
    reset("tcp_v6_blocked_rst", tcp_seg(tcp_framed(q_gh), v6=True), R_GH, "github.com")
    passed("tcp_allowed_default_deny", tcp_seg(tcp_framed(q_ok)), "EG_V_ALLOW", 114,
           default="block", rules=["allow:name:example.org:114"])
    reset("tcp_other_name_default_deny", tcp_seg(tcp_framed(q_gh)), 0, "github.com",
          reason="EG_R_DEFAULT_DENY", default="block", rules=["allow:name:example.org:114"])
    # Two queries in one segment, as glibc writes A and AAAA (one writev):
    # the second must be judged as well as the first.
    reset("tcp_two_messages_second_blocked", tcp_seg(tcp_framed(q_ok, q_gh)), R_GH, "github.com")
    passed("tcp_two_messages_allowed", tcp_seg(tcp_framed(q_ok, raw(dns_msg("www.example.org")))),
           "EG_V_ALLOW", 114, default="block", rules=["allow:name:example.org:114"])
    # Bytes after the last whole message are the start of one not judged.
    unreadable("tcp_message_then_partial", tcp_seg(tcp_framed(q_ok, q_gh)[:-5]), "EG_R_DNS_BAD",
               "example.org", src="EG_NSRC_DNS_TCP")
    # A message split over segments cannot be judged from this one.
    unreadable("tcp_message_cut", tcp_seg(tcp_framed(q_gh)[:20]), "EG_R_DNS_BAD",
               src="EG_NSRC_DNS_TCP")
    syn = eth() / ip() / TCP(sport=41053, dport=53, seq=7000, flags="S",
                             options=[("MSS", 1460), ("SAckOK", b""), ("WScale", 7)])
    passed("tcp_syn_default_deny", syn, default="block", rules=[])
    passed("tcp_ack_default_deny", tcp_seg(flags="A"), default="block", rules=[])
    passed("tcp_fin_default_deny", tcp_seg(flags="FA"), default="block", rules=[])
    # The handshake escapes only the default: a prefix rule still rejects it.
    syn_blk = eth() / ip(dst=BLK_RES4) / TCP(sport=41053, dport=53, seq=7000, flags="S")
    case("tcp_syn_prefix_blocked", syn_blk, "TC_ACT_REDIRECT", "EG_V_REJECT", ["EG_R_RULE_BLOCK"], 10,
         event(syn_blk, "EG_V_REJECT", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", 10), expected_rst(syn_blk),
         rules=["block:203.0.113.0/24:10"])

    # --- exact and subtree forms ---------------------------------------------
    refused("exact_form_matches_name", udp_query("github.com"), 105, "github.com",
            rules=["block:name:=github.com:105"])
    passed("exact_form_not_subtree", udp_query("api.github.com"), rules=["block:name:=github.com:105"])
    passed("subtree_form_not_name", udp_query("github.com"), rules=["block:name:*.github.com:106"])
    refused("subtree_form_matches_below", udp_query("api.github.com"), 106, "api.github.com",
            rules=["block:name:*.github.com:106"])
    merged = ["block:name:*.github.com:106", "allow:name:=github.com:107"]
    passed("merged_slots_exact_allowed", udp_query("github.com"), "EG_V_ALLOW", 107,
           default="block", rules=merged)
    refused("merged_slots_subtree_blocked", udp_query("api.github.com"), 106, "api.github.com",
            default="block", rules=merged)

    # --- most specific name, then the stricter of name and prefix ------------
    inner_allow = ["block:name:internal.example:60", "allow:name:api.internal.example:61"]
    passed("specific_allow_inside_block", udp_query("api.internal.example"), "EG_V_ALLOW", 61,
           rules=inner_allow)
    passed("specific_allow_inside_block_deeper", udp_query("v2.api.internal.example"), "EG_V_ALLOW",
           61, rules=inner_allow)
    refused("block_around_specific_allow", udp_query("db.internal.example"), 60, "db.internal.example",
            rules=inner_allow)
    inner_block = ["allow:name:internal.example:62", "block:name:api.internal.example:63"]
    refused("specific_block_inside_allow", udp_query("api.internal.example"), 63,
            "api.internal.example", default="block", rules=inner_block)
    passed("allow_around_specific_block", udp_query("db.internal.example"), "EG_V_ALLOW", 62,
           default="block", rules=inner_block)
    # The sender chooses the name: a name allow never lifts a prefix block.
    refused("name_allow_prefix_block", udp_query("github.com", dst=BLK_RES4), 10, "github.com",
            rules=["block:203.0.113.0/24:10", "allow:name:github.com:108"])
    refused("name_block_prefix_allow", udp_query("github.com"), R_GH, "github.com",
            default="block", rules=["allow:192.0.2.53/32:113"] + GH)
    passed("prefix_allow_no_name_rule", udp_query("example.org"), "EG_V_ALLOW", 113,
           default="block", rules=["allow:192.0.2.53/32:113"] + GH)

    # --- default deny with an allowed name ------------------------------------
    dd = ["allow:name:github.com:109"]
    passed("default_deny_allowed_name", udp_query("www.GitHub.com"), "EG_V_ALLOW", 109,
           default="block", rules=dd)
    refused("default_deny_other_name", udp_query("Example.ORG"), 0, "example.org",
            reason="EG_R_DEFAULT_DENY", default="block", rules=dd)
    refused("default_deny_root_query", udp_query(".", qtype="NS"), 0, "",
            reason="EG_R_DEFAULT_DENY", default="block", rules=dd)
    refused("default_deny_v6_other_name", udp_query("example.org", v6=True), 0, "example.org",
            reason="EG_R_DEFAULT_DENY", default="block", rules=dd)
    # Default drop: no answer, the query is dropped silently.
    q = udp_query("example.org")
    case("default_drop_other_name", q, "TC_ACT_SHOT", "EG_V_DROP", ["EG_R_DEFAULT_DENY"], 0,
         name_event(q, "EG_V_DROP", "EG_ACT_DROP", "EG_R_DEFAULT_DENY", 0, "example.org"),
         default="drop", rules=dd)
    q = udp_query("github.com")
    case("drop_rule_no_answer", q, "TC_ACT_SHOT", "EG_V_DROP", ["EG_R_RULE_DROP"], 111,
         name_event(q, "EG_V_DROP", "EG_ACT_DROP", "EG_R_RULE_DROP", 111, "github.com"),
         rules=["drop:name:github.com:111"])

    # --- the answer -----------------------------------------------------------
    refused("nxdomain", udp_query("github.com"), R_GH, "github.com", rcode=NXDOMAIN,
            cfg=["cfg:dns_rcode=3"])
    refused("refused_explicit", udp_query("github.com", qtype="AAAA"), R_GH, "github.com",
            cfg=["cfg:dns_rcode=5", "cfg:quic_block=0"])
    edns = udp_query("github.com", ar=DNSRROPT(rclass=1232, z=0x8000))
    assert DNS(raw(edns[UDP].payload)).arcount == 1
    refused("edns_opt_cut", edns, R_GH, "github.com")
    refused("v6_answer_checksum", udp_query("github.com", v6=True), R_GH, "github.com")
    refused("v6_ext_header_removed",
            udp_query("github.com", l3=ip(True) / IPv6ExtHdrDestOpt()), R_GH, "github.com")
    refused("v4_options_removed", udp_query("github.com", l3=ip(options=[IPOption_Router_Alert()])),
            R_GH, "github.com")
    refused("vlan_tag_kept",
            eth() / Dot1Q(vlan=42) / ip() / UDP(sport=SPORT, dport=53) / dns_msg("github.com"),
            R_GH, "github.com")
    refused("opcode_rd_kept", udp_query("github.com", rd=0, opcode=2), R_GH, "github.com")

    # The largest question section answered is EG_DNS_MSG_MAX - 4 bytes
    # (with the header); one byte more and the query is dropped instead.
    big3 = [N253, N253_OTHER, label_name(63, 63, 63, 61, ch="k")]
    for extra, qend in ((label_name(63, 63, 63, 33, ch="w"), 1020),
                        (label_name(63, 63, 63, 34, ch="w"), 1021)):
        q = udp_query(*(big3 + [extra]))
        assert len(raw(q[UDP].payload)) == qend, len(raw(q[UDP].payload))
        if qend <= 1020:
            refused("question_section_%d_answered" % qend, q, 0, N253,
                    reason="EG_R_DEFAULT_DENY", default="block", rules=[])
        else:
            case("question_section_%d_dropped" % qend, q, "TC_ACT_SHOT", "EG_V_DROP",
                 ["EG_R_DEFAULT_DENY", "EG_R_REJECT_FAILED"], 0,
                 name_event(q, "EG_V_DROP", "EG_ACT_BLOCK", "EG_R_DEFAULT_DENY", 0, N253),
                 default="block", rules=[])

    # --- DNS ports ------------------------------------------------------------
    refused("port_5353_blocked", udp_query("github.com", dport=5353), R_GH, "github.com",
            cfg=["cfg:dns_port=5353"])
    refused("second_dns_port_blocked", udp_query("github.com", dport=5300), R_GH, "github.com",
            cfg=["cfg:dns_port=5353", "cfg:dns_port=5300"])
    passed("port_5353_not_a_dns_port", udp_query("github.com", dport=5353))
    reset("tcp_port_5353_blocked", tcp_seg(tcp_framed(q_gh), dport=5353), R_GH, "github.com",
          cfg=["cfg:dns_port=5353"])

    # --- monitor ----------------------------------------------------------------
    q = udp_query("github.com")
    case("monitor_mode_would_reject", q, "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT", ["EG_R_RULE_BLOCK"],
         R_GH, name_event(q, "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", R_GH,
                          "github.com"), mode="monitor")
    q = udp_query("example.org")
    case("monitor_mode_default_deny_would_reject", q, "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT",
         ["EG_R_DEFAULT_DENY"], 0,
         name_event(q, "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", "EG_R_DEFAULT_DENY", 0, "example.org"),
         mode="monitor", default="block", rules=dd)
    q = tcp_seg(tcp_framed(q_gh))
    case("monitor_mode_tcp_would_reject", q, "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT",
         ["EG_R_RULE_BLOCK"], R_GH,
         name_event(q, "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", R_GH, "github.com",
                    "EG_NSRC_DNS_TCP"), mode="monitor")
    case("monitor_mode_pointer_would_drop", loop, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP",
         ["EG_R_DNS_POINTER"], 0,
         name_event(loop, "EG_V_WOULD_DROP", "EG_ACT_DROP", "EG_R_DNS_POINTER", 0),
         mode="monitor", default="block")
    q = udp_query("API.github.com")
    case("monitor_rule_passes_and_reports", q, "TC_ACT_UNSPEC", "EG_V_MONITOR", (), 110,
         name_event(q, "EG_V_MONITOR", "EG_ACT_MONITOR", "EG_R_NONE", 110, "api.github.com"),
         rules=["monitor:name:github.com:110"])
    q = udp_query("github.com", v6=True)
    case("monitor_rule_v6_default_deny", q, "TC_ACT_UNSPEC", "EG_V_MONITOR", (), 110,
         name_event(q, "EG_V_MONITOR", "EG_ACT_MONITOR", "EG_R_NONE", 110, "github.com"),
         default="block", rules=["monitor:name:github.com:110"])


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s FIXTURE_FILE\n" % sys.argv[0])
        return 2
    build()
    gf.write_fixtures(sys.argv[1], CASES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
