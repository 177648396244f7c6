/*
 * test_rules_match.c - config/select.c, compile.c and match.c: which files
 * apply to a program, and the verdict for a destination. Hand-picked cases
 * for each rule of the spec, then a seeded property test against a
 * brute-force reference (a linear scan, written here from the spec), asked
 * of the compiled policy and of its image opened elsewhere in place, and a
 * scale test.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"

#define GOOD_DIR FIXTURES_DIR "/good"

/* ---- helpers ---- */

static void
dump_errors(const struct rules_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		print_message("    %s:%d: %s\n",
		    errs->v[i].file ? errs->v[i].file : "(none)",
		    errs->v[i].line, errs->v[i].msg);
}

static struct rules_set *
load_text(const char *text)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set = rules_load_string(text, "t.conf", &errs);

	assert_non_null(set);
	if (errs.n != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	return set;
}

/* A policy from text, for curl; the set is freed at once, so verdicts must
 * not point into it. */
static struct rules_policy *
policy(const char *text, const char *dflt)
{
	struct rules_set *set = text ? load_text(text) : NULL;
	struct rules_policy *p;
	char why[128];

	p = rules_select(set, "/usr/bin/curl", "curl", dflt, why, sizeof(why));
	assert_non_null(p);
	rules_set_free(set);
	return p;
}

static void
query(struct rules_query *q, const char *addr, unsigned port, unsigned proto)
{
	memset(q, 0, sizeof(*q));
	if (strchr(addr, ':') != NULL) {
		q->family = 6;
		assert_int_equal(inet_pton(AF_INET6, addr, q->addr), 1);
	} else {
		q->family = 4;
		assert_int_equal(inet_pton(AF_INET, addr, q->addr), 1);
	}
	q->port = (uint16_t)port;
	q->proto = proto;
}

#define TCP RULES_PROTO_TCP
#define UDP RULES_PROTO_UDP
#define ICMP RULES_PROTO_ICMP
#define RAW RULES_PROTO_RAW

/*
 * Asks p about addr and checks the verdict: action, reason, line, and the
 * interface name for BIND (NULL: don't care). file is checked when given
 * ("" = must be NULL).
 */
static void
check_at(int srcline, const struct rules_policy *p, const char *addr,
    unsigned port, unsigned proto, enum rules_action action,
    enum rules_reason reason, int line, const char *ifname, const char *file)
{
	struct rules_query q;
	struct rules_verdict v;
	bool ok;

	query(&q, addr, port, proto);
	memset(&v, 0x5a, sizeof(v));
	rules_match(p, &q, &v);
	ok = v.action == action && v.reason == reason && v.line == line;
	if (ok && ifname != NULL && action == RULES_BIND)
		ok = strcmp(rules_policy_iface(p, v.iface), ifname) == 0;
	if (ok && action != RULES_BIND)
		ok = v.iface == 0;
	if (ok && file != NULL)
		ok = file[0] == '\0' ?
		    v.file == NULL :
		    v.file != NULL && strcmp(v.file, file) == 0;
	if (ok && reason == RULES_BY_LOOPBACK)
		ok = v.file == NULL && v.line == 0;
	if (!ok)
		print_message("line %d: %s port %u proto %s: want %s/%s line "
		              "%d "
		              "%s, got %s/%s line %d iface '%s' file %s\n",
		    srcline, addr, port, rules_proto_name(proto),
		    rules_action_name(action), rules_reason_name(reason), line,
		    ifname ? ifname : "", rules_action_name(v.action),
		    rules_reason_name(v.reason), v.line,
		    rules_policy_iface(p, v.iface), v.file ? v.file : "(null)");
	assert_true(ok);
}

#define check(p, addr, port, proto, action, reason, line, ifname)              \
	check_at(__LINE__, p, addr, port, proto, action, reason, line, ifname, \
	    NULL)
#define check_file(p, addr, port, proto, action, reason, line, ifname, file)   \
	check_at(__LINE__, p, addr, port, proto, action, reason, line, ifname, \
	    file)
#define BIND RULES_BIND
#define PASS RULES_PASS
#define REJECT RULES_REJECT
#define BY_RULE RULES_BY_RULE
#define BY_EXCLUDE RULES_BY_EXCLUDE
#define BY_DEFAULT RULES_BY_DEFAULT
#define BY_NOTHING RULES_BY_NOTHING
#define BY_LOOPBACK RULES_BY_LOOPBACK
#define BY_SPECIAL RULES_BY_SPECIAL

/* ---- always and never ---- */

static void
test_loopback_always_passes(void **state)
{
	static const char *const addrs[] = { "127.0.0.1", "127.0.0.0",
		"127.255.255.255", "127.1.2.3", "0.0.0.0", "::1",
		"::", "::ffff:127.0.0.1", "::ffff:0.0.0.0" };
	struct rules_policy *p;
	size_t i;

	(void)state;
	p = policy(
	    "interface = \"eth0\";\n"
	    "exclude = [\"127.0.0.0/8\", \"::1\"];\n"
	    "rules = (\n"
	    "  { dst = [\"127.0.0.0/8\", \"0.0.0.0/32\", \"::1\", \"::\"]; "
	    "action = \"reject\"; },\n"
	    "  { dst = [\"0.0.0.0/0\", \"::/0\"]; interface = \"wg0\"; },\n"
	    "  { action = \"reject\"; }\n"
	    ");\n",
	    NULL);
	for (i = 0; i < sizeof(addrs) / sizeof(addrs[0]); i++) {
		check(p, addrs[i], 80, TCP, PASS, BY_LOOPBACK, 0, NULL);
		check(p, addrs[i], 0, ICMP, PASS, BY_LOOPBACK, 0, NULL);
	}
	/* Just outside. */
	check(p, "126.255.255.255", 80, TCP, BIND, BY_RULE, 5, "wg0");
	check(p, "128.0.0.0", 80, TCP, BIND, BY_RULE, 5, "wg0");
	check(p, "0.0.0.1", 80, TCP, BIND, BY_RULE, 5, "wg0");
	check(p, "::2", 80, TCP, BIND, BY_RULE, 5, "wg0");
	check(p, "::1:0", 80, TCP, BIND, BY_RULE, 5, "wg0");
	check(p, "1::1", 80, TCP, BIND, BY_RULE, 5, "wg0");
	rules_policy_free(p);

	/* With no set at all. */
	p = policy(NULL, "eth0");
	check(p, "127.0.0.1", 80, TCP, PASS, BY_LOOPBACK, 0, NULL);
	check(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 0, "eth0");
	rules_policy_free(p);
}

static void
test_special_addresses(void **state)
{
	static const char *const special[] = { "169.254.0.0", "169.254.1.1",
		"169.254.255.255", "224.0.0.1", "224.0.0.0", "239.255.255.255",
		"230.1.2.3", "255.255.255.255", "fe80::1",
		"fe80::", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ff02::1",
		"ff00::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe",
		"::ffff:169.254.9.9", "::ffff:224.0.0.251",
		"::ffff:255.255.255.255" };
	static const char *const ordinary[] = { "169.253.255.255",
		"169.255.0.0", "223.255.255.255", "240.0.0.0",
		"255.255.255.254", "fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
		"fec0::", "feff::1", "::ffff:169.255.0.1" };
	struct rules_policy *p;
	size_t i;

	(void)state;
	/* A default, a /0 rule and a dst-less rule: none of them apply. */
	p = policy("interface = \"eth0\";\n"
	           "rules = (\n"
	           "  { dst = [\"0.0.0.0/0\", \"::/0\"]; proto = \"udp\"; "
	           "interface = \"wg0\"; },\n"
	           "  { proto = \"icmp\"; action = \"reject\"; }\n"
	           ");\n",
	    NULL);
	for (i = 0; i < sizeof(special) / sizeof(special[0]); i++) {
		check(p, special[i], 80, TCP, PASS, BY_SPECIAL, 0, NULL);
		check(p, special[i], 53, UDP, PASS, BY_SPECIAL, 0, NULL);
		check(p, special[i], 0, ICMP, PASS, BY_SPECIAL, 0, NULL);
	}
	for (i = 0; i < sizeof(ordinary) / sizeof(ordinary[0]); i++) {
		check(p, ordinary[i], 80, TCP, BIND, BY_DEFAULT, 1, "eth0");
		check(p, ordinary[i], 53, UDP, BIND, BY_RULE, 3, "wg0");
		check(p, ordinary[i], 0, ICMP, REJECT, BY_RULE, 4, NULL);
	}
	rules_policy_free(p);

	/* A rule or exclude naming them (non-/0) does apply. */
	p = policy("exclude = [\"169.254.0.0/16\",\n"
	           "  \"ff02::fb\"];\n"
	           "rules = (\n"
	           "  { dst = [\"0.0.0.0/0\", \"239.0.0.0/8\"]; interface = "
	           "\"wg0\"; },\n"
	           "  { dst = \"224.0.0.0/4\"; port = 5353; proto = \"udp\"; "
	           "interface = \"wlan0\"; },\n"
	           "  { dst = [\"255.255.255.255\", \"fe80::/10\"]; action = "
	           "\"reject\"; errno = \"EPERM\"; },\n"
	           "  { dst = \"::/0\"; action = \"reject\"; }\n"
	           ");\n",
	    "eth0");
	check(p, "239.1.1.1", 80, TCP, BIND, BY_RULE, 4, "wg0");
	check(p, "224.0.0.251", 5353, UDP, BIND, BY_RULE, 5, "wlan0");
	check(p, "224.0.0.251", 5354, UDP, PASS, BY_SPECIAL, 0, NULL);
	check(p, "224.0.0.251", 0, ICMP, PASS, BY_SPECIAL, 0, NULL);
	check(p, "255.255.255.255", 67, UDP, REJECT, BY_RULE, 6, NULL);
	check(p, "fe80::1", 22, TCP, REJECT, BY_RULE, 6, NULL);
	check(p, "169.254.169.254", 80, TCP, PASS, BY_EXCLUDE, 1, NULL);
	check(p, "ff02::fb", 5353, UDP, PASS, BY_EXCLUDE, 2, NULL);
	check(p, "ff02::fc", 5353, UDP, PASS, BY_SPECIAL, 0, NULL);
	check(p, "::ffff:239.9.9.9", 1, TCP, BIND, BY_RULE, 4, "wg0");
	check(p, "2001:db8::1", 1, TCP, REJECT, BY_RULE, 7, NULL);
	check(p, "192.0.2.1", 1, TCP, BIND, BY_RULE, 4, "wg0");
	rules_policy_free(p);
}

