/*
 * test_uplink.c - launcher/uplink.c on snapshots built here: the kinds of
 * interfaces from kernel facts (names last), the `-i auto` choice in each
 * capture style and on ordinary machines, and the --list report.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "uplink.h"

#define MAIN UPLINK_TABLE_MAIN
#define UP (UPLINK_F_UP | UPLINK_F_RUNNING)

/* ---------------------------------------------------------- builders */

static struct uplink_if *
iface(struct uplink_snapshot *s, const char *name, unsigned index,
    unsigned flags, enum uplink_link link, const char *driver, bool device)
{
	struct uplink_if *f = uplink_add_if(s);

	assert_non_null(f);
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->index = index;
	f->flags = flags;
	f->link = link;
	snprintf(f->driver, sizeof(f->driver), "%s", driver);
	f->has_device = device;
	return f;
}

static void
addr(struct uplink_snapshot *s, unsigned index, const char *text,
    unsigned prefix)
{
	struct uplink_addr *a = uplink_add_addr(s);

	assert_non_null(a);
	a->index = index;
	a->family = strchr(text, ':') ? 6 : 4;
	assert_int_equal(inet_pton(a->family == 4 ? AF_INET : AF_INET6, text,
	                     a->addr),
	    1);
	a->prefix = prefix;
}

/* dst "a.b.c.d/N" or "x::/N"; gw non-zero for "via". */
static void
route(struct uplink_snapshot *s, unsigned table, const char *dst, unsigned oif,
    bool gw, unsigned metric, enum uplink_rtype type)
{
	struct uplink_route *r = uplink_add_route(s);
	char buf[64], *slash;

	assert_non_null(r);
	snprintf(buf, sizeof(buf), "%s", dst);
	slash = strchr(buf, '/');
	assert_non_null(slash);
	*slash = '\0';
	r->family = strchr(buf, ':') ? 6 : 4;
	assert_int_equal(inet_pton(r->family == 4 ? AF_INET : AF_INET6, buf,
	                     r->dst),
	    1);
	r->prefix = (unsigned)atoi(slash + 1);
	r->table = table;
	r->oif = oif;
	r->has_gateway = gw;
	r->metric = metric;
	r->type = type;
}

static void
uni(struct uplink_snapshot *s, const char *dst, unsigned oif, bool gw,
    unsigned metric)
{
	route(s, MAIN, dst, oif, gw, metric, UPLINK_RT_UNICAST);
}

static struct uplink_rule *
rule(struct uplink_snapshot *s, int family, unsigned prio,
    enum uplink_raction action, unsigned table)
{
	struct uplink_rule *r = uplink_add_rule(s);

	assert_non_null(r);
	r->family = family;
	r->priority = prio;
	r->action = action;
	r->table = table;
	return r;
}

/* lo (1), phy0 (2, a veth as in the lab, with its defaults), tun0 (3). */
static void
lab_base(struct uplink_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	iface(s, "lo", 1, UP | UPLINK_F_LOOPBACK, UPLINK_LINK_LOOPBACK, "",
	    false);
	addr(s, 1, "127.0.0.1", 8);
	addr(s, 1, "::1", 128);
	iface(s, "phy0", 2, UP, UPLINK_LINK_ETHER, "veth", false);
	addr(s, 2, "192.0.2.1", 24);
	addr(s, 2, "2001:db8:1::1", 64);
	addr(s, 2, "fe80::1", 64);
	uni(s, "192.0.2.0/24", 2, false, 0);
	uni(s, "0.0.0.0/0", 2, true, 0);
	uni(s, "2001:db8:1::/64", 2, false, 256);
	uni(s, "::/0", 2, true, 1024);
	iface(s, "tun0", 3, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_NONE, "tun",
	    false);
	addr(s, 3, "198.18.0.1", 30);
	addr(s, 3, "2001:db8:ff::1", 64);
	uni(s, "198.18.0.0/30", 3, false, 0);
}

