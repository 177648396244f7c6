/*
 * test_dnsredirect.c - common/dnsredirect.c: which destinations of a
 * program's own DNS queries are the system's resolvers, the server each
 * goes to instead (family by family, v4-mapped for IPv6 sockets), the
 * interface slot DNS leaves by, and the address comparison that the reply
 * rewriting relies on. No sockets.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dnsredirect.h"

static union dnsredir_addr
v4(const char *a, unsigned port)
{
	union dnsredir_addr u;

	memset(&u, 0, sizeof(u));
	u.in.sin_family = AF_INET;
	u.in.sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, a, &u.in.sin_addr), 1);
	return u;
}

static union dnsredir_addr
v6(const char *a, unsigned port)
{
	union dnsredir_addr u;

	memset(&u, 0, sizeof(u));
	u.in6.sin6_family = AF_INET6;
	u.in6.sin6_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET6, a, &u.in6.sin6_addr), 1);
	return u;
}

static enum dnsredir_kind
kind4(const struct dnsredir_system *sys, const char *a, unsigned port)
{
	union dnsredir_addr u = v4(a, port);

	return dnsredir_classify(sys, &u.sa, sizeof(u.in));
}

static enum dnsredir_kind
kind6(const struct dnsredir_system *sys, const char *a, unsigned port)
{
	union dnsredir_addr u = v6(a, port);

	return dnsredir_classify(sys, &u.sa, sizeof(u.in6));
}

static void
test_classify(void **state)
{
	struct dnsredir_system sys;

	(void)state;
	dnsredir_system_parse("# generated\nnameserver 10.0.0.53\n"
	                      "nameserver 2001:db8::35 # v6\noptions ndots:1\n",
	    &sys);
	assert_int_equal(sys.conf.n, 2);
	assert_int_equal(kind4(&sys, "10.0.0.53", 53), DNSREDIR_CONF);
	assert_int_equal(kind6(&sys, "2001:db8::35", 53), DNSREDIR_CONF);
	assert_int_equal(kind6(&sys, "::ffff:10.0.0.53", 53), DNSREDIR_CONF);
	/* Only port 53: resolv.conf has no port, so no client asks another. */
	assert_int_equal(kind4(&sys, "10.0.0.53", 5353), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "10.0.0.53", 853), DNSREDIR_NONE);
	/* resolved's stubs, fake-ip ranges, whatever resolv.conf says. */
	assert_int_equal(kind4(&sys, "127.0.0.53", 53), DNSREDIR_STUB);
	assert_int_equal(kind4(&sys, "127.0.0.54", 53), DNSREDIR_STUB);
	assert_int_equal(kind6(&sys, "::ffff:127.0.0.53", 53), DNSREDIR_STUB);
	assert_int_equal(kind4(&sys, "198.18.0.2", 53), DNSREDIR_FAKEIP);
	assert_int_equal(kind4(&sys, "198.19.255.254", 53), DNSREDIR_FAKEIP);
	assert_int_equal(kind6(&sys, "fc00::2", 53), DNSREDIR_FAKEIP);
	assert_int_equal(kind6(&sys, "fc00:3fff::1", 53), DNSREDIR_FAKEIP);
	/* Servers of the user's choosing go where aimed: just outside the
	 * ranges, other loopback addresses, any other server. */
	assert_int_equal(kind4(&sys, "198.17.255.255", 53), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "198.20.0.0", 53), DNSREDIR_NONE);
	assert_int_equal(kind6(&sys, "fc00:4000::1", 53), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "127.0.0.1", 53), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "127.0.0.55", 53), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "192.0.2.53", 53), DNSREDIR_NONE);
	assert_int_equal(kind6(&sys, "::1", 53), DNSREDIR_NONE);
	assert_int_equal(kind4(&sys, "198.18.0.2", 80), DNSREDIR_NONE);
}

static void
test_classify_resolv_conf_loopback(void **state)
{
	struct dnsredir_system sys;

	(void)state;
	/* A local dnsmasq named by resolv.conf is the system's resolver. */
	dnsredir_system_parse("nameserver 127.0.0.1\n", &sys);
	assert_int_equal(kind4(&sys, "127.0.0.1", 53), DNSREDIR_CONF);
	dnsredir_system_parse(NULL, &sys);
	assert_int_equal(sys.conf.n, 0);
	assert_int_equal(kind4(&sys, "127.0.0.1", 53), DNSREDIR_NONE);
}

static void
test_classify_bad_input(void **state)
{
	struct dnsredir_system sys;
	union dnsredir_addr u = v4("198.18.0.2", 53);
	struct sockaddr un = { .sa_family = AF_UNIX };

	(void)state;
	dnsredir_system_parse("nameserver 198.18.0.2\n", &sys);
	assert_int_equal(dnsredir_classify(&sys, NULL, 0), DNSREDIR_NONE);
	assert_int_equal(dnsredir_classify(&sys, &u.sa, sizeof(u.in) - 1),
	    DNSREDIR_NONE);
	assert_int_equal(dnsredir_classify(&sys, &un, sizeof(un)),
	    DNSREDIR_NONE);
	u = v6("fc00::2", 53);
	assert_int_equal(dnsredir_classify(&sys, &u.sa, sizeof(u.in)),
	    DNSREDIR_NONE);
}

static struct dns_servers
servers(const char *text)
{
	struct dns_servers s;
	char why[200];

	assert_int_equal(dnsconf_parse_list(text, &s, why, sizeof(why)), 0);
	return s;
}

