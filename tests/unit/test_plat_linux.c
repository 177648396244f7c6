/*
 * test_plat_linux.c - common/plat_linux.c: which socket options bind and read
 * the egress interface, with setsockopt/getsockopt mocked by --wrap; plus
 * the parts that need no mock (real unprivileged sockets, dlsym, auxv).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../common/decide.h"
#include "../../common/plat.h"

#define OPT_BINDTOIFINDEX 62 /* the kernel's number, spelled out on purpose */
#define OPT_IP_UNICAST_IF 50
#define OPT_IPV6_UNICAST_IF 76

int __real_setsockopt(int, int, int, const void *, socklen_t);
int __real_getsockopt(int, int, int, void *, socklen_t *);
int __wrap_setsockopt(int, int, int, const void *, socklen_t);
int __wrap_getsockopt(int, int, int, void *, socklen_t *);

/* When set, the wrappers hand every call to the kernel. */
static int passthrough;

/* What a mocked getsockopt answers: rc 0 with data, or -errno. */
struct reply {
	int rc;
	const void *data;
	socklen_t len;
};

int
__wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int rc;

	if (passthrough)
		return __real_setsockopt(fd, level, name, val, len);
	check_expected(fd);
	check_expected(level);
	check_expected(name);
	check_expected(len);
	if (len > 0)
		check_expected_ptr(val);
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
	r = mock_ptr_type(const struct reply *);
	if (r->rc < 0) {
		errno = -r->rc;
		return -1;
	}
	/* As the kernel: copy what fits, report what was copied. */
	if (r->len < *len)
		*len = r->len;
	memcpy(val, r->data, *len);
	return 0;
}

static void
expect_set(int fd, int level, int name, const void *val, socklen_t len, int rc)
{
	expect_value(__wrap_setsockopt, fd, fd);
	expect_value(__wrap_setsockopt, level, level);
	expect_value(__wrap_setsockopt, name, name);
	expect_value(__wrap_setsockopt, len, len);
	if (len > 0)
		expect_memory(__wrap_setsockopt, val, val, len);
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

static int
mocked(void **state)
{
	(void)state;
	passthrough = 0;
	return 0;
}

static int
real(void **state)
{
	(void)state;
	passthrough = 1;
	return 0;
}

static void
test_bind_uses_bindtoifindex(void **state)
{
	int idx = 7;

	(void)state;
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), 0);
	/* The family does not change the option on Linux. */
	expect_set(6, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), 0);
	assert_int_equal(plat_bind_ifindex(6, AF_INET6, 7, "phy0"), 0);
}

/* With a mark set, a binding (and an egress) marks the socket too, and a
 * mark refused fails the call: unmarked, a capture would take it. */
static void
test_bind_marks(void **state)
{
	int idx = 7;
	unsigned mark = 0x2024;
	uint32_t be = htonl(7);

	(void)state;
	assert_int_equal(plat_set_mark(0x2024), 0);
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), 0);
	expect_set(5, SOL_SOCKET, SO_MARK, &mark, sizeof(mark), 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), 0);
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), 0);
	expect_set(5, SOL_SOCKET, SO_MARK, &mark, sizeof(mark), -EPERM);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), -EPERM);
	expect_set(6, IPPROTO_IP, IP_UNICAST_IF, &be, sizeof(be), 0);
	expect_set(6, SOL_SOCKET, SO_MARK, &mark, sizeof(mark), 0);
	assert_int_equal(plat_set_egress(6, AF_INET, 7), 0);
	/* Cleared egress (back to the routing table): no mark asked. */
	be = 0;
	expect_set(6, IPPROTO_IP, IP_UNICAST_IF, &be, sizeof(be), 0);
	assert_int_equal(plat_set_egress(6, AF_INET, 0), 0);
	assert_int_equal(plat_set_mark(0), 0);
}

