#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""TLS, HTTP and QUIC fixtures for tc_unit: TCP flows judged by their first bytes.

Writes one case per line to argv[1] in the format of gen_fixtures.py, with
the additions of gen_fixtures_dns.py (name rules, name= and src= in events,
cfg:KEY=VALUE fields).

A flow is a run of cases on one 5-tuple, in order: tc_unit keeps eg_flows and
eg_collect from case to case, so a ClientHello split over segments is seen
the way the classifier sees it on a link. Every flow starts with its SYN: a
new connection on the same ports forgets what was known of the old one, so
the second pass (the other rule set) starts clean as a host would.

ClientHellos are built here byte by byte (RFC 8446 4.1.2, RFC 6066 3) so the
position of server_name among the extensions, GREASE values (RFC 8701) and a
post-quantum key share (X25519MLKEM768, 1216 bytes) are exact. Resets are
gen_fixtures.expected_rst() of the segment that carried the name.

Reasons this file adds (EG_R_TLS_STATE ...) are written as numbers read from
include/egressgate.h while tc_unit's table does not name them yet.
"""

import os
import re
import struct
import sys

from scapy.layers.inet import IP, TCP, UDP
from scapy.layers.inet6 import IPv6
from scapy.packet import Raw, raw

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_fixtures as gf  # noqa: E402  (the shared helpers live beside us)
from gen_fixtures import SRC4, SRC6, event, expected_rst  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(HERE))


def reason_names():
    """EG_R_* -> value, from the shared header; what tc_unit can name, from its table."""
    hdr = open(os.path.join(ROOT, "include", "egressgate.h")).read()
    body = re.search(r"enum eg_reason \{(.*?)\};", hdr, re.S).group(1)
    body = re.sub(r"/\*.*?\*/", "", body, flags=re.S)
    values, nxt = {}, 0
    for item in body.split(","):
        item = item.strip()
        if not item:
            continue
        name, _, val = item.partition("=")
        nxt = int(val.strip(), 0) if val.strip() else nxt
        values[name.strip()] = nxt
        nxt += 1
    unit = open(os.path.join(HERE, "tc_unit.c")).read()
    return values, set(re.findall(r"N\((EG_R_\w+)\)", unit))


R_VALUES, R_KNOWN = reason_names()


def R(name):
    """A reason as the fixture can spell it: its name if tc_unit knows it, else its value."""
    return name if name in R_KNOWN else str(R_VALUES[name])


TLS_STATE, TLS_BAD, HTTP_STATE = R("EG_R_TLS_STATE"), R("EG_R_TLS_BAD"), R("EG_R_HTTP_STATE")
QUIC, FLOW_BLOCKED, NAME_BAD = R("EG_R_QUIC"), R("EG_R_FLOW_BLOCKED"), R("EG_R_NAME_BAD")
RULE_BLOCK, RULE_DROP = "EG_R_RULE_BLOCK", "EG_R_RULE_DROP"

L7_BUF = 4096  # EG_L7_BUF: the bytes of a ClientHello kept while its name is not known

DST4 = "192.0.2.80"          # no prefix rule covers it
DST6 = "2001:db8:443::80"
BLK4 = gf.BLK4               # inside block 203.0.113.0/24 (gen_fixtures.BLOCK)

R_GH = 200
GH = ["block:name:github.com:%d" % R_GH]
R_DROP = 201
R_ALLOW = 202
R_PREFIX = 10

# --- TLS ----------------------------------------------------------------------

GREASE = [0x0A0A + 0x1010 * i for i in range(16)]


def ext(etype, data=b""):
    return struct.pack("!HH", etype, len(data)) + data


def sni_ext(name):
    n = name.encode()
    entry = b"\x00" + struct.pack("!H", len(n)) + n
    return ext(0, struct.pack("!H", len(entry)) + entry)


def key_share(pq=True):
    """key_share (51): X25519MLKEM768 (1216 bytes, as browsers send it) and X25519."""
    shares = b""
    if pq:
        shares += struct.pack("!HH", 0x11EC, 1216) + bytes((i * 7) & 0xFF for i in range(1216))
    shares += struct.pack("!HH", 0x001D, 32) + bytes(range(32))
    return ext(51, struct.pack("!H", len(shares)) + shares)


def common_exts(pq=True):
    return [
        ext(23),                                            # extended_master_secret
        ext(0xFF01, b"\x00"),                               # renegotiation_info
        ext(10, struct.pack("!H", 8) + struct.pack("!HHHH", 0x11EC, 0x001D, 0x0017, 0x0018)),
        ext(11, b"\x01\x00"),                               # ec_point_formats
        ext(35),                                            # session_ticket
        ext(16, b"\x00\x0c\x02h2\x08http/1.1"),             # ALPN
        ext(5, b"\x01\x00\x00\x00\x00"),                    # status_request
        ext(13, b"\x00\x08\x04\x03\x08\x04\x04\x01\x05\x03"),  # signature_algorithms
        ext(43, b"\x04\x03\x04\x03\x03"),                   # supported_versions
        ext(45, b"\x01\x01"),                               # psk_key_exchange_modes
        key_share(pq),
    ]


def client_hello(exts, suites=(0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F), sid=b"\x5a" * 32,
                 with_exts=True):
    """A ClientHello handshake message (type 1 and its 3-byte length)."""
    cs = b"".join(struct.pack("!H", s) for s in suites)
    body = b"\x03\x03" + bytes(range(32)) + bytes([len(sid)]) + sid
    body += struct.pack("!H", len(cs)) + cs + b"\x01\x00"
    if with_exts:
        e = b"".join(exts)
        body += struct.pack("!H", len(e)) + e
    return b"\x01" + struct.pack("!I", len(body))[1:] + body


def records(hs, sizes=None, version=b"\x03\x01"):
    """hs in TLS handshake records: one, or one per size given (the last takes the rest)."""
    out, pos = b"", 0
    for size in list(sizes or []) + [len(hs)]:
        frag = hs[pos:pos + size]
        if not frag:
            break
        out += b"\x16" + version + struct.pack("!H", len(frag)) + frag
        pos += len(frag)
    return out


def hello(name, where="first", pq=True, grease=False, extra=()):
    """A ClientHello record with server_name first, last, or in the middle (GREASE around it)."""
    others = common_exts(pq) + list(extra)
    if grease:
        others = [ext(GREASE[0])] + others[:4] + [ext(GREASE[5], b"\x00")] + others[4:] + \
                 [ext(GREASE[9])]
    if name is None:
        exts = others
    elif where == "first":
        exts = [sni_ext(name)] + others
    elif where == "last":
        exts = others + [sni_ext(name)]
    else:
        exts = others[:len(others) // 2] + [sni_ext(name)] + others[len(others) // 2:]
    return records(client_hello(exts))


# --- flows --------------------------------------------------------------------

class Flow:
    """One TCP connection from SRC to dst: its SYN, then payload by stream offset."""

    def __init__(self, sport, dst=DST4, v6=False, isn=100000, ack=7000):
        self.sport, self.dst, self.v6, self.isn, self.ack = sport, dst, v6, isn, ack

    def ip(self):
        if self.v6:
            return IPv6(src=SRC6, dst=self.dst if self.dst != DST4 else DST6)
        return IP(src=SRC4, dst=self.dst)

    def syn(self, dport=443):
        return gf.eth() / self.ip() / TCP(sport=self.sport, dport=dport, seq=self.isn, flags="S",
                                          options=gf.SYN_OPTS)

    def seg(self, payload, off=0, dport=443, flags="PA"):
        tcp = TCP(sport=self.sport, dport=dport, seq=(self.isn + 1 + off) & 0xFFFFFFFF,
                  ack=self.ack, flags=flags)
        pkt = gf.eth() / self.ip() / tcp
        return pkt / Raw(payload) if payload else pkt


def add(name, frame, ret, verdict, reasons=(), rule=0, ev=None, out=None, mode="enforce",
        default="allow", rules=GH, cfg=()):
    gf.case("tls_" + name, frame, ret, verdict, reasons, rule, ev, out, mode=mode, default=default,
            rules=list(rules))
    gf.CASES[-1]["cfg"] = list(cfg)


def passed(name, frame, verdict="EG_V_PASS", rule=0, **kw):
    add(name, frame, "TC_ACT_UNSPEC", verdict, (), rule, **kw)


def syn(name, flow, **kw):
    passed(name + "_syn", flow.syn(), **kw)


def named(ev, host, src):
    ev.update(name=host, src=src)
    return ev


def rejected(name, frame, rule, host, src="EG_NSRC_SNI", reason=RULE_BLOCK, **kw):
    """Blocked by name: the segment becomes the reset its peer would send."""
    add(name, frame, "TC_ACT_REDIRECT", "EG_V_REJECT", [reason], rule,
        named(event(frame, "EG_V_REJECT", "EG_ACT_BLOCK", reason, rule), host, src),
        expected_rst(frame), **kw)


def flow_dropped(name, frame, rule, action="EG_ACT_BLOCK", **kw):
    """A later segment of a flow blocked by name: dropped, the blocking rule counted."""
    add(name, frame, "TC_ACT_SHOT", "EG_V_DROP", [FLOW_BLOCKED], rule,
        event(frame, "EG_V_DROP", action, FLOW_BLOCKED, rule), **kw)


def failed_closed(name, frame, why, **kw):
    """Must carry a name that cannot be read: dropped in enforce mode."""
    add(name, frame, "TC_ACT_SHOT", "EG_V_DROP", [why], 0,
        event(frame, "EG_V_DROP", "EG_ACT_DROP", why, 0), **kw)


def would_drop(name, frame, why, **kw):
    add(name, frame, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP", [why], 0,
        event(frame, "EG_V_WOULD_DROP", "EG_ACT_DROP", why, 0), mode="monitor", **kw)


def build_tls():
    # --- where server_name sits ---------------------------------------------
    f = Flow(50001)
    ch = hello("github.com", "first", pq=False)
    syn("sni_first", f)
    rejected("sni_first_blocked", f.seg(ch), R_GH, "github.com")
    # The reset ended the connection at the client; what it still sends of
    # the flow (a retransmission, a next segment) carries no name: dropped.
    flow_dropped("sni_first_retransmission_dropped", f.seg(ch), R_GH)
    flow_dropped("sni_first_next_segment_dropped", f.seg(b"\x17\x03\x03\x00\x10" + b"a" * 16,
                                                         len(ch)), R_GH)
    flow_dropped("sni_first_pure_ack_dropped", f.seg(b"", len(ch), flags="A"), R_GH)
    passed("sni_first_new_syn_same_ports", f.syn())

    f = Flow(50002)
    ch = hello("www.GitHub.com", "last", pq=False)
    syn("sni_last", f)
    rejected("sni_last_blocked", f.seg(ch), R_GH, "www.github.com")

    f = Flow(50003)
    ch = hello("api.github.com", "middle", pq=False, grease=True)
    syn("grease", f)
    rejected("grease_sni_middle_blocked", f.seg(ch), R_GH, "api.github.com")

    f = Flow(50004)
    syn("grease_allowed", f)
    passed("grease_other_name_passes", f.seg(hello("example.org", "last", pq=False, grease=True)))

    f = Flow(50005)
    syn("mixed_case", f)
    rejected("mixed_case_sni_blocked", f.seg(hello("GitHub.COM.", "first", pq=False)), R_GH,
             "github.com")

    f = Flow(50006)
    syn("no_sni", f)
    passed("no_sni_passes_on_address", f.seg(hello(None, pq=False)))
    f = Flow(50007, dst=BLK4)
    passed("no_sni_blocked_prefix_syn_setup", f.syn(), rules=[])
    ch = hello(None, pq=False)
    add("no_sni_prefix_block_rejects", f.seg(ch), "TC_ACT_REDIRECT", "EG_V_REJECT", [RULE_BLOCK],
        R_PREFIX, event(f.seg(ch), "EG_V_REJECT", "EG_ACT_BLOCK", RULE_BLOCK, R_PREFIX),
        expected_rst(f.seg(ch)), rules=GH + ["block:203.0.113.0/24:%d" % R_PREFIX])
    # TLS 1.2 and older may leave the extensions out altogether.
    f = Flow(50008)
    syn("no_extensions", f)
    passed("no_extensions_passes", f.seg(records(client_hello([], with_exts=False))))

    f = Flow(50009, v6=True)
    syn("v6", f)
    rejected("v6_sni_blocked", f.seg(hello("github.com", "last")), R_GH, "github.com")

    # --- rules --------------------------------------------------------------
    f = Flow(50010)
    syn("allow_rule", f)
    passed("allow_rule_passes", f.seg(hello("example.org", pq=False)), "EG_V_ALLOW", R_ALLOW,
           rules=GH + ["allow:name:example.org:%d" % R_ALLOW])
    f = Flow(50011)
    ch = hello("github.com", pq=False)
    syn("drop_rule", f)
    add("drop_rule_no_reset", f.seg(ch), "TC_ACT_SHOT", "EG_V_DROP", [RULE_DROP], R_DROP,
        named(event(f.seg(ch), "EG_V_DROP", "EG_ACT_DROP", RULE_DROP, R_DROP), "github.com",
              "EG_NSRC_SNI"), rules=["drop:name:github.com:%d" % R_DROP])
    flow_dropped("drop_rule_next_segment_dropped", f.seg(b"x" * 40, len(ch)), R_DROP,
                 action="EG_ACT_DROP", rules=["drop:name:github.com:%d" % R_DROP])
    # A name never lifts a prefix block: the prefix decides (and judges every
    # later segment itself, so the flow is not remembered).
    f = Flow(50012, dst=BLK4)
    ch = hello("example.org", pq=False)
    pb = ["block:203.0.113.0/24:%d" % R_PREFIX, "allow:name:example.org:%d" % R_ALLOW]
    passed("name_allow_prefix_block_syn_setup", f.syn(), rules=[])
    add("name_allow_prefix_block_rejects", f.seg(ch), "TC_ACT_REDIRECT", "EG_V_REJECT",
        [RULE_BLOCK], R_PREFIX,
        named(event(f.seg(ch), "EG_V_REJECT", "EG_ACT_BLOCK", RULE_BLOCK, R_PREFIX), "example.org",
              "EG_NSRC_SNI"), expected_rst(f.seg(ch)), rules=pb)
    nxt = f.seg(b"y" * 30, len(ch))
    add("name_allow_prefix_block_next_by_prefix", nxt, "TC_ACT_REDIRECT", "EG_V_REJECT",
        [RULE_BLOCK], R_PREFIX, event(nxt, "EG_V_REJECT", "EG_ACT_BLOCK", RULE_BLOCK, R_PREFIX),
        expected_rst(nxt), rules=pb)

    # --- monitor --------------------------------------------------------------
    f = Flow(50013)
    ch = hello("github.com", pq=False)
    syn("monitor", f, mode="monitor")
    add("monitor_would_reject", f.seg(ch), "TC_ACT_UNSPEC", "EG_V_WOULD_REJECT", [RULE_BLOCK], R_GH,
        named(event(f.seg(ch), "EG_V_WOULD_REJECT", "EG_ACT_BLOCK", RULE_BLOCK, R_GH), "github.com",
              "EG_NSRC_SNI"), mode="monitor")
    passed("monitor_next_segment_passes", f.seg(b"z" * 20, len(ch)), mode="monitor")

    # --- over several segments -----------------------------------------------
    # A post-quantum ClientHello is past one MSS: server_name in the second.
    ch = hello("github.com", "last")
    assert len(ch) > 1460, len(ch)
    f = Flow(50020)
    syn("split2", f)
    passed("split2_first_segment_passes", f.seg(ch[:1400]))
    rejected("split2_sni_in_second_blocked", f.seg(ch[1400:], 1400), R_GH, "github.com")
    flow_dropped("split2_third_segment_dropped", f.seg(b"\x14\x03\x03\x00\x01\x01", len(ch)), R_GH)

    f = Flow(50021, v6=True)
    syn("split2_v6", f)
    passed("split2_v6_first_passes", f.seg(ch[:1000]))
    rejected("split2_v6_blocked", f.seg(ch[1000:], 1000), R_GH, "github.com")

    f = Flow(50022)
    syn("split2_allowed", f)
    ok = hello("example.org", "last")
    passed("split2_allowed_first", f.seg(ok[:1400]))
    passed("split2_allowed_second", f.seg(ok[1400:], 1400))
    passed("split2_allowed_then_data", f.seg(b"\x17\x03\x03\x00\x05hello", len(ok)))

    f = Flow(50023)
    big = hello("github.com", "last", extra=[ext(21, b"\x00" * 700)])  # padding
    assert len(big) > 2 * 1000, len(big)
    syn("split3", f)
    passed("split3_first_passes", f.seg(big[:1000]))
    passed("split3_second_passes", f.seg(big[1000:2000], 1000))
    rejected("split3_sni_in_third_blocked", f.seg(big[2000:], 2000), R_GH, "github.com")

    # A client that sends its first byte alone, then the rest.
    f = Flow(50024)
    ch = hello("github.com", pq=False)
    syn("first_byte_alone", f)
    passed("first_byte_alone_passes", f.seg(ch[:1]))
    rejected("first_byte_alone_rest_blocked", f.seg(ch[1:], 1), R_GH, "github.com")

    # The ClientHello in three TLS records, the second cut by a segment end.
    f = Flow(50025)
    hs = client_hello([sni_ext("github.com")] + common_exts(False))
    rec = records(hs, sizes=[40, 60])
    syn("records", f)
    passed("records_first_passes", f.seg(rec[:70]))
    rejected("records_split_blocked", f.seg(rec[70:], 70), R_GH, "github.com")

    # Segments out of order: one past a gap waits (dropped, not remembered);
    # TCP sends the missing one, then this one again.
    ch = hello("github.com", "last", extra=[ext(21, b"\x00" * 300)])
    f = Flow(50026)
    syn("reorder", f)
    passed("reorder_first_passes", f.seg(ch[:800]))
    passed("reorder_first_again_passes", f.seg(ch[:800]))
    add("reorder_gap_dropped", f.seg(ch[1600:], 1600), "TC_ACT_SHOT", "EG_V_DROP", [TLS_STATE], 0,
        event(f.seg(ch[1600:], 1600), "EG_V_DROP", "EG_ACT_DROP", TLS_STATE, 0))
    passed("reorder_missing_passes", f.seg(ch[800:1600], 800))
    rejected("reorder_resent_blocked", f.seg(ch[1600:], 1600), R_GH, "github.com")

    # --- the bound ---------------------------------------------------------------
    # A ClientHello that declares more than EG_L7_BUF bytes before its name
    # and never gets to it: the first segments pass, the one that goes past
    # the bound fails closed, and the flow stays closed.
    long_ch = hello("github.com", "last", pq=False, extra=[ext(21, b"\x00" * 9000)])
    assert len(long_ch) > 2 * L7_BUF
    segs = [long_ch[i:i + 1400] for i in (0, 1400, 2800, 4200)]
    assert 2800 < L7_BUF + 5 <= 4200
    f = Flow(50030)
    syn("bound", f)
    passed("bound_first_passes", f.seg(segs[0]))
    passed("bound_second_passes", f.seg(segs[1], 1400))
    failed_closed("bound_hit_dropped", f.seg(segs[2], 2800), TLS_STATE)
    flow_dropped("bound_next_dropped", f.seg(segs[3], 4200), 0, action="EG_ACT_DROP")
    f = Flow(50031)
    syn("bound_monitor", f, mode="monitor")
    passed("bound_monitor_first_passes", f.seg(segs[0]), mode="monitor")
    passed("bound_monitor_second_passes", f.seg(segs[1], 1400), mode="monitor")
    would_drop("bound_monitor_would_drop", f.seg(segs[2], 2800), TLS_STATE)
    passed("bound_monitor_next_passes", f.seg(segs[3], 4200), mode="monitor")
    # The name within the bound is judged, however long the rest.
    f = Flow(50032)
    early = hello("github.com", "first", pq=False, extra=[ext(21, b"\x00" * 9000)])
    syn("bound_name_early", f)
    rejected("bound_name_early_blocked", f.seg(early[:1400]), R_GH, "github.com")

    # --- what cannot be read ------------------------------------------------------
    # Broken fixed fields make no ClientHello a server takes: judged on the
    # address. A broken extension list fails closed.
    f = Flow(50033)
    odd = client_hello([sni_ext("github.com")], suites=(0x1301,))
    odd = odd[:4 + 2 + 32 + 1 + 32] + b"\x00\x03" + odd[4 + 2 + 32 + 1 + 32 + 2:]
    syn("odd_suites", f)
    passed("odd_cipher_suites_not_a_hello", f.seg(records(odd)))
    f = Flow(50038)
    broken = client_hello([struct.pack("!HH", 13, 50) + b"\x00" * 10, sni_ext("github.com")])
    syn("bad_ext", f)
    failed_closed("ext_past_list_dropped", f.seg(records(broken)), TLS_BAD)
    f = Flow(50034)
    syn("bad_name", f)
    failed_closed("bad_sni_bytes_dropped", f.seg(hello("git hub.com", pq=False)), NAME_BAD)
    f = Flow(50035)
    syn("empty_label", f)
    failed_closed("sni_empty_label_dropped", f.seg(hello("github..com", pq=False)), NAME_BAD)
    # ECH: the outer ClientHello's server_name (the public name) is matched.
    f = Flow(50036)
    ech = ext(0xFE0D, b"\x00\x00\x01\x00\x01\x2a" + struct.pack("!H", 32) + b"\x01" * 32 +
              struct.pack("!H", 64) + b"\x02" * 64)
    syn("ech", f)
    rejected("ech_outer_name_blocked", f.seg(hello("public.github.com", "last", pq=False,
                                                   extra=[ech])), R_GH, "public.github.com")
    # On any port, not only 443.
    f = Flow(50037)
    passed("port_8443_syn", f.syn(dport=8443))
    ch = hello("github.com", pq=False)
    rejected("port_8443_blocked", f.seg(ch, dport=8443), R_GH, "github.com")


# --- HTTP ---------------------------------------------------------------------

def build_http():
    f = Flow(50040)
    req = b"GET /index.html HTTP/1.1\r\nhOsT: GitHub.com:8080\r\nAccept: */*\r\n\r\n"
    passed("http_syn", f.syn(dport=80))
    rejected("http_host_port_mixed_case_blocked", f.seg(req, dport=80), R_GH, "github.com",
             src="EG_NSRC_HTTP")
    flow_dropped("http_next_segment_dropped", f.seg(b"more", len(req), dport=80), R_GH)

    f = Flow(50041)
    passed("http_allowed_syn", f.syn(dport=80))
    passed("http_allowed_host_passes",
           f.seg(b"GET / HTTP/1.1\r\nUser-Agent: t\r\nHost: example.org\r\n\r\n", dport=80))
    f = Flow(50042)
    passed("http_allow_rule_syn", f.syn(dport=80))
    passed("http_allow_rule_passes",
           f.seg(b"POST /api HTTP/1.1\r\nHost: Example.ORG.\r\nContent-Length: 0\r\n\r\n", dport=80),
           "EG_V_ALLOW", R_ALLOW, rules=GH + ["allow:name:example.org:%d" % R_ALLOW])

    f = Flow(50043)
    passed("http_not_http_syn", f.syn(dport=22))
    passed("http_ssh_banner_passes", f.seg(b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", dport=22))
    f = Flow(50044)
    passed("http_binary_syn", f.syn(dport=9000))
    passed("http_binary_passes", f.seg(bytes(range(256)) * 2, dport=9000))
    f = Flow(50045)
    passed("http_smtp_syn", f.syn(dport=25))
    passed("http_smtp_command_passes", f.seg(b"EHLO github.com\r\n", dport=25))

    # Host in the second segment of the request head.
    f = Flow(50046)
    first = b"GET / HTTP/1.1\r\nUser-Agent: curl/8.5\r\nAccept: */*\r\n"
    passed("http_split_syn", f.syn(dport=80))
    passed("http_split_first_passes", f.seg(first, dport=80))
    rejected("http_split_host_blocked", f.seg(b"Host: api.github.com\r\n\r\n", len(first),
                                              dport=80), R_GH, "api.github.com", src="EG_NSRC_HTTP")

    # The target's authority wins over Host (RFC 9112 3.2.2).
    f = Flow(50047)
    passed("http_absolute_syn", f.syn(dport=3128))
    rejected("http_absolute_form_blocked",
             f.seg(b"GET http://user@GitHub.com:80/x HTTP/1.1\r\nHost: example.org\r\n\r\n",
                   dport=3128), R_GH, "github.com", src="EG_NSRC_HTTP")
    f = Flow(50048)
    passed("http_connect_syn", f.syn(dport=3128))
    rejected("http_connect_blocked",
             f.seg(b"CONNECT github.com:443 HTTP/1.1\r\nHost: github.com:443\r\n\r\n", dport=3128),
             R_GH, "github.com", src="EG_NSRC_HTTP")
    # Empty lines before the request line are skipped by servers: here too.
    f = Flow(50049)
    passed("http_leading_crlf_syn", f.syn(dport=80))
    rejected("http_leading_crlf_blocked",
             f.seg(b"\r\nGET / HTTP/1.1\r\nHost:github.com\r\n\r\n", dport=80), R_GH, "github.com",
             src="EG_NSRC_HTTP")
    f = Flow(50050)
    passed("http_v6_literal_syn", f.syn(dport=80))
    passed("http_v6_literal_passes",
           f.seg(b"GET / HTTP/1.1\r\nHost: [2001:db8::1]:80\r\n\r\n", dport=80))
    f = Flow(50051)
    passed("http10_no_host_syn", f.syn(dport=80))
    passed("http10_no_host_passes", f.seg(b"GET / HTTP/1.0\r\n\r\n", dport=80))
    f = Flow(50052)
    passed("http_bad_host_syn", f.syn(dport=80))
    failed_closed("http_bad_host_dropped",
                  f.seg(b"GET / HTTP/1.1\r\nHost: git\"hub.com\r\n\r\n", dport=80), NAME_BAD)
    # A head past the bound without Host fails closed.
    f = Flow(50053)
    head = b"GET / HTTP/1.1\r\n" + b"".join(b"X-Pad-%02d: %s\r\n" % (i, b"p" * 90) for i in range(45))
    assert 2 * 1400 < L7_BUF < len(head)
    passed("http_bound_syn", f.syn(dport=80))
    passed("http_bound_first_passes", f.seg(head[:1400], dport=80))
    passed("http_bound_second_passes", f.seg(head[1400:2800], 1400, dport=80))
    failed_closed("http_bound_hit_dropped", f.seg(head[2800:4200], 2800, dport=80), HTTP_STATE)


# --- QUIC ---------------------------------------------------------------------

def quic(first=0xC3, version=1):
    """A QUIC packet to UDP/443: long header (first bit set) with a version, else short."""
    if first & 0x80:
        hdr = bytes([first]) + struct.pack("!I", version) + b"\x08" + b"\x11" * 8 + b"\x00"
    else:
        hdr = bytes([first]) + b"\x22" * 8
    return gf.eth() / IP(src=SRC4, dst=DST4) / UDP(sport=50443, dport=443) / \
        Raw(hdr + b"\x00" * (1200 - len(hdr)))


def build_quic():
    q = quic()
    add("quic_initial_dropped", q, "TC_ACT_SHOT", "EG_V_DROP", [QUIC], 0,
        event(q, "EG_V_DROP", "EG_ACT_DROP", QUIC, 0), cfg=["cfg:quic_block=1"])
    q2 = quic(0xD3, 0x6B3343CF)  # QUIC v2: Initial has another type, still a long header
    add("quic_v2_initial_dropped", q2, "TC_ACT_SHOT", "EG_V_DROP", [QUIC], 0,
        event(q2, "EG_V_DROP", "EG_ACT_DROP", QUIC, 0), cfg=["cfg:quic_block=1"])
    passed("quic_initial_passes_quic_allowed", q, cfg=["cfg:quic_block=0"])
    passed("quic_short_header_passes", quic(0x43), cfg=["cfg:quic_block=1"])
    passed("quic_version_negotiation_passes", quic(0xC0, 0), cfg=["cfg:quic_block=1"])
    add("quic_monitor_would_drop", q, "TC_ACT_UNSPEC", "EG_V_WOULD_DROP", [QUIC], 0,
        event(q, "EG_V_WOULD_DROP", "EG_ACT_DROP", QUIC, 0), mode="monitor",
        cfg=["cfg:quic_block=1"])
    other = gf.eth() / IP(src=SRC4, dst=DST4) / UDP(sport=50443, dport=8443) / Raw(raw(q[Raw]))
    passed("quic_other_port_passes", other, cfg=["cfg:quic_block=1"])


def main():
    if len(sys.argv) != 2:
        sys.stderr.write("usage: %s FIXTURE_FILE\n" % sys.argv[0])
        return 2
    build_tls()
    build_http()
    build_quic()
    gf.write_fixtures(sys.argv[1], gf.CASES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