static void
test_v4_mapped(void **state)
{
	struct rules_policy *p;

	(void)state;
	p = policy("rules = (\n"
	           "  { dst = \"10.0.0.0/8\"; interface = \"wg0\"; },\n"
	           "  { dst = \"0.0.0.0/0\"; action = \"pass\"; },\n"
	           "  { dst = \"::/0\"; action = \"reject\"; }\n"
	           ");\n",
	    NULL);
	check(p, "::ffff:10.1.2.3", 443, TCP, BIND, BY_RULE, 2, "wg0");
	check(p, "::ffff:11.1.2.3", 443, TCP, PASS, BY_RULE, 3, NULL);
	check(p, "11.1.2.3", 443, TCP, PASS, BY_RULE, 3, NULL);
	/* Not mapped: ::ffff:0:0 prefix must be exact. */
	check(p, "::fffe:10.1.2.3", 443, TCP, REJECT, BY_RULE, 4, NULL);
	check(p, "0:0:0:1:0:ffff:a01:203", 443, TCP, REJECT, BY_RULE, 4, NULL);
	check(p, "2001:db8::", 443, TCP, REJECT, BY_RULE, 4, NULL);
	rules_policy_free(p);
}

/* ---- CIDR edges ---- */

static void
test_cidr_edges(void **state)
{
	struct rules_policy *p;

	(void)state;
	p = policy(
	    "rules = (\n"                                            /* 1 */
	    "  { dst = \"198.51.100.0/24\"; interface = \"a\"; },\n" /* 2 */
	    "  { dst = \"192.0.2.7\"; interface = \"b\"; },\n"       /* 3 */
	    "  { dst = \"2001:db8::/64\"; interface = \"c\"; },\n"   /* 4 */
	    "  { dst = \"2001:db8:1::5\"; interface = \"d\"; },\n"   /* 5 */
	    "  { dst = \"255.255.255.254/31\"; interface = \"e\"; },\n"
	    "  { dst = \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\"; "
	    "interface = \"f\"; },\n"                                /* 7 */
	    "  { dst = \"2001:db8:2::/63\"; interface = \"g\"; },\n" /* 8 */
	    "  { dst = \"2001:db8:3::/65\"; interface = \"h\"; },\n" /* 9 */
	    "  { dst = \"128.0.0.0/1\"; interface = \"i\"; },\n"     /* 10 */
	    "  { dst = \"8000::/1\"; interface = \"j\"; },\n"        /* 11 */
	    "  { dst = \"2001:db8:4::/127\"; interface = \"k\"; },\n"
	    "  { dst = \"0.0.0.0/0\"; action = \"reject\"; },\n" /* 13 */
	    "  { dst = \"::/0\"; action = \"pass\"; }\n"         /* 14 */
	    ");\n",
	    NULL);
	check(p, "198.51.100.0", 1, TCP, BIND, BY_RULE, 2, "a");
	check(p, "198.51.100.255", 1, TCP, BIND, BY_RULE, 2, "a");
	check(p, "198.51.99.255", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "198.51.101.0", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "192.0.2.7", 1, TCP, BIND, BY_RULE, 3, "b");
	check(p, "192.0.2.6", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "192.0.2.8", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "2001:db8::", 1, TCP, BIND, BY_RULE, 4, "c");
	check(p, "2001:db8::ffff:ffff:ffff:ffff", 1, TCP, BIND, BY_RULE, 4,
	    "c");
	check(p, "2001:db8:0:1::", 1, TCP, PASS, BY_RULE, 14, NULL);
	check(p, "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", 1, TCP, PASS,
	    BY_RULE, 14, NULL);
	check(p, "2001:db8:1::5", 1, TCP, BIND, BY_RULE, 5, "d");
	check(p, "2001:db8:1::4", 1, TCP, PASS, BY_RULE, 14, NULL);
	check(p, "2001:db8:1::6", 1, TCP, PASS, BY_RULE, 14, NULL);
	/* The family's top end; .255 is broadcast, named by a /31 here. */
	check(p, "255.255.255.254", 1, TCP, BIND, BY_RULE, 6, "e");
	check(p, "255.255.255.255", 1, TCP, BIND, BY_RULE, 6, "e");
	check(p, "255.255.255.253", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, TCP, BIND,
	    BY_RULE, 7, "f");
	/* Multicast, but named by a non-/0 CIDR: 8000::/1. */
	check(p, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 1, TCP, BIND,
	    BY_RULE, 11, "j");
	check(p, "2001:db8:2::", 1, TCP, BIND, BY_RULE, 8, "g");
	check(p, "2001:db8:2:1:ffff:ffff:ffff:ffff", 1, TCP, BIND, BY_RULE, 8,
	    "g");
	check(p, "2001:db8:2:2::", 1, TCP, PASS, BY_RULE, 14, NULL);
	check(p, "2001:db8:1:ffff:ffff:ffff:ffff:ffff", 1, TCP, PASS, BY_RULE,
	    14, NULL);
	check(p, "2001:db8:3::", 1, TCP, BIND, BY_RULE, 9, "h");
	check(p, "2001:db8:3::7fff:ffff:ffff:ffff", 1, TCP, BIND, BY_RULE, 9,
	    "h");
	check(p, "2001:db8:3:0:8000::", 1, TCP, PASS, BY_RULE, 14, NULL);
	check(p, "2001:db8:4::1", 1, TCP, BIND, BY_RULE, 12, "k");
	check(p, "2001:db8:4::2", 1, TCP, PASS, BY_RULE, 14, NULL);
	check(p, "128.0.0.0", 1, TCP, BIND, BY_RULE, 10, "i");
	check(p, "127.255.255.255", 1, TCP, PASS, BY_LOOPBACK, 0, NULL);
	check(p, "126.255.255.255", 1, TCP, REJECT, BY_RULE, 13, NULL);
	check(p, "8000::", 1, TCP, BIND, BY_RULE, 11, "j");
	check(p, "7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 1, TCP, PASS,
	    BY_RULE, 14, NULL);
	/* 0.0.0.0/0 and ::/0 each hold to their family. */
	check(p, "1.1.1.1", 1, TCP, REJECT, BY_RULE, 13, NULL);
	check(p, "::2", 1, TCP, PASS, BY_RULE, 14, NULL);
	rules_policy_free(p);
}

/* First match by entry, not by specificity. */
static void
test_first_match_wins(void **state)
{
	struct rules_policy *p;

	(void)state;
	p = policy("rules = (\n"
	           "  { dst = \"10.1.2.0/24\"; action = \"pass\"; },\n"
	           "  { dst = \"10.0.0.0/8\"; interface = \"wg0\"; },\n"
	           "  { dst = \"10.1.2.3\"; action = \"reject\"; },\n"
	           "  { dst = [\"172.16.0.0/12\", \"172.16.5.0/24\", "
	           "\"172.16.5.0/24\", \"172.16.0.0/16\"];\n"
	           "    interface = \"wg1\"; },\n"
	           "  { dst = \"172.16.5.5\"; action = \"reject\"; }\n"
	           ");\n",
	    NULL);
	check(p, "10.1.2.3", 1, TCP, PASS, BY_RULE, 2, NULL);
	check(p, "10.1.2.0", 1, TCP, PASS, BY_RULE, 2, NULL);
	check(p, "10.1.2.255", 1, TCP, PASS, BY_RULE, 2, NULL);
	check(p, "10.1.3.0", 1, TCP, BIND, BY_RULE, 3, "wg0");
	check(p, "10.1.1.255", 1, TCP, BIND, BY_RULE, 3, "wg0");
	check(p, "10.255.255.255", 1, TCP, BIND, BY_RULE, 3, "wg0");
	check(p, "11.0.0.0", 1, TCP, PASS, BY_NOTHING, 0, NULL);
	check(p, "9.255.255.255", 1, TCP, PASS, BY_NOTHING, 0, NULL);
	/* The same entry's overlapping CIDRs: one entry throughout. */
	check(p, "172.16.5.5", 1, TCP, BIND, BY_RULE, 5, "wg1");
	check(p, "172.16.5.0", 1, TCP, BIND, BY_RULE, 5, "wg1");
	check(p, "172.16.6.0", 1, TCP, BIND, BY_RULE, 5, "wg1");
	check(p, "172.31.255.255", 1, TCP, BIND, BY_RULE, 5, "wg1");
	check(p, "172.32.0.0", 1, TCP, PASS, BY_NOTHING, 0, NULL);
	rules_policy_free(p);

	/* A /8 first shadows the /24 after it. */
	p = policy("rules = (\n"
	           "  { dst = \"10.0.0.0/8\"; interface = \"wg0\"; },\n"
	           "  { dst = \"10.1.2.0/24\"; action = \"pass\"; }\n"
	           ");\n",
	    NULL);
	check(p, "10.1.2.3", 1, TCP, BIND, BY_RULE, 2, "wg0");
	rules_policy_free(p);

	/* A protocol-limited rule lets later ones through for the others. */
	p = policy("rules = (\n"
	           "  { dst = \"10.0.0.0/8\"; proto = \"udp\"; action = "
	           "\"pass\"; },\n"
	           "  { dst = \"10.0.0.0/16\"; port = \"1-100\"; action = "
	           "\"reject\"; },\n"
	           "  { proto = [\"tcp\", \"icmp\"]; interface = \"wg0\"; },\n"
	           "  { dst = \"10.0.0.0/24\"; action = \"reject\"; errno = "
	           "\"ETIMEDOUT\"; }\n"
	           ");\n",
	    "eth0");
	check(p, "10.0.0.1", 53, UDP, PASS, BY_RULE, 2, NULL);
	check(p, "10.0.0.1", 53, TCP, REJECT, BY_RULE, 3, NULL);
	check(p, "10.0.0.1", 101, TCP, BIND, BY_RULE, 4, "wg0");
	check(p, "10.0.0.1", 0, ICMP, BIND, BY_RULE, 4, "wg0");
	check(p, "10.0.0.1", 0, RAW, REJECT, BY_RULE, 5, NULL);
	check(p, "10.0.1.1", 0, RAW, BIND, BY_DEFAULT, 0, "eth0");
	rules_policy_free(p);
}

