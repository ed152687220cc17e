#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
"""Write docs/benchmarks.md and the plots from one run of bench/run.sh.

Usage: report.py WORKDIR OUTDIR
WORKDIR holds the raw results (meta.tsv, pktcost.tsv, structs.tsv,
checks.tsv, tput.tsv, ctl.tsv, probe.tsv, maps.tsv, timing.tsv); OUTDIR
gets benchmarks.md and bench/*.png. Every figure in the document comes from
WORKDIR: the prose around them is written here.
"""

import csv
import os
import statistics
import subprocess
import sys

W, OUT = sys.argv[1], sys.argv[2]
STRUCTS = ["lpm_floor", "hash32_lpm", "plen_hash", "dir_24_8", "dir24_lpm", "hint_lpm"]
STRUCT_NAMES = {
    "lpm_floor": "LPM trie alone",
    "hash32_lpm": "/32 hash in front of an LPM trie",
    "plen_hash": "hash per prefix length",
    "dir_24_8": "DIR-24-8",
    "dir24_lpm": "DIR-24 table, LPM trie behind /24s with longer prefixes",
    "hint_lpm": "a bit per /24 in front of the LPM trie (the classifier's)",
}
STRUCT_MEM = {"lpm_floor": "lpm_v4", "hash32_lpm": "hash32_lpm", "plen_hash": "plen_hash",
              "dir_24_8": "dir_24_8", "dir24_lpm": "dir24_lpm", "hint_lpm": "hint_lpm"}
FRAMES = ["syn4", "syn6", "blk4", "dns10", "tls", "http"]
FRAME_NAMES = {
    "syn4": "TCP SYN, IPv4, no rule matches",
    "syn6": "TCP SYN, IPv6, no rule matches",
    "blk4": "TCP SYN, IPv4, blocked (reset built)",
    "dns10": "DNS query, 10 labels, no name matches",
    "tls": "TLS ClientHello, SNI last, no name matches",
    "http": "HTTP GET with Host, no name matches",
}
STRUCT_BUDGET = 256 << 20  # bytes one rule set may take in the kernel (see the text)


def tsv(name):
    path = os.path.join(W, name)
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return list(csv.DictReader(f, delimiter="\t"))


def kv(name):
    path = os.path.join(W, name)
    d = {}
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition("\t")
                d[k] = v
    return d


meta = kv("meta.tsv")
ctl = kv("ctl.tsv")
pk = tsv("pktcost.tsv")
st = tsv("structs.tsv")
checks = tsv("checks.tsv")
timing = []
if os.path.exists(os.path.join(W, "timing.tsv")):
    with open(os.path.join(W, "timing.tsv")) as f:
        timing = [line.rstrip("\n").split("\t") for line in f if line.strip()]
tput = []
if os.path.exists(os.path.join(W, "tput.tsv")):
    with open(os.path.join(W, "tput.tsv")) as f:
        tput = [line.rstrip("\n").split("\t") for line in f if line.strip()]
maps = []
if os.path.exists(os.path.join(W, "maps.tsv")):
    with open(os.path.join(W, "maps.tsv")) as f:
        maps = [line.rstrip("\n").split("\t") for line in f if line.strip()]
probe = [float(r["latency_us"]) for r in tsv("probe.tsv")]
probe_ctl = [float(r["egressctl_us"]) for r in tsv("probe.tsv")]

steps = []
for r in pk:
    s = (int(r["v4"]), int(r["v6"]), int(r["names"]))
    if s not in steps:
        steps.append(s)
NS = {(int(r["v4"]), int(r["v6"]), int(r["names"]), r["frame"], r["program"]): float(r["ns"]) for r in pk}
RET = {(int(r["v4"]), int(r["v6"]), int(r["names"]), r["frame"], r["program"]): int(r["retval"]) for r in pk}
MEM = {(int(r["v4"]), int(r["v6"]), int(r["names"]), r["structure"]): (int(r["bytes"]), float(r["insert_ms"]))
       for r in st}


def ns(step, frame, prog):
    return NS.get(step + (frame, prog))