static void
test_bind_falls_back_to_name_on_enoprotoopt(void **state)
{
	int idx = 7;

	(void)state;
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int),
	    -ENOPROTOOPT);
	/* The name's length counts its NUL. */
	expect_set(5, SOL_SOCKET, SO_BINDTODEVICE, "phy0", 5, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), 0);
}

static void
test_bind_fallback_error_is_returned(void **state)
{
	int idx = 7;

	(void)state;
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int),
	    -ENOPROTOOPT);
	expect_set(5, SOL_SOCKET, SO_BINDTODEVICE, "phy0", 5, -EPERM);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), -EPERM);
}

static void
test_bind_unbind_fallback_sends_empty_name(void **state)
{
	int idx = 0;

	(void)state;
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int),
	    -ENOPROTOOPT);
	expect_set(5, SOL_SOCKET, SO_BINDTODEVICE, NULL, 0, 0);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 0, NULL), 0);
}

/* Only ENOPROTOOPT means "old kernel": anything else is the answer, and a
 * second setsockopt (cmocka would fail on the unexpected call) is wrong. */
static void
test_bind_other_errors_no_fallback(void **state)
{
	int idx = 7;

	(void)state;
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), -EPERM);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), -EPERM);
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int),
	    -ENODEV);
	assert_int_equal(plat_bind_ifindex(5, AF_INET, 7, "phy0"), -ENODEV);
	expect_set(5, SOL_SOCKET, OPT_BINDTOIFINDEX, &idx, sizeof(int), -EBADF);
	assert_int_equal(plat_bind_ifindex(5, AF_INET6, 7, "phy0"), -EBADF);
}

/* Unconnected datagrams' egress: IP(V6)_UNICAST_IF, both families in
 * network byte order (a host-order IPv6 index is refused: EADDRNOTAVAIL,
 * measured), not a binding. */
static void
test_set_egress_uses_unicast_if(void **state)
{
	unsigned char be7[4] = { 0, 0, 0, 7 }, zero[4] = { 0 };

	(void)state;
	expect_set(5, IPPROTO_IP, OPT_IP_UNICAST_IF, be7, 4, 0);
	assert_int_equal(plat_set_egress(5, AF_INET, 7), 0);
	expect_set(6, IPPROTO_IPV6, OPT_IPV6_UNICAST_IF, be7, 4, 0);
	assert_int_equal(plat_set_egress(6, AF_INET6, 7), 0);
	expect_set(6, IPPROTO_IPV6, OPT_IPV6_UNICAST_IF, zero, 4, 0);
	assert_int_equal(plat_set_egress(6, AF_INET6, 0), 0);
	expect_set(5, IPPROTO_IP, OPT_IP_UNICAST_IF, be7, 4, -EINVAL);
	assert_int_equal(plat_set_egress(5, AF_INET, 7), -EINVAL);
	assert_int_equal(plat_set_egress(5, AF_UNIX, 7), -EAFNOSUPPORT);
}

/* On the kernel, unprivileged: set to lo, changed, cleared, for both
 * families; the socket stays unbound. */
static void
test_set_egress_on_kernel(void **state)
{
	unsigned lo = if_nametoindex("lo"), got = 99;
	int fams[] = { AF_INET, AF_INET6 }, i, fd;

	(void)state;
	if (lo == 0)
		skip();
	for (i = 0; i < 2; i++) {
		if ((fd = socket(fams[i], SOCK_DGRAM, 0)) < 0)
			continue; /* no IPv6 */
		assert_int_equal(plat_set_egress(fd, fams[i], lo), 0);
		assert_int_equal(plat_set_egress(fd, fams[i], lo), 0);
		assert_int_equal(plat_bound_ifindex(fd, fams[i], &got), 0);
		assert_int_equal(got, 0);
		assert_int_equal(plat_set_egress(fd, fams[i], 0), 0);
		close(fd);
	}
}

