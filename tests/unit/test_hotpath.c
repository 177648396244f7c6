/*
 * test_hotpath.c - a decided socket costs no extra system call: after the
 * first decision, connect/sendto through the hooks make no setsockopt,
 * getsockopt or memory probe. setsockopt, getsockopt and process_vm_readv
 * are counted with --wrap; the real connect/sendto/sendmsg are replaced
 * (by wrapping plat_bind_real) with fakes that send nothing anywhere.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "hooks.h"
#include "plat.h"

#define ROUNDS 1000

int __real_setsockopt(int, int, int, const void *, socklen_t);
int __real_getsockopt(int, int, int, void *, socklen_t *);
ssize_t __real_process_vm_readv(pid_t, const struct iovec *, unsigned long,
    const struct iovec *, unsigned long, unsigned long);
int __real_plat_bind_real(struct plat_real *);
int __wrap_setsockopt(int, int, int, const void *, socklen_t);
int __wrap_getsockopt(int, int, int, void *, socklen_t *);
ssize_t __wrap_process_vm_readv(pid_t, const struct iovec *, unsigned long,
    const struct iovec *, unsigned long, unsigned long);
int __wrap_plat_bind_real(struct plat_real *);

static struct {
	unsigned setsockopt, getsockopt, probe;
	unsigned connect, sendto, sendmsg;
	unsigned pktinfo_ifindex; /* of the last sendmsg, 0: none */
} n;

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

/* What the fake bind bound each descriptor to, as the kernel would keep. */
static int bound[1024];

/* Pretends the bind worked: a unit test has no privilege to bind. */
int
__wrap_setsockopt(int fd, int level, int name, const void *val,
    socklen_t len)
{
	(void)len;
	n.setsockopt++;
	if (level == SOL_SOCKET && name == SO_BINDTOIFINDEX && fd >= 0 &&
	    fd < 1024)
		bound[fd] = *(const int *)val;
	return 0;
}

/* The kernel's own answer, with the fake binds in it. */
int
__wrap_getsockopt(int fd, int level, int name, void *val, socklen_t *len)
{
	n.getsockopt++;
	if (level == SOL_SOCKET && name == SO_BINDTOIFINDEX && fd >= 0 &&
	    fd < 1024 && bound[fd] != 0) {
		*(int *)val = bound[fd];
		*len = sizeof(int);
		return 0;
	}
	return __real_getsockopt(fd, level, name, val, len);
}

ssize_t
__wrap_process_vm_readv(pid_t pid, const struct iovec *l, unsigned long nl,
    const struct iovec *r, unsigned long nr, unsigned long flags)
{
	n.probe++;
	return __real_process_vm_readv(pid, l, nl, r, nr, flags);
}

static int
fake_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	(void)fd, (void)sa, (void)len;
	n.connect++;
	return 0;
}

static ssize_t
fake_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	(void)fd, (void)buf, (void)flags, (void)sa, (void)salen;
	n.sendto++;
	return (ssize_t)len;
}

static ssize_t
fake_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct cmsghdr *c;
	struct msghdr copy = *m;

	(void)fd, (void)flags;
	n.sendmsg++;
	n.pktinfo_ifindex = 0;
	for (c = CMSG_FIRSTHDR(&copy); c != NULL; c = CMSG_NXTHDR(&copy, c))
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			n.pktinfo_ifindex = (unsigned)pi.ipi_ifindex;
		}
	return (ssize_t)m->msg_iov[0].iov_len;
}

/* The real socket() and close(), fakes for everything that would send. */
int
__wrap_plat_bind_real(struct plat_real *r)
{
	int rc = __real_plat_bind_real(r);

	r->connect = fake_connect;
	r->sendto = fake_sendto;
	r->sendmsg = fake_sendmsg;
	return rc;
}

static struct sockaddr_in dst; /* 192.0.2.1:9, decided "bind to lo" */
static unsigned lo_index;

static int
reset(void **state)
{
	(void)state;
	memset(&n, 0, sizeof(n));
	memset(bound, 0, sizeof(bound)); /* each test's sockets are new */
	return 0;
}