static void
capture(struct uplink_snapshot *s, const char *style)
{
	static const char *const clashx[] = { "1.0.0.0/8", "2.0.0.0/7",
		"4.0.0.0/6", "8.0.0.0/5", "16.0.0.0/4", "32.0.0.0/3",
		"64.0.0.0/2", "128.0.0.0/1", NULL };
	const char *const *r;

	if (strcmp(style, "clashx") == 0) {
		for (r = clashx; *r; r++)
			uni(s, *r, 3, false, 0);
		uni(s, "::/1", 3, false, 1024);
		uni(s, "8000::/1", 3, false, 1024);
	} else if (strcmp(style, "split") == 0) {
		uni(s, "0.0.0.0/1", 3, false, 0);
		uni(s, "128.0.0.0/1", 3, false, 0);
		uni(s, "::/1", 3, false, 1024);
		uni(s, "8000::/1", 3, false, 1024);
	} else {
		int fam;

		for (fam = 4; fam <= 6; fam += 2) {
			struct uplink_rule *x;

			route(s, 51820, fam == 4 ? "0.0.0.0/0" : "::/0", 3,
			    false, fam == 4 ? 0 : 1024, UPLINK_RT_UNICAST);
			rule(s, fam, 0, UPLINK_RULE_TABLE, UPLINK_TABLE_LOCAL);
			x = rule(s, fam, 32764, UPLINK_RULE_TABLE, MAIN);
			x->suppress_prefixlen = 0;
			x = rule(s, fam, 32765, UPLINK_RULE_TABLE, 51820);
			x->invert = true;
			x->has_fwmark = true;
			x->fwmark = 51820;
			x->fwmask = 0xffffffffu;
			rule(s, fam, 32766, UPLINK_RULE_TABLE, MAIN);
			rule(s, fam, 32767, UPLINK_RULE_TABLE,
			    UPLINK_TABLE_DEFAULT);
		}
	}
}

/* The report as a string (freed by the caller). */
static char *
report(struct uplink_snapshot *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	assert_non_null(f);
	uplink_classify(s);
	uplink_report(s, f);
	fclose(f);
	return text;
}

static const char *
kind_of(const struct uplink_snapshot *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nifs; i++)
		if (strcmp(s->ifs[i].name, name) == 0)
			return uplink_kind_name(s->ifs[i].kind);
	return "(missing)";
}

static void
expect_auto(struct uplink_snapshot *s, int family, const char *want)
{
	char name[UPLINK_NAMESIZE], why[600];

	uplink_classify(s);
	if (uplink_choose(s, family, name, sizeof(name), why, sizeof(why)) < 0)
		fail_msg("auto v%d: %s", family, why);
	assert_string_equal(name, want);
}

/* The line of the report that starts with prefix. */
static char *
line_of(const char *text, const char *prefix, char *buf, size_t len)
{
	const char *p = text;

	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t n = eol ? (size_t)(eol - p) : strlen(p);

		if (strncmp(p, prefix, strlen(prefix)) == 0) {
			snprintf(buf, len, "%.*s", (int)n, p);
			return buf;
		}
		p = eol ? eol + 1 : NULL;
	}
	fail_msg("no line starting with '%s' in:\n%s", prefix, text);
	return NULL;
}

#define assert_has(text, needle)                                             \
	do {                                                                 \
		if (strstr((text), (needle)) == NULL)                        \
			fail_msg("expected '%s' in:\n%s", (needle), (text)); \
	} while (0)
#define assert_lacks(text, needle)                                        \
	do {                                                              \
		if (strstr((text), (needle)) != NULL)                     \
			fail_msg("did not expect '%s' in:\n%s", (needle), \
			    (text));                                      \
	} while (0)

/* ---------------------------------------------------- capture styles */

static void
style_test(const char *style, const char *v4, const char *v6)
{
	struct uplink_snapshot s;
	char *text, line[512];

	lab_base(&s);
	capture(&s, style);
	expect_auto(&s, 4, "phy0");
	expect_auto(&s, 6, "phy0");
	text = report(&s);
	assert_string_equal(kind_of(&s, "phy0"), "physical");
	assert_string_equal(kind_of(&s, "tun0"), "tunnel");
	assert_string_equal(kind_of(&s, "lo"), "loopback");
	line_of(text, "phy0", line, sizeof(line));
	assert_has(line, " up ");
	assert_has(line, "physical");
	assert_has(line, "192.0.2.1/24");
	assert_has(line, "2001:db8:1::1/64");
	assert_has(line, "[auto v4, auto v6]");
	line_of(text, "tun0", line, sizeof(line));
	assert_has(line, "tunnel");
	assert_lacks(line, "auto");
	assert_has(text, v4);
	assert_has(text, v6);
	assert_lacks(text, "warning:");
	assert_lacks(text, "none seen");
	free(text);
	uplink_snapshot_free(&s);
}