static void
test_ports_and_protocols(void **state)
{
	struct rules_policy *p;
	struct rules_query q;
	struct rules_verdict v;

	(void)state;
	p = policy("rules = (\n"
	           "  { port = 443; proto = \"tcp\"; interface = \"a\"; },\n"
	           "  { port = (53, \"8000-8100\"); interface = \"b\"; },\n"
	           "  { proto = \"icmp\"; interface = \"c\"; },\n"
	           "  { port = \"1-65535\"; action = \"reject\"; errno = "
	           "\"EHOSTUNREACH\"; },\n"
	           "  { proto = \"raw\"; action = \"pass\"; }\n"
	           ");\n",
	    NULL);
	check(p, "192.0.2.1", 443, TCP, BIND, BY_RULE, 2, "a");
	check(p, "192.0.2.1", 443, UDP, REJECT, BY_RULE, 5, NULL);
	check(p, "192.0.2.1", 442, TCP, REJECT, BY_RULE, 5, NULL);
	check(p, "192.0.2.1", 53, UDP, BIND, BY_RULE, 3, "b");
	check(p, "192.0.2.1", 53, TCP, BIND, BY_RULE, 3, "b");
	check(p, "192.0.2.1", 7999, TCP, REJECT, BY_RULE, 5, NULL);
	check(p, "192.0.2.1", 8000, TCP, BIND, BY_RULE, 3, "b");
	check(p, "192.0.2.1", 8100, UDP, BIND, BY_RULE, 3, "b");
	check(p, "192.0.2.1", 8101, UDP, REJECT, BY_RULE, 5, NULL);
	check(p, "192.0.2.1", 65535, UDP, REJECT, BY_RULE, 5, NULL);
	/* Ports never match icmp/raw, even with proto any. */
	check(p, "192.0.2.1", 0, ICMP, BIND, BY_RULE, 4, "c");
	check(p, "2001:db8::1", 0, ICMP, BIND, BY_RULE, 4, "c");
	check(p, "192.0.2.1", 0, RAW, PASS, BY_RULE, 6, NULL);
	check(p, "192.0.2.1", 443, RAW, PASS, BY_RULE, 6, NULL);
	/* A port-less tcp query (port 0) matches no port list. */
	check(p, "192.0.2.1", 0, TCP, PASS, BY_NOTHING, 0, NULL);
	query(&q, "192.0.2.1", 8050, UDP);
	rules_match(p, &q, &v);
	assert_int_equal(v.err, 0);
	query(&q, "192.0.2.1", 9000, UDP);
	rules_match(p, &q, &v);
	assert_int_equal(v.action, RULES_REJECT);
	assert_int_equal(v.err, EHOSTUNREACH);
	rules_policy_free(p);

	p = policy("rules = ( { action = \"reject\"; } );\n", NULL);
	query(&q, "192.0.2.1", 1, TCP);
	rules_match(p, &q, &v);
	assert_int_equal(v.action, RULES_REJECT);
	assert_int_equal(v.err, ECONNREFUSED);
	assert_string_equal(v.file, "t.conf");
	assert_int_equal(v.line, 1);
	rules_policy_free(p);
}

static void
test_exclude(void **state)
{
	struct rules_policy *p;

	(void)state;
	/* Exclude written first still comes after the file's rules; each
	 * match names the line of its CIDR. */
	p = policy("interface = \"eth0\";\n"                             /* 1 */
	           "exclude = [\n"                                       /* 2 */
	           "  \"10.0.0.0/8\", \"192.168.0.0/16\",\n"             /* 3 */
	           "  \"fd00::/8\",\n"                                   /* 4 */
	           "  \"10.1.0.0/16\"\n"                                 /* 5 */
	           "];\n"                                                /* 6 */
	           "rules = (\n"                                         /* 7 */
	           "  { dst = \"10.9.0.0/16\"; interface = \"wg0\"; }\n" /* 8 */
	           ");\n",
	    NULL);
	check(p, "10.9.1.1", 1, TCP, BIND, BY_RULE, 8, "wg0");
	check(p, "10.8.1.1", 1, TCP, PASS, BY_EXCLUDE, 3, NULL);
	check(p, "10.1.1.1", 1, UDP, PASS, BY_EXCLUDE, 3, NULL);
	check(p, "192.168.255.255", 0, ICMP, PASS, BY_EXCLUDE, 3, NULL);
	check(p, "fdff:ffff::1", 0, RAW, PASS, BY_EXCLUDE, 4, NULL);
	check(p, "fe00::1", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "11.0.0.0", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	rules_policy_free(p);

	p = policy("exclude = [\n"
	           "  \"10.1.0.0/16\",\n"
	           "  \"10.0.0.0/8\"\n"
	           "\n"
	           "];\n",
	    "eth0");
	check_file(p, "10.1.0.1", 1, TCP, PASS, BY_EXCLUDE, 2, NULL, "t.conf");
	check_file(p, "10.2.0.1", 1, TCP, PASS, BY_EXCLUDE, 3, NULL, "t.conf");
	check_file(p, "12.0.0.1", 1, TCP, BIND, BY_DEFAULT, 0, "eth0", "");
	rules_policy_free(p);
}

/*
 * A sorted list is compiled straight from itself while its CIDRs lie
 * apart, and by the general sweep from the first that touches the next:
 * each verdict names its CIDR's line across both, adjacent blocks and the
 * family's last address included.
 */
static void
test_sorted_list_apart_then_not(void **state)
{
	struct rules_policy *p;

	(void)state;
	p = policy("interface = \"eth0\";\n"     /* 1 */
	           "exclude = [\n"               /* 2 */
	           "  \"10.0.0.0/24\",\n"        /* 3 */
	           "  \"10.0.2.0/24\",\n"        /* 4 */
	           "  \"10.0.4.0/23\",\n"        /* 5: holds 6 */
	           "  \"10.0.5.0/24\",\n"        /* 6 */
	           "  \"10.0.6.0/24\",\n"        /* 7: touches 8 */
	           "  \"10.0.7.0/24\",\n"        /* 8 */
	           "  \"10.0.9.0/24\",\n"        /* 9 */
	           "  \"255.255.255.255/32\",\n" /* 10 */
	           "  \"2001:db8::/64\",\n"      /* 11 */
	           "  \"2001:db8:0:2::/64\",\n"  /* 12 */
	           "  \"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128\"\n" /* 13
	                                                                  */
	           "];\n",
	    NULL);
	check(p, "10.0.0.0", 1, TCP, PASS, BY_EXCLUDE, 3, NULL);
	check(p, "10.0.0.255", 1, TCP, PASS, BY_EXCLUDE, 3, NULL);
	check(p, "10.0.1.0", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "10.0.2.7", 1, TCP, PASS, BY_EXCLUDE, 4, NULL);
	check(p, "10.0.3.255", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "10.0.4.1", 1, TCP, PASS, BY_EXCLUDE, 5, NULL);
	check(p, "10.0.5.1", 1, TCP, PASS, BY_EXCLUDE, 5, NULL);
	check(p, "10.0.6.1", 1, TCP, PASS, BY_EXCLUDE, 7, NULL);
	check(p, "10.0.7.255", 1, TCP, PASS, BY_EXCLUDE, 8, NULL);
	check(p, "10.0.8.0", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "10.0.9.9", 1, TCP, PASS, BY_EXCLUDE, 9, NULL);
	check(p, "10.0.10.0", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "255.255.255.254", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "255.255.255.255", 1, UDP, PASS, BY_EXCLUDE, 10, NULL);
	check(p, "2001:db8::1", 1, TCP, PASS, BY_EXCLUDE, 11, NULL);
	check(p, "2001:db8:0:1::1", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "2001:db8:0:2:ffff:ffff:ffff:ffff", 1, TCP, PASS, BY_EXCLUDE,
	    12, NULL);
	check(p, "2001:db8:0:3::", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	/* ff00::/8 is multicast, answered before the rules: line 13 is
	 * there for the compiler's sake, whose last interval has no end. */
	rules_policy_free(p);
}

/* ---- the default interface and slots ---- */

static void
test_default_interface(void **state)
{
	struct rules_policy *p;
	const char *file;
	int line;

	(void)state;
	/* From the file. */
	p = policy("\n\ninterface = \"eth0\";\n"
	           "rules = ( { dst = \"10.0.0.0/8\"; interface = \"eth0\"; "
	           "},\n"
	           "  { dst = \"10.1.0.0/16\"; interface = \"wg0\"; },\n"
	           "  { dst = \"10.2.0.0/16\"; interface = \"wlan0\"; },\n"
	           "  { dst = \"10.3.0.0/16\"; interface = \"wg0\"; } );\n",
	    NULL);
	assert_int_equal(rules_policy_nifaces(p), 3);
	assert_string_equal(rules_policy_iface(p, 0), "eth0");
	assert_string_equal(rules_policy_iface(p, 1), "wg0");
	assert_string_equal(rules_policy_iface(p, 2), "wlan0");
	assert_string_equal(rules_policy_iface(p, 3), "");
	assert_string_equal(rules_policy_iface(p, 1000), "");
	check_file(p, "192.0.2.1", 1, TCP, BIND, BY_DEFAULT, 3, "eth0",
	    "t.conf");
	check_file(p, "2001:db8::1", 1, TCP, BIND, BY_DEFAULT, 3, "eth0",
	    "t.conf");
	check(p, "10.0.0.1", 1, TCP, BIND, BY_RULE, 4, "eth0");
	check(p, "10.3.0.1", 1, TCP, BIND, BY_RULE, 4, "eth0");
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);

	/* -i overrides it; the verdict has no file. A rule naming the same
	 * interface shares slot 0. */
	p = policy("interface = \"eth0\";\n"
	           "rules = ( { dst = \"10.0.0.0/8\"; interface = \"wg9\"; },\n"
	           "  { dst = \"10.1.0.0/16\"; interface = \"eth0\"; } );\n",
	    "wg9");
	assert_int_equal(rules_policy_nifaces(p), 2);
	assert_string_equal(rules_policy_iface(p, 0), "wg9");
	assert_string_equal(rules_policy_iface(p, 1), "eth0");
	check_file(p, "192.0.2.1", 1, TCP, BIND, BY_DEFAULT, 0, "wg9", "");
	check(p, "10.0.0.1", 1, TCP, BIND, BY_RULE, 2, "wg9");
	{
		struct rules_query q;
		struct rules_verdict v;

		query(&q, "10.0.0.1", 1, TCP);
		rules_match(p, &q, &v);
		assert_int_equal(v.iface, 0);
		query(&q, "192.0.2.1", 1, TCP);
		rules_match(p, &q, &v);
		assert_int_equal(v.iface, 0);
		assert_null(v.file);
	}
	rules_policy_free(p);

	/* No default: pass, by nothing; slot 0 is "". */
	p = policy("rules = ( { dst = \"10.0.0.0/8\"; interface = \"wg0\"; } "
	           ");\n",
	    NULL);
	assert_int_equal(rules_policy_nifaces(p), 2);
	assert_string_equal(rules_policy_iface(p, 0), "");
	assert_string_equal(rules_policy_iface(p, 1), "wg0");
	check_file(p, "192.0.2.1", 1, TCP, PASS, BY_NOTHING, 0, NULL, "");
	check_file(p, "10.0.0.1", 1, TCP, BIND, BY_RULE, 1, "wg0", "t.conf");
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);

	/* Nothing at all. */
	p = policy(NULL, NULL);
	assert_int_equal(rules_policy_nifaces(p), 1);
	assert_string_equal(rules_policy_iface(p, 0), "");
	assert_null(rules_policy_dns(p));
	check_file(p, "192.0.2.1", 1, TCP, PASS, BY_NOTHING, 0, NULL, "");
	check(p, "224.0.0.1", 1, UDP, PASS, BY_SPECIAL, 0, NULL);
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);
}