def count(n):
    if n >= 1000000 and n % 1000000 == 0:
        return "%dM" % (n // 1000000)
    if n >= 1000 and n % 1000 == 0:
        return "%dk" % (n // 1000)
    return str(n)


def step_name(s):
    if s == (0, 0, 0):
        return "empty"
    return "%s v4, %s v6, %s names" % (count(s[0]), count(s[1]), count(s[2]))


def f0(x):
    return "–" if x is None else "%.0f" % x


def f1(x):
    return "–" if x is None else "%.1f" % x


def f2(x):
    return "–" if x is None else "%.2f" % x


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def mib(b):
    if b < 1048576:
        return "%.0f KiB" % (b / 1024.0)
    return "%.1f MiB" % (b / 1048576.0)


def yes(ok):
    if ok is None:
        return "not measured"
    return "**met**" if ok else "**not met**"


full = max(steps, key=lambda s: (s[0], s[1], s[2])) if steps else None
small = next((s for s in steps if s[0] == 1000 and s[2] == 1000), None)

# ---- derived figures ---------------------------------------------------------
def over(step, frame, prog, floor):
    a, b = ns(step, frame, prog), ns(step, frame, floor)
    return None if a is None or b is None else a - b


eg_over_full = over(full, "syn4", "egressgate", "tc_bare") if full else None
xdpf_over_1k = over(small, "syn4", "xdp_filter", "xdp_bare") if small else None
eg_vs_lpm_full = ratio(ns(full, "syn4", "egressgate"), ns(full, "syn4", "lpm_floor")) if full else None
dns_x = ratio(over(full, "dns10", "egressgate", "tc_bare"), eg_over_full) if full else None
tls_x = ratio(over(full, "tls", "egressgate", "tc_bare"), eg_over_full) if full else None
dns_tot = ratio(ns(full, "dns10", "egressgate"), ns(full, "syn4", "egressgate")) if full else None
tls_tot = ratio(ns(full, "tls", "egressgate"), ns(full, "syn4", "egressgate")) if full else None


def tput_of(label, kind, col=3):
    v = [float(r[col]) for r in tput if r[0] == label and r[1] == kind and len(r) > col]
    return statistics.median(v) if v else None


def span(label, kind, unit):
    v = [float(r[3]) / unit for r in tput if r[0] == label and r[1] == kind]
    return ("%.2f–%.2f" % (min(v), max(v))) if v else "–"


def tput_loads(label):
    v = [float(r[4]) for r in tput if r[0] == label]
    return ("%.2f–%.2f" % (min(v), max(v))) if v else "–"


def noise(kind):
    """Half the spread of the no-filter runs, as a fraction of their median."""
    v = [float(r[3]) for r in tput if r[0] == "none" and r[1] == kind]
    if len(v) < 2:
        return None
    return (max(v) - min(v)) / 2 / statistics.median(v)


def in_noise(r, kind):
    n = noise(kind)
    if r is None or n is None or abs(r - 1) > n:
        return ""
    return " (inside the no-filter runs' own spread of ±%.0f%%)" % (100 * n)


T = {(l, k): tput_of(l, k) for l in ("none", "egressgate", "nftables") for k in ("tcp", "udp64")}
tcp_ratio = ratio(T[("egressgate", "tcp")], T[("none", "tcp")])
udp_ratio = ratio(T[("egressgate", "udp64")], T[("none", "udp64")])
nft_tcp_ratio = ratio(T[("nftables", "tcp")], T[("none", "tcp")])
nft_udp_ratio = ratio(T[("nftables", "udp64")], T[("none", "udp64")])


def pct(v, p):
    if not v:
        return None
    s = sorted(v)
    k = max(1, min(len(s), int(p / 100.0 * len(s) + 0.999999)))
    return s[k - 1]


def intv(k):
    try:
        return int(ctl[k])
    except (KeyError, ValueError):
        return None


load_eg = intv("egressd_load_enforced_ms")
load_nft = intv("nft_load_ms")
rss = intv("egressd_rss_kib")
p99 = pct(probe, 99)

# ---- structure choice -------------------------------------------------------
choice = None
if full:
    cands = []
    for s in STRUCTS:
        t_miss, t_hit = ns(full, "syn4", s), ns(full, "blk4", s)
        mem = MEM.get(full + (STRUCT_MEM[s],), (None, None))[0]
        if t_miss is None:
            continue
        cands.append((s, t_miss, t_hit, mem))
    fastest = min(cands, key=lambda c: (c[1], c[2] or 0)) if cands else None
    within = [c for c in cands if c[3] is not None and c[3] <= STRUCT_BUDGET]
    # Within the clock's resolution (2 ns) of the fastest, the smallest wins.
    best = min((c[1] for c in within), default=None)
    near = [c for c in within if c[1] <= best + 2] if within else []
    kept = min(near, key=lambda c: (c[3], c[1])) if near else None
    choice = (fastest, kept, cands)

# ---- plots -------------------------------------------------------------------
os.makedirs(os.path.join(OUT, "bench"), exist_ok=True)
plot_dir = os.path.join(W, "plot")
os.makedirs(plot_dir, exist_ok=True)
# The sweep over IPv4 set sizes: the empty set, then each size with the most names measured.
sweep = []
for s in steps:
    same = [t for t in steps if t[0] == s[0]]
    pick = max(same, key=lambda t: (t[2], t[1]))
    if pick not in sweep:
        sweep.append(pick)
plots = []


def plot(fname, title, frame, series, ylabel="ns per packet (kernel timing, median)"):
    data = os.path.join(plot_dir, fname + ".dat")
    with open(data, "w") as f:
        for i, s in enumerate(sweep):
            vals = [ns(s, frame, p) for p, _ in series]
            f.write("%d \"%s\" %s\n" % (i, count(s[0]), " ".join("NaN" if v is None else "%.1f" % v for v in vals)))
    png = os.path.join(OUT, "bench", fname + ".png")
    lines = []
    for i, (p, label) in enumerate(series):
        dash = " dt 2" if p.endswith("bare") else ""
        lines.append("'%s' using 1:%d:xtic(2) with linespoints lw 2 pt 7%s title \"%s\"" % (
            data, i + 3, dash, label.replace('"', "'")))
    script = "\n".join([
        "set terminal pngcairo size 900,540 font 'sans,11' noenhanced",
        "set output '%s'" % png,
        "set title \"%s\"" % title,
        "set xlabel 'rule set: IPv4 prefixes (IPv6 prefixes and names as in the table of that step)'",
        "set ylabel \"%s\"" % ylabel,
        "set grid ytics",
        "set key below",
        "set yrange [0:*]",
        "set xrange [-0.3:%f]" % (len(sweep) - 0.7),
        "plot " + ", ".join(lines),
    ])
    sp = os.path.join(plot_dir, fname + ".gp")
    with open(sp, "w") as f:
        f.write(script + "\n")
    r = subprocess.run(["gnuplot", sp], capture_output=True, text=True)
    if r.returncode:
        sys.stderr.write("report: gnuplot %s: %s\n" % (fname, r.stderr))
        return
    plots.append((fname, title))


if sweep:
    plot("ns_per_packet_v4", "Non-matching IPv4 SYN: egressgate, LPM floor, xdp-filter", "syn4",
         [("egressgate", "egressgate (eg_tc_egress)"), ("lpm_floor", "one LPM lookup (floor)"),
          ("xdp_filter", "xdp-filter (exact, at most 10,000)"), ("tc_bare", "bare TC program"),
          ("xdp_bare", "bare XDP program")])
    plot("ns_per_packet_v6", "Non-matching IPv6 SYN: egressgate, LPM floor, xdp-filter", "syn6",
         [("egressgate", "egressgate (eg_tc_egress)"), ("lpm_floor", "one LPM lookup (floor)"),
          ("xdp_filter", "xdp-filter (exact, at most 10,000)"), ("tc_bare", "bare TC program"),
          ("xdp_bare", "bare XDP program")])
    plot("lookup_structures", "IPv4 lookup structures, non-matching SYN", "syn4",
         [(s, STRUCT_NAMES[s]) for s in STRUCTS] + [("tc_bare", "bare TC program")])

# ---- the document ------------------------------------------------------------
L = []
A = L.append
A("# egressgate benchmarks")
A("")
A("<!-- Written by `make bench` (bench/run.sh, bench/report.py) from one run. Edit bench/report.py, not this file. -->")
A("")
A("Every figure below comes from one run of `make bench` on one machine, the")
A("alternatives measured beside egressgate in the same run; ratios are taken")
A("within the run. `make bench` reports and `make test` asserts: nothing here")
A("fails a build. Run it again to refresh this page: `make bench` (about %s minutes" %
  ("%.0f" % (int(meta.get("total_s", "0")) / 60.0 + 0.5)))
A("here, run as root; it installs what it needs with `scripts/deps-bench.sh`).")
A("")
A("| Run | |")
A("|---|---|")
A("| Date | %s |" % meta.get("date", "?"))
A("| Machine | %s, %s CPUs, %s MiB |" % (meta.get("cpu", "?"), meta.get("cpus", "?"), meta.get("mem_mib", "?")))
A("| Kernel | %s |" % meta.get("kernel", "?"))
A("| egressgate | commit %s; `build/tc/egress.bpf.o` sha256 %s… |" % (meta.get("commit", "?"), meta.get("egress_obj", "?")))
A("| Peers | xdp-tools %s (`%s`), nftables %s, iperf3 %s, netsniff-ng %s |" % (
    meta.get("pkg_xdp-tools"), os.path.basename(meta.get("xdpf_obj", "")), meta.get("pkg_nftables"),
    meta.get("pkg_iperf3"), meta.get("pkg_netsniff-ng")))
A("| Load average (1, 5, 15 min) | %s at the start, %s at the end |" % (meta.get("load_start"), meta.get("load_end")))
A("| Whole run | %s s |" % meta.get("total_s", "?"))
A("")
A("The load average is printed because this machine is shared: other work running")
A("beside the benchmark slows the throughput runs most. Per-packet costs use the")
A("kernel's own timing, which leaves out the time the benchmark was not running.")
A("")

# Targets
A("## Targets and where this run stands")
A("")
A("| Target | This run | |")
A("|---|---|---|")
if full and small:
    A("| Full classifier, non-matching SYN, %s: its cost over the bare TC program at most xdp-filter's cost over the bare XDP program with 1k exact addresses | %s ns over %s ns: %s× | %s |" % (
        step_name(full), f0(eg_over_full), f0(xdpf_over_1k), f1(ratio(eg_over_full, xdpf_over_1k)),
        yes(None if eg_over_full is None or xdpf_over_1k is None else eg_over_full <= xdpf_over_1k)))
    A("| At %s IPv4 prefixes, within 1.2× of the LPM floor program | %s ns against %s ns: %s× | %s |" % (
        count(full[0]), f0(ns(full, "syn4", "egressgate")), f0(ns(full, "syn4", "lpm_floor")), f2(eg_vs_lpm_full),
        yes(None if eg_vs_lpm_full is None else eg_vs_lpm_full <= 1.2)))
    A("| DNS query (10 labels) at most 3× the non-matching SYN | cost over the floor %s×; whole %s× | %s |" % (
        f2(dns_x), f2(dns_tot), yes(None if dns_x is None else dns_x <= 3)))
    A("| ClientHello (SNI last) at most 4× the non-matching SYN | cost over the floor %s×; whole %s× | %s |" % (
        f2(tls_x), f2(tls_tot), yes(None if tls_x is None else tls_x <= 4)))
A("| TCP throughput at least 97%% of no filter | %s%% (nftables %s%%)%s | %s |" % (
    f1(tcp_ratio * 100 if tcp_ratio else None), f1(nft_tcp_ratio * 100 if nft_tcp_ratio else None),
    in_noise(tcp_ratio, "tcp"),
    yes(None if tcp_ratio is None else tcp_ratio >= 0.97)))
A("| 64-byte UDP at least 95%% of no filter | %s%% (nftables %s%%)%s | %s |" % (
    f1(udp_ratio * 100 if udp_ratio else None), f1(nft_udp_ratio * 100 if nft_udp_ratio else None),
    in_noise(udp_ratio, "udp64"),
    yes(None if udp_ratio is None else udp_ratio >= 0.95)))
if tcp_ratio and nft_tcp_ratio and udp_ratio and nft_udp_ratio:
    A("| Ahead of nftables with the same set | TCP %s vs %s Gbit/s; 64 B %s vs %s Mpps | %s |" % (
        f2(T[("egressgate", "tcp")] / 1e9), f2(T[("nftables", "tcp")] / 1e9),
        f2(T[("egressgate", "udp64")] / 1e6), f2(T[("nftables", "udp64")] / 1e6),
        yes(T[("egressgate", "tcp")] >= T[("nftables", "tcp")] and T[("egressgate", "udp64")] >= T[("nftables", "udp64")])
        + ("; TCP inside the runs' spread" if in_noise(ratio(T[("egressgate", "tcp")], T[("nftables", "tcp")]), "tcp") else "")
        + ("; 64 B inside the runs' spread" if in_noise(ratio(T[("egressgate", "udp64")], T[("nftables", "udp64")]), "udp64") else "")))
A("| %s prefixes load faster than `nft -f` | egressd %s ms to the first refusal, `nft -f` %s ms | %s |" % (
    count(full[0]) if full else "1M", f0(load_eg), f0(load_nft),
    yes(None if load_eg is None or load_nft is None else load_eg < load_nft)))
A("| Rule add → enforced at most 5 ms at p99 | p99 %s ms over %d rules | %s |" % (
    f2(p99 / 1000 if p99 else None), len(probe), yes(None if p99 is None else p99 <= 5000)))
A("| egressd RSS at most 16 MiB | %s with the full set loaded | %s |" % (
    mib(rss * 1024) if rss else "–", yes(None if rss is None else rss <= 16 * 1024)))
A("")
A("\"Cost over the floor\" is the classifier's time minus the bare program's of")
A("the same hook, measured in the same run on the same frame.")
A("")

# 1. per-packet cost
A("## 1. Per-packet cost")
A("")
A("`egbench pktcost` (bench/pktcost.c) loads, in one process, the classifier")
A("`eg_tc_egress` and the bare `eg_tc_bare` from `build/tc/egress.bpf.o`, the")
A("reference programs of `bench/lookup.bpf.c` (the LPM floor looks up the")
A("classifier's own `eg_v4_rules_0` / `eg_v6_rules_0`), a bare XDP program, and")
A("xdp-filter's program object from Debian's xdp-tools (`%s`, deny list, IPv4 and" % meta.get("xdpf_obj", "?"))
A("IPv6), its maps filled as `xdp-filter ip ADDR --mode dst` fills them. Nothing is")
A("attached or pinned; `BPF_PROG_TEST_RUN` sends nothing. Each (program, frame)")
A("runs %s times per sample, %s samples interleaved across all pairs, median kept" % (meta.get("repeat"), meta.get("runs")))
A("(the kernel's timing, in whole ns). The blocked SYN is rewritten into a reset on")
A("its first run, so it is timed one run per call (median of %s calls per sample)," % meta.get("single"))
A("its floors timed the same way; that timing includes the kernel's clock reads,")
A("for the floor as much as for the program.")
A("")
A("Rule sets (`egbench rules`, bench/ruleset.c): IPv4 prefixes of every length")
A("/8-/32, an equal share per length except that no length covers more than 1% of")
A("the address space; no two prefixes overlap (so nftables holds them as an interval")
A("set as they are); IPv6 prefixes /20-/128; names of two or three labels. A smaller")
A("set is the head of a larger one. The first IPv4 rule is 203.0.113.5/32, the")
A("blocked SYN's target. Frames (bench/gen_packets.py, scapy): documentation")
A("addresses no rule and no name matches, except the blocked SYN.")
A("")
if checks:
    parsed = [r["frame"] for r in checks if r["retval_with"] != r["retval_without"]]
    unparsed = [r["frame"] for r in checks if r["retval_with"] == r["retval_without"]]
    A("Payload parsers in the measured build: with `block name example.com` in force,")
    A("%s %s stopped by the name rule%s." % (
        ", ".join(parsed) if parsed else "no frame",
        "was" if len(parsed) == 1 else "were",
        ("; %s passed (its parser is not in this build, so it was measured on the path of a frame without a name)" % ", ".join(unparsed)) if unparsed else ""))
    A("")
# Each program must have taken the path it is said to measure.
EXPECT = {"egressgate": {"blk4": 7}, "xdp_filter": {"blk4": 1}, "tc_bare": {}, "xdp_bare": {}}
bad = []
for r in pk:
    s_, fr, pr, rv = (int(r["v4"]), int(r["v6"]), int(r["names"])), r["frame"], r["program"], int(r["retval"])
    blocked = fr == "blk4" and s_[0] > 0
    if pr == "egressgate":
        want = 7 if blocked else -1          # TC_ACT_REDIRECT (the reset) / TC_ACT_UNSPEC
    elif pr == "tc_bare":
        want = -1
    elif pr == "xdp_bare":
        want = 2                             # XDP_PASS
    elif pr == "xdp_filter":
        want = 1 if blocked else 2           # XDP_DROP / XDP_PASS
    elif pr == "dir_24_8" or pr == "dir24_lpm" or pr in STRUCTS:
        want = 2 if blocked else 0           # TC_ACT_SHOT on a hit, TC_ACT_OK on a miss
    else:
        continue
    if rv != want:
        bad.append("%s on %s at %s returned %d, not %d" % (pr, fr, step_name(s_), rv, want))
if bad:
    A("**Verdicts not as expected** (those figures measure another path): " + "; ".join(bad) + ".")
else:
    A("Every program returned the verdict of the path it is said to measure (a pass,")
    A("or for the blocked SYN: egressgate's redirected reset, xdp-filter's drop, a")
    A("lookup hit), checked on every sample.")
A("")
A("ns per packet. \"×\" is the ratio over the bare program of the same hook, \"over\"")
A("the difference (the program's own cost); \"/ LPM\" is egressgate's time over the")
A("LPM floor's. Timings of one run per call (the blocked SYN) come in steps of")
A("about 10 ns here, the resolution of the kernel's clock on this machine.")
A("")
A("| Rule set | Frame | egressgate | × TC bare | over | xdp-filter | × XDP bare | over | LPM floor | / LPM | TC bare | XDP bare |")
A("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
for s in steps:
    for fr in FRAMES:
        e = ns(s, fr, "egressgate")
        if e is None or (fr == "blk4" and s[0] == 0):
            continue
        A("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
            step_name(s), fr, f0(e), f1(ratio(e, ns(s, fr, "tc_bare"))), f0(over(s, fr, "egressgate", "tc_bare")),
            f0(ns(s, fr, "xdp_filter")), f1(ratio(ns(s, fr, "xdp_filter"), ns(s, fr, "xdp_bare"))),
            f0(over(s, fr, "xdp_filter", "xdp_bare")), f0(ns(s, fr, "lpm_floor")),
            f2(ratio(e, ns(s, fr, "lpm_floor"))), f0(ns(s, fr, "tc_bare")), f0(ns(s, fr, "xdp_bare"))))
A("")
A("Frames: " + "; ".join("%s: %s" % (k, v) for k, v in FRAME_NAMES.items()) + ".")
A("xdp-filter holds at most 10,000 addresses per family (the size of its maps) and")
A("matches them exactly: it gets the network address of the first min(N, 10,000)")
A("prefixes. It returns XDP_DROP for the blocked SYN and builds no reset.")
A("")

# structures
A("### IPv4 lookup structures")
A("")
A("At %s prefixes a program doing nothing but one LPM trie lookup takes %s ns; the" % (
    count(full[0]) if full else "?", f0(ns(full, "syn4", "lpm_floor")) if full else "–"))
A("whole classifier, with the structure kept, %s ns. The" % (
    f0(ns(full, "syn4", "egressgate")) if full else "–"))
A("alternatives below were built over the same prefixes and timed the same way,")
A("each as a program that does nothing but its lookup (`bench/lookup.bpf.c`;")
A("DIR-24-8 tables built by `bench/dir248.c`). Memory is what one rule set takes in")
A("the kernel (the classifier keeps two); hash maps are preallocated at their")
A("capacity; build is the time to write the set into the maps from user space.")
A("")
A("| Rule set | Structure | non-matching SYN | blocked SYN (one run per call) | memory | build |")
A("|---|---|---:|---:|---:|---:|")
seen4 = set()
for s in steps:
    if s[0] == 0 or s[0] in seen4:
        continue
    seen4.add(s[0])
    for x in STRUCTS:
        m = MEM.get(s + (STRUCT_MEM[x],))
        A("| %s | %s | %s | %s | %s | %s |" % (
            count(s[0]) + " v4", STRUCT_NAMES[x], f0(ns(s, "syn4", x)), f0(ns(s, "blk4", x)),
            mib(m[0]) if m else "–", ("%.0f ms" % m[1]) if m else "–"))
A("")
if choice and choice[0]:
    fastest, kept, cands = choice
    ranked = sorted(cands, key=lambda c: (c[1], c[2] or 0))
    A("**Choice.** At %s prefixes, non-matching SYN, fastest first: %s." % (
        count(full[0]), "; ".join("%s %s ns (blocked SYN %s ns, %s a rule set)" % (
            STRUCT_NAMES[c[0]], f0(c[1]), f0(c[2]), mib(c[3] or 0)) for c in ranked)))
    A("The structure kept is, of those whose rule set stays within %d MiB of kernel" % (STRUCT_BUDGET >> 20))
    A("memory at this size, the smallest within 2 ns (the clock's resolution) of the")
    A("fastest at the non-matching SYN: " + ("**%s**." % STRUCT_NAMES[kept[0]] if kept else "none fits."))
    A("")
    A("Why: a non-matching destination mostly falls in a /24 no rule touches. There a")
    A("DIR-24 table answers with one array read whatever the set's size, while the trie")
    A("walks its nodes (more of them, and colder, as the set grows). A bit per /24 answers")
    A("that same question with the same one read, in 2 MiB instead of 64 MiB (or 780")
    A("MiB for full DIR-24-8, whose 1 KiB groups random /25-/32 prefixes make almost one")
    A("per prefix), and it carries over to IPv6 (a bit per 24-bit IPv6 prefix) where a")
    A("DIR table does not. Destinations in a /24 some rule touches, and blocked ones,")
    A("still walk the trie: a blocked SYN costs a reset (hundreds of ns) anyway. A hash")
    A("per prefix length probes every length present (25 here) before it can say \"no")
    A("rule\"; a /32 hash in front of the trie adds a lookup to every miss.")
    A("")
    A("The classifier uses it (`eg_dst_hint`, `include/eg/match.h`): egressd sets a")
    A("rule's bits before the rule, and recomputes them exactly once a new rule set is")
    A("in force; learned addresses get bits of their own. The same bits stand in front")
    A("of the learned-address table.")
    A("")

# 2. throughput
A("## 2. Throughput through veth")
A("")
A("Two namespaces joined by a veth pair, documentation addresses only. TCP: one")
A("iperf3 stream (GSO on: a filter runs once per super-packet). 64-byte UDP:")
A("trafgen on one CPU, `--qdisc-path` so frames pass the egress hooks, counted as")
A("veth-up receives them (first and last second left out). The three")
A("configurations were measured in turn, %s, the order turned each round," % meta.get("tput", "?"))
A("the median kept; each switch was")
A("checked by a connection to the blocked 203.0.113.5 (accepted, refused by")
A("egressgate's reset, dropped by nftables). egressgate: egressd with the full set")
A("(%s), attached with %s (`egressctl attach`, with its ingress answer reader)." % (
    ctl.get("egressd_rules", "?"), ctl.get("egressd_hook", "?")))
A("nftables: the same prefixes in")
A("`flags interval` sets, `ip daddr @blk4 drop; ip6 daddr @blk6 drop` in a netdev")
A("`egress` chain on the same device (nftables cannot match names; the names are")
A("not in its rule set).")
A("")
A("| Configuration | TCP Gbit/s | of no filter | runs (min–max) | 64 B Mpps received | of no filter | runs (min–max) | 64 B Mpps sent | load average during the runs |")
A("|---|---:|---:|---:|---:|---:|---:|---:|---|")
for label in ("none", "egressgate", "nftables"):
    t, u = T[(label, "tcp")], T[(label, "udp64")]
    sent = tput_of(label, "udp64", 5)
    A("| %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
        {"none": "no filter", "egressgate": "egressgate, full set", "nftables": "nftables, same prefixes"}[label],
        f2(t / 1e9 if t else None), ("%.1f%%" % (100 * t / T[("none", "tcp")])) if t and T[("none", "tcp")] else "–",
        span(label, "tcp", 1e9),
        f2(u / 1e6 if u else None), ("%.1f%%" % (100 * u / T[("none", "udp64")])) if u and T[("none", "udp64")] else "–",
        span(label, "udp64", 1e6),
        f2(sent / 1e6 if sent else None), tput_loads(label)))
A("")
runs_txt = []
for label in ("none", "egressgate", "nftables"):
    for kind in ("tcp", "udp64"):
        v = [float(r[3]) for r in tput if r[0] == label and r[1] == kind]
        if v:
            runs_txt.append("%s %s: %s" % (label, kind, ", ".join(
                ("%.2f" % (x / 1e9)) if kind == "tcp" else ("%.3f" % (x / 1e6)) for x in v)))
A("Single runs (Gbit/s, Mpps received): " + "; ".join(runs_txt) + ".")
A("")
A("\"Sent\" is what veth0 transmitted; the difference to \"received\" was dropped by")
A("veth when the receiving side's backlog was full. Sender and receiver share the")
A("sending CPU, so a filter's cost shows in both.")
A("")

# 3. control plane
A("## 3. Control plane")
A("")
A("| Measure | egressgate | nftables |")
A("|---|---:|---:|")
A("| Load the full set: policy file → first packet refused (egressd start) | %s ms | `nft -f`: %s ms |" % (
    f0(load_eg), f0(load_nft)))
A("| … → control socket answers (both rule sets written) | %s ms | – |" % ctl.get("egressd_load_ready_ms", "–"))
A("| Reload at the full set, file unchanged | %s ms | – |" % ctl.get("reload_unchanged_ms", "–"))
A("| Reload at the full set, 10,000 IPv4 prefixes swapped | %s ms | – |" % ctl.get("reload_changed_ms", "–"))
A("| Remove the rule set | `egressd --cleanup` | `nft delete table`: %s ms |" % ctl.get("nft_delete_ms", "–"))
A("| `egressctl block` returning → first connection refused, p50 / p99 / max over %d rules | %s / %s / %s ms | – |" % (
    len(probe), f2(pct(probe, 50) / 1000 if probe else None), f2(p99 / 1000 if p99 else None),
    f2(max(probe) / 1000 if probe else None)))
A("| `egressctl block` itself (exec to exit), p50 / p99 | %s / %s ms | – |" % (
    f2(pct(probe_ctl, 50) / 1000 if probe_ctl else None), f2(pct(probe_ctl, 99) / 1000 if probe_ctl else None)))
hwm = intv("egressd_hwm_kib")
A("| Daemon memory with the full set: RSS (peak) | egressd %s (%s; %s after the reloads) | `nft -f` peak %s |" % (
    mib(rss * 1024) if rss else "–", mib(hwm * 1024) if hwm else "–",
    mib(int(ctl["egressd_hwm_after_reload_kib"]) * 1024) if ctl.get("egressd_hwm_after_reload_kib", "").isdigit() else "–",
    mib(int(ctl["nft_rss_kib"]) * 1024) if ctl.get("nft_rss_kib", "").isdigit() else "–"))
A("")
nrules = 0
for part_ in ctl.get("egressd_rules", "").split(","):
    w = part_.split()
    if w and w[0].isdigit():
        nrules += int(w[0])
if rss and nrules:
    A("egressd's resident memory with the full set is %s for %d rules: %.0f bytes a rule." % (
        mib(rss * 1024), nrules, rss * 1024.0 / nrules))
    A("")
A("The refusal probes block one IPv6 /128 each, on top of the full set, and")
A("connect from the filtered namespace until the connection is refused (the far end")
A("accepts, so only egressgate's reset refuses). The first connect after")
A("`egressctl block` returns is already refused: the active rule set is written")
A("before the reply, so the latency is one connect's round trip.")
A("")
if maps:
    A("Kernel memory of every map egressd pinned, with the full set loaded (`bpftool map show`, `bytes_memlock`):")
    A("")
    A("| Map | Type | Max entries | Memory |")
    A("|---|---|---:|---:|")
    total = 0
    for m in sorted(maps, key=lambda m: -int(m[3] or 0)):
        total += int(m[3] or 0)
        A("| %s | %s | %s | %s |" % (m[0], m[1], m[2], mib(int(m[3] or 0))))
    A("| **total** | | | **%s** |" % mib(total))
    A("")

# 4. plots
A("## 4. Plots")
A("")
for fname, title in plots:
    A("![%s](bench/%s.png)" % (title, fname))
    A("")

# limits
A("## What this run does not show")
A("")
A("- `BPF_PROG_TEST_RUN` repeats one frame, so a lookup's path stays in the CPU")
A("  caches: the costs are warm-cache costs. Traffic to many destinations makes a")
A("  large trie pay cache misses that a single frame hides; a DIR-24 table pays at")
A("  most one.")
A("- egressgate is a TC egress classifier and xdp-filter an XDP program: each is")
A("  compared with the bare program of its own hook, never across hooks.")
A("  xdp-filter matches exact addresses only (up to 10,000 a family), no prefixes,")
A("  no names, no resets: it is the floor of what an XDP filter costs, not an")
A("  equivalent.")
A("- nftables holds the same prefixes but no names, and drops instead of resetting.")
A("- The throughput runs share %s CPUs with whatever else runs on the machine" % meta.get("cpus", "?"))
A("  (see the load averages); veth has no NIC, so 64-byte rates measure the")
A("  kernel's per-packet path, not a wire.")
A("- The lookup structures are measured as stand-alone programs; the classifier")
A("  uses the kept one (see *Choice*).")
A("- DIR-24-8 tables are written with `BPF_MAP_UPDATE_BATCH`; the /24 bits are")
A("  written through the `BPF_F_MMAPABLE` map's mapping, as egressd writes them.")
A("")
if timing:
    A("Time per part of this run (s): " + ", ".join("%s %.0f" % (p, int(ms) / 1000.0) for p, ms in timing) + ".")
    A("")

with open(os.path.join(OUT, "benchmarks.md"), "w") as f:
    f.write("\n".join(L))
print("report: wrote %s" % os.path.join(OUT, "benchmarks.md"))
