/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * egressgate: the one header shared by the BPF programs and user space.
 * Every map key, map value, event record, enum and limit that crosses the
 * kernel boundary lives here, with fixed-width types and explicit padding,
 * so both sides agree on layout by construction (checked below).
 */
#ifndef EGRESSGATE_H
#define EGRESSGATE_H

#ifdef __BPF__
#include <linux/types.h>
#else
#include <linux/types.h>
#include <stddef.h>
#endif

/* Capacity limits: maps are created with these sizes. */
#define EG_MAX_V4_RULES (1U << 20)   /* >= 1,000,000 IPv4 prefixes */
#define EG_MAX_V6_RULES (1U << 20)   /* >= 1,000,000 IPv6 prefixes */
#define EG_MAX_RULE_STATS (1U << 18) /* rules that have been hit at least once */
#define EG_EVENTS_BYTES (1U << 22)   /* ring buffer of verdict events */
#define EG_MAX_SOCK_OWNERS (1U << 16) /* sockets whose process is remembered (LRU) */

/* Parser bounds: every loop in the data plane is bounded by one of these. */
#define EG_MAX_VLAN_TAGS 2 /* 802.1ad outer + 802.1Q inner */
#define EG_MAX_V6_EXT 8    /* IPv6 extension headers walked */

/* Names: full DNS names, matched on label boundaries, most specific first. */
#define EG_MAX_NAME_RULES (1U << 17) /* >= 100,000 name rules */
#define EG_NAME_MAX 253              /* characters, without the trailing dot */
#define EG_NAME_BUF 256              /* power of two: indexes are masked with it */
#define EG_MAX_LABELS 127
#define EG_DNS_MAX_QUESTIONS 4       /* more is judged unparseable */
#define EG_MAX_DNS_PORTS 16          /* ports besides 53 a policy may add */

/*
 * DNS ports are bits, port & 63 of word port >> 6 of eg_dns_port_bits: every
 * TCP and UDP packet asks, and an array word answers without hashing.
 */
#define EG_DNS_PORT_WORDS (65536 / 64)
static inline __u32 eg_dns_port_word(__u16 port)
{
	return port >> 6;
}

static inline __u64 eg_dns_port_bit(__u16 port)
{
	return 1ULL << (port & 63);
}
#define EG_DNS_MSG_MAX 1024          /* refusals are built for queries up to this size */
#define EG_MAX_LEARNED (1U << 16)    /* addresses learned from DNS answers */
#define EG_DNS_MAX_ANSWERS 16        /* answer records read per DNS response */
#define EG_LEARN_TTL_MIN 30          /* seconds, unless the policy says otherwise */
#define EG_LEARN_TTL_MAX 3600

/*
 * TCP flows judged by their first bytes (TLS ClientHello, HTTP request).
 * A ClientHello longer than one segment is collected until its name shows;
 * the first bytes kept are bounded, and a flow past the bound fails closed.
 */
#define EG_MAX_FLOWS (1U << 16)   /* flows blocked by name, remembered (LRU) */
#define EG_MAX_COLLECT (1U << 10) /* flows whose first bytes are collected at once */
#define EG_FLOW_HINT_BITS 16      /* slots of eg_flow_hint: 1 << this */
#define EG_COLLECT_TTL_NS (30ULL * 1000000000) /* a collection idle this long may go when full */
#define EG_L7_BUF 4096            /* first bytes kept per flow; power of two */
#define EG_L7_CHUNK 512           /* bytes copied per step; the buffer has this much slack */
#define EG_L7_STEPS 48            /* copy steps per segment (chunks and record headers) */
#define EG_TLS_MAX_RECORDS 16     /* TLS records a ClientHello may be split into */
#define EG_TLS_MAX_EXT 64         /* ClientHello extensions walked */
#define EG_HTTP_MAX_LINES 64      /* request header lines read looking for Host */
#define EG_QUIC_PORT 443

/* Rule id 0 means "no rule": the default verdict was applied. */
#define EG_RULE_NONE 0

/* What a rule (or the default) asks for. Ordered: a higher value is stricter. */
enum eg_action {
	EG_ACT_NONE = 0,
	EG_ACT_ALLOW = 1,   /* pass, count */
	EG_ACT_MONITOR = 2, /* pass, count, report */
	EG_ACT_DROP = 3,    /* drop silently */
	EG_ACT_BLOCK = 4,   /* reject: TCP RST back to the sender, drop otherwise */
	EG_ACT_MAX,
};

enum eg_mode {
	EG_MODE_ENFORCE = 0,
	EG_MODE_MONITOR = 1, /* decide and report, never drop */
};