static void
test_unbound_bind(void **state)
{
	const char *text =
	    "exclude = \"10.0.0.0/8\";\n" /* 1 */
	    "rules = (\n"                 /* 2 */
	    "  { dst = \"10.1.0.0/16\"; interface = \"wg0\"; },\n"
	    "  { dst = \"10.2.0.0/16\"; action = \"pass\"; },\n"
	    "  { dst = \"10.3.0.0/16\"; action = \"reject\"; },\n"
	    "  { dst = \"10.4.0.0/16\"; },\n" /* 6 */
	    "  { dst = \"10.5.0.0/16\"; action = \"bind\"; }\n"
	    ");\n";
	struct rules_policy *p;
	const char *file = NULL;
	int line = 0;

	(void)state;
	p = policy(text, NULL);
	assert_true(rules_policy_unbound_bind(p, &file, &line));
	assert_string_equal(file, "t.conf");
	assert_int_equal(line, 6);
	/* It still matches: bind, to slot 0, which is empty. */
	check(p, "10.4.0.1", 1, TCP, BIND, BY_RULE, 6, "");
	rules_policy_free(p);
	p = policy(text, "eth0");
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);
	p = policy("interface = \"eth1\";\n"
	           "rules = ( { dst = \"10.4.0.0/16\"; } );\n",
	    NULL);
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);
	p = policy("rules = ( { dst = \"10.4.0.0/16\"; action = \"pass\"; },\n"
	           "{ action = \"reject\"; } );\nexclude = \"::/0\";\n",
	    NULL);
	assert_false(rules_policy_unbound_bind(p, &file, &line));
	rules_policy_free(p);
}

/* ---- selection across files ---- */

#include "tmpdir.h"

static struct rules_set *
load_path(const char *path)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set = rules_load(path, &errs);

	assert_non_null(set);
	if (errs.n != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	return set;
}

static struct rules_policy *
select_for(const struct rules_set *set, const char *exe, const char *argv0,
    const char *dflt)
{
	char why[128];
	struct rules_policy *p =
	    rules_select(set, exe, argv0, dflt, why, sizeof(why));

	assert_non_null(p);
	return p;
}

static void
test_select_good_dir(void **state)
{
	struct rules_set *set;
	struct rules_policy *p;
	const char *curl = GOOD_DIR "/10-curl.conf";
	const char *general = GOOD_DIR "/20-general.conf";

	(void)state;
	set = load_path(GOOD_DIR);
	p = select_for(set, "/usr/bin/curl", "curl", NULL);
	rules_set_free(set); /* the policy keeps what it needs */
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	check_file(p, "198.51.100.1", 443, TCP, BIND, BY_RULE, 7, "tun7", curl);
	check_file(p, "198.51.100.1", 8100, UDP, BIND, BY_RULE, 7, "tun7",
	    curl);
	/* The rest: curl's file's interface =, before anything the
	 * general file says (its rules, its exclude list). */
	check_file(p, "198.51.100.1", 80, TCP, BIND, BY_DEFAULT, 3, "wg0",
	    curl);
	check_file(p, "2001:db8::1", 80, TCP, BIND, BY_DEFAULT, 3, "wg0", curl);
	check_file(p, "10.1.1.1", 80, TCP, BIND, BY_DEFAULT, 3, "wg0", curl);
	check_file(p, "fd00::1", 80, TCP, BIND, BY_DEFAULT, 3, "wg0", curl);
	check_file(p, "8.8.8.8", 53, UDP, BIND, BY_DEFAULT, 3, "wg0", curl);
	assert_string_equal(rules_policy_iface(p, 0), "wg0");
	rules_policy_free(p);

	set = load_path(GOOD_DIR);
	/* Other programs: the general file only. */
	p = select_for(set, "/usr/bin/wget", "wget", NULL);
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 2, "eth0",
	    general);
	check_file(p, "198.51.100.1", 443, TCP, BIND, BY_RULE, 10, "wlan0",
	    general);
	check_file(p, "2001:db8::1", 80, TCP, BIND, BY_RULE, 10, "wlan0",
	    general);
	check_file(p, "10.1.1.1", 80, TCP, PASS, BY_EXCLUDE, 5, NULL, general);
	check_file(p, "fd00::1", 80, TCP, PASS, BY_EXCLUDE, 6, NULL, general);
	rules_policy_free(p);
	/* A path matches exactly, exe or argv0. */
	p = select_for(set, "/opt/bin/wget", "wget", NULL);
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	rules_policy_free(p);
	p = select_for(set, "/usr/libexec/x", "/opt/bin/wget", NULL);
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	rules_policy_free(p);
	p = select_for(set, "/opt/bin/wget2", "/opt/bin", NULL);
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 2, "eth0",
	    general);
	rules_policy_free(p);
	/* A base name matches base names of either. */
	p = select_for(set, NULL, "curl", NULL);
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	rules_policy_free(p);
	p = select_for(set, "/home/u/bin/curl", NULL, NULL);
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	rules_policy_free(p);
	p = select_for(set, "/usr/bin/python3", "./curl", NULL);
	check_file(p, "192.0.2.1", 80, TCP, PASS, BY_RULE, 6, NULL, curl);
	rules_policy_free(p);
	p = select_for(set, "/usr/bin/curl.real", "curl-config", NULL);
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 2, "eth0",
	    general);
	rules_policy_free(p);
	p = select_for(set, "", "", NULL);
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 2, "eth0",
	    general);
	rules_policy_free(p);
	p = select_for(set, NULL, NULL, "tun3");
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 0, "tun3", "");
	rules_policy_free(p);
	/* A program base name does not match a directory on the way. */
	p = select_for(set, "/curl/bin/x", "/curl/x", NULL);
	check_file(p, "192.0.2.1", 80, TCP, BIND, BY_DEFAULT, 2, "eth0",
	    general);
	rules_policy_free(p);
	rules_set_free(set);
}

static void
test_select_precedence(void **state)
{
	struct rules_set *set;
	struct rules_policy *p;
	char a[128], b[128], y[128], z[128];

	(void)state;
	make_tmpdir("match");
	snprintf(a, sizeof(a), "%s/a.conf", tmpdir);
	snprintf(b, sizeof(b), "%s/b.conf", tmpdir);
	snprintf(y, sizeof(y), "%s/y.conf", tmpdir);
	snprintf(z, sizeof(z), "%s/z.conf", tmpdir);
	write_file("a.conf",
	    "exclude = \"10.0.0.0/8\";\n"
	    "rules = ( { dst = \"192.0.2.0/24\"; action = "
	    "\"pass\"; } );\n");
	write_file("b.conf",
	    "interface = \"b0\";\n"
	    "dns = \"192.0.2.53\";\n"
	    "rules = ( { dst = \"10.0.0.0/8\"; interface = "
	    "\"b1\"; } );\n");
	write_file("y.conf",
	    "program = \"ssh\";\ninterface = \"y0\";\n"
	    "mark = 0x2024;\n");
	write_file("z.conf",
	    "program = [\"curl\", \"ssh\"];\n"
	    "dns = [\"2001:db8::53\", \"192.0.2.54\"];\n"
	    "rules = ( { dst = \"192.0.2.0/24\"; interface = "
	    "\"z1\"; },\n"
	    "  { dst = \"10.1.0.0/16\"; action = \"reject\"; } "
	    ");\n");
	set = load_path(tmpdir);

	/* curl: z first (per-app), then a, b (general, name order). The
	 * default is b's: z has none. */
	p = select_for(set, "/usr/bin/curl", "curl", NULL);
	check_file(p, "192.0.2.1", 1, TCP, BIND, BY_RULE, 3, "z1", z);
	check_file(p, "10.1.0.1", 1, TCP, REJECT, BY_RULE, 4, NULL, z);
	check_file(p, "10.2.0.1", 1, TCP, PASS, BY_EXCLUDE, 1, NULL, a);
	check_file(p, "198.51.100.1", 1, TCP, BIND, BY_DEFAULT, 1, "b0", b);
	assert_string_equal(rules_policy_dns(p), "2001:db8::53,192.0.2.54");
	assert_int_equal(rules_policy_mark(p), 0); /* y's is ssh's only */
	rules_policy_free(p);

	/* ssh: y and z are per-app, y first; y's interface is the default,
	 * asked after z's rules and before a's exclude list and b's rules. */
	p = select_for(set, "/usr/bin/ssh", "ssh", NULL);
	check_file(p, "198.51.100.1", 1, TCP, BIND, BY_DEFAULT, 2, "y0", y);
	check_file(p, "192.0.2.1", 1, TCP, BIND, BY_RULE, 3, "z1", z);
	check_file(p, "10.1.0.1", 1, TCP, REJECT, BY_RULE, 4, NULL, z);
	check_file(p, "10.2.0.1", 1, TCP, BIND, BY_DEFAULT, 2, "y0", y);
	assert_int_equal(rules_policy_mark(p), 0x2024);
	rules_policy_free(p);

	/* Anything else: a then b; a's exclude beats b's rule. */
	p = select_for(set, "/bin/nc", "nc", NULL);
	check_file(p, "192.0.2.1", 1, TCP, PASS, BY_RULE, 2, NULL, a);
	check_file(p, "10.1.0.1", 1, TCP, PASS, BY_EXCLUDE, 1, NULL, a);
	check_file(p, "198.51.100.1", 1, TCP, BIND, BY_DEFAULT, 1, "b0", b);
	assert_string_equal(rules_policy_dns(p), "192.0.2.53");
	rules_policy_free(p);

	/* -i names the interface instead of every file's interface =, and
	 * stands where the files put it: after y (ssh's interface = is
	 * there, and its verdict names that line), after b for curl. */
	p = select_for(set, "/usr/bin/ssh", "ssh", "eth9");
	check_file(p, "198.51.100.1", 1, TCP, BIND, BY_DEFAULT, 2, "eth9", y);
	check_file(p, "10.2.0.1", 1, TCP, BIND, BY_DEFAULT, 2, "eth9", y);
	rules_policy_free(p);
	p = select_for(set, "/usr/bin/curl", "curl", "eth9");
	check_file(p, "198.51.100.1", 1, TCP, BIND, BY_DEFAULT, 0, "eth9", "");
	check_file(p, "10.2.0.1", 1, TCP, PASS, BY_EXCLUDE, 1, NULL, a);
	rules_policy_free(p);
	rules_set_free(set);
	remove_tmpdir();
}

static void
test_names(void **state)
{
	(void)state;
	assert_string_equal(rules_action_name(RULES_BIND), "bind");
	assert_string_equal(rules_action_name(RULES_PASS), "pass");
	assert_string_equal(rules_action_name(RULES_REJECT), "reject");
	assert_string_equal(rules_proto_name(RULES_PROTO_TCP), "tcp");
	assert_string_equal(rules_proto_name(RULES_PROTO_UDP), "udp");
	assert_string_equal(rules_proto_name(RULES_PROTO_ICMP), "icmp");
	assert_string_equal(rules_proto_name(RULES_PROTO_RAW), "raw");
	assert_string_equal(rules_proto_name(RULES_PROTO_ANY), "any");
	assert_string_equal(rules_reason_name(RULES_BY_RULE), "rule");
	assert_string_equal(rules_reason_name(RULES_BY_EXCLUDE), "exclude");
	assert_string_equal(rules_reason_name(RULES_BY_DEFAULT), "default");
	assert_string_equal(rules_reason_name(RULES_BY_LOOPBACK), "loopback");
	assert_non_null(rules_reason_name(RULES_BY_NOTHING));
	assert_non_null(rules_reason_name(RULES_BY_SPECIAL));
}

