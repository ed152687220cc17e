// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* The policy parser, without the kernel: what is accepted and what is refused, with which message. */
#include <stdio.h>
#include <string.h>

#include "policy.h"

static int passed, failed;

static size_t text_len; /* 0: strlen */

static int parse(const char *text, struct eg_policy *p, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, text_len ? text_len : strlen(text), "r");
	int ret = eg_policy_parse("p", f, p, err, errlen);

	fclose(f);
	return ret;
}

static void expect_ok(const char *name, const char *text, size_t nrules, size_t ntargets)
{
	struct eg_policy p;
	char err[512] = "";

	if (parse(text, &p, err, sizeof(err))) {
		printf("FAIL %s: refused: %s\n", name, err);
		failed++;
		return;
	}
	if (p.nrules != nrules || p.ntargets != ntargets) {
		printf("FAIL %s: %zu rules %zu targets, want %zu %zu\n", name, p.nrules, p.ntargets,
		       nrules, ntargets);
		failed++;
	} else {
		printf("PASS %s\n", name);
		passed++;
	}
	eg_policy_free(&p);
}

static void expect_err(const char *name, const char *text, const char *msg)
{
	struct eg_policy p;
	char err[512] = "";

	if (!parse(text, &p, err, sizeof(err))) {
		printf("FAIL %s: accepted\n", name);
		failed++;
		eg_policy_free(&p);
		return;
	}
	if (strcmp(err, msg)) {
		printf("FAIL %s: message '%s', want '%s'\n", name, err, msg);
		failed++;
		return;
	}
	printf("PASS %s\n", name);
	passed++;
}