static void
test_clashx(void **state)
{
	(void)state;
	style_test("clashx",
	    "capture: IPv4 split routes to tun0 (8 routes covering "
	    "0.0.0.0/0)\n",
	    "capture: IPv6 split routes to tun0 (2 routes covering ::/0)\n");
}

static void
test_split(void **state)
{
	(void)state;
	style_test("split",
	    "capture: IPv4 split routes to tun0 (2 routes covering "
	    "0.0.0.0/0)\n",
	    "capture: IPv6 split routes to tun0 (2 routes covering ::/0)\n");
}

static void
test_policy(void **state)
{
	(void)state;
	style_test("policy",
	    "capture: IPv4 rule 32765: not fwmark 0xca6c lookup 51820: table "
	    "51820 sends everything to tun0\n",
	    "capture: IPv6 rule 32764: lookup main suppress_prefixlength 0: "
	    "the default route there is skipped");
}

/* No default in main at all (OpenVPN replacing it): the widest route
 * through a gateway names the uplink, here the host route to the server. */
static void
test_no_main_default(void **state)
{
	struct uplink_snapshot s;

	(void)state;
	lab_base(&s);
	s.nroutes = 0;
	uni(&s, "192.0.2.0/24", 2, false, 0);
	uni(&s, "203.0.113.5/32", 2, true, 0);
	uni(&s, "0.0.0.0/1", 3, false, 0);
	uni(&s, "128.0.0.0/1", 3, false, 0);
	expect_auto(&s, 4, "phy0");
	uplink_snapshot_free(&s);
}

static void
test_second_tun(void **state)
{
	struct uplink_snapshot s;
	char *text;

	(void)state;
	lab_base(&s);
	capture(&s, "split");
	iface(&s, "tun1", 4, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_NONE, "tun",
	    false);
	uni(&s, "203.0.113.0/24", 4, false, 0);
	expect_auto(&s, 4, "phy0");
	expect_auto(&s, 6, "phy0");
	text = report(&s);
	assert_string_equal(kind_of(&s, "tun1"), "tunnel");
	assert_has(text, "split routes to tun0 (2 routes");
	assert_lacks(text, "split routes to tun1");
	free(text);
	uplink_snapshot_free(&s);
}

/* wg0 taking the main default with a lower metric than eth0's. */
static void
test_wireguard_default(void **state)
{
	struct uplink_snapshot s;
	char *text;

	(void)state;
	memset(&s, 0, sizeof(s));
	iface(&s, "eth0", 2, UP, UPLINK_LINK_ETHER, "", true);
	addr(&s, 2, "192.0.2.10", 24);
	uni(&s, "0.0.0.0/0", 2, true, 100);
	iface(&s, "wg0", 5, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_NONE,
	    "wireguard", false);
	addr(&s, 5, "10.8.0.2", 32);
	uni(&s, "0.0.0.0/0", 5, false, 0);
	expect_auto(&s, 4, "eth0");
	text = report(&s);
	assert_string_equal(kind_of(&s, "wg0"), "tunnel");
	assert_has(text, "capture: IPv4 default route to wg0 (metric 0)\n");
	free(text);
	uplink_snapshot_free(&s);
}

static void
two_nics(struct uplink_snapshot *s, unsigned eth_metric, unsigned wlan_metric)
{
	memset(s, 0, sizeof(*s));
	iface(s, "eth0", 2, UP, UPLINK_LINK_ETHER, "", true);
	addr(s, 2, "192.0.2.10", 24);
	uni(s, "0.0.0.0/0", 2, true, eth_metric);
	iface(s, "wlan0", 3, UP, UPLINK_LINK_ETHER, "", true);
	addr(s, 3, "198.51.100.20", 24);
	uni(s, "0.0.0.0/0", 3, true, wlan_metric);
}

static void
test_metrics(void **state)
{
	struct uplink_snapshot s;

	(void)state;
	two_nics(&s, 100, 600);
	expect_auto(&s, 4, "eth0");
	uplink_snapshot_free(&s);
	two_nics(&s, 700, 600);
	expect_auto(&s, 4, "wlan0");
	uplink_snapshot_free(&s);
}

