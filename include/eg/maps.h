/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Maps of the data plane. All are pinned by name under the pin directory so
 * a restarted egressd, and egressctl, find the same ones.
 */
#ifndef EG_MAPS_H
#define EG_MAPS_H

#include "egressgate.h"

/*
 * Socket cookie -> the process that created, connected or last sent on it.
 * Filled by the cgroup socket hooks of tc/attrib.bpf.c, read by the
 * classifier only when it reports. The two objects share it through its pin;
 * tc/attrib.bpf.c defines EG_MAPS_OWNER_ONLY to declare it alone.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, __u64);
	__type(value, struct eg_owner);
	__uint(max_entries, EG_MAX_SOCK_OWNERS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_sock_owner SEC(".maps");

#ifndef EG_MAPS_OWNER_ONLY
/* Global settings: mode and default verdict, one entry. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, struct eg_config);
	__uint(max_entries, 1);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_config SEC(".maps");

/*
 * Destination prefixes -> rule; the longest prefix wins. Two sets of each,
 * eg_config.active says which is in force; the other is where the next
 * policy is built.
 */
#define EG_RULE_MAP(name, keytype, size)                       \
	struct {                                               \
		__uint(type, BPF_MAP_TYPE_LPM_TRIE);           \
		__type(key, keytype);                          \
		__type(value, struct eg_rule_val);             \
		__uint(max_entries, size);                     \
		__uint(map_flags, BPF_F_NO_PREALLOC);          \
		__uint(pinning, LIBBPF_PIN_BY_NAME);           \
	} name SEC(".maps")

EG_RULE_MAP(eg_v4_rules_0, struct eg_v4_key, EG_MAX_V4_RULES);
EG_RULE_MAP(eg_v4_rules_1, struct eg_v4_key, EG_MAX_V4_RULES);
EG_RULE_MAP(eg_v6_rules_0, struct eg_v6_key, EG_MAX_V6_RULES);
EG_RULE_MAP(eg_v6_rules_1, struct eg_v6_key, EG_MAX_V6_RULES);

/* Rule id -> hits; created on a rule's first hit, so idle rules cost nothing. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__type(key, __u32);
	__type(value, struct eg_rule_stat);
	__uint(max_entries, EG_MAX_RULE_STATS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_rule_stats SEC(".maps");

/* enum eg_stat -> packets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EG_S_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_stats SEC(".maps");

/* enum eg_reason -> packets. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EG_R_MAX);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_reasons SEC(".maps");

/* Name hash -> exact and subtree rules; two sets, like the prefix rules. */
#define EG_NAME_MAP(name)                                      \
	struct {                                               \
		__uint(type, BPF_MAP_TYPE_HASH);               \
		__type(key, struct eg_name_key);               \
		__type(value, struct eg_name_val);             \
		__uint(max_entries, EG_MAX_NAME_RULES);        \
		__uint(map_flags, BPF_F_NO_PREALLOC);          \
		__uint(pinning, LIBBPF_PIN_BY_NAME);           \
	} name SEC(".maps")

EG_NAME_MAP(eg_names_0);
EG_NAME_MAP(eg_names_1);

/* UDP/TCP ports besides 53 whose traffic is DNS (policy `dns-port`). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EG_DNS_PORT_WORDS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_dns_port_bits SEC(".maps");

/* Destinations no rule can match, by bucket (see EG_HINT_* in egressgate.h). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u64);
	__uint(max_entries, EG_HINT_WORDS);
	__uint(map_flags, BPF_F_MMAPABLE); /* egressd sets a /8's 1024 words by memory, not syscalls */
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_dst_hint SEC(".maps");

/* Addresses learned from DNS answers (see struct eg_learned_val). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct eg_learned_key);
	__type(value, struct eg_learned_val);
	__uint(max_entries, EG_MAX_LEARNED);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_learned SEC(".maps");

/* Per-CPU scratch space for names and DNS messages: too big for the stack. */
struct eg_scratch {
	struct eg_learned_val lv; /* an entry being learned */
	char text[EG_NAME_BUF];	 /* the name being matched, lowercased */
	char best[EG_NAME_BUF];	 /* the name that decided the verdict */
	__u8 wire[EG_NAME_BUF];	 /* a DNS name as it is on the wire */
	__u8 msg[EG_DNS_MSG_MAX]; /* a DNS answer being built */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct eg_scratch);
	__uint(max_entries, 1);
} eg_scratch SEC(".maps");

/* struct eg_event records for egressd. */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, EG_EVENTS_BYTES);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_events SEC(".maps");

/*
 * TCP flows blocked by their name: their later segments, which carry none,
 * are dropped. Best effort: the reset has already ended the connection at
 * the client, so an entry the LRU lets go costs little.
 */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__type(key, struct eg_flow_key);
	__type(value, struct eg_flow);
	__uint(max_entries, EG_MAX_FLOWS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_flows SEC(".maps");

/*
 * Flow -> its first bytes, while a ClientHello or request head is
 * incomplete. Not an LRU: a collection that went silently would let the
 * rest of its ClientHello through unread. Preallocated, so a full table
 * refuses (the segment fails closed, TCP sends it again) after expiring
 * what has been idle for EG_COLLECT_TTL_NS.
 */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__type(key, struct eg_flow_key);
	__type(value, struct eg_collect);
	__uint(max_entries, EG_MAX_COLLECT);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_collect SEC(".maps");

/*
 * Flow hash -> how many entries of eg_flows and eg_collect hash there. Zero
 * means the flow has neither, so most segments (every new connection's SYN
 * among them) skip both tables. Counted up before an entry is added and down
 * after one is deleted, so a reader never sees zero beside an entry; an
 * entry the eg_flows LRU evicts leaves its count behind, which only costs a
 * lookup. Pinned with the tables it counts.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__type(key, __u32);
	__type(value, __u32);
	__uint(max_entries, 1U << EG_FLOW_HINT_BITS);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} eg_flow_hint SEC(".maps");

/*
 * Per-CPU scratch of the stream stage, off the stack: a flow's first segment
 * is read into c, and moves to eg_collect only if incomplete.
 */
struct eg_stream_scratch {
	struct eg_collect c;
	struct eg_flow_key key;
	__u64 seed;   /* of eg_config: what the stage needs, so that cfg is not kept live */
	__u8 active;
	__u8 mode;
	__u8 pad[2];
	__u8 peek[16]; /* a segment's first bytes */
	__u32 off;    /* the segment's payload: where, how long, its sequence number */
	__u32 len;
	__u32 seq;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__type(key, __u32);
	__type(value, struct eg_stream_scratch);
	__uint(max_entries, 1);
} eg_stream_scratch SEC(".maps");
#endif /* EG_MAPS_OWNER_ONLY */

#endif /* EG_MAPS_H */
