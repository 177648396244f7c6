/*
 * test_hotpath.c - a decided socket costs no extra system call: after the
 * first decision, connect/sendto through the hooks make no setsockopt,
 * getsockopt or memory probe, and an unconnected datagram socket decides
 * once per destination, not per datagram. setsockopt, getsockopt,
 * process_vm_readv and rules_match are counted with --wrap; the real
 * connect/sendto/sendmsg are replaced (by wrapping plat_bind_real) with
 * fakes that send nothing anywhere but note the egress each datagram had.
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
#include <pthread.h>
#include <sched.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../config/rules.h"
#include "hooks.h"
#include "../../common/plat.h"

#define ROUNDS 1000

int __real_setsockopt(int, int, int, const void *, socklen_t);
int __real_getsockopt(int, int, int, void *, socklen_t *);
ssize_t __real_process_vm_readv(pid_t, const struct iovec *, unsigned long,
    const struct iovec *, unsigned long, unsigned long);
int __real_plat_bind_real(struct plat_real *);
void __real_rules_match(const struct rules_policy *, const struct rules_query *,
    struct rules_verdict *);
void __wrap_rules_match(const struct rules_policy *, const struct rules_query *,
    struct rules_verdict *);
int __wrap_setsockopt(int, int, int, const void *, socklen_t);
int __wrap_getsockopt(int, int, int, void *, socklen_t *);
ssize_t __wrap_process_vm_readv(pid_t, const struct iovec *, unsigned long,
    const struct iovec *, unsigned long, unsigned long);
int __wrap_plat_bind_real(struct plat_real *);

static struct {
	unsigned setsockopt, getsockopt, probe, match;
	unsigned connect, sendto, sendmsg;
	unsigned pktinfo_ifindex; /* of the last sendmsg, 0: none */
	unsigned egress;          /* the socket's own egress at the last send */
} n;

/* The kernel's numbers, spelled out: not the code's own constants. */
#define OPT_BINDTOIFINDEX 62
#define OPT_IP_UNICAST_IF 50
#define OPT_IPV6_UNICAST_IF 76

/* What the fake kernel keeps per descriptor: the binding, and the unicast
 * egress (IP_UNICAST_IF / IPV6_UNICAST_IF, in network byte order). */
static int bound[1024];
static unsigned egress[1024]; /* atomic builtins: threads read it */
static int no_egress_option;  /* a protocol without IP_UNICAST_IF */

/* Pretends the bind worked: a unit test has no privilege to bind. */
int
__wrap_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	uint32_t be;

	n.setsockopt++;
	if (fd < 0 || fd >= 1024)
		return 0;
	if (no_egress_option && name != OPT_BINDTOIFINDEX) {
		errno = ENOPROTOOPT;
		return -1;
	}
	if (level == SOL_SOCKET && name == OPT_BINDTOIFINDEX)
		bound[fd] = *(const int *)val;
	/* Linux refuses a unicast egress on a socket bound to a device. */
	if (bound[fd] != 0 &&
	    (name == OPT_IP_UNICAST_IF || name == OPT_IPV6_UNICAST_IF)) {
		errno = EINVAL;
		return -1;
	}
	if ((level == IPPROTO_IP && name == OPT_IP_UNICAST_IF) ||
	    (level == IPPROTO_IPV6 && name == OPT_IPV6_UNICAST_IF)) {
		assert_int_equal(len, sizeof(be));
		memcpy(&be, val, sizeof(be));
		__atomic_store_n(&egress[fd], ntohl(be), __ATOMIC_SEQ_CST);
	}
	return 0;
}