/* What happened to a packet. */
enum eg_verdict {
	EG_V_PASS = 0,        /* no rule, default allow */
	EG_V_ALLOW = 1,       /* allow rule */
	EG_V_MONITOR = 2,     /* monitor rule: passed and reported */
	EG_V_DROP = 3,        /* dropped */
	EG_V_REJECT = 4,      /* RST sent back to the sender, packet dropped */
	EG_V_WOULD_DROP = 5,  /* monitor mode: would have been dropped */
	EG_V_WOULD_REJECT = 6,/* monitor mode: would have been rejected */
	EG_V_MAX,
};

/*
 * Reasons, kept apart from the hook's return codes. Parsers return them
 * negated; counters are indexed by the positive value.
 */
enum eg_reason {
	EG_R_NONE = 0,
	EG_R_RULE_BLOCK,    /* matched a block rule */
	EG_R_RULE_DROP,     /* matched a drop rule */
	EG_R_DEFAULT_DENY,  /* no rule matched, default deny */
	EG_R_UNPARSEABLE,   /* enforce + default deny: could not be judged */
	EG_R_TRUNC_L2,      /* Ethernet or VLAN header cut short */
	EG_R_VLAN_DEPTH,    /* more VLAN tags than EG_MAX_VLAN_TAGS */
	EG_R_TRUNC_L3,      /* IP header cut short */
	EG_R_BAD_L3,        /* IP version or header length invalid */
	EG_R_V6_EXT_DEPTH,  /* more IPv6 extension headers than EG_MAX_V6_EXT */
	EG_R_TRUNC_L4,      /* TCP/UDP/ICMP header cut short */
	EG_R_BAD_L4,        /* TCP data offset invalid */
	EG_R_REJECT_FAILED, /* could not build the RST; dropped instead */
	EG_R_DNS_BAD,       /* traffic on a DNS port that is not a DNS query */
	EG_R_DNS_POINTER,   /* compression pointer in a query name: not judged */
	EG_R_NAME_BAD,      /* a name too long, with too many labels or bad bytes */
	EG_R_TLS_STATE,     /* a ClientHello not followed to its name within the bounds */
	EG_R_TLS_BAD,       /* a ClientHello whose structure cannot be read */
	EG_R_HTTP_STATE,    /* an HTTP request's headers go past the bound without a Host */
	EG_R_QUIC,          /* a QUIC Initial dropped (quic block): clients fall back to TCP */
	EG_R_FLOW_BLOCKED,  /* a later segment of a TCP flow already blocked by name */
	EG_R_MAX,
};

/* Global packet counters (per-CPU array, indexed by these). */
enum eg_stat {
	EG_S_PACKETS = 0, /* every packet the classifier saw */
	EG_S_NOT_IP,      /* ARP and other non-IP frames: passed, not judged */
	EG_S_V_BASE,      /* EG_S_V_BASE + eg_verdict: packets by verdict */
	EG_S_EVENTS_LOST = EG_S_V_BASE + EG_V_MAX, /* ring buffer full */
	EG_S_NDP,         /* IPv6 neighbour discovery passed without judgement */
	EG_S_RULE_STATS_FULL, /* a rule hit could not be counted: stats table full */
	EG_S_LEARNED,         /* addresses learned (or refreshed) from DNS answers */
	EG_S_LEARNED_FULL,    /* an address could not be learned: the table is full */
	EG_S_MAX,
};

/* Which attach point produced a verdict. */
enum eg_hook {
	EG_HOOK_TC_EGRESS = 0,
	EG_HOOK_XDP = 1,
};

/*
 * Global configuration, array map of one entry, read once per packet. A
 * policy is loaded into the rule set that is not active, then this entry
 * switches set, mode and default in one update: no packet ever sees half a
 * policy.
 */
struct eg_config {
	__u8 mode;           /* enum eg_mode */
	__u8 default_action; /* EG_ACT_ALLOW or EG_ACT_BLOCK */
	__u8 active;         /* rule set in force: 0 or 1 */
	__u8 dns_rcode;      /* answer to a refused query: EG_DNS_REFUSED or EG_DNS_NXDOMAIN */
	__u32 generation;    /* bumped on every policy apply */
	__u64 name_seed;     /* key of the name hash; chosen once, kept in the pinned map */
	__u8 quic_block;     /* drop QUIC Initial packets (UDP/443) so clients use TCP */
	__u8 pad[7];
	__u32 learn_ttl_min; /* seconds a learned address lives at least ... */
	__u32 learn_ttl_max; /* ... and at most, whatever the answer's TTL */
};

/*
 * Addresses learned from DNS answers to names a rule matched: connections to
 * them get that rule's verdict and name. A full table refuses new entries
 * (counted); nothing a verdict depends on is evicted silently.
 */
struct eg_learned_key {
	__u8 family; /* 4 or 6 */
	__u8 pad[3];
	__u8 addr[16] __attribute__((aligned(4))); /* copied by words, not bytes */
};