/* ---- property test: the compiled index against a linear scan ---- */

static uint64_t rng;
static bool few_wide;    /* big runs: no /0, few short prefixes */
static bool wide_excl;   /* exclude lists may start with the two /0s */
static bool sorted_excl; /* exclude lists written in address order */
static bool narrow6;     /* no IPv6 prefix longer than /64: 64-bit keys */

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static unsigned
below(unsigned n)
{
	return (unsigned)(next() % n);
}

struct rport {
	uint16_t lo, hi;
};

struct rcidr {
	int family, len, line;
	uint8_t addr[16];
};

struct rentry {
	struct rcidr *dst;
	size_t ndst;
	struct rport ports[3];
	size_t nports;
	unsigned proto;
	enum rules_action action;
	enum rules_reason reason;
	const char *iface; /* NULL: the default */
	int err, line;
	size_t file; /* in model.files */
};

/* A file: whether it applies to the program asked about, and how. */
struct rfile {
	const char *name;    /* as the verdict names it */
	const char *program; /* program = (NULL: a general file) */
	bool applies;        /* it names the program asked about */
	const char *iface;   /* interface =, or NULL */
	int iface_line;
};

#define MODEL_FILES 8

struct model {
	struct rentry *e; /* every file's, in file order */
	size_t ne;
	struct rfile files[MODEL_FILES]; /* in name order */
	size_t nfiles;
	const char *cli;   /* -i, or NULL */
	struct rcidr *all; /* every CIDR, for picking queries */
	size_t nall;
};

static const char *const ifnames[] = { "if0", "if1", "if2", "if3", "dflt" };
static const char *const errnames[] = { "ECONNREFUSED", "EACCES", "EPERM",
	"ENETUNREACH", "EHOSTUNREACH", "ECONNRESET", "ETIMEDOUT",
	"ECONNABORTED", "EADDRNOTAVAIL" };
static const int errvalues[] = { ECONNREFUSED, EACCES, EPERM, ENETUNREACH,
	EHOSTUNREACH, ECONNRESET, ETIMEDOUT, ECONNABORTED, EADDRNOTAVAIL };

static void
mask(struct rcidr *c)
{
	int max = c->family == 4 ? 32 : 128, i;

	for (i = c->len; i < max; i++)
		c->addr[i / 8] &= (uint8_t) ~(0x80 >> (i % 8));
	if (c->family == 4)
		memset(c->addr + 4, 0, 12);
}

/* A random CIDR, mostly inside a few ranges so that they overlap. */
static void
random_cidr(struct rcidr *c)
{
	unsigned i, r = below(100);

	memset(c, 0, sizeof(*c));
	for (i = 0; i < 16; i++)
		c->addr[i] = (uint8_t)next();
	if (r < 60) {
		static const uint8_t firsts[] = { 10, 172, 198, 203, 100, 10,
			10, 224, 169, 255, 127, 0 };

		c->family = 4;
		c->addr[0] = firsts[below(sizeof(firsts))];
		if (c->addr[0] == 169)
			c->addr[1] = 254;
		else if (c->addr[0] == 255)
			c->addr[1] = c->addr[2] = 255;
		else if (c->addr[0] == 10 && below(2))
			c->addr[1] = (uint8_t)below(4);
		c->len = below(few_wide ? 400 : 40) == 0 ? (int)below(8) :
		                                           8 + (int)below(25);
		if (below(400) == 0)
			c->len = few_wide ? 8 : 0;
	} else {
		c->family = 6;
		r = below(10);
		if (r < 7) {
			c->addr[0] = 0x20;
			c->addr[1] = 0x01;
			c->addr[2] = 0x0d;
			c->addr[3] = 0xb8;
			if (below(2))
				c->addr[4] = c->addr[5] = 0;
			if (below(3) == 0)
				memset(c->addr + 6, 0, 8);
		} else if (r == 7) {
			c->addr[0] = 0xfe;
			c->addr[1] = 0x80 | (c->addr[1] & 0x3f);
		} else if (r == 8) {
			c->addr[0] = 0xff;
		} else {
			memset(c->addr, 0, 10);
			c->addr[10] = c->addr[11] = 0xff;
		}
		c->len = below(few_wide ? 400 : 40) == 0 ? (int)below(32) :
		                                           32 + (int)below(97);
		if (below(400) == 0)
			c->len = few_wide ? 32 : 0;
		if (narrow6 && c->len > 64)
			c->len = 48 + (int)below(17);
	}
	mask(c);
}

static void
cidr_text(const struct rcidr *c, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(c->family == 4 ? AF_INET : AF_INET6, c->addr, a, sizeof(a));
	if (below(4) == 0 && c->len == (c->family == 4 ? 32 : 128))
		snprintf(buf, len, "%s", a); /* a bare host */
	else
		snprintf(buf, len, "%s/%d", a, c->len);
}

struct text {
	char *s;
	size_t n, cap;
	int line; /* the line being written, 1-based */
};

static void
put(struct text *t, const char *fmt, ...)
{
	va_list ap;
	int need;
	const char *p;

	for (;;) {
		va_start(ap, fmt);
		need = vsnprintf(t->s + t->n, t->cap - t->n, fmt, ap);
		va_end(ap);
		assert_true(need >= 0);
		if ((size_t)need < t->cap - t->n)
			break;
		t->cap = t->cap * 2 + (size_t)need + 1;
		t->s = realloc(t->s, t->cap);
		assert_non_null(t->s);
	}
	for (p = t->s + t->n; *p; p++)
		if (*p == '\n')
			t->line++;
	t->n += (size_t)need;
}

static void
add_all(struct model *m, const struct rcidr *c)
{
	m->all = realloc(m->all, (m->nall + 1) * sizeof(*m->all));
	assert_non_null(m->all);
	m->all[m->nall++] = *c;
}

/* Family, address, then the shorter prefix first. */
static int
rcidr_order(const void *a, const void *b)
{
	const struct rcidr *x = a, *y = b;
	int c;

	if (x->family != y->family)
		return x->family - y->family;
	if ((c = memcmp(x->addr, y->addr, sizeof(x->addr))) != 0)
		return c;
	return x->len - y->len;
}

/*
 * Writes a random rules file into t and the same rules into m, as file f
 * of m (its program and iface say what to write): nrules rules, then an
 * exclude list of nexcl CIDRs, which with wide_excl set may list
 * 0.0.0.0/0 and ::/0 first.
 */
static void
generate(struct text *t, struct model *m, struct rfile *f, size_t nrules,
    size_t nexcl)
{
	static const char *const protos[] = { "tcp", "udp", "icmp", "raw",
		"any" };
	static const unsigned masks[] = { TCP, UDP, ICMP, RAW,
		RULES_PROTO_ANY };
	char buf[64];
	size_t i, j;

	t->line = 1;
	put(t, "# generated\n");
	if (f->program != NULL)
		put(t, "program = \"%s\";\n", f->program);
	if (f->iface != NULL) {
		f->iface_line = t->line;
		put(t, "interface = \"%s\";\n", f->iface);
	}
	m->e = realloc(m->e, (m->ne + nrules + 1) * sizeof(*m->e));
	assert_non_null(m->e);
	memset(m->e + m->ne, 0, (nrules + 1) * sizeof(*m->e));
	put(t, "rules = (\n");
	for (i = 0; i < nrules; i++) {
		struct rentry *e = &m->e[m->ne++];
		unsigned r;

		e->file = (size_t)(f - m->files);
		e->line = t->line;
		e->reason = RULES_BY_RULE;
		put(t, "  {");
		if (below(100) != 0) {
			bool arr = below(2) != 0;

			e->ndst = arr ? 1 + below(3) : 1;
			e->dst = calloc(e->ndst, sizeof(*e->dst));
			assert_non_null(e->dst);
			put(t, arr ? " dst = [" : " dst = ");
			for (j = 0; j < e->ndst; j++) {
				random_cidr(&e->dst[j]);
				e->dst[j].line = t->line;
				add_all(m, &e->dst[j]);
				cidr_text(&e->dst[j], buf, sizeof(buf));
				put(t, "%s\"%s\"", j ? ", " : "", buf);
			}
			put(t, arr ? "];" : ";");
		}
		/* Protocols first (a rule with ports needs tcp or udp),
		 * written after the ports. */
		{
			unsigned pick[3];
			size_t np = below(5) < 3 ? 1 + below(2) : 0, nw;

			e->proto = 0;
			for (j = 0; j < np; j++) {
				pick[j] = below(9) == 0 ? 4 : below(4);
				e->proto |= masks[pick[j]];
			}
			if (below(10) < 3 ||
			    (e->ndst == 0 && (np == 0 || few_wide))) {
				e->nports = 1 + below(3);
				put(t, " port = (");
				for (j = 0; j < e->nports; j++) {
					unsigned lo = 1 + below(65535), hi;

					if (below(3) == 0)
						lo = below(2) ? 1 : 65535;
					hi = below(2) ? lo + below(200) : lo;
					if (hi > 65535)
						hi = 65535;
					e->ports[j].lo = (uint16_t)lo;
					e->ports[j].hi = (uint16_t)hi;
					if (lo == hi && below(2))
						put(t, "%s%u", j ? ", " : "",
						    lo);
					else if (lo == hi)
						put(t, "%s\"%u\"",
						    j ? ", " : "", lo);
					else
						put(t, "%s\"%u-%u\"",
						    j ? ", " : "", lo, hi);
				}
				put(t, ");");
				if (np > 0 && !(e->proto & (TCP | UDP))) {
					pick[np++] = below(2);
					e->proto |= masks[pick[np - 1]];
				}
			}
			for (nw = 0; nw < np; nw++)
				put(t, "%s\"%s\"%s", nw ? ", " : " proto = [",
				    protos[pick[nw]], nw + 1 == np ? "];" : "");
		}
		if (e->proto == 0)
			e->proto = RULES_PROTO_ANY;
		r = below(20);
		if (r < 12) {
			e->action = RULES_BIND;
			if (below(2)) {
				e->iface = ifnames[below(5)];
				put(t, " interface = \"%s\";", e->iface);
			}
			if (below(3) == 0)
				put(t, " action = \"bind\";");
		} else if (r < 17) {
			e->action = RULES_PASS;
			put(t, " action = \"pass\";");
		} else {
			e->action = RULES_REJECT;
			put(t, " action = \"reject\";");
			e->err = ECONNREFUSED;
			if (below(2)) {
				unsigned k = below(9);

				e->err = errvalues[k];
				put(t, " errno = \"%s\";", errnames[k]);
			}
		}
		put(t, " }%s\n", i + 1 < nrules ? "," : "");
	}
	put(t, ");\n");
	if (nexcl > 0) {
		struct rentry *e = &m->e[m->ne++];

		e->file = (size_t)(f - m->files);
		e->reason = RULES_BY_EXCLUDE;
		e->action = RULES_PASS;
		e->proto = RULES_PROTO_ANY;
		e->line = t->line;
		e->ndst = nexcl;
		e->dst = calloc(nexcl, sizeof(*e->dst));
		assert_non_null(e->dst);
		put(t, "exclude = [\n");
		for (j = 0; j < nexcl; j++)
			random_cidr(&e->dst[j]);
		if (wide_excl && nexcl >= 2 && below(3) == 0) {
			memset(e->dst, 0, 2 * sizeof(*e->dst));
			e->dst[0].family = 4;
			e->dst[1].family = 6;
		}
		/* As lists are usually written: then the compiler reads
		 * the list in place instead of copying it. */
		if (sorted_excl)
			qsort(e->dst, nexcl, sizeof(*e->dst), rcidr_order);
		for (j = 0; j < nexcl; j++) {
			e->dst[j].line = t->line;
			add_all(m, &e->dst[j]);
			cidr_text(&e->dst[j], buf, sizeof(buf));
			/* Several to a line, or one; the last alone. */
			put(t, "\"%s\"%s", buf,
			    j + 1 == nexcl ? "\n" :
			        below(3)   ? ",\n" :
			                     ", ");
		}
		put(t, "];\n");
	}
}