void
__wrap_rules_match(const struct rules_policy *p, const struct rules_query *q,
    struct rules_verdict *v)
{
	n.match++;
	__real_rules_match(p, q, v);
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

/* The thread test's judge: a plain datagram's egress as the kernel would
 * read it, looked at twice across a yield (a send takes time). */
static struct sockaddr_in dst, loop;
static unsigned lo_index;
static _Atomic int judging;
static _Atomic unsigned misrouted;

static void
judge(int fd, const struct sockaddr *sa)
{
	const struct sockaddr_in *s = (const struct sockaddr_in *)sa;
	unsigned want, i;

	if (!judging || s == NULL)
		return;
	if (s->sin_addr.s_addr == loop.sin_addr.s_addr)
		want = 0; /* pass: the routing table's */
	else if (s->sin_addr.s_addr == dst.sin_addr.s_addr)
		want = lo_index;
	else
		return;
	for (i = 0; i < 2; i++) {
		if (__atomic_load_n(&egress[fd], __ATOMIC_SEQ_CST) != want)
			misrouted++;
		sched_yield();
	}
}

static ssize_t
fake_sendto(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	(void)buf, (void)flags, (void)salen;
	judge(fd, sa);
	n.sendto++;
	n.egress = fd >= 0 && fd < 1024 ? egress[fd] : 0;
	return (ssize_t)len;
}

static ssize_t
fake_sendmsg(int fd, const struct msghdr *m, int flags)
{
	struct cmsghdr *c;
	struct msghdr copy = *m;

	(void)flags;
	n.sendmsg++;
	n.pktinfo_ifindex = 0;
	n.egress = fd >= 0 && fd < 1024 ? egress[fd] : 0;
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
	/* The program's own setsockopt (bindif_setsockopt) reaches the
	 * fake kernel too. */
	r->setsockopt = __wrap_setsockopt;
	return rc;
}

/* dst: 192.0.2.1:9, decided "bind to lo"; loop: 127.0.0.1:9, "pass" */
static struct sockaddr_in dst2;    /* 203.0.113.77:9, the same decision */
static struct sockaddr_in passed;  /* 198.51.100.7:9, a "pass" rule */
static struct sockaddr_in refused; /* 203.0.113.9:9, a "reject" rule */
static struct sockaddr_in6 dst6;   /* [2001:db8::1]:9, "bind to lo" */
static struct sockaddr_in6 mapped; /* [::ffff:192.0.2.1]:9, "bind to lo" */

static int
reset(void **state)
{
	(void)state;
	memset(&n, 0, sizeof(n));
	memset(bound, 0, sizeof(bound)); /* each test's sockets are new */
	memset(egress, 0, sizeof(egress));
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

static ssize_t
send1(int fd, const void *sa, socklen_t len)
{
	return bindif_sendto(fd, "x", 1, 0, (const struct sockaddr *)sa, len);
}

/* Unconnected UDP: the first datagram sets the socket's egress, the rest
 * are the real sendto alone - no control message, no system call, no
 * second decision. */
static void
test_udp_sendto_sticks_once(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(n.egress, lo_index);
	assert_int_equal(egress[fd], lo_index);
	assert_int_equal(n.setsockopt, 1); /* the one IP_UNICAST_IF */
	assert_int_equal(n.getsockopt, 0);
	assert_int_equal(n.match, 1);
	/* The caller's address is probed once, then its page is known. */
	assert_true(n.probe <= 1);
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.setsockopt + n.getsockopt + n.probe + n.match, 0);
	/* Another destination of the same decision: decided once more (the
	 * last-destination check misses), still the socket's egress. */
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst2, sizeof(dst2));
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(n.match, 1);
	assert_int_equal(n.setsockopt + n.getsockopt, 0);
	bindif_close(fd);
}

/* The same for IPv6, whose option takes the index in network order too;
 * a v4-mapped destination is not covered by it (the kernel's IPv4 path
 * reads another option): the socket goes back to PKTINFO for good. */
static void
test_udp6_sticks_and_mapped_steers(void **state)
{
	int fd = bindif_socket(AF_INET6, SOCK_DGRAM, 0);
	struct sockaddr_in6 other;

	(void)state;
	if (fd < 0)
		skip();
	send_rounds(fd, (struct sockaddr *)&dst6, sizeof(dst6));
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(egress[fd], lo_index);
	assert_int_equal(n.setsockopt, 1);
	assert_int_equal(n.match, 1);
	/* Destinations that differ in their last bytes only are not one:
	 * the address's last byte, then the scope id alone. */
	memset(&n, 0, sizeof(n));
	other = dst6;
	other.sin6_addr.s6_addr[15] ^= 1;
	assert_int_equal(send1(fd, &other, sizeof(other)), 1);
	other = dst6;
	other.sin6_scope_id = 1;
	assert_int_equal(send1(fd, &other, sizeof(other)), 1);
	assert_int_equal(n.match, 2);
	memset(&n, 0, sizeof(n));
	assert_int_equal(send1(fd, &mapped, sizeof(mapped)), 1);
	assert_int_equal(n.sendmsg, 1);
	assert_int_equal(n.pktinfo_ifindex, lo_index); /* IP_PKTINFO */
	assert_int_equal(egress[fd], 0);
	assert_int_equal(n.setsockopt, 1); /* the clear */
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst6, sizeof(dst6));
	assert_int_equal(n.sendmsg, ROUNDS); /* per datagram from now on */
	assert_int_equal(n.setsockopt, 0);
	bindif_close(fd);
}

/* Datagrams that decide otherwise on a stuck socket get their own
 * decision: loopback and a "pass" rule leave with no egress set (the
 * routing table's), a "reject" fails and changes nothing; the socket is
 * cleared once and steered per datagram after. */