struct eg_learned_val {
	__u64 expires_ns;      /* bpf_ktime_get_ns() after which it is ignored */
	__u32 rule_id;
	__u8 action;
	__u8 pad[3];
	char name[EG_NAME_BUF]; /* the name asked for */
};

#define EG_DNS_REFUSED 5
#define EG_DNS_NXDOMAIN 3

/*
 * Name rules are keyed by a keyed 64-bit hash of the lowercased name, so a
 * lookup per label boundary finds every rule that could apply. One entry
 * serves both an exact rule (=name) and a subtree rule (*.name); a plain
 * `name` rule fills both.
 */
struct eg_name_key {
	__u64 hash;
};

struct eg_name_val {
	__u32 exact_id;   /* rule for the name itself; 0: none */
	__u32 sub_id;     /* rule for names below it; 0: none */
	__u8 exact_action;
	__u8 sub_action;
	__u8 pad[2];
	__u32 len;        /* length of the name: a cheap check against a hash collision */
};

/* Where a name was seen. */
enum eg_name_src {
	EG_NSRC_NONE = 0,
	EG_NSRC_DNS,     /* DNS query over UDP */
	EG_NSRC_DNS_TCP, /* DNS query over TCP */
	EG_NSRC_SNI,     /* TLS ClientHello server_name */
	EG_NSRC_HTTP,    /* HTTP Host header */
	EG_NSRC_LEARNED, /* destination learned from a DNS answer */
	EG_NSRC_MAX,
};

struct eg_v4_key {
	__u32 prefixlen; /* LPM trie: prefix length first */
	__u8 addr[4];
};

struct eg_v6_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct eg_rule_val {
	__u32 rule_id;
	__u8 action; /* enum eg_action */
	__u8 pad[3];
};

/* Per-rule hit counters, per-CPU hash keyed by rule id. */
struct eg_rule_stat {
	__u64 packets;
	__u64 bytes;
};

#define EG_COMM_LEN 16 /* TASK_COMM_LEN */

/*
 * The process that created, connected or last sent on a socket, keyed by
 * socket cookie. All zero when unknown: the packet did not start on this
 * host, or attribution is off.
 */
struct eg_owner {
	__u32 pid;              /* thread group id in the initial pid namespace */
	__u32 tid;              /* the thread that did it */
	__u64 cgroup_id;        /* cgroup v2 id (inode of the cgroup's directory) */
	char comm[EG_COMM_LEN]; /* task name, NUL-terminated */
};

#define EG_EV_F_V6 0x01 /* addresses are IPv6 */

/* A verdict event, written to the ring buffer after the verdict is taken. */
struct eg_event {
	__u64 ts_ns;         /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	__u64 netns_cookie;  /* 0 when the kernel cannot tell */
	__u32 ifindex;
	__u32 rule_id;
	__u32 pkt_len;
	__u8 verdict;        /* enum eg_verdict */
	__u8 action;         /* enum eg_action that applied */
	__u8 reason;         /* enum eg_reason */
	__u8 hook;           /* enum eg_hook */
	__u8 flags;          /* EG_EV_F_* */
	__u8 l4proto;        /* IPPROTO_*; 0 when unknown */
	__u16 sport;         /* host order */
	__u16 dport;         /* host order */
	__u8 tcp_flags;
	__u8 pad;
	__u8 saddr[16];      /* IPv4 in the first 4 bytes */
	__u8 daddr[16];
	struct eg_owner owner; /* who sent it; looked up only for events */
	__u8 name_src;         /* enum eg_name_src; EG_NSRC_NONE: no name */
	__u8 pad2[7];
	char name[EG_NAME_BUF]; /* NUL-terminated, lowercased */
};

/* A TCP flow as its outgoing segments carry it. */
struct eg_flow_key {
	__u8 saddr[16] __attribute__((aligned(4))); /* IPv4 in the first 4 bytes, the rest zero */
	__u8 daddr[16];
	__u16 sport;    /* host order */
	__u16 dport;
	__u8 family;    /* 4 or 6 */
	__u8 pad[3];
};

/*
 * eg_dst_hint: a bit for every 2^24th of an address space (an IPv4 /24, the
 * first 24 bits of an IPv6 address), set when a prefix rule of the rule set
 * in force covers any of it (EG_HINT_V4, EG_HINT_V6) or an address in it
 * was learned from a DNS answer (EG_HINT_LEARNED). A clear bit answers "no
 * rule here" with one array read: most destinations never walk the LPM trie.
 * A set bit only sends the lookup on, so a stale one costs time, never a
 * verdict: bits are set before the rule or address they stand for, and
 * cleared only when egressd recomputes them for the set just put in force.
 */
enum eg_hint_region {
	EG_HINT_V4,
	EG_HINT_V6,
	EG_HINT_LEARNED,
	EG_HINT_REGIONS,
};