static void
assert_target(const struct dns_servers *s, int family,
    const union dnsredir_addr *orig, socklen_t origlen, const char *want)
{
	union dnsredir_addr to;
	char got[64];
	socklen_t n = dnsredir_target(s, family, &orig->sa, origlen, &to);

	if (want == NULL) {
		assert_int_equal(n, 0);
		return;
	}
	assert_int_equal(n, family == AF_INET ? sizeof(to.in) : sizeof(to.in6));
	assert_int_equal(to.sa.sa_family, family);
	dnsredir_format(&to.sa, got, sizeof(got));
	assert_string_equal(got, want);
}

static void
test_target(void **state)
{
	struct dns_servers both = servers("2001:db8::53, 192.0.2.53");
	struct dns_servers only4 = servers("192.0.2.53:5353");
	struct dns_servers only6 = servers("[2001:db8::53]:5353");
	union dnsredir_addr o4 = v4("198.18.0.2", 53);
	union dnsredir_addr o6 = v6("fc00::2", 53);
	union dnsredir_addr om = v6("::ffff:198.18.0.2", 53);

	(void)state;
	/* The destination's family first, whatever the list's order. */
	assert_target(&both, AF_INET, &o4, sizeof(o4.in), "192.0.2.53");
	assert_target(&both, AF_INET6, &o6, sizeof(o6.in6), "2001:db8::53");
	/* (v4-mapped addresses print as IPv4; the family says mapped.) */
	assert_target(&both, AF_INET6, &om, sizeof(om.in6), "192.0.2.53");
	/* The server's port is kept. */
	assert_target(&only4, AF_INET, &o4, sizeof(o4.in), "192.0.2.53:5353");
	/* An IPv6 socket may reach an IPv4 server, mapped; an IPv4 one
	 * never reaches an IPv6 server: no target, the query fails. */
	assert_target(&only4, AF_INET6, &o6, sizeof(o6.in6), "192.0.2.53:5353");
	assert_target(&only6, AF_INET, &o4, sizeof(o4.in), NULL);
	assert_target(&only6, AF_INET6, &om, sizeof(om.in6),
	    "[2001:db8::53]:5353");
	{
		struct dns_servers none = { .n = 0 };

		assert_target(&none, AF_INET, &o4, sizeof(o4.in), NULL);
		assert_target(&both, AF_UNIX, &o4, sizeof(o4.in), NULL);
	}
}

static void
test_same(void **state)
{
	union dnsredir_addr a = v4("192.0.2.53", 53), b = v4("192.0.2.53", 53);
	union dnsredir_addr m = v6("::ffff:192.0.2.53", 53);
	union dnsredir_addr p = v4("192.0.2.53", 54), c = v4("192.0.2.54", 53);

	(void)state;
	assert_true(dnsredir_same(&a.sa, sizeof(a.in), &b.sa, sizeof(b.in)));
	assert_true(dnsredir_same(&a.sa, sizeof(a.in), &m.sa, sizeof(m.in6)));
	assert_false(dnsredir_same(&a.sa, sizeof(a.in), &p.sa, sizeof(p.in)));
	assert_false(dnsredir_same(&a.sa, sizeof(a.in), &c.sa, sizeof(c.in)));
	/* A truncated address (the caller's buffer was short) is not one. */
	assert_false(dnsredir_same(&a.sa, 8, &b.sa, sizeof(b.in)));
	assert_false(dnsredir_same(NULL, 0, &b.sa, sizeof(b.in)));
}

static void
test_format(void **state)
{
	union dnsredir_addr a = v4("198.18.0.2", 53), b = v6("fc00::2", 5353);
	char buf[64];

	(void)state;
	dnsredir_format(&a.sa, buf, sizeof(buf));
	assert_string_equal(buf, "198.18.0.2");
	dnsredir_format(&b.sa, buf, sizeof(buf));
	assert_string_equal(buf, "[fc00::2]:5353");
	dnsredir_format(&a.sa, buf, 4);
	assert_string_equal(buf, "198");
	assert_string_equal(dnsredir_kind_name(DNSREDIR_FAKEIP), "fake-ip");
	assert_string_equal(dnsredir_kind_name(DNSREDIR_NONE), "");
}

static struct rules_policy *
policy(const char *text, const char *iface)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set = NULL;
	struct rules_policy *p;
	char why[256];

	if (text != NULL) {
		set = rules_load_string(text, "t.conf", &errs);
		assert_non_null(set);
		assert_int_equal(errs.n, 0);
	}
	p = rules_select(set, "/usr/bin/dig", "dig", iface, why, sizeof(why));
	assert_non_null(p);
	rules_set_free(set);
	return p;
}

static void
test_iface_slot(void **state)
{
	struct dns_servers s = servers("192.0.2.53");
	struct rules_policy *p;
	unsigned slot = 99;

	(void)state;
	/* A default interface: DNS leaves by it. */
	p = policy(NULL, "phy0");
	assert_true(dnsredir_iface_slot(p, NULL, &slot));
	assert_int_equal(slot, 0);
	rules_policy_free(p);
	/* None: only explicit servers the rules bind make it ours. */
	p = policy("rules = ( { dst = \"192.0.2.0/24\"; interface = \"eth1\"; "
	           "} );\n",
	    NULL);
	assert_false(dnsredir_iface_slot(p, NULL, &slot));
	assert_true(dnsredir_iface_slot(p, &s, &slot));
	assert_string_equal(rules_policy_iface(p, slot), "eth1");
	s = servers("203.0.113.53");
	assert_false(dnsredir_iface_slot(p, &s, &slot));
	rules_policy_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_classify),
		cmocka_unit_test(test_classify_resolv_conf_loopback),
		cmocka_unit_test(test_classify_bad_input),
		cmocka_unit_test(test_target),
		cmocka_unit_test(test_same),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_iface_slot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
