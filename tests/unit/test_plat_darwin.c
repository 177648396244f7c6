/*
 * test_plat_darwin.c - common/plat_darwin.c built on Linux: the bound-interface
 * options chosen by the socket's family, secure mode from issetugid, and the
 * program's names, with setsockopt/getsockopt and the macOS-only libc
 * functions (issetugid, getprogname, _NSGetExecutablePath, _NSGetEnviron)
 * mocked here.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/plat.h"

/* macOS's numbers, spelled out: a test that borrowed the code's own
 * constants would agree with any typo in them. */
#define MAC_IP_BOUND_IF 25
#define MAC_IPV6_BOUND_IF 125
#ifndef IPV6_PKTINFO
#define IPV6_PKTINFO 46 /* the macOS value plat_darwin.c falls back to */
#endif

int __real_getsockopt(int, int, int, void *, socklen_t *);
int __wrap_setsockopt(int, int, int, const void *, socklen_t);
int __wrap_getsockopt(int, int, int, void *, socklen_t *);
int issetugid(void);
const char *getprogname(void);
int _NSGetExecutablePath(char *, uint32_t *);
char ***_NSGetEnviron(void);

/* When set, getsockopt reaches the kernel (for plat_sockinfo). */
static int passthrough;

struct reply {
	int rc; /* 0, or -errno */
	int value;
};

int
__wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int rc;

	check_expected(fd);
	check_expected(level);
	check_expected(name);
	check_expected(len);
	check_expected(val);
	rc = mock_type(int);
	if (rc < 0) {
		errno = -rc;
		return -1;
	}
	return 0;
}

int
__wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	const struct reply *r;

	if (passthrough)
		return __real_getsockopt(fd, level, name, val, len);
	check_expected(fd);
	check_expected(level);
	check_expected(name);
	assert_int_equal(*len, sizeof(int));
	r = mock_ptr_type(const struct reply *);
	if (r->rc < 0) {
		errno = -r->rc;
		return -1;
	}
	memcpy(val, &r->value, sizeof(int));
	*len = sizeof(int);
	return 0;
}

int
issetugid(void)
{
	return mock_type(int);
}

const char *
getprogname(void)
{
	return mock_ptr_type(const char *);
}

/* macOS's environ for libraries: the test's own. */
char ***
_NSGetEnviron(void)
{
	return &environ;
}

/* As macOS: 0 and the path, or -1 and the size needed in *bufsize. */
int
_NSGetExecutablePath(char *buf, uint32_t *bufsize)
{
	const char *path = mock_ptr_type(const char *);
	uint32_t need = (uint32_t)strlen(path) + 1;

	if (need > *bufsize) {
		*bufsize = need;
		return -1;
	}
	memcpy(buf, path, need);
	return 0;
}

static void
expect_set(int fd, int level, int name, int idx, int rc)
{
	expect_value(__wrap_setsockopt, fd, fd);
	expect_value(__wrap_setsockopt, level, level);
	expect_value(__wrap_setsockopt, name, name);
	expect_value(__wrap_setsockopt, len, sizeof(int));
	/* cmocka keeps a copy of idx, so a local will do. */
	expect_memory(__wrap_setsockopt, val, &idx, sizeof(int));
	will_return(__wrap_setsockopt, rc);
}

static void
expect_get(int fd, int level, int name, const struct reply *r)
{
	expect_value(__wrap_getsockopt, fd, fd);
	expect_value(__wrap_getsockopt, level, level);
	expect_value(__wrap_getsockopt, name, name);
	will_return(__wrap_getsockopt, r);
}

static void
test_bind_v4_uses_ip_bound_if(void **state)
{
	(void)state;
	expect_set(5, IPPROTO_IP, MAC_IP_BOUND_IF, 7, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "en0"), 0);
}

/* An AF_INET6 socket talks to v4-mapped peers too, and IPV6_BOUND_IF
 * covers them: the option follows the socket, never the destination. */