#define EG_HINT_BUCKET_BITS 24
#define EG_HINT_REGION_WORDS (1U << (EG_HINT_BUCKET_BITS - 6))
#define EG_HINT_WORDS (EG_HINT_REGIONS * EG_HINT_REGION_WORDS)

static inline __u32 eg_hint_bucket(const __u8 *addr)
{
	return (__u32)addr[0] << 16 | (__u32)addr[1] << 8 | addr[2];
}

static inline __u32 eg_hint_word(__u32 region, __u32 bucket)
{
	return region * EG_HINT_REGION_WORDS + (bucket >> 6);
}

static inline __u64 eg_hint_bit(__u32 bucket)
{
	return 1ULL << (bucket & 63);
}

/*
 * A flow's slot in eg_flow_hint, from its addresses (words, IPv4 in the first
 * one) and ports: the same for a key and for the packet it was made from.
 */
static inline __u32 eg_flow_slot_of(const __u8 *saddr, const __u8 *daddr,
				       __u16 sport, __u16 dport, __u8 family)
{
	const __u32 *s = (const __u32 *)saddr, *d = (const __u32 *)daddr;
	__u32 h = ((__u32)sport << 16 | dport) ^ family;

	h = (h ^ s[0]) * 0x9e3779b1U;
	h = (h ^ d[0]) * 0x9e3779b1U;
	if (family != 4) {
		h = (h ^ s[1] ^ s[2] ^ s[3]) * 0x85ebca6bU;
		h = (h ^ d[1] ^ d[2] ^ d[3]) * 0xc2b2ae35U;
	}
	return h >> (32 - EG_FLOW_HINT_BITS);
}

enum eg_flow_state {
	EG_FLOW_BLOCKED = 1, /* blocked by its name: every later segment is dropped */
};

/* A TCP flow blocked by its name (its later segments carry none). */
struct eg_flow {
	__u8 state;    /* enum eg_flow_state */
	__u8 action;   /* the action that applied */
	__u8 reason;   /* the verdict's reason */
	__u8 name_src; /* where the name was seen; EG_NSRC_NONE: failed closed */
	__u32 rule_id; /* the rule; 0 when the flow failed closed */
	__u64 ts_ns;   /* when, bpf_ktime_get_ns() */
};

/*
 * The first bytes of a TCP flow while its name is not known yet: the
 * handshake messages of a ClientHello (TLS record headers taken out) or the
 * head of an HTTP request. Only EG_L7_BUF bytes are used; the slack lets
 * the verifier see that a masked offset plus a masked length stays inside.
 */
struct eg_collect {
	__u64 ts_ns;     /* last segment appended, bpf_ktime_get_ns() */
	__u32 next_seq;  /* sequence number of the next payload byte expected */
	__u16 have;      /* bytes kept in data */
	__u16 need;      /* bytes that complete the message, at most EG_L7_BUF */
	__u16 rec_left;  /* TLS: bytes of the current record still to come */
	__u8 kind;       /* what is collected: EG_L7_TLS or EG_L7_HTTP (eg/flow.h) */
	__u8 hdr_have;   /* TLS: bytes of a record header cut by a segment boundary */
	__u8 records;    /* TLS: records seen */
	__u8 pad[3];
	__u8 hdr[16];    /* TLS: that record header (5 bytes used) */
	__u8 data[EG_L7_BUF + EG_L7_CHUNK];
};

#define EG_ASSERT_SIZE(type, size) \
	_Static_assert(sizeof(type) == (size), #type " layout changed")
EG_ASSERT_SIZE(struct eg_config, 32);
EG_ASSERT_SIZE(struct eg_learned_key, 20);
EG_ASSERT_SIZE(struct eg_learned_val, 272);
EG_ASSERT_SIZE(struct eg_name_key, 8);
EG_ASSERT_SIZE(struct eg_name_val, 16);
EG_ASSERT_SIZE(struct eg_v4_key, 8);
EG_ASSERT_SIZE(struct eg_v6_key, 20);
EG_ASSERT_SIZE(struct eg_rule_val, 8);
EG_ASSERT_SIZE(struct eg_rule_stat, 16);
EG_ASSERT_SIZE(struct eg_owner, 32);
EG_ASSERT_SIZE(struct eg_event, 368);
EG_ASSERT_SIZE(struct eg_flow_key, 40);
EG_ASSERT_SIZE(struct eg_flow, 16);
EG_ASSERT_SIZE(struct eg_collect, 40 + EG_L7_BUF + EG_L7_CHUNK);

/* Names of pinned objects under the pin directory. */
#define EG_PIN_DIR_DEFAULT "/sys/fs/bpf/egressgate"
#define EG_RUN_DIR_DEFAULT "/run/egressgate"
#define EG_SOCK_DEFAULT EG_RUN_DIR_DEFAULT "/egressd.sock"

#endif /* EGRESSGATE_H */