static void
test_bound_reads_bindtoifindex(void **state)
{
	int nine = 9, zero = 0;
	struct reply r9 = { 0, &nine, sizeof(int) };
	struct reply r0 = { 0, &zero, sizeof(int) };
	unsigned got = 12345;

	(void)state;
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &r9);
	assert_int_equal(plat_bound_ifindex(4, AF_INET, &got), 0);
	assert_int_equal(got, 9);
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &r0);
	assert_int_equal(plat_bound_ifindex(4, AF_INET6, &got), 0);
	assert_int_equal(got, 0);
}

static void
test_bound_falls_back_to_name(void **state)
{
	struct reply old = { -ENOPROTOOPT, NULL, 0 };
	struct reply lo = { 0, "lo", 3 };
	struct reply none = { 0, "", 0 };
	unsigned got = 12345, lo_index = if_nametoindex("lo");

	(void)state;
	if (lo_index == 0)
		skip();
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &old);
	expect_get(4, SOL_SOCKET, SO_BINDTODEVICE, &lo);
	assert_int_equal(plat_bound_ifindex(4, AF_INET, &got), 0);
	assert_int_equal(got, lo_index);
	/* Not bound: the kernel answers an empty name. */
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &old);
	expect_get(4, SOL_SOCKET, SO_BINDTODEVICE, &none);
	assert_int_equal(plat_bound_ifindex(4, AF_INET, &got), 0);
	assert_int_equal(got, 0);
}

static void
test_bound_other_errors_no_fallback(void **state)
{
	struct reply bad = { -EBADF, NULL, 0 };
	struct reply fallback_fails = { -ENOPROTOOPT, NULL, 0 };
	struct reply eperm = { -EPERM, NULL, 0 };
	unsigned got = 0;

	(void)state;
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &bad);
	assert_int_equal(plat_bound_ifindex(4, AF_INET, &got), -EBADF);
	expect_get(4, SOL_SOCKET, OPT_BINDTOIFINDEX, &fallback_fails);
	expect_get(4, SOL_SOCKET, SO_BINDTODEVICE, &eperm);
	assert_int_equal(plat_bound_ifindex(4, AF_INET, &got), -EPERM);
}