static void
test_divergent_datagrams(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0), i;

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
	assert_int_equal(egress[fd], lo_index);
	/* reject: fails with the rule's errno, the socket stays stuck. */
	memset(&n, 0, sizeof(n));
	errno = 0;
	assert_int_equal(send1(fd, &refused, sizeof(refused)), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(n.sendto + n.sendmsg + n.setsockopt, 0);
	assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
	assert_int_equal(n.sendto, 1);
	assert_int_equal(n.setsockopt, 0);
	/* loopback: the egress is cleared before it is sent. */
	memset(&n, 0, sizeof(n));
	assert_int_equal(send1(fd, &loop, sizeof(loop)), 1);
	assert_int_equal(n.sendto, 1);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(n.egress, 0);
	assert_int_equal(n.setsockopt, 1);
	/* Back outside: PKTINFO per datagram, never stuck again. */
	memset(&n, 0, sizeof(n));
	for (i = 0; i < ROUNDS; i++) {
		assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
		assert_int_equal(n.pktinfo_ifindex, lo_index);
		assert_int_equal(send1(fd, &passed, sizeof(passed)), 1);
		assert_int_equal(n.egress, 0);
	}
	assert_int_equal(n.sendmsg, ROUNDS);
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.setsockopt, 0);
	bindif_close(fd);

	/* A "pass" first, then outside: the socket may still be stuck. */
	fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);
	memset(&n, 0, sizeof(n));
	assert_int_equal(send1(fd, &passed, sizeof(passed)), 1);
	assert_int_equal(n.egress, 0);
	assert_int_equal(n.setsockopt, 0);
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendto, ROUNDS + 1);
	assert_int_equal(n.egress, lo_index);
	assert_int_equal(n.setsockopt, 1);
	bindif_close(fd);
}

/* sendmsg on a stuck socket: its own real call, no control added. */
static void
test_udp_sendmsg_sticks(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0), i;
	struct iovec iov = { "x", 1 };
	struct msghdr m;

	(void)state;
	memset(&m, 0, sizeof(m));
	m.msg_name = &dst;
	m.msg_namelen = sizeof(dst);
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	for (i = 0; i < ROUNDS; i++) {
		assert_int_equal(bindif_sendmsg(fd, &m, 0), 1);
		assert_int_equal(n.pktinfo_ifindex, 0);
		assert_int_equal(n.egress, lo_index);
	}
	assert_int_equal(n.sendmsg, ROUNDS);
	assert_int_equal(n.setsockopt, 1);
	assert_int_equal(n.match, 1);
	bindif_close(fd);
}

/* A connect on a stuck socket clears its egress, then binds it. */
static void
test_connect_after_sticking(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
	assert_int_equal(egress[fd], lo_index);
	assert_int_equal(bindif_connect(fd, (struct sockaddr *)&loop,
	                     sizeof(loop)),
	    0);
	assert_int_equal(egress[fd], 0);
	assert_int_equal(bound[fd], 0); /* loopback: passed */
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
	                     sizeof(dst)),
	    0);
	assert_int_equal(n.setsockopt, 1); /* the one bind */
	assert_true(n.getsockopt <= 1);    /* "did the program bind it?" */
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
	                     sizeof(dst)),
	    0);
	assert_int_equal(n.setsockopt, 1);
	/* Made by our socket(): whether the program bound it is known
	 * without asking the kernel. */
	assert_int_equal(n.getsockopt, 0);
	/* A connect again (a non-blocking connect's second call) asks the
	 * kernel what the socket is, since a stale entry must never decide
	 * a connect; it finds it bound and binds nothing more. */
	memset(&n, 0, sizeof(n));
	for (i = 0; i < ROUNDS; i++)
		assert_int_equal(bindif_connect(fd, (struct sockaddr *)&dst,
		                     sizeof(dst)),
		    0);
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

/* A socket the program bound itself, through setsockopt, keeps that
 * binding at connect; so does one whose descriptor was copied, when the
 * copy is the one bound. The shim then asks the kernel, and binds
 * nothing. */