static void
test_bind_v6_uses_ipv6_bound_if(void **state)
{
	(void)state;
	expect_set(5, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, 7, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET6, 7, "en0"), 0);
}

static void
test_unbind_sets_zero(void **state)
{
	(void)state;
	expect_set(5, IPPROTO_IP, MAC_IP_BOUND_IF, 0, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 0, NULL), 0);
	expect_set(5, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, 0, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET6, 0, NULL), 0);
}

static void
test_bind_errors_are_negative_errno(void **state)
{
	(void)state;
	expect_set(5, IPPROTO_IP, MAC_IP_BOUND_IF, 7, -EINVAL);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "en0"), -EINVAL);
	expect_set(5, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, 9, -ENXIO);
	assert_int_equal(plat_bind_ifindex(5, AF_INET6, 9, "en1"), -ENXIO);
}

/* No setsockopt may happen: the mock has no expectation queued. */
static void
test_other_families_refused(void **state)
{
	unsigned got = 0;

	(void)state;
	assert_int_equal(plat_bind_ifindex(5, AF_UNIX, 7, "en0"),
	    -EAFNOSUPPORT);
	assert_int_equal(plat_bind_ifindex(5, AF_UNSPEC, 7, "en0"),
	    -EAFNOSUPPORT);
	assert_int_equal(plat_bound_ifindex(5, AF_UNIX, &got), -EAFNOSUPPORT);
}

static void
test_bound_reads_same_options(void **state)
{
	struct reply four = { 0, 4 }, six = { 0, 6 }, none = { 0, 0 };
	struct reply err = { -EBADF, 0 };
	unsigned got = 99;

	(void)state;
	expect_get(3, IPPROTO_IP, MAC_IP_BOUND_IF, &four);
	assert_int_equal(plat_bound_ifindex(3, AF_INET, &got), 0);
	assert_int_equal(got, 4);
	expect_get(3, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, &six);
	assert_int_equal(plat_bound_ifindex(3, AF_INET6, &got), 0);
	assert_int_equal(got, 6);
	expect_get(3, IPPROTO_IP, MAC_IP_BOUND_IF, &none);
	assert_int_equal(plat_bound_ifindex(3, AF_INET, &got), 0);
	assert_int_equal(got, 0);
	expect_get(3, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, &err);
	assert_int_equal(plat_bound_ifindex(3, AF_INET6, &got), -EBADF);
}

/* The sticky egress of datagram sockets: the same options, host order,
 * set again and cleared at will (macOS allows both unprivileged). */
static void
test_set_egress_uses_bound_if(void **state)
{
	(void)state;
	expect_set(5, IPPROTO_IP, MAC_IP_BOUND_IF, 7, 0);
	assert_int_equal(plat_set_egress(5, AF_INET, 7), 0);
	expect_set(5, IPPROTO_IP, MAC_IP_BOUND_IF, 0, 0);
	assert_int_equal(plat_set_egress(5, AF_INET, 0), 0);
	expect_set(6, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, 7, 0);
	assert_int_equal(plat_set_egress(6, AF_INET6, 7), 0);
	expect_set(6, IPPROTO_IPV6, MAC_IPV6_BOUND_IF, 0, -EINVAL);
	assert_int_equal(plat_set_egress(6, AF_INET6, 0), -EINVAL);
	assert_int_equal(plat_set_egress(6, AF_UNIX, 7), -EAFNOSUPPORT);
}

static void
test_secure_mode_follows_issetugid(void **state)
{
	(void)state;
	will_return(issetugid, 0);
	assert_false(plat_secure_mode());
	will_return(issetugid, 1);
	assert_true(plat_secure_mode());
}

static void
test_getenv_null_in_secure_mode(void **state)
{
	(void)state;
	assert_int_equal(setenv("BINDIF_TEST_PLAT", "/tmp/rules", 1), 0);
	will_return(issetugid, 0);
	assert_string_equal(plat_getenv("BINDIF_TEST_PLAT"), "/tmp/rules");
	will_return(issetugid, 1);
	assert_null(plat_getenv("BINDIF_TEST_PLAT"));
	assert_int_equal(unsetenv("BINDIF_TEST_PLAT"), 0);
	will_return(issetugid, 0);
	assert_null(plat_getenv("BINDIF_TEST_PLAT"));
}

