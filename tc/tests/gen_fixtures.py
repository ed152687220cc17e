#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Fixtures for tc_unit: frames built with scapy, expectations derived here.

Writes one case per line to argv[1], whitespace-separated fields:

  name mode default rules frame ret verdict stat reasons rule event out

  mode     enforce | monitor
  default  allow | block | drop              (eg_config.default_action)
  rules    '-' or comma list of action:prefix:id   (allow|monitor|drop|block)
  frame    input frame, hex
  ret      TC_ACT_* name: what eg_tc_egress must return
  verdict  EG_V_* counted once in eg_stats, or '-' when the packet is passed
           without a verdict (ARP, NDP)
  stat     an extra EG_S_* counted once (EG_S_NOT_IP, EG_S_NDP) or '-'
  reasons  '-' or comma list of EG_R_*; each counted exactly as often as it
           appears, every other reason stays 0
  rule     rule id whose eg_rule_stats entry must read 1 packet, len(frame)
           bytes; 0: no entry at all
  event    '-' (no event) or comma list key=value of the one event expected:
           v a r (EG_V_/EG_ACT_/EG_R_ names), id, proto, sport, dport,
           tcpflags, flags, saddr, daddr, len; keys left out are not checked
  out      expected output frame, hex; '-': identical to the input

Names are resolved by tc_unit against include/egressgate.h, so the enum values
live in one place. The reset a reject must produce is built here with scapy
from the input frame alone (RFC 793 "Reset Generation"), never from the BPF
code's logic.