static void
test_sockinfo_protocol_unknown_is_zero(void **state)
{
	int inet = AF_INET, dgram = SOCK_DGRAM;
	struct reply fam = { 0, &inet, sizeof(int) };
	struct reply type = { 0, &dgram, sizeof(int) };
	struct reply noproto = { -ENOPROTOOPT, NULL, 0 };
	struct plat_sockinfo si = { -1, -1, -1 };

	(void)state;
	expect_get(3, SOL_SOCKET, SO_DOMAIN, &fam);
	expect_get(3, SOL_SOCKET, SO_TYPE, &type);
	expect_get(3, SOL_SOCKET, SO_PROTOCOL, &noproto);
	assert_int_equal(plat_sockinfo(3, &si), 0);
	assert_int_equal(si.family, AF_INET);
	assert_int_equal(si.type, SOCK_DGRAM);
	assert_int_equal(si.protocol, 0);
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

/* The kernel, not a mock, answers from here on. */
static void
check_sockinfo(int domain, int type, int want_type, int want_proto)
{
	struct plat_sockinfo si = { -1, -1, -1 };
	int fd = socket(domain, type, 0);

	if (fd < 0 && errno == EAFNOSUPPORT)
		return; /* e.g. a kernel without IPv6 */
	assert_true(fd >= 0);
	assert_int_equal(plat_sockinfo(fd, &si), 0);
	close(fd);
	assert_int_equal(si.family, domain);
	assert_int_equal(si.type, want_type);
	assert_int_equal(si.protocol, want_proto);
}

static void
test_sockinfo_real_sockets(void **state)
{
	struct plat_sockinfo si;
	int p[2];

	(void)state;
	check_sockinfo(AF_INET, SOCK_DGRAM, SOCK_DGRAM, IPPROTO_UDP);
	check_sockinfo(AF_INET6, SOCK_STREAM, SOCK_STREAM, IPPROTO_TCP);
	check_sockinfo(AF_UNIX, SOCK_STREAM, SOCK_STREAM, 0);
	/* Creation flags are not part of the type. */
	check_sockinfo(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
	    SOCK_DGRAM, IPPROTO_UDP);
	/* Not a socket at all. */
	assert_int_equal(pipe(p), 0);
	assert_int_equal(plat_sockinfo(p[0], &si), -ENOTSOCK);
	close(p[0]);
	close(p[1]);
}

/* Option 62 really is what this kernel calls SO_BINDTOIFINDEX: binding
 * to lo and reading it back goes through the kernel. Since Linux 5.7 a
 * socket not yet bound to a device may be bound without privilege. */
static void
test_bind_round_trip_on_kernel(void **state)
{
	unsigned lo = if_nametoindex("lo"), got = 0;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc;

	(void)state;
	assert_true(fd >= 0);
	if (lo == 0) {
		close(fd);
		skip();
	}
	assert_int_equal(plat_bound_ifindex(fd, AF_INET, &got), 0);
	assert_int_equal(got, 0);
	rc = plat_bind_ifindex(fd, AF_INET, lo, "lo");
	if (rc == -EPERM) {
		close(fd);
		skip(); /* a kernel older than 5.7, unprivileged */
	}
	assert_int_equal(rc, 0);
	assert_int_equal(plat_bound_ifindex(fd, AF_INET, &got), 0);
	assert_int_equal(got, lo);
	close(fd);
}

static void
check_libc(void *p, const char *name)
{
	Dl_info info;

	assert_non_null(p);
	/* The next definition is libc's, or under make sanitize the ASan
	 * runtime's interceptor, preloaded first, which calls libc's. */
	assert_ptr_equal(p, dlsym(RTLD_DEFAULT, name));
	assert_true(dladdr(p, &info) != 0);
	if (strstr(info.dli_fname, "libasan.so") == NULL)
		assert_non_null(strstr(info.dli_fname, "libc.so"));
}

static void
test_bind_real_finds_libc(void **state)
{
	struct plat_real r;

	(void)state;
	memset(&r, 0, sizeof(r));
	assert_int_equal(plat_bind_real(&r), 0);
	check_libc((void *)r.socket, "socket");
	check_libc((void *)r.connect, "connect");
	check_libc((void *)r.sendto, "sendto");
	check_libc((void *)r.sendmsg, "sendmsg");
	check_libc((void *)r.close, "close");
	check_libc((void *)r.dup2, "dup2");
	/* In glibc since 2.14 and 2.9: they must be found, not left NULL. */
	check_libc((void *)r.sendmmsg, "sendmmsg");
	check_libc((void *)r.dup3, "dup3");
}

static void
test_secure_mode_and_getenv(void **state)
{
	(void)state;
	assert_false(plat_secure_mode());
	assert_int_equal(setenv("BINDIF_TEST_PLAT", "phy0", 1), 0);
	assert_string_equal(plat_getenv("BINDIF_TEST_PLAT"), "phy0");
	assert_int_equal(unsetenv("BINDIF_TEST_PLAT"), 0);
	assert_null(plat_getenv("BINDIF_TEST_PLAT"));
}

static void
test_program(void **state)
{
	char exe[4096], *want;
	const char *argv0 = NULL;
	struct stat st;

	(void)state;
	plat_program(exe, sizeof(exe), &argv0);
	assert_true(exe[0] == '/');
	assert_int_equal(stat(exe, &st), 0);
	/* Started by a path (make, by hand): that is the file. Not compared
	 * with stat("/proc/self/exe"), which under valgrind is the tool. */
	if (strchr(program_invocation_name, '/') != NULL &&
	    (want = realpath(program_invocation_name, NULL)) != NULL) {
		assert_string_equal(exe, want);
		free(want);
	}
	assert_non_null(argv0);
	assert_string_equal(argv0, program_invocation_name);
	/* A zero-length buffer is not written. */
	exe[0] = 'x';
	plat_program(exe, 0, &argv0);
	assert_int_equal(exe[0], 'x');
}

/* family + address: the key both lists are compared by. */
static int
addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, 17);
}