static void
test_program(void **state)
{
	char exe[64];
	const char *argv0 = NULL;

	(void)state;
	will_return(_NSGetExecutablePath, "/Applications/Tool.app/tool");
	will_return(getprogname, "tool");
	memset(exe, 'x', sizeof(exe));
	plat_program(exe, sizeof(exe), &argv0);
	assert_string_equal(exe, "/Applications/Tool.app/tool");
	assert_string_equal(argv0, "tool");
}

static void
test_program_path_too_long(void **state)
{
	char exe[8];
	const char *argv0 = NULL;

	(void)state;
	will_return(_NSGetExecutablePath, "/Applications/Tool.app/tool");
	will_return(getprogname, "tool");
	memset(exe, 'x', sizeof(exe));
	plat_program(exe, sizeof(exe), &argv0);
	assert_int_equal(exe[0], '\0');
	assert_string_equal(argv0, "tool");
	/* No buffer: _NSGetExecutablePath is not asked, nothing written. */
	will_return(getprogname, "tool");
	exe[0] = 'x';
	plat_program(exe, 0, &argv0);
	assert_int_equal(exe[0], 'x');
}

static void
test_pktinfo_opt(void **state)
{
	struct plat_pktinfo_opt o;

	(void)state;
	o = plat_pktinfo_opt(AF_INET);
	assert_int_equal(o.level, IPPROTO_IP);
	assert_int_equal(o.type, IP_PKTINFO);
	o = plat_pktinfo_opt(AF_INET6);
	assert_int_equal(o.level, IPPROTO_IPV6);
	assert_int_equal(o.type, IPV6_PKTINFO);
}

static void
test_bind_real_is_libc(void **state)
{
	struct plat_real r;

	(void)state;
	memset(&r, 0xff, sizeof(r));
	assert_int_equal(plat_bind_real(&r), 0);
	assert_ptr_equal(r.socket, socket);
	assert_ptr_equal(r.connect, connect);
	assert_ptr_equal(r.sendto, sendto);
	assert_ptr_equal(r.sendmsg, sendmsg);
	assert_ptr_equal(r.close, close);
	assert_ptr_equal(r.dup2, dup2);
	/* Linux-only calls do not exist on macOS. */
	assert_null(r.sendmmsg);
	assert_null(r.dup3);
	assert_null(r.close_range);
}

/* macOS has no SO_DOMAIN: the family comes from getsockname. */
static void
test_sockinfo_real_sockets(void **state)
{
	struct plat_sockinfo si = { -1, -1, -1 };
	int fd;

	(void)state;
	passthrough = 1; /* reset by the teardown */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(plat_sockinfo(fd, &si), 0);
	close(fd);
	assert_int_equal(si.family, AF_INET);
	assert_int_equal(si.type, SOCK_DGRAM);
	assert_int_equal(si.protocol, 0);
}

static int
mocked_again(void **state)
{
	(void)state;
	passthrough = 0;
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bind_v4_uses_ip_bound_if),
		cmocka_unit_test(test_bind_v6_uses_ipv6_bound_if),
		cmocka_unit_test(test_unbind_sets_zero),
		cmocka_unit_test(test_bind_errors_are_negative_errno),
		cmocka_unit_test(test_other_families_refused),
		cmocka_unit_test(test_bound_reads_same_options),
		cmocka_unit_test(test_set_egress_uses_bound_if),
		cmocka_unit_test(test_secure_mode_follows_issetugid),
		cmocka_unit_test(test_getenv_null_in_secure_mode),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_program_path_too_long),
		cmocka_unit_test(test_pktinfo_opt),
		cmocka_unit_test(test_bind_real_is_libc),
		cmocka_unit_test_teardown(test_sockinfo_real_sockets,
		    mocked_again),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