int main(void)
{
	struct eg_policy p;
	char err[512];

	expect_ok("empty", "", 0, 0);
	expect_ok("comments and blanks", "# hello\n\n   \t\n# x\n", 0, 0);
	expect_ok("full", "mode monitor\ndefault deny\nblock 198.51.100.0/24 # code host\n"
			  "drop 203.0.113.5\nallow 198.51.100.7\nmonitor 2001:db8:1::/48\n"
			  "attach netns deploy dev veth0\nattach dev eth0 hook tc\n"
			  "attach pid 42 dev eth1 hook tcx\n",
		  4, 3);
	expect_ok("zero-length prefix", "block 0.0.0.0/0\nblock ::/0\n", 2, 0);

	if (!parse("mode monitor\ndefault deny\nblock 198.51.100.0/24   # code host  \n", &p, err,
		   sizeof(err)) &&
	    p.mode == EG_MODE_MONITOR && p.default_action == EG_ACT_BLOCK &&
	    p.rules[0].action == EG_ACT_BLOCK && !strcmp(p.rules[0].comment, "code host") &&
	    p.rules[0].pfx.len == 24 && p.rules[0].line == 3) {
		printf("PASS fields\n");
		passed++;
	} else {
		printf("FAIL fields\n");
		failed++;
	}
	eg_policy_free(&p);
	if (!parse("block name GitHub.COM. # gh\nallow name =api.github.com\nmonitor name *.corp\n"
		   "dns-refusal nxdomain\nquic block\ndns-port 5353\n",
		   &p, err, sizeof(err)) &&
	    p.nnames == 3 && !strcmp(p.names[0].pat.name, "api.github.com") &&
	    p.names[0].pat.form == EG_NF_EXACT && !strcmp(p.names[1].pat.name, "corp") &&
	    p.names[1].pat.form == EG_NF_SUB && !strcmp(p.names[2].pat.name, "github.com") &&
	    p.names[2].pat.form == EG_NF_PLAIN && !strcmp(p.names[2].comment, "gh") &&
	    p.dns_rcode == EG_DNS_NXDOMAIN && p.quic_block && p.ndns_ports == 1 &&
	    p.dns_ports[0] == 5353) {
		printf("PASS name fields\n");
		passed++;
	} else {
		printf("FAIL name fields: %s\n", err);
		failed++;
	}
	eg_policy_free(&p);
	if (!parse("block 2001:db8::/32\n", &p, err, sizeof(err)) && p.rules[0].pfx.family == 6 &&
	    p.rules[0].pfx.len == 32 && p.rules[0].pfx.addr[0] == 0x20 &&
	    p.rules[0].pfx.addr[1] == 0x01 && p.rules[0].pfx.addr[2] == 0x0d) {
		printf("PASS v6 fields\n");
		passed++;
	} else {
		printf("FAIL v6 fields\n");
		failed++;
	}
	eg_policy_free(&p);

	expect_err("unknown statement", "mode enforce\nfrobnicate 1.2.3.4\n",
		   "p:2: unknown statement 'frobnicate' (expected mode, default, block, drop, "
		   "allow, monitor, attach, dns-refusal, dns-port, quic or learn-ttl)");
	expect_err("bad learn-ttl", "learn-ttl 60 10\n",
		   "p:1: learn-ttl: want 1 <= MIN <= MAX <= 604800 seconds");
	expect_ok("names", "block name github.com # code host\nallow name =api.github.com\n"
			   "monitor name *.Corp.Example.\ndrop name x\ndns-refusal nxdomain\n"
			   "dns-port 5353\ndns-port 853\nquic block\n",
		  0, 0);
	expect_err("name with a bad character", "block name git hub.com\n",
		   "p:1: 'block name' takes one name, e.g. 'block name github.com'");
	expect_err("name with a star inside", "block name a.*.com\n",
		   "p:1: 'a.*.com': '*' is not allowed in a name (letters, digits, '-', '_'; '*.' "
		   "or '=' only in front)");
	expect_err("name with an empty label", "block name a..com\n",
		   "p:1: 'a..com' has an empty label");
	expect_err("name label too long", "block name "
		   "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com\n",
		   "p:1: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa.com' has a "
		   "label longer than 63 characters");
	expect_err("duplicate name", "block name GitHub.com.\nallow name github.com\n",
		   "p:2: name github.com already has a rule at line 1");
	expect_err("bad dns-port", "dns-port 53\n", "p:1: dns-port: 53 is always a DNS port");
	expect_err("bad dns-refusal", "dns-refusal servfail\n",
		   "p:1: dns-refusal must be 'refused' or 'nxdomain'");
	expect_err("bad quic", "quic maybe\n", "p:1: quic must be 'block' or 'allow'");
	expect_err("bad address", "block 198.51.100.300\n",
		   "p:1: '198.51.100.300' is not an IPv4 or IPv6 address");
	expect_err("host bits", "block 198.51.100.1/24\n",
		   "p:1: '198.51.100.1/24' has host bits set; did you mean 198.51.100.0/24?");
	expect_err("v6 host bits", "block 2001:db8::1/32\n",
		   "p:1: '2001:db8::1/32' has host bits set; did you mean 2001:db8::/32?");
	expect_err("prefix too long", "block 198.51.100.0/33\n",
		   "p:1: '198.51.100.0/33': prefix length must be 0 to 32");
	expect_err("prefix not a number", "block 2001:db8::/x\n",
		   "p:1: '2001:db8::/x': prefix length must be 0 to 128");
	expect_err("empty length", "block 10.0.0.0/\n",
		   "p:1: '10.0.0.0/': prefix length must be 0 to 32");
	expect_err("missing prefix", "block\n",
		   "p:1: 'block' takes one prefix, e.g. 'block 198.51.100.0/24'");
	expect_err("two prefixes", "allow 1.2.3.4 5.6.7.8\n",
		   "p:1: 'allow' takes one prefix, e.g. 'allow 198.51.100.0/24'");
	expect_err("duplicate", "block 198.51.100.0/24\nallow 198.51.100.0/24\n",
		   "p:2: 198.51.100.0/24 already has a rule at line 1");
	expect_err("duplicate spelled differently", "block 2001:db8::/32\nallow 2001:0db8:0::/32\n",
		   "p:2: 2001:db8::/32 already has a rule at line 1");
	expect_err("bad mode", "mode strict\n", "p:1: mode must be 'enforce' or 'monitor'");
	expect_err("mode twice", "mode enforce\nmode monitor\n", "p:2: mode given twice");
	expect_err("bad default", "default reject\n", "p:1: default must be 'allow' or 'deny'");
	expect_err("attach without dev", "attach netns deploy\n", "p:1: attach: missing 'dev DEV'");
	expect_err("attach bad dev", "attach dev this-name-is-too-long0\n",
		   "p:1: attach: 'this-name-is-too-long0' is not an interface name (1 to 15 "
		   "characters)");
	expect_err("attach bad netns", "attach netns ../x dev eth0\n",
		   "p:1: attach: '../x' is not a network namespace name (bad character)");
	expect_err("attach netns and pid", "attach netns a pid 3 dev eth0\n",
		   "p:1: attach: give one of 'netns' or 'pid'");
	expect_err("attach bad pid", "attach pid -3 dev eth0\n",
		   "p:1: attach: '-3' is not a process id");
	expect_err("attach bad hook", "attach dev eth0 hook ebpf\n",
		   "p:1: attach: hook must be auto, tcx, tc or xdp, once");
	expect_err("attach dangling", "attach dev\n", "p:1: attach: 'dev' needs a value");
	expect_err("attach twice", "attach dev eth0\nattach dev eth0 hook tc\n",
		   "p:2: attach: same target as line 1");
	expect_err("comment too long",
		   "block 1.2.3.4 # "
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
		   "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx\n",
		   "p:1: comment is longer than 127 bytes");
	expect_err("prefix length with a sign", "block 10.0.0.0/+8\n",
		   "p:1: '10.0.0.0/+8': prefix length must be 0 to 32");
	expect_err("prefix length with a leading zero", "block 10.0.0.0/08\n",
		   "p:1: '10.0.0.0/08': prefix length must be 0 to 32");
	expect_err("comment not UTF-8", "block 1.2.3.4 # caf\xe9\n", "p:1: comment is not valid UTF-8");
	expect_ok("comment in UTF-8", "block 1.2.3.4 # d\xc3\xa9p\xc3\xb4t \xe2\x9c\x93\n", 1, 0);
	expect_err("dev named ..", "attach dev ..\n",
		   "p:1: attach: '..' is not an interface name (1 to 15 characters)");
	text_len = 16;
	expect_err("NUL byte", "block 1.2.3.4\0\n", "p:1: NUL byte in line");
	text_len = 0;

	printf("%d passed, %d failed\n", passed, failed);
	return failed != 0;
}
