/*
 * test_decide.c - common/decide.c: destination sockaddr -> decision, from a
 * hand-built configuration; no sockets involved.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "../../common/decide.h"

static struct sockaddr_storage ss;

static const struct sockaddr *
v4(const char *a, unsigned port, socklen_t *len)
{
	struct sockaddr_in *s = (struct sockaddr_in *)&ss;

	memset(&ss, 0, sizeof(ss));
	s->sin_family = AF_INET;
	s->sin_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
	*len = sizeof(*s);
	return (struct sockaddr *)s;
}

static const struct sockaddr *
v6(const char *a, unsigned port, socklen_t *len)
{
	struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

	memset(&ss, 0, sizeof(ss));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons((uint16_t)port);
	assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
	*len = sizeof(*s);
	return (struct sockaddr *)s;
}

struct fixture {
	struct shim_cfg cfg;
	struct rules_policy *policy;
	unsigned ifindex[8];
	struct local_addr local[2];
};

/* A configuration as the shim builds it: rules text, default interface. */
static struct fixture *
make(const char *text, const char *iface)
{
	struct fixture *f = calloc(1, sizeof(*f));
	struct rules_errors errs = { 0 };
	struct rules_set *set = NULL;
	char why[256];
	size_t i;

	assert_non_null(f);
	if (text != NULL) {
		set = rules_load_string(text, "t.conf", &errs);
		assert_non_null(set);
		assert_int_equal(errs.n, 0);
	}
	f->policy =
	    rules_select(set, "/usr/bin/curl", "curl", iface, why, sizeof(why));
	assert_non_null(f->policy);
	rules_set_free(set);
	for (i = 0; i < rules_policy_nifaces(f->policy) && i < 8; i++)
		f->ifindex[i] = rules_policy_iface(f->policy, (unsigned)i)[0] ?
		    10 + (unsigned)i :
		    0;
	f->local[0].family = 4;
	inet_pton(AF_INET, "192.0.2.1", f->local[0].addr);
	f->local[1].family = 6;
	inet_pton(AF_INET6, "2001:db8:1::1", f->local[1].addr);
	f->cfg.policy = f->policy;
	f->cfg.ifindex = f->ifindex;
	f->cfg.local = f->local;
	f->cfg.nlocal = 2;
	return f;
}

static void
drop(struct fixture *f)
{
	rules_policy_free(f->policy);
	free(f);
}

static void
test_proto_class(void **state)
{
	(void)state;
	assert_int_equal(decide_proto_class(AF_INET, SOCK_STREAM, 0),
	    RULES_PROTO_TCP);
	assert_int_equal(decide_proto_class(AF_INET6,
	                     SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
	    RULES_PROTO_TCP);
	assert_int_equal(decide_proto_class(AF_INET, SOCK_DGRAM, 0),
	    RULES_PROTO_UDP);
	assert_int_equal(decide_proto_class(AF_INET, SOCK_DGRAM, IPPROTO_ICMP),
	    RULES_PROTO_ICMP);
	assert_int_equal(decide_proto_class(AF_INET6, SOCK_RAW, IPPROTO_ICMPV6),
	    RULES_PROTO_ICMP);
	assert_int_equal(decide_proto_class(AF_INET, SOCK_RAW, IPPROTO_UDP),
	    RULES_PROTO_RAW);
	assert_int_equal(decide_proto_class(AF_UNIX, SOCK_STREAM, 0), 0);
	assert_int_equal(decide_proto_class(AF_NETLINK, SOCK_RAW, 0), 0);
}

static void
test_default_interface_binds_v4_v6_mapped(void **state)
{
	struct fixture *f = make(NULL, "phy0");
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa;

	(void)state;
	sa = v4("198.51.100.10", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_BIND);
	assert_int_equal(d.ifindex, 10);
	assert_string_equal(d.ifname, "phy0");
	assert_int_equal(d.v.reason, RULES_BY_DEFAULT);

	sa = v6("2001:db8:2::10", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_BIND);
	assert_int_equal(d.ifindex, 10);

	sa = v6("::ffff:198.51.100.10", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_UDP, &d));
	assert_int_equal(d.action, RULES_BIND);
	drop(f);
}

static void
test_loopback_and_host_addresses_pass(void **state)
{
	struct fixture *f = make(NULL, "phy0");
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa;

	(void)state;
	sa = v4("127.0.0.1", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);
	assert_int_equal(d.v.reason, RULES_BY_LOOPBACK);

	sa = v6("::1", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);

	sa = v6("::ffff:127.0.0.1", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);

	sa = v4("192.0.2.1", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);
	assert_true(d.host_address);

	sa = v6("2001:db8:1::1", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_UDP, &d));
	assert_int_equal(d.action, RULES_PASS);
	assert_true(d.host_address);

	/* A neighbour on the same link is not the host itself. */
	sa = v4("192.0.2.2", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_BIND);
	drop(f);
}