/* IPv6 only on wlan0: eth0 has a link-local address, which reaches
 * nothing, and no v6 default. */
static void
test_v6_on_one(void **state)
{
	struct uplink_snapshot s;
	char *text, line[512];

	(void)state;
	two_nics(&s, 100, 600);
	addr(&s, 2, "fe80::10", 64);
	uni(&s, "fe80::/64", 2, false, 256);
	addr(&s, 3, "2001:db8:5::20", 64);
	uni(&s, "::/0", 3, true, 600);
	expect_auto(&s, 4, "eth0");
	expect_auto(&s, 6, "wlan0");
	text = report(&s);
	assert_has(line_of(text, "eth0", line, sizeof(line)), "[auto v4]");
	assert_has(line_of(text, "wlan0", line, sizeof(line)), "[auto v6]");
	free(text);
	uplink_snapshot_free(&s);

	/* The v6 default through eth0 but no global address on it. */
	two_nics(&s, 100, 600);
	addr(&s, 2, "fe80::10", 64);
	uni(&s, "::/0", 2, true, 100);
	addr(&s, 3, "2001:db8:5::20", 64);
	uni(&s, "2001:db8:5::/64", 3, false, 256);
	expect_auto(&s, 6, "wlan0");
	uplink_snapshot_free(&s);
}

static void
test_nothing_qualifies(void **state)
{
	struct uplink_snapshot s;
	char name[UPLINK_NAMESIZE] = "", why[600];
	char *text;

	(void)state;
	lab_base(&s);
	s.ifs[1].flags = 0; /* phy0 down */
	uni(&s, "0.0.0.0/0", 3, false, 0);
	uplink_classify(&s);
	assert_int_equal(uplink_choose(&s, 4, name, sizeof(name), why,
	                     sizeof(why)),
	    -1);
	assert_string_equal(name, "");
	assert_string_equal(why,
	    "-i auto: no physical interface carries an "
	    "IPv4 route (candidates: phy0 (physical, down), tun0 (tunnel))");
	text = report(&s);
	assert_has(text, "auto v4: none: -i auto: no physical interface");
	assert_lacks(text, "[auto");
	free(text);
	uplink_snapshot_free(&s);

	/* Up, addressed, but no route of the family through it. */
	lab_base(&s);
	s.nroutes = 0;
	s.ifs[1].has_device = true; /* a veth without routes is virtual */
	uplink_classify(&s);
	assert_int_equal(uplink_choose(&s, 6, name, sizeof(name), why,
	                     sizeof(why)),
	    -1);
	assert_string_equal(why,
	    "-i auto: no physical interface carries an "
	    "IPv6 route (candidates: phy0 (physical, no route), tun0 "
	    "(tunnel))");
	uplink_snapshot_free(&s);

	/* Without routes the veth is no uplink, and the reason says why. */
	lab_base(&s);
	s.nroutes = 0;
	uplink_classify(&s);
	assert_int_equal(uplink_choose(&s, 4, name, sizeof(name), why,
	                     sizeof(why)),
	    -1);
	assert_string_equal(why,
	    "-i auto: no physical interface carries an "
	    "IPv4 route (candidates: phy0 (virtual, no route beyond its "
	    "subnet), tun0 (tunnel))");
	uplink_snapshot_free(&s);

	/* Only loopback. */
	memset(&s, 0, sizeof(s));
	iface(&s, "lo", 1, UP | UPLINK_F_LOOPBACK, UPLINK_LINK_LOOPBACK, "",
	    false);
	uplink_classify(&s);
	assert_int_equal(uplink_choose(&s, 4, name, sizeof(name), why,
	                     sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "(candidates: none)"));
	uplink_snapshot_free(&s);
}

/* docker0 and its veths are virtual; a host bridge carrying the default
 * (br0 enslaving the NIC) is the uplink. */