static void
test_program_bound_tcp_kept(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_STREAM, 0), copy, i;
	int idx = (int)lo_index;

	(void)state;
	for (i = 0; i < 2; i++) {
		assert_true(fd >= 0);
		if (i == 0)
			assert_int_equal(bindif_setsockopt(fd, SOL_SOCKET,
			                     SO_BINDTOIFINDEX, &idx,
			                     sizeof(idx)),
			    0);
		else {
			assert_true((copy = bindif_dup(fd)) >= 0);
			assert_int_equal(bindif_setsockopt(copy, SOL_SOCKET,
			                     SO_BINDTOIFINDEX, &idx,
			                     sizeof(idx)),
			    0);
			/* One socket: the fake kernel keeps a binding per
			 * descriptor. */
			bound[fd] = bound[copy];
		}
		memset(&n, 0, sizeof(n));
		assert_int_equal(bindif_connect(fd, (struct sockaddr *)&dst,
		                     sizeof(dst)),
		    0);
		assert_int_equal(n.connect, 1);
		assert_int_equal(n.setsockopt, 0);
		assert_true(n.getsockopt >= 1);
		assert_int_equal(FDT_STATE(fdt_get(fd)), FDT_BOUND);
		assert_int_equal(FDT_IFINDEX(fdt_get(fd)), lo_index);
		if (i == 1)
			bindif_close(copy);
		bound[fd] = 0;
		bindif_close(fd);
		fd = bindif_socket(AF_INET, SOCK_STREAM, 0);
	}
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
	assert_int_equal(n.sendto, ROUNDS);
	assert_true(n.getsockopt > 0);
	assert_true(n.getsockopt <= 4); /* family, type, protocol, bound */
	assert_int_equal(n.setsockopt, 1);
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.setsockopt, 0);
	assert_int_equal(n.getsockopt, 0);
	assert_int_equal(n.probe, 0);
	bindif_close(fd);
}

/* A datagram socket we did not see made may carry an egress (set by a
 * shim before an exec): a loopback datagram first still leaves with none,
 * and a connect clears it before deciding. */
static void
test_unseen_socket_egress_cleared(void **state)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	assert_true(fd >= 0);
	egress[fd] = 7;
	assert_int_equal(send1(fd, &loop, sizeof(loop)), 1);
	assert_int_equal(n.egress, 0);
	assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
	assert_int_equal(n.pktinfo_ifindex, lo_index);
	bindif_close(fd);
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	egress[fd] = 7;
	assert_int_equal(bindif_connect(fd, (struct sockaddr *)&loop,
	                     sizeof(loop)),
	    0);
	assert_int_equal(egress[fd], 0);
	bindif_close(fd); /* the next test's unseen socket gets this number */
}

/* A socket whose protocol has no unicast egress option: nothing was set
 * on it, so a loopback datagram goes; a remote one is steered by PKTINFO. */
static void
test_no_egress_option(void **state)
{
	int fd = socket(AF_INET, SOCK_DGRAM, 0);

	(void)state;
	no_egress_option = 1;
	assert_int_equal(send1(fd, &loop, sizeof(loop)), 1);
	assert_int_equal(n.sendto, 1);
	assert_int_equal(send1(fd, &dst, sizeof(dst)), 1);
	assert_int_equal(n.pktinfo_ifindex, lo_index);
	bindif_close(fd);
	fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);
	memset(&n, 0, sizeof(n));
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendmsg, ROUNDS);
	assert_int_equal(n.pktinfo_ifindex, lo_index);
	assert_int_equal(n.setsockopt, 1); /* tried once */
	assert_int_equal(send1(fd, &loop, sizeof(loop)), 1);
	no_egress_option = 0;
	bindif_close(fd);
}

/* A datagram socket the program bound itself keeps its binding: one
 * refused egress and one look at the binding, then the real sendto alone,
 * nothing added; a PKTINFO of the program's gets the binding's index. */
static void
test_program_bound_socket(void **state)
{
	int fd = bindif_socket(AF_INET, SOCK_DGRAM, 0), other = 4242;
	struct in_pktinfo pi;
	char ctl[CMSG_SPACE(sizeof(pi))] = { 0 };
	struct iovec iov = { "x", 1 };
	struct msghdr m = { &dst, sizeof(dst), &iov, 1, ctl, sizeof(ctl), 0 };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, OPT_BINDTOIFINDEX, &other,
	                     sizeof(other)),
	    0);
	send_rounds(fd, (struct sockaddr *)&dst, sizeof(dst));
	assert_int_equal(n.sendto, ROUNDS);
	assert_int_equal(n.sendmsg, 0);
	assert_int_equal(n.setsockopt, 2); /* the program's, our refused one */
	assert_int_equal(n.getsockopt, 1); /* the binding, asked once */
	assert_int_equal(n.match, 1);
	assert_int_equal(n.egress, 0);
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(pi));
	memset(&pi, 0, sizeof(pi));
	pi.ipi_ifindex = (int)lo_index;
	memcpy(CMSG_DATA(c), &pi, sizeof(pi));
	assert_int_equal(bindif_sendmsg(fd, &m, 0), 1);
	assert_int_equal(n.pktinfo_ifindex, (unsigned)other);
	assert_int_equal(n.setsockopt, 2);
	bindif_close(fd);
}