static bool
covers(const struct rcidr *c, int family, const uint8_t *a)
{
	int i;

	if (c->family != family)
		return false;
	for (i = 0; i < c->len; i++)
		if ((c->addr[i / 8] ^ a[i / 8]) & (0x80 >> (i % 8)))
			return false;
	return true;
}

/* The first entry of file f that takes the query (a in family, special
 * or not), into v; false when none does. */
static bool
ref_file(const struct model *m, size_t f, const struct rules_query *q0,
    int family, const uint8_t *a, bool special, const char *dflt,
    struct rules_verdict *v, const char **ifname)
{
	size_t i, j, k;

	for (i = 0; i < m->ne; i++) {
		const struct rentry *e = &m->e[i];
		bool ports_ok;
		int line = -1;

		if (e->file != f || !(e->proto & q0->proto))
			continue;
		ports_ok = e->nports == 0;
		for (j = 0; j < e->nports; j++)
			if ((q0->proto == TCP || q0->proto == UDP) &&
			    q0->port >= e->ports[j].lo &&
			    q0->port <= e->ports[j].hi)
				ports_ok = true;
		if (!ports_ok)
			continue;
		if (e->ndst == 0) {
			if (special)
				continue;
			line = e->line;
		}
		for (k = 0; k < e->ndst && line < 0; k++)
			if (covers(&e->dst[k], family, a) &&
			    !(special && e->dst[k].len == 0))
				line = e->reason == RULES_BY_EXCLUDE ?
				    e->dst[k].line :
				    e->line;
		if (line < 0)
			continue;
		v->action = e->action;
		v->reason = e->reason;
		v->line = line;
		v->err = e->err;
		v->file = m->files[f].name;
		if (e->action == RULES_BIND)
			*ifname = e->iface ? e->iface : dflt ? dflt : "";
		return true;
	}
	return false;
}

/* The first applicable file, per-app (app) or general, with interface =;
 * NULL when there is none. */
static const struct rfile *
ref_iface_file(const struct model *m, bool app)
{
	size_t f;

	for (f = 0; f < m->nfiles; f++)
		if (m->files[f].applies &&
		    (m->files[f].program != NULL) == app &&
		    m->files[f].iface != NULL)
			return &m->files[f];
	return NULL;
}

/*
 * The spec, as plainly as possible. Per-app files (with_app: else as if
 * there were none), each in name order, its rules then its exclude list;
 * then their interface =, if one has it; then the general files likewise,
 * then theirs. -i names the default interface wherever it stands. *app
 * (may be NULL) says whether a per-app file decided.
 */
static void
reference_of(const struct model *m, const struct rules_query *q0, bool with_app,
    struct rules_verdict *v, const char **ifname, bool *app)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	static const uint8_t zero[16];
	const struct rfile *app_if = with_app ? ref_iface_file(m, true) : NULL,
	                   *gen_if = ref_iface_file(m, false);
	const char *dflt = m->cli ? m->cli :
	    app_if                ? app_if->iface :
	    gen_if                ? gen_if->iface :
	                            NULL;
	uint8_t a[16] = { 0 };
	int family = q0->family, pass;
	bool special, unused;
	size_t f;

	memset(v, 0, sizeof(*v));
	*ifname = "";
	if (app == NULL)
		app = &unused;
	*app = false;
	memcpy(a, q0->addr, family == 4 ? 4 : 16);
	if (family == 6 && memcmp(a, mapped, 12) == 0) {
		family = 4;
		memmove(a, a + 12, 4);
		memset(a + 4, 0, 12);
	}
	if ((family == 4 && (a[0] == 127 || memcmp(a, zero, 4) == 0)) ||
	    (family == 6 && memcmp(a, zero, 15) == 0 && a[15] <= 1)) {
		v->reason = RULES_BY_LOOPBACK;
		return;
	}
	special = family == 4 ?
	    (a[0] == 169 && a[1] == 254) || (a[0] >= 224 && a[0] <= 239) ||
	        (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255) :
	    (a[0] == 0xfe && a[1] >= 0x80 && a[1] <= 0xbf) || a[0] == 0xff;
	for (pass = with_app ? 0 : 1; pass < 2; pass++) {
		*app = pass == 0;
		for (f = 0; f < m->nfiles; f++)
			if (m->files[f].applies &&
			    (m->files[f].program != NULL) == (pass == 0) &&
			    ref_file(m, f, q0, family, a, special, dflt, v,
			        ifname))
				return;
		/* The per-app interface = takes all but what belongs to a
		 * link. */
		if (pass == 0 && app_if != NULL && !special) {
			v->action = RULES_BIND;
			v->reason = RULES_BY_DEFAULT;
			v->line = app_if->iface_line;
			v->file = app_if->name;
			*ifname = dflt;
			return;
		}
	}
	*app = false;
	if (special) {
		v->reason = RULES_BY_SPECIAL;
	} else if (dflt != NULL) {
		v->action = RULES_BIND;
		v->reason = RULES_BY_DEFAULT;
		v->line = m->cli ? 0 : gen_if->iface_line;
		v->file = m->cli ? NULL : gen_if->name;
		*ifname = dflt;
	} else
		v->reason = RULES_BY_NOTHING;
}

static void
reference(const struct model *m, const struct rules_query *q0,
    struct rules_verdict *v, const char **ifname)
{
	reference_of(m, q0, true, v, ifname, NULL);
}

/* An address near an edge of a CIDR: first or last, or one beyond. */
static void
pick_address(const struct model *m, struct rules_query *q)
{
	static const struct rcidr any[2] = { { 4, 0, 0, { 0 } },
		{ 6, 0, 0, { 0 } } };
	const struct rcidr *c =
	    m->nall > 0 ? &m->all[below((unsigned)m->nall)] : &any[below(2)];
	int max = c->family == 4 ? 32 : 128, nbytes = max / 8, i;
	unsigned r = m->nall > 0 ? below(10) : 8; /* none: anywhere */

	q->family = c->family;
	memcpy(q->addr, c->addr, 16);
	if (r < 2) {
		/* somewhere inside */
		for (i = c->len; i < max; i++)
			if (below(2))
				q->addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	} else if (r < 4) {
		/* the last address */
		for (i = c->len; i < max; i++)
			q->addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
	} else if (r < 6) {
		/* one past the last */
		for (i = c->len; i < max; i++)
			q->addr[i / 8] |= (uint8_t)(0x80 >> (i % 8));
		for (i = nbytes - 1; i >= 0 && ++q->addr[i] == 0; i--)
			;
	} else if (r < 8) {
		/* one below the first */
		for (i = nbytes - 1; i >= 0 && q->addr[i]-- == 0; i--)
			;
	} else if (r < 9) {
		/* anywhere */
		for (i = 0; i < nbytes; i++)
			q->addr[i] = (uint8_t)next();
	} /* else the first address */
	if (q->family == 4) {
		memset(q->addr + 4, 0, 12);
		if (below(10) == 0) {
			/* ask it as a v4-mapped v6 address */
			memmove(q->addr + 12, q->addr, 4);
			memset(q->addr, 0, 10);
			q->addr[10] = q->addr[11] = 0xff;
			q->family = 6;
		}
	}
}

static void
pick_port(const struct model *m, struct rules_query *q)
{
	static const unsigned protos[] = { TCP, UDP, ICMP, RAW, TCP, UDP };
	const struct rentry *e =
	    m->ne > 0 ? &m->e[below((unsigned)m->ne)] : NULL;

	q->proto = protos[below(6)];
	if (q->proto == ICMP || q->proto == RAW) {
		q->port = 0;
		return;
	}
	if (e != NULL && e->nports > 0 && below(4) != 0) {
		const struct rport *p = &e->ports[below((unsigned)e->nports)];
		int d = (int)below(3) - 1; /* -1, 0, +1 */
		long port = below(2) ? (long)p->lo + d : (long)p->hi + d;

		q->port = (uint16_t)(port < 0 ? 0 :
		        port > 65535          ? 65535 :
		                                port);
		return;
	}
	q->port = (uint16_t)below(65536);
}

static void
free_model(struct model *m)
{
	size_t i;

	for (i = 0; i < m->ne; i++)
		free(m->e[i].dst);
	free(m->e);
	free(m->all);
	memset(m, 0, sizeof(*m));
}

/*
 * Asks p about q: whether it says want (the interface wantif when it
 * binds; the same file, or none). The first few differences are printed,
 * each counted in *failed.
 */
static bool
agrees(const struct rules_policy *p, const char *what, uint64_t seed, size_t qi,
    const struct rules_query *q, const struct rules_verdict *want,
    const char *wantif, size_t *failed)
{
	struct rules_verdict got;
	const char *gotif;
	char a[INET6_ADDRSTRLEN];

	rules_match(p, q, &got);
	gotif =
	    got.action == RULES_BIND ? rules_policy_iface(p, got.iface) : "";
	if (got.action == want->action && got.reason == want->reason &&
	    got.line == want->line && strcmp(gotif, wantif) == 0 &&
	    got.err == want->err &&
	    (got.action == RULES_BIND || got.iface == 0) &&
	    (got.file == NULL || want->file == NULL ?
	            got.file == want->file :
	            strcmp(got.file, want->file) == 0))
		return true;
	inet_ntop(q->family == 4 ? AF_INET : AF_INET6, q->addr, a, sizeof(a));
	if ((*failed)++ < 10)
		print_message("seed %llu query %zu (%s): %s port %u %s: want "
		              "%s/%s line %d '%s' err %d file %s, got %s/%s "
		              "line %d '%s' err %d file %s\n",
		    (unsigned long long)seed, qi, what, a, q->port,
		    rules_proto_name(q->proto), rules_action_name(want->action),
		    rules_reason_name(want->reason), want->line, wantif,
		    want->err, want->file ? want->file : "(none)",
		    rules_action_name(got.action),
		    rules_reason_name(got.reason), got.line, gotif, got.err,
		    got.file ? got.file : "(none)");
	return false;
}