static void
test_docker(void **state)
{
	struct uplink_snapshot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	iface(&s, "eth0", 2, UP, UPLINK_LINK_ETHER, "", true);
	addr(&s, 2, "192.0.2.10", 24);
	uni(&s, "0.0.0.0/0", 2, true, 100);
	iface(&s, "docker0", 3, UP, UPLINK_LINK_ETHER, "bridge", false);
	addr(&s, 3, "172.17.0.1", 16);
	uni(&s, "172.17.0.0/16", 3, false, 0);
	iface(&s, "veth1a2b3c", 4, UP, UPLINK_LINK_ETHER, "veth", false);
	expect_auto(&s, 4, "eth0");
	assert_string_equal(kind_of(&s, "docker0"), "virtual");
	assert_string_equal(kind_of(&s, "veth1a2b3c"), "virtual");
	assert_string_equal(kind_of(&s, "eth0"), "physical");
	uplink_snapshot_free(&s);

	memset(&s, 0, sizeof(s));
	iface(&s, "br0", 3, UP, UPLINK_LINK_ETHER, "bridge", false);
	addr(&s, 3, "192.0.2.10", 24);
	uni(&s, "0.0.0.0/0", 3, true, 100);
	iface(&s, "dummy0", 4, UP, UPLINK_LINK_ETHER, "dummy", false);
	addr(&s, 4, "198.51.100.1", 24);
	uni(&s, "0.0.0.0/0", 4, true, 50); /* a dummy never qualifies */
	expect_auto(&s, 4, "br0");
	assert_string_equal(kind_of(&s, "br0"), "physical");
	assert_string_equal(kind_of(&s, "dummy0"), "virtual");
	uplink_snapshot_free(&s);
}

/* Kernel facts decide before names; names only when nothing else does. */
static void
test_facts_before_names(void **state)
{
	struct uplink_snapshot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	iface(&s, "eth1", 2, UP, UPLINK_LINK_ETHER, "tun", false); /* a tap */
	iface(&s, "tun5", 3, UP, UPLINK_LINK_ETHER, "", true);
	iface(&s, "wwan0", 4, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_NONE, "",
	    true);
	iface(&s, "gre1", 5, UP, UPLINK_LINK_TUNNEL, "gre", false);
	iface(&s, "ppp0", 6, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_PPP, "",
	    false);
	iface(&s, "utun3", 7, UP, UPLINK_LINK_OTHER, "", false);
	iface(&s, "awdl0", 8, UP, UPLINK_LINK_ETHER, "", false);
	iface(&s, "myvpn", 9, UP | UPLINK_F_POINTOPOINT, UPLINK_LINK_OTHER, "",
	    false);
	iface(&s, "en0", 10, UP, UPLINK_LINK_ETHER, "", false);
	uni(&s, "0.0.0.0/0", 10, true, 0);
	iface(&s, "en1", 11, UP, UPLINK_LINK_ETHER, "", false);
	uplink_classify(&s);
	assert_string_equal(kind_of(&s, "eth1"), "tunnel");
	assert_string_equal(kind_of(&s, "tun5"), "physical");
	assert_string_equal(kind_of(&s, "wwan0"), "physical");
	assert_string_equal(kind_of(&s, "gre1"), "tunnel");
	assert_string_equal(kind_of(&s, "ppp0"), "tunnel");
	assert_string_equal(kind_of(&s, "utun3"), "tunnel");
	assert_string_equal(kind_of(&s, "awdl0"), "virtual");
	assert_string_equal(kind_of(&s, "myvpn"), "tunnel");
	assert_string_equal(kind_of(&s, "en0"), "physical");
	assert_string_equal(kind_of(&s, "en1"), "virtual");
	uplink_snapshot_free(&s);
}

/* ------------------------------------------------------------ report */

static void
test_partial_split(void **state)
{
	struct uplink_snapshot s;
	char *text;

	(void)state;
	lab_base(&s);
	uni(&s, "128.0.0.0/1", 3, false, 0);
	uni(&s, "2000::/3", 3, false, 1024);
	text = report(&s);
	assert_has(text,
	    "capture: IPv4 split routes to tun0 (1 route "
	    "covering 128/256 of the address space)\n");
	assert_has(text,
	    "capture: IPv6 split routes to tun0 (1 route "
	    "covering 2000::/3, every global address)\n");
	free(text);
	uplink_snapshot_free(&s);
}

static void
test_nothing_captures(void **state)
{
	struct uplink_snapshot s;
	char *text;

	(void)state;
	lab_base(&s);
	s.resolv_conf = "# generated\nnameserver 192.0.2.53\nsearch lab\n";
	text = report(&s);
	assert_has(text, "capture: none seen");
	assert_lacks(text, "warning:");
	free(text);
	uplink_snapshot_free(&s);
}