BPF_PROG_TEST_RUN refuses (-EINVAL) SCHED_CLS input shorter than ETH_HLEN,
and an untagged frame whose ethertype is IPv4 (IPv6) but which is shorter
than the IPv4 (IPv6) header. So "Ethernet header cut short" is reached here
only through a cut VLAN tag, and a cut IP header only behind a VLAN tag
(the kernel's check looks at the outer ethertype).
"""

import sys

from scapy.layers.inet import ICMP, IP, TCP, UDP, IPOption_Router_Alert, IPOption_RR
from scapy.layers.inet6 import (
    ICMPv6EchoRequest,
    ICMPv6ND_NA,
    ICMPv6ND_NS,
    IPv6,
    IPv6ExtHdrDestOpt,
    IPv6ExtHdrFragment,
    IPv6ExtHdrHopByHop,
    IPv6ExtHdrRouting,
    RouterAlert,
)
from scapy.layers.ipsec import AH
from scapy.layers.l2 import ARP, Dot1AD, Dot1Q, Ether
from scapy.packet import Raw, raw

SMAC = "02:00:00:00:00:01"
DMAC = "02:00:00:00:00:02"
SRC4 = "192.0.2.1"
SRC6 = "2001:db8:1::1"
BLK4 = "203.0.113.5"
BLK6 = "2001:db8:bad::5"
OTHER4 = "192.0.2.77"
OTHER6 = "2001:db8:ffff::77"

RULE_B4 = 10
RULE_B6 = 11
BLOCK = ["block:203.0.113.0/24:%d" % RULE_B4, "block:2001:db8:bad::/48:%d" % RULE_B6]

EV_F_V6 = 0x01  # EG_EV_F_V6

TCP_FIN = 0x01
TCP_SYN = 0x02
TCP_ACK = 0x10

SYN_OPTS = [("MSS", 1460), ("SAckOK", b""), ("Timestamp", (12345, 0)), ("NOP", None), ("WScale", 7)]


def eth():
    return Ether(src=SMAC, dst=DMAC)


def v4(dst=BLK4, **kw):
    return IP(src=SRC4, dst=dst, **kw)


def v6(dst=BLK6, **kw):
    return IPv6(src=SRC6, dst=dst, **kw)


def syn(**kw):
    args = dict(sport=40000, dport=443, seq=1000, flags="S", options=SYN_OPTS)
    args.update(kw)
    return TCP(**args)


def udp():
    # Not a DNS port: DNS traffic is judged by its names (gen_fixtures_dns.py).
    return UDP(sport=40053, dport=9000) / Raw(b"q" * 12)


def l2_layers(pkt):
    """The input's Ethernet header with MACs swapped, plus its VLAN tags as they were."""
    out = Ether(dst=pkt[Ether].src, src=pkt[Ether].dst, type=pkt[Ether].type)
    cur = pkt[Ether].payload
    while isinstance(cur, (Dot1Q, Dot1AD)):
        tag = cur.copy()
        tag.remove_payload()
        out = out / tag
        cur = cur.payload
    return out, cur


def expected_rst(frame):
    """The reset a peer would send for the input segment (RFC 793, Reset Generation)."""
    pkt = Ether(raw(frame))
    l2, l3 = l2_layers(pkt)
    th = pkt[TCP]
    flags = int(th.flags)
    if flags & TCP_ACK:
        # "If the incoming segment has an ACK field, the reset takes its
        # sequence number from the ACK field of the segment"
        tcp = TCP(sport=th.dport, dport=th.sport, seq=th.ack, ack=0, flags="R", window=0, options=[])
    else:
        # "otherwise the reset has sequence number zero and the ACK field is set
        # to the sum of the sequence number and segment length"
        seglen = len(raw(th)) - th.dataofs * 4
        seglen += 1 if flags & TCP_SYN else 0
        seglen += 1 if flags & TCP_FIN else 0
        tcp = TCP(
            sport=th.dport,
            dport=th.sport,
            seq=0,
            ack=(th.seq + seglen) & 0xFFFFFFFF,
            flags="RA",
            window=0,
            options=[],
        )
    if isinstance(l3, IP):
        ip = IP(src=l3.dst, dst=l3.src, ihl=5, tos=0, id=0, flags="DF", frag=0, ttl=64, proto=6)
    else:
        ip = IPv6(src=l3.dst, dst=l3.src, tc=0, fl=0, hlim=64, nh=6)
    return raw(l2 / ip / tcp)


def event(pkt, v, a, r, rule, l4=True, proto=None):
    """Expected event for a packet whose addresses were read (pkt as built, not re-dissected)."""
    ev = dict(v=v, a=a, r=r, id=rule, len=len(raw(pkt)))
    if IPv6 in pkt:
        ip = pkt[IPv6]
        ev.update(flags=EV_F_V6, saddr=ip.src, daddr=ip.dst)
    else:
        ip = pkt[IP]
        ev.update(flags=0, saddr=ip.src, daddr=ip.dst)
    sport = dport = tcpflags = 0
    if proto is None:
        proto = 0
        if l4 and TCP in pkt:
            proto, sport, dport = 6, pkt[TCP].sport, pkt[TCP].dport
            tcpflags = int(pkt[TCP].flags) & 0xFF
        elif l4 and UDP in pkt:
            proto, sport, dport = 17, pkt[UDP].sport, pkt[UDP].dport
        elif l4 and ICMP in pkt:
            proto = 1
        elif l4 and (ICMPv6EchoRequest in pkt or ICMPv6ND_NS in pkt):
            proto = 58
    ev.update(proto=proto, sport=sport, dport=dport, tcpflags=tcpflags)
    return ev


def unjudged_event(v, a, r, frame):
    """Event of a packet that could not be parsed: only the decision is meaningful."""
    return dict(v=v, a=a, r=r, id=0, len=len(raw(frame)))


CASES = []


def case(name, frame, ret, verdict, reasons=(), rule=0, ev=None, out=None,
         mode="enforce", default="allow", rules=BLOCK, stat="-"):
    CASES.append(dict(name=name, mode=mode, default=default, rules=rules, frame=raw(frame),
                      ret=ret, verdict=verdict, stat=stat, reasons=list(reasons), rule=rule,
                      ev=ev, out=out))


def reject(name, frame, rule, reason="EG_R_RULE_BLOCK", **kw):
    """A TCP segment that must be answered with a reset and redirected."""
    case(name, frame, "TC_ACT_REDIRECT", "EG_V_REJECT", [reason], rule,
         event(frame, "EG_V_REJECT", "EG_ACT_BLOCK", reason, rule), expected_rst(frame), **kw)


def dropped(name, frame, rule, reasons=("EG_R_RULE_BLOCK",), action="EG_ACT_BLOCK",
            reason="EG_R_RULE_BLOCK", l4=True, proto=None, **kw):
    case(name, frame, "TC_ACT_SHOT", "EG_V_DROP", reasons, rule,
         event(frame, "EG_V_DROP", action, reason, rule, l4=l4, proto=proto), **kw)


def unparseable_drop(name, frame, why, **kw):
    case(name, frame, "TC_ACT_SHOT", "EG_V_DROP", [why, "EG_R_UNPARSEABLE"], 0,
         unjudged_event("EG_V_DROP", "EG_ACT_DROP", "EG_R_UNPARSEABLE", frame), default="block", **kw)


def unparseable_pass(name, frame, why, **kw):
    case(name, frame, "TC_ACT_UNSPEC", "EG_V_PASS", [why], 0, default="allow", **kw)


def cut_on_addresses(name, full, cut, rule):
    """A header cut short after the addresses: dropped on them under either default."""
    ev = event(full, "EG_V_DROP", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", rule, l4=False)
    ev["len"] = len(cut)
    for default in ("allow", "block"):
        case(f"{name}_default_{'deny' if default == 'block' else 'allow'}", cut, "TC_ACT_SHOT",
             "EG_V_DROP", ["EG_R_TRUNC_L3", "EG_R_RULE_BLOCK"], rule, ev, default=default)


def build():
    # --- L2 ---------------------------------------------------------------
    reject("eth_v4_syn_blocked", eth() / v4() / syn(), RULE_B4)
    reject("eth_v6_syn_blocked", eth() / v6() / syn(), RULE_B6)
    reject("vlan_v4_syn_blocked", eth() / Dot1Q(vlan=100, prio=3) / v4() / syn(), RULE_B4)
    reject("vlan_v6_syn_blocked", eth() / Dot1Q(vlan=101) / v6() / syn(), RULE_B6)
    reject("qinq_v4_syn_blocked", eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / v4() / syn(), RULE_B4)
    reject("qinq_v6_syn_blocked", eth() / Dot1AD(vlan=10) / Dot1Q(vlan=20) / v6() / syn(), RULE_B6)
    vlan3 = eth() / Dot1AD(vlan=1) / Dot1Q(vlan=2) / Dot1Q(vlan=3) / v4() / syn()
    unparseable_pass("vlan3_too_deep_default_allow", vlan3, "EG_R_VLAN_DEPTH")
    unparseable_drop("vlan3_too_deep_default_deny", vlan3, "EG_R_VLAN_DEPTH")
    cut_tag = raw(Ether(src=SMAC, dst=DMAC, type=0x8100))[:14] + b"\x00\x64"
    unparseable_drop("trunc_vlan_tag_default_deny", cut_tag, "EG_R_TRUNC_L2")
    unparseable_pass("trunc_vlan_tag_default_allow", cut_tag, "EG_R_TRUNC_L2")
    arp = eth() / ARP(psrc=SRC4, pdst=BLK4)
    case("arp_default_deny", arp, "TC_ACT_UNSPEC", "-", default="block", stat="EG_S_NOT_IP")

    # --- IPv4 -------------------------------------------------------------
    opts = [IPOption_RR(routers=["0.0.0.0"] * 3), IPOption_Router_Alert()]
    reject("v4_options_syn_blocked", eth() / v4(options=opts) / syn(), RULE_B4)
    frag = eth() / v4(id=77, frag=185, proto=6) / Raw(raw(syn(flags="S", options=[])) + b"d" * 20)
    dropped("v4_frag_nonfirst_blocked", frag, RULE_B4, l4=False)
    dropped("v4_frag_first_udp_blocked", eth() / v4(id=78, flags="MF") / udp(), RULE_B4)
    reject("v4_frag_first_syn_blocked", eth() / v4(id=79, flags="MF") / syn(), RULE_B4)
    cut_ip4 = raw(eth() / Dot1Q(vlan=7) / v4() / syn())[:18 + 10]
    unparseable_drop("trunc_ipv4_default_deny", cut_ip4, "EG_R_TRUNC_L3")
    unparseable_pass("trunc_ipv4_default_allow", cut_ip4, "EG_R_TRUNC_L3")
    cut_opts = raw(eth() / v4(options=opts) / syn())[:14 + 24]
    # Options cut short after the addresses: judged on the addresses, so a
    # blocked destination is dropped whatever the default.
    cut_on_addresses("trunc_ipv4_options_blocked", eth() / v4(options=opts) / syn(), cut_opts, RULE_B4)
    unparseable_drop("ipv4_ihl4_default_deny", eth() / v4(ihl=4) / syn(), "EG_R_BAD_L3")
    unparseable_drop("ipv4_totlen_lt_hlen_default_deny", eth() / v4(len=16) / syn(), "EG_R_BAD_L3")
    unparseable_drop("ipv4_bad_version_default_deny",
                     Ether(src=SMAC, dst=DMAC, type=0x0800) / v6() / syn(), "EG_R_BAD_L3")

    # --- IPv6 -------------------------------------------------------------
    reject("v6_hbh_syn_blocked", eth() / v6() / IPv6ExtHdrHopByHop(options=[RouterAlert()]) / syn(), RULE_B6)
    dropped("v6_routing_udp_blocked", eth() / v6() / IPv6ExtHdrRouting() / udp(), RULE_B6)
    reject("v6_dstopt_ack_data_blocked",
           eth() / v6() / IPv6ExtHdrDestOpt() / TCP(sport=40001, dport=80, seq=5000, ack=9000, flags="PA")
           / Raw(b"GET / HTTP/1.1\r\n\r\n"), RULE_B6)
    reject("v6_frag_first_syn_payload_blocked",
           eth() / v6() / IPv6ExtHdrFragment(id=5, m=1, offset=0) / syn(seq=7) / Raw(b"f" * 32), RULE_B6)
    nonfirst6 = eth() / v6() / IPv6ExtHdrFragment(id=6, m=0, offset=100, nh=6) / Raw(b"x" * 48)
    dropped("v6_frag_nonfirst_blocked", nonfirst6, RULE_B6, l4=False)
    ah = AH(nh=17, payloadlen=4, spi=0x100, seq=1, icv=b"\x00" * 12)
    dropped("v6_ah_udp_blocked", eth() / v6() / ah / udp(), RULE_B6)
    ext8 = (IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt() / IPv6ExtHdrRouting() / IPv6ExtHdrDestOpt()
            / IPv6ExtHdrFragment(id=9) / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt() / IPv6ExtHdrDestOpt())
    reject("v6_ext8_syn_blocked", eth() / v6() / ext8 / syn(), RULE_B6)
    # One header too many: the L4 header is out of reach, but the addresses
    # were read (eg_parse() returns a negative reason only when they were
    # not), so the packet is judged on them like a non-first fragment. A
    # blocked destination must not get through because of a long chain.
    ext9 = eth() / v6() / ext8.copy() / IPv6ExtHdrDestOpt() / syn()
    dropped("v6_ext9_blocked_default_allow", ext9, RULE_B6, ["EG_R_V6_EXT_DEPTH", "EG_R_RULE_BLOCK"],
            l4=False)
    ext9_other = eth() / v6(dst=OTHER6) / ext8.copy() / IPv6ExtHdrDestOpt() / syn()
    dropped("v6_ext9_default_deny", ext9_other, 0, ["EG_R_V6_EXT_DEPTH", "EG_R_DEFAULT_DENY"],
            reason="EG_R_DEFAULT_DENY", l4=False, default="block")
    case("v6_ext9_default_allow", ext9_other, "TC_ACT_UNSPEC", "EG_V_PASS", ["EG_R_V6_EXT_DEPTH"])
    cut_ip6 = raw(eth() / Dot1Q(vlan=7) / v6() / syn())[:18 + 30]
    unparseable_drop("trunc_ipv6_default_deny", cut_ip6, "EG_R_TRUNC_L3")
    unparseable_pass("trunc_ipv6_default_allow", cut_ip6, "EG_R_TRUNC_L3")
    cut_ext = raw(eth() / v6() / IPv6ExtHdrDestOpt() / syn())[:14 + 40 + 4]
    cut_on_addresses("trunc_v6_ext_blocked", eth() / v6() / IPv6ExtHdrDestOpt() / syn(), cut_ext, RULE_B6)
    unparseable_drop("ipv6_bad_version_default_deny",
                     Ether(src=SMAC, dst=DMAC, type=0x86DD) / v4() / syn(), "EG_R_BAD_L3")
    ns = eth() / IPv6(src=SRC6, dst="ff02::1:ff00:5", hlim=255) / ICMPv6ND_NS(tgt=BLK6)
    case("v6_ndp_ns_default_deny", ns, "TC_ACT_UNSPEC", "-", default="block", stat="EG_S_NDP")
    na = eth() / IPv6(src=SRC6, dst=BLK6, hlim=255) / ICMPv6ND_NA(tgt=SRC6, S=1)
    case("v6_ndp_na_to_blocked", na, "TC_ACT_UNSPEC", "-", stat="EG_S_NDP")

    # --- L4 and reset generation ------------------------------------------
    data = eth() / v4() / TCP(sport=40002, dport=443, seq=5000, ack=7000, flags="PA") / Raw(b"z" * 100)
    reject("v4_ack_data_blocked", data, RULE_B4)
    tfo = eth() / v4() / syn(seq=0xFFFFFFF0) / Raw(b"t" * 16)
    reject("v4_syn_payload_seq_wrap_blocked", tfo, RULE_B4)
    fin = eth() / v4() / TCP(sport=40003, dport=25, seq=300, flags="F") / Raw(b"bye!\n")
    reject("v4_fin_noack_blocked", fin, RULE_B4)
    reject("v6_synack_blocked", eth() / v6() / TCP(sport=443, dport=50000, seq=1, ack=2001, flags="SA"), RULE_B6)
    rst = eth() / v4() / TCP(sport=40004, dport=443, seq=11, flags="R")
    dropped("v4_rst_blocked_not_answered", rst, RULE_B4)
    rstack = eth() / v6() / TCP(sport=40004, dport=443, seq=11, ack=12, flags="RA")
    dropped("v6_rstack_blocked_not_answered", rstack, RULE_B6)
    dropped("v4_udp_blocked", eth() / v4() / udp(), RULE_B4)
    dropped("v6_udp_blocked", eth() / v6() / udp(), RULE_B6)
    dropped("v4_icmp_echo_blocked", eth() / v4() / ICMP(id=1, seq=1) / Raw(b"p" * 8), RULE_B4)
    dropped("v6_icmp_echo_blocked", eth() / v6() / ICMPv6EchoRequest(id=1, seq=1), RULE_B6)
    cut_tcp = eth() / v4(proto=6) / Raw(raw(syn(options=[]))[:10])
    dropped("trunc_tcp_blocked", cut_tcp, RULE_B4, ["EG_R_TRUNC_L4", "EG_R_RULE_BLOCK"], proto=6)
    case("trunc_tcp_default_allow", eth() / v4(dst=OTHER4, proto=6) / Raw(raw(syn(options=[]))[:10]),
         "TC_ACT_UNSPEC", "EG_V_PASS", ["EG_R_TRUNC_L4"])
    doff4 = eth() / v4() / TCP(sport=40005, dport=443, flags="S", dataofs=4)
    dropped("tcp_doff4_blocked", doff4, RULE_B4, ["EG_R_BAD_L4", "EG_R_RULE_BLOCK"], proto=6)

    # --- matching ---------------------------------------------------------
    lpm4 = ["block:198.51.100.0/24:20", "allow:198.51.100.7/32:21"]
    case("lpm_allow32_inside_block24", eth() / v4(dst="198.51.100.7") / syn(),
         "TC_ACT_UNSPEC", "EG_V_ALLOW", rule=21, rules=lpm4)
    reject("lpm_block24_around_allow32", eth() / v4(dst="198.51.100.8") / syn(), 20, rules=lpm4)
    lpm4b = ["allow:198.51.0.0/16:30", "block:198.51.100.5/32:31"]
    reject("lpm_block32_inside_allow16", eth() / v4(dst="198.51.100.5") / syn(), 31, rules=lpm4b,
           default="block")
    case("lpm_allow16_around_block32", eth() / v4(dst="198.51.100.6") / syn(),
         "TC_ACT_UNSPEC", "EG_V_ALLOW", rule=30, rules=lpm4b, default="block")
    lpm6 = BLOCK + ["allow:2001:db8:bad::7/128:22"]
    case("lpm_v6_allow128_inside_block48", eth() / v6(dst="2001:db8:bad::7") / syn(),
         "TC_ACT_UNSPEC", "EG_V_ALLOW", rule=22, rules=lpm6)
    reject("lpm_v6_block48_around_allow128", eth() / v6(dst="2001:db8:bad::8") / syn(), RULE_B6, rules=lpm6)
    case("allow_rule_default_deny", eth() / v4(dst="198.51.100.9") / udp(),
         "TC_ACT_UNSPEC", "EG_V_ALLOW", rule=20, rules=["allow:198.51.100.0/24:20"], default="block")
    case("default_allow_no_rule", eth() / v4(dst=OTHER4) / syn(), "TC_ACT_UNSPEC", "EG_V_PASS")
    case("default_allow_no_rule_v6", eth() / v6(dst=OTHER6) / udp(), "TC_ACT_UNSPEC", "EG_V_PASS")

    mon = eth() / v4() / syn()
    case("monitor_rule_passes_and_reports", mon, "TC_ACT_UNSPEC", "EG_V_MONITOR", rule=40,
         ev=event(mon, "EG_V_MONITOR", "EG_ACT_MONITOR", "EG_R_NONE", 40),
         rules=["monitor:203.0.113.0/24:40"])
    mon6 = eth() / v6() / udp()
    case("monitor_rule_v6_udp", mon6, "TC_ACT_UNSPEC", "EG_V_MONITOR", rule=41,
         ev=event(mon6, "EG_V_MONITOR", "EG_ACT_MONITOR", "EG_R_NONE", 41),
         rules=["monitor:2001:db8:bad::/48:41"])
    case("monitor_mode_block_would_reject", mon, "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT",
         ["EG_R_RULE_BLOCK"], RULE_B4,
         event(mon, "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", RULE_B4), mode="monitor")
    # Enforce would drop UDP (only TCP can be reset): monitor says so.
    mon_udp = eth() / v4() / udp()
    case("monitor_mode_block_udp_would_drop", mon_udp, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP",
         ["EG_R_RULE_BLOCK"], RULE_B4,
         event(mon_udp, "EG_V_WOULD_DROP", "EG_ACT_BLOCK", "EG_R_RULE_BLOCK", RULE_B4), mode="monitor")
    case("monitor_mode_drop_rule_would_drop", mon, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP",
         ["EG_R_RULE_DROP"], 50,
         event(mon, "EG_V_WOULD_DROP", "EG_ACT_DROP", "EG_R_RULE_DROP", 50), mode="monitor",
         rules=["drop:203.0.113.0/24:50"])
    dd = eth() / v4(dst=OTHER4) / syn()
    case("monitor_mode_default_deny_would_reject", dd, "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT",
         ["EG_R_DEFAULT_DENY"], 0,
         event(dd, "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", "EG_R_DEFAULT_DENY", 0), mode="monitor",
         default="block")
    cut4 = cut_ip4
    case("monitor_mode_unparseable_would_drop", cut4, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP",
         ["EG_R_TRUNC_L3", "EG_R_UNPARSEABLE"], 0,
         unjudged_event("EG_V_WOULD_DROP", "EG_ACT_DROP", "EG_R_UNPARSEABLE", cut4), mode="monitor",
         default="block")

    reject("default_deny_v4_syn", eth() / v4(dst=OTHER4) / syn(), 0, reason="EG_R_DEFAULT_DENY",
           default="block")
    reject("default_deny_v6_syn", eth() / v6(dst=OTHER6) / syn(), 0, reason="EG_R_DEFAULT_DENY",
           default="block")
    dropped("default_deny_v4_udp", eth() / v4(dst=OTHER4) / udp(), 0, ["EG_R_DEFAULT_DENY"],
            reason="EG_R_DEFAULT_DENY", default="block")
    dropped("default_drop_v4_syn", eth() / v4(dst=OTHER4) / syn(), 0, ["EG_R_DEFAULT_DENY"],
            action="EG_ACT_DROP", reason="EG_R_DEFAULT_DENY", default="drop")
    dropped("drop_rule_syn_no_rewrite", eth() / v4() / syn(), 50, ["EG_R_RULE_DROP"],
            action="EG_ACT_DROP", reason="EG_R_RULE_DROP", rules=["drop:203.0.113.0/24:50"])
    dropped("drop_rule_v6_syn_no_rewrite", eth() / v6() / syn(), 51, ["EG_R_RULE_DROP"],
            action="EG_ACT_DROP", reason="EG_R_RULE_DROP", rules=["drop:2001:db8:bad::/48:51"])


def fmt_event(ev):
    if not ev:
        return "-"
    for v in ev.values():
        assert "," not in str(v) and not any(c.isspace() for c in str(v)), ev
    return ",".join("%s=%s" % (k, ev[k]) for k in ev)


def write_fixtures(path, cases, max_frame=2048):
    """The one writer of the fixture format every gen_fixtures*.py produces."""
    names = set()
    with open(path, "w") as f:
        f.write("# name mode default rules frame ret verdict stat reasons rule event out [cfg:K=V...]\n")
        for c in cases:
            assert c["name"] not in names, c["name"]
            assert len(c["frame"]) <= max_frame, (c["name"], len(c["frame"]))  # tc_unit's MAX_FRAME
            names.add(c["name"])
            fields = [
                c["name"], c["mode"], c["default"], ",".join(c["rules"]) or "-", c["frame"].hex(),
                c["ret"], c["verdict"], c.get("stat", "-"), ",".join(c["reasons"]) or "-",
                str(c["rule"]), fmt_event(c["ev"]), c["out"].hex() if c["out"] else "-",
            ] + c.get("cfg", [])
            f.write(" ".join(fields) + "\n")


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s FIXTURE_FILE\n" % sys.argv[0])
        return 2
    build()
    write_fixtures(sys.argv[1], CASES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