static void
test_not_inet_is_not_decided(void **state)
{
	struct fixture *f = make(NULL, "phy0");
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in short_sin = { .sin_family = AF_INET };
	struct decision d;

	(void)state;
	assert_false(decide(&f->cfg, (struct sockaddr *)&un, sizeof(un),
	    RULES_PROTO_TCP, &d));
	assert_false(decide(&f->cfg, (struct sockaddr *)&short_sin, 4,
	    RULES_PROTO_TCP, &d));
	assert_false(decide(&f->cfg, NULL, 0, RULES_PROTO_TCP, &d));
	drop(f);
}

static void
test_missing_interface_fails_closed(void **state)
{
	struct fixture *f = make(NULL, "gone0");
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa = v4("198.51.100.10", 443, &len);

	(void)state;
	f->ifindex[0] = 0; /* if_nametoindex found nothing at start-up */
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_REJECT);
	assert_int_equal(d.err, ENODEV);
	drop(f);
}

static void
test_broken_settings_reject_all_but_loopback(void **state)
{
	struct fixture *f = make(NULL, NULL);
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa;

	(void)state;
	f->cfg.broken = ENETUNREACH;
	sa = v4("198.51.100.10", 443, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_REJECT);
	assert_int_equal(d.err, ENETUNREACH);
	sa = v4("127.0.0.1", 443, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);
	drop(f);
}

static void
test_inert_passes(void **state)
{
	struct fixture *f = make(NULL, "phy0");
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa = v4("198.51.100.10", 443, &len);

	(void)state;
	f->cfg.inert = true;
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);
	drop(f);
}

static void
test_rules_reject_pass_bind_with_lines(void **state)
{
	struct fixture *f =
	    make("interface = \"phy0\";\n"
	         "rules = (\n"
	         "  { dst = \"198.51.100.7\"; action = \"pass\"; },\n"
	         "  { dst = \"198.51.100.0/24\"; port = [53];\n"
	         "    proto = \"udp\"; action = \"reject\"; errno = "
	         "\"EACCES\"; },\n"
	         "  { dst = \"203.0.113.0/24\"; interface = \"wan1\"; }\n"
	         ");\n",
	        NULL);
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa;
	char line[300];

	(void)state;
	sa = v4("198.51.100.7", 443, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_PASS);
	assert_int_equal(d.v.line, 3);

	sa = v4("198.51.100.8", 53, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_UDP, &d));
	assert_int_equal(d.action, RULES_REJECT);
	assert_int_equal(d.err, EACCES);
	/* Same address over TCP: the rule is UDP only, the default binds. */
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_BIND);
	assert_string_equal(d.ifname, "phy0");

	sa = v4("203.0.113.9", 443, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	assert_int_equal(d.action, RULES_BIND);
	assert_string_equal(d.ifname, "wan1");
	assert_int_not_equal(d.ifindex, 0);
	decide_describe(&f->cfg, sa, RULES_PROTO_TCP, &d, line, sizeof(line));
	assert_string_equal(line, "203.0.113.9:443/tcp -> wan1 (t.conf:6)");
	drop(f);
}

static void
test_describe(void **state)
{
	struct fixture *f = make(NULL, "phy0");
	struct decision d;
	socklen_t len;
	const struct sockaddr *sa;
	char line[300];

	(void)state;
	sa = v6("2001:db8:2::10", 80, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_TCP, &d));
	decide_describe(&f->cfg, sa, RULES_PROTO_TCP, &d, line, sizeof(line));
	assert_string_equal(line, "[2001:db8:2::10]:80/tcp -> phy0 (default)");
	sa = v4("127.0.0.1", 631, &len);
	assert_true(decide(&f->cfg, sa, len, RULES_PROTO_UDP, &d));
	decide_describe(&f->cfg, sa, RULES_PROTO_UDP, &d, line, sizeof(line));
	assert_string_equal(line, "127.0.0.1:631/udp -> pass (loopback)");
	drop(f);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proto_class),
		cmocka_unit_test(test_default_interface_binds_v4_v6_mapped),
		cmocka_unit_test(test_loopback_and_host_addresses_pass),
		cmocka_unit_test(test_not_inet_is_not_decided),
		cmocka_unit_test(test_missing_interface_fails_closed),
		cmocka_unit_test(test_broken_settings_reject_all_but_loopback),
		cmocka_unit_test(test_inert_passes),
		cmocka_unit_test(test_rules_reject_pass_bind_with_lines),
		cmocka_unit_test(test_describe),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