/* The image of p copied elsewhere and opened in place, as the shim opens
 * the launcher's; *copy is its block, to free after the policy. */
static struct rules_policy *
open_copy(const struct rules_policy *p, void **copy)
{
	struct rules_policy *opened;
	const void *img;
	char why[128];
	size_t len = rules_policy_image(p, &img);

	*copy = aligned_alloc(8, (len + 7) & ~(size_t)7);
	assert_non_null(*copy);
	memcpy(*copy, img, len);
	opened = rules_image_open(*copy, len, why, sizeof(why));
	if (opened == NULL)
		print_message("%s\n", why);
	assert_non_null(opened);
	return opened;
}

/*
 * Builds a policy from generated text and compares nq random queries with
 * the reference. mode 0: interface = in the file; 1: -i; 2: no default.
 */
static void
property_run(uint64_t seed, size_t nrules, size_t nexcl, size_t nq, int mode)
{
	struct text t = { NULL, 0, 0, 0 };
	struct model m = { 0 };
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	struct rules_policy *p, *opened;
	struct rfile *f = &m.files[m.nfiles++];
	void *copy;
	char why[128];
	size_t i, failed = 0, seen[RULES_BY_SPECIAL + 1] = { 0 };

	rng = seed;
	few_wide = nrules > 100;
	t.cap = 1 << 16;
	t.s = malloc(t.cap);
	assert_non_null(t.s);
	t.s[0] = '\0';
	f->name = "gen.conf";
	f->applies = true;
	f->iface = mode == 0 ? "dflt" : NULL;
	m.cli = mode == 1 ? "cli0" : NULL;
	generate(&t, &m, f, nrules, nexcl);
	set = rules_load_string(t.s, "gen.conf", &errs);
	assert_non_null(set);
	if (errs.n != 0) {
		dump_errors(&errs);
		for (i = 0; i < errs.n && i < 3; i++) {
			int l = errs.v[i].line, n = 1;
			const char *s = t.s;

			while (n < l && (s = strchr(s, '\n')) != NULL)
				s++, n++;
			if (s != NULL)
				print_message("  > %.*s\n",
				    (int)strcspn(s, "\n"), s);
		}
	}
	assert_int_equal(errs.n, 0);
	p = rules_select(set, "/usr/bin/x", "x", m.cli, why, sizeof(why));
	assert_non_null(p);
	rules_set_free(set);
	/* Every query is asked of the image opened elsewhere too. */
	opened = open_copy(p, &copy);
	for (i = 0; i < nq; i++) {
		struct rules_query q;
		struct rules_verdict want;
		const char *wantif;

		memset(&q, 0, sizeof(q));
		pick_address(&m, &q);
		pick_port(&m, &q);
		reference(&m, &q, &want, &wantif);
		seen[want.reason]++;
		(void)agrees(p, "compiled", seed, i, &q, &want, wantif,
		    &failed);
		(void)agrees(opened, "opened image", seed, i, &q, &want, wantif,
		    &failed);
	}
	if (failed)
		print_message("%zu of %zu queries differ\n", failed, nq);
	if (nq >= 10000)
		print_message("seed %llx: %zu queries: %zu rule, %zu exclude, "
		              "%zu default, %zu nothing, %zu loopback, "
		              "%zu special\n",
		    (unsigned long long)seed, nq, seen[RULES_BY_RULE],
		    seen[RULES_BY_EXCLUDE], seen[RULES_BY_DEFAULT],
		    seen[RULES_BY_NOTHING], seen[RULES_BY_LOOPBACK],
		    seen[RULES_BY_SPECIAL]);
	rules_policy_free(opened);
	free(copy);
	rules_policy_free(p);
	free_model(&m);
	free(t.s);
	assert_int_equal(failed, 0);
}

static void
test_property(void **state)
{
	(void)state;
	property_run(0x9e3779b97f4a7c15ull, 2000, 300, 100000, 0);
	property_run(0x243f6a8885a308d3ull, 2000, 300, 20000, 1);
	property_run(0x13198a2e03707344ull, 2000, 300, 20000, 2);
	narrow6 = true;
	property_run(0xa4093822299f31d0ull, 2000, 3000, 20000, 0);
	narrow6 = false;
	/* Sorted lists, nested and duplicate CIDRs among them, merged with
	 * the rules' CIDRs. */
	sorted_excl = true;
	property_run(0x082efa98ec4e6c89ull, 2000, 3000, 20000, 0);
	property_run(0x452821e638d01377ull, 20, 3000, 20000, 1);
	{
		uint64_t s;

		for (s = 1; s <= 100; s++)
			property_run(s * 0x9e3779b97f4a7c15ull, s % 7,
			    1 + s % 40, 300, (int)(s % 3));
	}
	sorted_excl = false;
	/* Small sets: the same code with few entries, many times. */
	{
		uint64_t s;

		for (s = 1; s <= 200; s++)
			property_run(s * 0x2545f4914f6cdd1dull, 1 + s % 12,
			    s % 5, 300, (int)(s % 3));
	}
}

/* ---- the order across per-app and general files ---- */

/* What a combination holds: in the per-app files, in the general ones. */
enum {
	HAS_APP_RULES = 1 << 0,
	HAS_APP_EXCL = 1 << 1,
	HAS_APP_IFACE = 1 << 2,
	HAS_GEN_RULES = 1 << 3,
	HAS_GEN_EXCL = 1 << 4,
	HAS_GEN_IFACE = 1 << 5,
	HAS_ALL = (1 << 6) - 1
};

/* Verdicts the order test met, by what decided: so it can say that each
 * step of the order decided somewhere, and that the two setups of the
 * order's reason (a per-app interface = over a general exclude list, a
 * per-app exclude list over a general interface =) came up. */
struct order_seen {
	size_t app[RULES_BY_SPECIAL + 1], gen[RULES_BY_SPECIAL + 1];
	size_t app_iface_over_gen_excl, app_excl_over_gen_iface;
};

/* For each file of a kind (n of them), whether it has a part the
 * combination says the kind has: at least one does. */
static unsigned
spread(bool has, size_t n)
{
	unsigned bits = 0;
	size_t i;

	if (!has)
		return 0;
	for (i = 0; i < n; i++)
		if (below(2))
			bits |= 1u << i;
	return bits ? bits : 1u << below((unsigned)n);
}

/*
 * One directory for the program x: one or two per-app files and one or two
 * general ones holding what combo says, and a per-app file for another
 * program (holding everything, applying to nothing), in a random name
 * order; with -i cli0 or without. nq queries, asked of the policy
 * rules_select compiles, of its image opened elsewhere and of the one a
 * bundle holds for x, against the reference.
 */
static void
order_run(uint64_t seed, unsigned combo, bool cli, size_t nq,
    struct order_seen *seen)
{
	static char names[MODEL_FILES][128];
	struct text t = { NULL, 0, 0, 0 };
	struct model m = { 0 };
	struct rules_errors errs = { 0 };
	struct rules_prog prog = { "/usr/bin/x", "x" };
	struct rules_set *set;
	struct rules_policy *p, *opened, *bundled;
	size_t napp, ngen, nfiles, i, k, failed = 0, at[2] = { 0, 0 };
	unsigned parts[2][3], order[MODEL_FILES];
	void *copy, *bundle;
	size_t blen;
	char why[128];

