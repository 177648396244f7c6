/*
 * test_dnsresult.c - shim/dns/dnsresult.c: numeric names, AI_ADDRCONFIG,
 * h_errno values and hostent layout in a caller's buffer.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>

#include "../../shim/dns/dnsresult.h"

static void
add(struct resolve_answer *ans, const char *text)
{
	struct sockaddr_storage *ss = &ans->addr[ans->n++];

	memset(ss, 0, sizeof(*ss));
	if (strchr(text, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

		s6->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, text, &s6->sin6_addr), 1);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)ss;

		s4->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, text, &s4->sin_addr), 1);
	}
}

static void
test_numeric(void **state)
{
	(void)state;
	assert_true(dnsresult_numeric("198.51.100.10"));
	assert_true(dnsresult_numeric("2001:db8::1"));
	assert_true(dnsresult_numeric("fe80::1%phy0"));
	assert_true(dnsresult_numeric("::ffff:192.0.2.1"));
	/* inet_aton's forms: glibc's getaddrinfo takes them without DNS. */
	assert_true(dnsresult_numeric("127.1"));
	assert_true(dnsresult_numeric("0x7f000001"));
	assert_false(dnsresult_numeric("test.example"));
	assert_false(dnsresult_numeric("localhost"));
	assert_false(dnsresult_numeric("1.2.3.4.example"));
	assert_false(dnsresult_numeric("fe80::1%"));
	assert_false(dnsresult_numeric(""));
}

static void
test_addrconfig(void **state)
{
	struct local_addr local[4];

	(void)state;
	memset(local, 0, sizeof(local));
	local[0].family = 4;
	inet_pton(AF_INET, "127.0.0.1", local[0].addr);
	local[1].family = 6;
	inet_pton(AF_INET6, "::1", local[1].addr);
	local[2].family = 6;
	inet_pton(AF_INET6, "fe80::1", local[2].addr);
	local[3].family = 4;
	inet_pton(AF_INET, "192.0.2.1", local[3].addr);
	/* Only IPv4 beyond loopback and link-local: ask for A only. */
	assert_int_equal(dnsresult_addrconfig(AF_UNSPEC, local, 4), AF_INET);
	/* An explicit family is never changed. */
	assert_int_equal(dnsresult_addrconfig(AF_INET6, local, 4), AF_INET6);
	/* Both: both. */
	local[2].family = 6;
	inet_pton(AF_INET6, "2001:db8:1::1", local[2].addr);
	assert_int_equal(dnsresult_addrconfig(AF_UNSPEC, local, 4), AF_UNSPEC);
	/* Only IPv6. */
	assert_int_equal(dnsresult_addrconfig(AF_UNSPEC, local + 1, 2),
	    AF_INET6);
	/* Nothing but loopback: no narrowing, the lookup decides. */
	assert_int_equal(dnsresult_addrconfig(AF_UNSPEC, local, 2), AF_UNSPEC);
}

static void
test_herrno(void **state)
{
	(void)state;
	assert_int_equal(dnsresult_herrno(EAI_NONAME), HOST_NOT_FOUND);
	assert_int_equal(dnsresult_herrno(EAI_AGAIN), TRY_AGAIN);
	assert_int_equal(dnsresult_herrno(EAI_FAIL), NO_RECOVERY);
	assert_int_equal(dnsresult_herrno(EAI_MEMORY), NO_RECOVERY);
}

static void
test_hostent_layout(void **state)
{
	struct resolve_answer ans;
	struct hostent he;
	char buf[512], text[INET6_ADDRSTRLEN];

	(void)state;
	memset(&ans, 0, sizeof(ans));
	add(&ans, "198.51.100.10");
	add(&ans, "2001:db8:2::10");
	add(&ans, "198.51.100.11");
	strcpy(ans.canon, "real.test.example");

	assert_int_equal(dnsresult_hostent(&ans, "test.example", AF_INET, &he,
	                     buf + 1, sizeof(buf) - 1),
	    0);
	assert_string_equal(he.h_name, "real.test.example");
	assert_int_equal(he.h_addrtype, AF_INET);
	assert_int_equal(he.h_length, 4);
	assert_null(he.h_aliases[0]);
	assert_non_null(he.h_addr_list[0]);
	assert_non_null(he.h_addr_list[1]);
	assert_null(he.h_addr_list[2]);
	/* Pointers aligned even though the buffer was not. */
	assert_int_equal((uintptr_t)he.h_addr_list % sizeof(char *), 0);
	inet_ntop(AF_INET, he.h_addr_list[0], text, sizeof(text));
	assert_string_equal(text, "198.51.100.10");
	inet_ntop(AF_INET, he.h_addr_list[1], text, sizeof(text));
	assert_string_equal(text, "198.51.100.11");
	/* Everything lives inside the buffer. */
	assert_true(he.h_name > buf && he.h_name < buf + sizeof(buf));
	assert_true(
	    he.h_addr_list[1] > buf && he.h_addr_list[1] < buf + sizeof(buf));

	assert_int_equal(dnsresult_hostent(&ans, "test.example", AF_INET6, &he,
	                     buf, sizeof(buf)),
	    0);
	assert_int_equal(he.h_length, 16);
	inet_ntop(AF_INET6, he.h_addr_list[0], text, sizeof(text));
	assert_string_equal(text, "2001:db8:2::10");
	assert_null(he.h_addr_list[1]);

	/* No canonical name: the name asked for. */
	ans.canon[0] = '\0';
	assert_int_equal(dnsresult_hostent(&ans, "test.example", AF_INET, &he,
	                     buf, sizeof(buf)),
	    0);
	assert_string_equal(he.h_name, "test.example");
}

static void
test_hostent_short_buffer(void **state)
{
	struct resolve_answer ans;
	struct hostent he;
	char buf[256];
	size_t need = 0, len;

	(void)state;
	memset(&ans, 0, sizeof(ans));
	add(&ans, "198.51.100.10");
	add(&ans, "198.51.100.11");
	/* Every length below the need is ERANGE, none writes past it. */
	for (len = 0; len < sizeof(buf); len++) {
		memset(buf, 0x5a, sizeof(buf));
		if (dnsresult_hostent(&ans, "test.example", AF_INET, &he,
		        buf + 8, len) == 0) {
			need = len;
			break;
		}
		assert_int_equal(dnsresult_hostent(&ans, "test.example",
		                     AF_INET, &he, buf + 8, len),
		    ERANGE);
	}
	assert_true(need > 0);
	assert_int_equal((unsigned char)buf[8 + need], 0x5a);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numeric),
		cmocka_unit_test(test_addrconfig),
		cmocka_unit_test(test_herrno),
		cmocka_unit_test(test_hostent_layout),
		cmocka_unit_test(test_hostent_short_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