#define THREADS 4
#define SOCKETS 200
static int shared_fd;
static pthread_barrier_t line;

/* Threads on one socket: most send to dst, one turns to loopback midway,
 * so the egress is set and cleared while others send. */
static void *
sender(void *arg)
{
	long me = (long)arg;
	int k, r;

	for (r = 0; r < SOCKETS; r++) {
		pthread_barrier_wait(&line);
		for (k = 0; k < 50; k++) {
			const void *to = me == 0 && k >= 10 ?
			    (const void *)&loop :
			    (const void *)&dst;
			(void)send1(shared_fd, to, sizeof(dst));
		}
		pthread_barrier_wait(&line);
	}
	return NULL;
}

/* No datagram leaves by an egress it was not decided for while other
 * threads stick and clear the socket under it (a mutant without the
 * sender count fails this). */
static void
test_threads_never_misroute(void **state)
{
	pthread_t t[THREADS];
	long i;
	int r;

	(void)state;
	pthread_barrier_init(&line, NULL, THREADS + 1);
	for (i = 0; i < THREADS; i++)
		pthread_create(&t[i], NULL, sender, (void *)i);
	judging = 1;
	for (r = 0; r < SOCKETS; r++) {
		shared_fd = bindif_socket(AF_INET, SOCK_DGRAM, 0);
		assert_true(shared_fd >= 0 && shared_fd < 1024);
		pthread_barrier_wait(&line); /* go */
		pthread_barrier_wait(&line); /* done */
		bindif_close(shared_fd);
		__atomic_store_n(&egress[shared_fd], 0, __ATOMIC_SEQ_CST);
	}
	judging = 0;
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
	pthread_barrier_destroy(&line);
	assert_int_equal(misrouted, 0);
}

static void
v4(struct sockaddr_in *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin_family = AF_INET;
	s->sin_port = htons(9);
	assert_int_equal(inet_pton(AF_INET, a, &s->sin_addr), 1);
}

static void
v6(struct sockaddr_in6 *s, const char *a)
{
	memset(s, 0, sizeof(*s));
	s->sin6_family = AF_INET6;
	s->sin6_port = htons(9);
	assert_int_equal(inet_pton(AF_INET6, a, &s->sin6_addr), 1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_udp_sendto_sticks_once, reset),
		cmocka_unit_test_setup(test_udp6_sticks_and_mapped_steers,
		    reset),
		cmocka_unit_test_setup(test_divergent_datagrams, reset),
		cmocka_unit_test_setup(test_udp_sendmsg_sticks, reset),
		cmocka_unit_test_setup(test_connect_after_sticking, reset),
		cmocka_unit_test_setup(test_udp_connect_then_send, reset),
		cmocka_unit_test_setup(test_tcp_connect_once, reset),
		cmocka_unit_test_setup(test_program_bound_tcp_kept, reset),
		cmocka_unit_test_setup(test_unseen_socket_classified_once,
		    reset),
		cmocka_unit_test_setup(test_unseen_socket_egress_cleared,
		    reset),
		cmocka_unit_test_setup(test_no_egress_option, reset),
		cmocka_unit_test_setup(test_program_bound_socket, reset),
		cmocka_unit_test_setup(test_threads_never_misroute, reset),
	};
	char rules[] = "/tmp/bindif-hotpath.XXXXXX";
	const char *text = "rules = (\n"
	                   "  { dst = \"198.51.100.7\"; action = \"pass\"; },\n"
	                   "  { dst = \"203.0.113.9\"; action = \"reject\";"
	                   " errno = \"EACCES\"; }\n);\n";
	int fd = mkstemp(rules), rc;

	/* Every other destination goes to "lo" by default; 192.0.2.1 is no
	 * address of this machine, so the rules decide "bind". Nothing is
	 * sent: the real send calls are fakes. */
	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	setenv("BINDIF_INTERFACE", "lo", 1);
	setenv("BINDIF_RULES", rules, 1);
	unsetenv("BINDIF_VERBOSE");
	lo_index = if_nametoindex("lo");
	v4(&dst, "192.0.2.1");
	v4(&dst2, "203.0.113.77");
	v4(&loop, "127.0.0.1");
	v4(&passed, "198.51.100.7");
	v4(&refused, "203.0.113.9");
	v6(&dst6, "2001:db8::1");
	v6(&mapped, "::ffff:192.0.2.1");
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(rules);
	return rc;
}