	rng = seed;
	napp = 1 + below(2);
	ngen = 1 + below(2);
	nfiles = napp + ngen + 1;
	for (k = 0; k < 3; k++) {
		parts[0][k] = spread(combo & (HAS_APP_RULES << k), napp);
		parts[1][k] = spread(combo & (HAS_GEN_RULES << k), ngen);
	}
	/* Kinds in name order: 0 per-app, 1 general, 2 the other program's. */
	for (i = 0; i < nfiles; i++)
		order[i] = i < napp ? 0 : i < napp + ngen ? 1 : 2;
	for (i = nfiles - 1; i > 0; i--) {
		unsigned j = below((unsigned)i + 1), x = order[i];

		order[i] = order[j];
		order[j] = x;
	}
	make_tmpdir("order");
	t.cap = 1 << 12;
	t.s = malloc(t.cap);
	assert_non_null(t.s);
	m.cli = cli ? "cli0" : NULL;
	wide_excl = true;
	for (i = 0; i < nfiles; i++) {
		struct rfile *f = &m.files[m.nfiles++];
		unsigned kind = order[i], bit;
		size_t nrules, nexcl;
		static const char *const app_if[] = { "app0", "app1" },
		                         *const gen_if[] = { "gen0", "gen1" };

		snprintf(names[i], sizeof(names[i]), "%s/%02zu-%s.conf", tmpdir,
		    10 * (i + 1),
		    kind == 0     ? "app" :
		        kind == 1 ? "gen" :
		                    "other");
		f->name = names[i];
		if (kind == 2) {
			f->program = "y";
			f->iface = "oth0";
			nrules = 1 + below(6);
			nexcl = 1 + below(12);
		} else {
			bit = 1u << at[kind]++;
			if (kind == 0)
				f->program = below(2) ? "x" : "/usr/bin/x";
			f->applies = true;
			if (parts[kind][2] & bit)
				f->iface =
				    (kind == 0 ? app_if : gen_if)[at[kind] - 1];
			nrules = parts[kind][0] & bit ? 1 + below(6) : 0;
			nexcl = parts[kind][1] & bit ? 1 + below(12) : 0;
		}
		t.n = 0;
		t.s[0] = '\0';
		generate(&t, &m, f, nrules, nexcl);
		write_file(strrchr(names[i], '/') + 1, t.s);
	}
	wide_excl = false;
	set = rules_load(tmpdir, &errs);
	assert_non_null(set);
	if (errs.n != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	p = rules_select(set, prog.exe, prog.argv0, m.cli, why, sizeof(why));
	assert_non_null(p);
	opened = open_copy(p, &copy);
	assert_int_equal(rules_bundle_build(set, m.cli, &prog, 1, &bundle,
	                     &blen, why, sizeof(why)),
	    0);
	bundled = rules_bundle_select(bundle, blen, NULL, prog.exe, prog.argv0,
	    m.cli, why, sizeof(why));
	if (bundled == NULL)
		print_message("%s\n", why);
	assert_non_null(bundled);
	rules_set_free(set);
	for (i = 0; i < nq; i++) {
		struct rules_query q;
		struct rules_verdict want, alone;
		const char *wantif, *aloneif;
		bool app;

		memset(&q, 0, sizeof(q));
		pick_address(&m, &q);
		pick_port(&m, &q);
		reference_of(&m, &q, true, &want, &wantif, &app);
		(app ? seen->app : seen->gen)[want.reason]++;
		/* What the general files would say alone. */
		reference_of(&m, &q, false, &alone, &aloneif, NULL);
		seen->app_iface_over_gen_excl += app &&
		    want.reason == RULES_BY_DEFAULT &&
		    alone.reason == RULES_BY_EXCLUDE;
		seen->app_excl_over_gen_iface += app &&
		    want.reason == RULES_BY_EXCLUDE &&
		    alone.reason == RULES_BY_DEFAULT && alone.file != NULL;
		(void)agrees(p, "compiled", seed, i, &q, &want, wantif,
		    &failed);
		(void)agrees(opened, "opened image", seed, i, &q, &want, wantif,
		    &failed);
		(void)agrees(bundled, "bundle", seed, i, &q, &want, wantif,
		    &failed);
	}
	if (failed)
		print_message("combination %#x%s: %zu answers differ in %zu "
		              "queries\n",
		    combo, cli ? " with -i" : "", failed, nq);
	rules_policy_free(bundled);
	free(bundle);
	rules_policy_free(opened);
	free(copy);
	rules_policy_free(p);
	free_model(&m);
	free(t.s);
	remove_tmpdir();
	assert_int_equal(failed, 0);
}

/* Every combination of per-app and general rules, exclude lists and
 * interface =, with and without -i, a few seeds each. */
static void
test_order_across_files(void **state)
{
	struct order_seen seen;
	unsigned combo, s;
	int r;

	(void)state;
	memset(&seen, 0, sizeof(seen));
	for (combo = 0; combo <= HAS_ALL; combo++)
		for (s = 0; s < 8; s++)
			order_run((combo * 8 + s + 1) * 0x9e3779b97f4a7c15ull,
			    combo, s % 2, 300, &seen);
	print_message("per-app: %zu rule, %zu exclude, %zu interface =; "
	              "general: %zu rule, %zu exclude, %zu default, %zu "
	              "nothing, "
	              "%zu special; per-app interface = over a general "
	              "exclude: %zu, per-app exclude over a general "
	              "interface =: %zu\n",
	    seen.app[RULES_BY_RULE], seen.app[RULES_BY_EXCLUDE],
	    seen.app[RULES_BY_DEFAULT], seen.gen[RULES_BY_RULE],
	    seen.gen[RULES_BY_EXCLUDE], seen.gen[RULES_BY_DEFAULT],
	    seen.gen[RULES_BY_NOTHING], seen.gen[RULES_BY_SPECIAL],
	    seen.app_iface_over_gen_excl, seen.app_excl_over_gen_iface);
	for (r = RULES_BY_RULE; r <= RULES_BY_DEFAULT; r++) {
		assert_true(seen.app[r] > 0);
		assert_true(seen.gen[r] > 0);
	}
	assert_true(seen.gen[RULES_BY_NOTHING] > 0);
	assert_true(seen.gen[RULES_BY_SPECIAL] > 0);
	assert_true(seen.app_iface_over_gen_excl > 0);
	assert_true(seen.app_excl_over_gen_iface > 0);
}

/* ---- scale: 100,000 exclude CIDRs and 20,000 rules ---- */

#define SCALE_EXCL 100000
#define SCALE_RULES 20000

/* Exclude i: the (i/2)th /29 from 20.0.0.0 (even i) or the (i/2)th /126
 * from 2001:db8:e:: (odd i), back to back. Rule i: 30.0.0.0 + 2i. */
static void
scale_excl(size_t i, char *buf, size_t len, bool with_len)
{
	uint32_t a = 0x14000000u + (uint32_t)(i / 2) * 8, n;

	if (i % 2 == 0) {
		snprintf(buf, len, "%u.%u.%u.%u%s", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255, with_len ? "/29" : "");
		return;
	}
	n = (uint32_t)(i / 2) * 4;
	snprintf(buf, len, "2001:db8:e::%x:%x%s", n >> 16, n & 0xffff,
	    with_len ? "/126" : "");
}

static void
scale_rule_addr(size_t i, char *buf, size_t len)
{
	uint32_t a = 0x1e000000u + (uint32_t)i * 2;

	snprintf(buf, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
	    (a >> 8) & 255, a & 255);
}

static void
test_scale(void **state)
{
	struct text t = { NULL, 0, 0, 1 };
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	struct rules_policy *p;
	struct rules_query q;
	struct rules_verdict v;
	char buf[64], why[128];
	int rule_line0, excl_line0;
	size_t i;

	(void)state;
	t.cap = 8 << 20;
	t.s = malloc(t.cap);
	assert_non_null(t.s);
	t.s[0] = '\0';
	put(&t, "interface = \"eth0\";\n");
	put(&t, "rules = (\n");
	rule_line0 = t.line;
	for (i = 0; i < SCALE_RULES; i++) {
		scale_rule_addr(i, buf, sizeof(buf));
		if (i % 3 == 0)
			put(&t, "  { dst = \"%s\"; interface = \"wg%zu\"; },\n",
			    buf, i % 7);
		else if (i % 3 == 1)
			put(&t, "  { dst = \"%s\"; action = \"pass\"; },\n",
			    buf);
		else
			put(&t, "  { dst = \"%s\"; action = \"reject\"; },\n",
			    buf);
	}
	/* One more rule inside the exclude ranges: rules come first. */
	put(&t, "  { dst = \"20.0.0.8/30\"; interface = \"over\"; }\n);\n");
	put(&t, "exclude = [\n");
	excl_line0 = t.line;
	for (i = 0; i < SCALE_EXCL; i++) {
		scale_excl(i, buf, sizeof(buf), true);
		put(&t, "  \"%s\"%s\n", buf, i + 1 < SCALE_EXCL ? "," : "");
	}
	put(&t, "];\n");

	set = rules_load_string(t.s, "big.conf", &errs);
	assert_non_null(set);
	if (errs.n)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	p = rules_select(set, "/usr/bin/x", "x", NULL, why, sizeof(why));
	assert_non_null(p);
	rules_set_free(set);
	assert_int_equal(rules_policy_nifaces(p), 9);

	for (i = 0; i < SCALE_RULES; i += 97) {
		int line = rule_line0 + (int)i;

		scale_rule_addr(i, buf, sizeof(buf));
		if (i % 3 == 0) {
			char want[16];

			snprintf(want, sizeof(want), "wg%zu", i % 7);
			check(p, buf, 80, TCP, BIND, BY_RULE, line, want);
		} else if (i % 3 == 1)
			check(p, buf, 80, TCP, PASS, BY_RULE, line, NULL);
		else
			check(p, buf, 80, TCP, REJECT, BY_RULE, line, NULL);
		/* The odd address after it is in no rule: the default. */
		query(&q, buf, 80, TCP);
		q.addr[3]++;
		rules_match(p, &q, &v);
		assert_int_equal(v.action, RULES_BIND);
		assert_int_equal(v.reason, RULES_BY_DEFAULT);
		assert_int_equal(v.line, 1);
	}
	check(p, "30.0.0.0", 1, UDP, BIND, BY_RULE, rule_line0, "wg0");
	check(p, "30.0.156.62", 1, UDP, PASS, BY_RULE,
	    rule_line0 + SCALE_RULES - 1, NULL);
	check(p, "30.0.156.64", 1, UDP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "29.255.255.255", 1, UDP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "20.0.0.9", 1, TCP, BIND, BY_RULE, rule_line0 + SCALE_RULES,
	    "over");
	check(p, "20.0.0.12", 1, TCP, PASS, BY_EXCLUDE, excl_line0 + 2, NULL);
	for (i = 0; i < SCALE_EXCL; i += 101) {
		size_t k;

		for (k = i; k < i + 2 && k < SCALE_EXCL; k++) {
			int line = excl_line0 + (int)k;

			if (k == 2)
				continue; /* partly under the "over" rule */
			scale_excl(k, buf, sizeof(buf), false);
			check(p, buf, 443, TCP, PASS, BY_EXCLUDE, line, NULL);
			query(&q, buf, 0, ICMP);
			q.addr[k % 2 ? 15 : 3] |= k % 2 ? 3 : 7; /* last */
			rules_match(p, &q, &v);
			assert_int_equal(v.reason, RULES_BY_EXCLUDE);
			assert_int_equal(v.line, line);
			assert_string_equal(v.file, "big.conf");
		}
	}
	/* Past the last of each family and below the first. */
	check(p, "20.6.26.127", 1, TCP, PASS, BY_EXCLUDE,
	    excl_line0 + SCALE_EXCL - 2, NULL);
	check(p, "20.6.26.128", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "19.255.255.255", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "2001:db8:e::3:d3f", 1, TCP, PASS, BY_EXCLUDE,
	    excl_line0 + SCALE_EXCL - 1, NULL);
	check(p, "2001:db8:e::3:d40", 1, TCP, BIND, BY_DEFAULT, 1, "eth0");
	check(p, "2001:db8:d:ffff:ffff:ffff:ffff:ffff", 1, TCP, BIND,
	    BY_DEFAULT, 1, "eth0");
	check(p, "2001:db8:e::", 1, TCP, PASS, BY_EXCLUDE, excl_line0 + 1,
	    NULL);
	check(p, "2001:db8:e::4", 1, TCP, PASS, BY_EXCLUDE, excl_line0 + 3,
	    NULL);
	rules_policy_free(p);
	free(t.s);
}

/* The examples, selected for a few programs, compile. */
static void
test_examples_compile(void **state)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	struct dirent *e;
	DIR *d = opendir("config/examples");
	char path[512];
	size_t n = 0;

	(void)state;
	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		struct rules_policy *p;
		const char *file;
		int line;

		if (e->d_name[0] == '.' || len < 6 ||
		    strcmp(e->d_name + len - 5, ".conf") != 0)
			continue;
		snprintf(path, sizeof(path), "config/examples/%s", e->d_name);
		set = rules_load(path, &errs);
		assert_non_null(set);
		assert_int_equal(errs.n, 0);
		p = select_for(set, "/usr/bin/ssh", "ssh", NULL);
		/* An example must not bind with nowhere to bind to. */
		if (rules_policy_unbound_bind(p, &file, &line))
			print_message("note: %s:%d binds with no interface "
			              "unless -i is given\n",
			    file, line);
		check(p, "127.0.0.1", 22, TCP, PASS, BY_LOOPBACK, 0, NULL);
		rules_policy_free(p);
		rules_set_free(set);
		n++;
	}
	closedir(d);
	if (n > 0) {
		struct rules_policy *p;

		set = load_path("config/examples");
		p = select_for(set, "/usr/bin/ssh", "ssh", NULL);
		check(p, "::1", 22, TCP, PASS, BY_LOOPBACK, 0, NULL);
		rules_policy_free(p);
		rules_set_free(set);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loopback_always_passes),
		cmocka_unit_test(test_special_addresses),
		cmocka_unit_test(test_v4_mapped),
		cmocka_unit_test(test_cidr_edges),
		cmocka_unit_test(test_first_match_wins),
		cmocka_unit_test(test_ports_and_protocols),
		cmocka_unit_test(test_exclude),
		cmocka_unit_test(test_sorted_list_apart_then_not),
		cmocka_unit_test(test_default_interface),
		cmocka_unit_test(test_unbound_bind),
		cmocka_unit_test(test_select_good_dir),
		cmocka_unit_test(test_select_precedence),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_property),
		cmocka_unit_test(test_order_across_files),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_examples_compile),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