static size_t
keys_of_getifaddrs(unsigned char (*k)[17], size_t max)
{
	struct ifaddrs *all, *i;
	size_t n = 0;

	assert_int_equal(getifaddrs(&all), 0);
	for (i = all; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL || n == max)
			continue;
		memset(k[n], 0, 17);
		if (i->ifa_addr->sa_family == AF_INET) {
			k[n][0] = 4;
			memcpy(k[n++] + 1,
			    &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			k[n][0] = 6;
			memcpy(k[n++] + 1,
			    &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr,
			    16);
		}
	}
	freeifaddrs(all);
	return n;
}

/* The address dump answers what getifaddrs answers, address for address,
 * and leaves errno as it was. */
static void
test_local_addrs_as_getifaddrs(void **state)
{
	static unsigned char want[512][17], got[512][17];
	const unsigned char lo4[4] = { 127, 0, 0, 1 };
	struct local_addr *v;
	size_t n, nwant, i;
	bool has_lo = false;

	(void)state;
	errno = 1234;
	assert_int_equal(plat_local_addrs(&v, &n), 0);
	assert_int_equal(errno, 1234);
	assert_true(n > 0 && n <= 512);
	for (i = 0; i < n; i++) {
		assert_true(v[i].family == 4 || v[i].family == 6);
		memset(got[i], 0, 17);
		got[i][0] = (unsigned char)v[i].family;
		memcpy(got[i] + 1, v[i].addr, v[i].family == 4 ? 4 : 16);
		if (v[i].family == 4 && memcmp(v[i].addr, lo4, 4) == 0)
			has_lo = true;
	}
	free(v);
	assert_true(has_lo);
	nwant = keys_of_getifaddrs(want, 512);
	assert_int_equal(n, nwant);
	qsort(got, n, 17, addr_cmp);
	qsort(want, nwant, 17, addr_cmp);
	assert_memory_equal(got, want, n * 17);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_bind_uses_bindtoifindex, mocked),
		cmocka_unit_test_setup(test_bind_marks, mocked),
		cmocka_unit_test_setup(
		    test_bind_falls_back_to_name_on_enoprotoopt, mocked),
		cmocka_unit_test_setup(test_bind_fallback_error_is_returned,
		    mocked),
		cmocka_unit_test_setup(
		    test_bind_unbind_fallback_sends_empty_name, mocked),
		cmocka_unit_test_setup(test_bind_other_errors_no_fallback,
		    mocked),
		cmocka_unit_test_setup(test_set_egress_uses_unicast_if, mocked),
		cmocka_unit_test_setup(test_set_egress_on_kernel, real),
		cmocka_unit_test_setup(test_bound_reads_bindtoifindex, mocked),
		cmocka_unit_test_setup(test_bound_falls_back_to_name, mocked),
		cmocka_unit_test_setup(test_bound_other_errors_no_fallback,
		    mocked),
		cmocka_unit_test_setup(test_sockinfo_protocol_unknown_is_zero,
		    mocked),
		cmocka_unit_test(test_pktinfo_opt),
		cmocka_unit_test_setup(test_sockinfo_real_sockets, real),
		cmocka_unit_test_setup(test_bind_round_trip_on_kernel, real),
		cmocka_unit_test(test_bind_real_finds_libc),
		cmocka_unit_test(test_secure_mode_and_getenv),
		cmocka_unit_test(test_program),
		cmocka_unit_test(test_local_addrs_as_getifaddrs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