static void
send_rounds(int fd, const struct sockaddr *sa, socklen_t len)
{
	char payload[32] = "hot path";
	int i;

	for (i = 0; i < ROUNDS; i++)
		assert_int_equal(bindif_sendto(fd, payload, sizeof(payload), 0,
				     sa, len),
		    sizeof(payload));
}

/* Unconnected UDP: every datagram is steered with PKTINFO, none bound. */
static void
test_udp_sendto_steers_without_syscalls(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendmsg, ROUNDS);
	assert_int_equal(n.pktinfo_ifindex, lo_index);
	assert_int_equal(n.setsockopt, 0);
	assert_int_equal(n.getsockopt, 0);
	/* The caller's address is probed once, then its page is known. */
	assert_true(n.probe <= 1);
	bindif_close(fd);
}

/* connect decides and binds once; then sends are the real call alone. */
static void
test_udp_connect_then_send(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(bindif_connect(fd, (struct sockaddr *)&dst,
			     sizeof(dst)), 0);
	assert_int_equal(n.setsockopt, 1); /* the one bind */
	assert_true(n.getsockopt <= 1);	   /* "did the program bind it?" */
	memset(&n, 0, sizeof(n));
	send_rounds(fd, NULL, 0);
	/* sendto with an address on the bound socket: still nothing extra. */
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendto, 2 * ROUNDS);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(n.setsockopt, 0);
	assert_int_equal(n.getsockopt, 0);
	assert_int_equal(n.probe, 0);
	bindif_close(fd);
}

/* TCP: the bind at connect; a repeated connect (a non-blocking retry) and
 * every send after it cost nothing more. */
static void
test_tcp_connect_once(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_STREAM, 0), i;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(bindif_connect(fd, (struct sockaddr *)&dst,
			     sizeof(dst)), 0);
	assert_int_equal(n.setsockopt, 1);
	/* A connect again (a non-blocking connect's second call) asks the
	 * kernel what the socket is, since a stale entry must never decide
	 * a connect; it finds it bound and binds nothing more. */
	memset(&n, 0, sizeof(n));
	for (i = 0; i < ROUNDS; i++)
		assert_int_equal(bindif_connect(fd, (struct sockaddr *)&dst,
				     sizeof(dst)), 0);
	assert_int_equal(n.connect, ROUNDS);
	assert_int_equal(n.setsockopt, 0);
	assert_true(n.getsockopt <= 4 * ROUNDS);
	/* Sending on it costs nothing at all. */
	memset(&n, 0, sizeof(n));
	send_rounds(fd, NULL, 0);
	assert_int_equal(n.setsockopt, 0);
	assert_int_equal(n.getsockopt, 0);
	assert_int_equal(n.probe, 0);
	bindif_close(fd);
}

/* A socket made behind the shim's back (before it loaded, a raw syscall):
 * the first call asks the kernel what it is, later calls do not. */
static void
test_unseen_socket_classified_once(void **state)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendmsg, ROUNDS);
	assert_true(n.getsockopt > 0);
	assert_true(n.getsockopt <= 4); /* family, type, protocol, bound */
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.setsockopt, 0);
	assert_int_equal(n.getsockopt, 0);
	assert_int_equal(n.probe, 0);
	bindif_close(fd);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_udp_sendto_steers_without_syscalls,
		    reset),
		cmocka_unit_test_setup(test_udp_connect_then_send, reset),
		cmocka_unit_test_setup(test_tcp_connect_once, reset),
		cmocka_unit_test_setup(test_unseen_socket_classified_once,
		    reset),
	};

	/* Every destination goes to "lo" by default; 192.0.2.1 is no
	 * address of this machine, so the rules decide "bind". Nothing is
	 * sent: the real send calls are fakes. */
	setenv("BINDIF_INTERFACE", "lo", 1);
	unsetenv("BINDIF_RULES");
	unsetenv("BINDIF_VERBOSE");
	lo_index = if_nametoindex("lo");
	memset(&dst, 0, sizeof(dst));
	dst.sin_family = AF_INET;
	dst.sin_port = htons(9);
	inet_pton(AF_INET, "192.0.2.1", &dst.sin_addr);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