/* sing-box strict_route: rejecting rules and routes defeat a bound
 * socket; so may a rule matching the bound interface itself. */
static void
test_blocking(void **state)
{
	struct uplink_snapshot s;
	struct uplink_rule *r;
	char *text;

	(void)state;
	lab_base(&s);
	route(&s, 2022, "0.0.0.0/0", 3, false, 0, UPLINK_RT_UNICAST);
	rule(&s, 4, 9000, UPLINK_RULE_TABLE, 2022);
	r = rule(&s, 4, 9010, UPLINK_RULE_UNREACHABLE, 0);
	snprintf(r->iif, sizeof(r->iif), "lo");
	r = rule(&s, 6, 9001, UPLINK_RULE_TABLE, 2022);
	snprintf(r->oif, sizeof(r->oif), "phy0");
	route(&s, 2022, "::/0", 0, false, 0, UPLINK_RT_BLACKHOLE);
	/* The IPv6 FIB's own catch-all is no capture. */
	route(&s, MAIN, "::/0", 1, false, 0xffffffffu, UPLINK_RT_UNREACHABLE);
	route(&s, MAIN, "10.1.0.0/16", 0, false, 0, UPLINK_RT_UNREACHABLE);
	text = report(&s);
	assert_has(text,
	    "capture: IPv4 rule 9000: lookup 2022: table 2022 "
	    "sends everything to tun0\n");
	assert_has(text,
	    "warning: IPv4 rule 9010: iif lo unreachable refuses "
	    "what it matches");
	assert_has(text,
	    "warning: IPv6 rule 9001: oif phy0 lookup 2022 "
	    "matches sockets bound to phy0");
	assert_has(text, "warning: IPv6 blackhole route ::/0 in table 2022");
	assert_lacks(text, "unreachable route ::/0");
	assert_lacks(text, "10.1.0.0/16"); /* narrow: no capture */
	expect_auto(&s, 4, "phy0");
	free(text);
	uplink_snapshot_free(&s);
}

static void
test_resolver(void **state)
{
	struct uplink_snapshot s;
	char *text;

	(void)state;
	lab_base(&s);
	s.resolv_conf = "nameserver 198.18.0.2\n"
	                "nameserver\t127.0.0.53\n"
	                "# nameserver 198.19.0.1\n"
	                "nameserver 192.0.2.53\n"
	                "nameserver fc00::2\n"
	                "nameserver ::1"; /* no final newline */
	text = report(&s);
	assert_has(text,
	    "capture: resolver 198.18.0.2 (/etc/resolv.conf) is "
	    "in a fake-ip range");
	assert_has(text,
	    "capture: resolver 127.0.0.53 (/etc/resolv.conf) is "
	    "a local stub");
	assert_has(text,
	    "capture: resolver fc00::2 (/etc/resolv.conf) is in "
	    "a fake-ip range");
	assert_has(text,
	    "capture: resolver ::1 (/etc/resolv.conf) is a local "
	    "stub");
	assert_lacks(text, "198.19.0.1");
	assert_lacks(text, "resolver 192.0.2.53");
	assert_lacks(text, "none seen");
	free(text);
	uplink_snapshot_free(&s);
}

/* The system's own snapshot, whatever it holds: it can be taken, and the
 * report names loopback. No privilege needed to read rtnetlink. */
static void
test_live(void **state)
{
	char why[600] = "", *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	(void)state;
	assert_non_null(f);
	if (uplink_list(f, why, sizeof(why)) < 0)
		fail_msg("uplink_list: %s", why);
	fclose(f);
	assert_has(text, "loopback");
	assert_has(text, "capture:");
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clashx),
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_no_main_default),
		cmocka_unit_test(test_second_tun),
		cmocka_unit_test(test_wireguard_default),
		cmocka_unit_test(test_metrics),
		cmocka_unit_test(test_v6_on_one),
		cmocka_unit_test(test_nothing_qualifies),
		cmocka_unit_test(test_docker),
		cmocka_unit_test(test_facts_before_names),
		cmocka_unit_test(test_partial_split),
		cmocka_unit_test(test_nothing_captures),
		cmocka_unit_test(test_blocking),
		cmocka_unit_test(test_resolver),
		cmocka_unit_test(test_live),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
