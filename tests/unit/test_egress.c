/*
 * test_egress.c - shim/udp/egress.c: the control messages that steer one
 * datagram, checked byte by byte and then handed to the kernel on loopback,
 * where an interface index that does not exist must make sendmsg fail.
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
#include <poll.h>
#include <stdbool.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../../common/decide.h"
#include "../../shim/udp/egress.h"

#define NO_SUCH_IFINDEX 999999u
#define CANARY 0xa5

/* Control buffers, aligned as the kernel and CMSG_* macros want them. */
union ctl {
	struct cmsghdr align;
	unsigned char b[512];
};

static struct msghdr
over(void *ctl, size_t len)
{
	struct msghdr m;

	memset(&m, 0, sizeof(m));
	m.msg_control = ctl;
	m.msg_controllen = len;
	return m;
}

static size_t
count_cmsgs(void *ctl, size_t len)
{
	struct msghdr m = over(ctl, len);
	struct cmsghdr *c;
	size_t n = 0;

	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c))
		n++;
	return n;
}

/* The i-th message, which must exist. */
static struct cmsghdr *
nth_cmsg(void *ctl, size_t len, size_t i)
{
	struct msghdr m = over(ctl, len);
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);

	while (c != NULL && i-- > 0)
		c = CMSG_NXTHDR(&m, c);
	assert_non_null(c);
	return c;
}

/* Appends one message to a caller's buffer; returns the new length. */
static size_t
add_cmsg(union ctl *u, size_t at, int level, int type, const void *data,
    size_t len)
{
	struct cmsghdr *c = (struct cmsghdr *)(u->b + at);

	assert_true(at + CMSG_SPACE(len) <= sizeof(u->b));
	memset(c, 0, CMSG_SPACE(len));
	c->cmsg_level = level;
	c->cmsg_type = type;
	c->cmsg_len = CMSG_LEN(len);
	memcpy(CMSG_DATA(c), data, len);
	return at + CMSG_SPACE(len);
}

static struct in_pktinfo
pktinfo4(const struct cmsghdr *c)
{
	struct in_pktinfo pi;

	assert_int_equal(c->cmsg_level, IPPROTO_IP);
	assert_int_equal(c->cmsg_type, IP_PKTINFO);
	assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(pi)));
	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	return pi;
}

static struct in6_pktinfo
pktinfo6(const struct cmsghdr *c)
{
	struct in6_pktinfo pi;

	assert_int_equal(c->cmsg_level, IPPROTO_IPV6);
	assert_int_equal(c->cmsg_type, IPV6_PKTINFO);
	assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(pi)));
	memcpy(&pi, CMSG_DATA(c), sizeof(pi));
	return pi;
}

/* Nothing at or after out[from] was written. */
static void
assert_untouched(const union ctl *u, size_t from)
{
	size_t i;

	for (i = from; i < sizeof(u->b); i++)
		if (u->b[i] != CANARY)
			fail_msg("byte %zu past the %zu allowed was written", i,
			    from);
}

static void
test_no_control_v4(void **state)
{
	union ctl out;
	struct in_pktinfo pi;
	ssize_t n;

	(void)state;
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET, 5, NULL, 0, out.b, sizeof(out.b));
	assert_int_equal(n, CMSG_SPACE(sizeof(struct in_pktinfo)));
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 1);
	pi = pktinfo4(nth_cmsg(out.b, (size_t)n, 0));
	assert_int_equal(pi.ipi_ifindex, 5);
	/* No source chosen: the interface's own address is used. */
	assert_int_equal(pi.ipi_spec_dst.s_addr, 0);
	assert_int_equal(pi.ipi_addr.s_addr, 0);
	assert_untouched(&out, (size_t)n);
}

static void
test_no_control_v6(void **state)
{
	union ctl out;
	struct in6_pktinfo pi;
	ssize_t n;

	(void)state;
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET6, 5, NULL, 0, out.b, sizeof(out.b));
	assert_int_equal(n, CMSG_SPACE(sizeof(struct in6_pktinfo)));
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 1);
	pi = pktinfo6(nth_cmsg(out.b, (size_t)n, 0));
	assert_int_equal(pi.ipi6_ifindex, 5);
	assert_true(IN6_IS_ADDR_UNSPECIFIED(&pi.ipi6_addr));
	assert_untouched(&out, (size_t)n);
}

/* The caller's own index would override ours: it is replaced, in place,
 * and the source address the caller chose stays. */
static void
test_caller_pktinfo_v4_replaced(void **state)
{
	union ctl in, saved, out;
	struct in_pktinfo pi = { 0 };
	size_t len;
	ssize_t n;

	(void)state;
	pi.ipi_ifindex = 7;
	assert_int_equal(inet_pton(AF_INET, "192.0.2.1", &pi.ipi_spec_dst), 1);
	len = add_cmsg(&in, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	saved = in;
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET, 3, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n, len);
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 1);
	pi = pktinfo4(nth_cmsg(out.b, (size_t)n, 0));
	assert_int_equal(pi.ipi_ifindex, 3);
	assert_int_equal(pi.ipi_spec_dst.s_addr, inet_addr("192.0.2.1"));
	assert_memory_equal(in.b, saved.b, len);
	assert_untouched(&out, (size_t)n);
}

static void
test_caller_pktinfo_v6_after_tclass_replaced(void **state)
{
	union ctl in, saved, out;
	struct in6_pktinfo pi = { 0 }, src;
	int tclass = 0x28, got;
	size_t len;
	ssize_t n;

	(void)state;
	pi.ipi6_ifindex = 7;
	assert_int_equal(inet_pton(AF_INET6, "2001:db8::1", &pi.ipi6_addr), 1);
	src = pi;
	len = add_cmsg(&in, 0, IPPROTO_IPV6, IPV6_TCLASS, &tclass,
	    sizeof(tclass));
	len = add_cmsg(&in, len, IPPROTO_IPV6, IPV6_PKTINFO, &pi, sizeof(pi));
	saved = in;
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET6, 3, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n, len);
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 2);
	memcpy(&got, CMSG_DATA(nth_cmsg(out.b, (size_t)n, 0)), sizeof(got));
	assert_int_equal(got, tclass);
	pi = pktinfo6(nth_cmsg(out.b, (size_t)n, 1));
	assert_int_equal(pi.ipi6_ifindex, 3);
	assert_memory_equal(&pi.ipi6_addr, &src.ipi6_addr,
	    sizeof(src.ipi6_addr));
	assert_memory_equal(in.b, saved.b, len);
	assert_untouched(&out, (size_t)n);
}

static void
test_caller_other_cmsg_kept_ours_appended(void **state)
{
	union ctl in, saved, out;
	struct cmsghdr *c;
	int tos = 0x10, got;
	size_t len;
	ssize_t n;

	(void)state;
	len = add_cmsg(&in, 0, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	saved = in;
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET, 4, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n, len + CMSG_SPACE(sizeof(struct in_pktinfo)));
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 2);
	c = nth_cmsg(out.b, (size_t)n, 0);
	assert_int_equal(c->cmsg_level, IPPROTO_IP);
	assert_int_equal(c->cmsg_type, IP_TOS);
	assert_int_equal(c->cmsg_len, CMSG_LEN(sizeof(tos)));
	memcpy(&got, CMSG_DATA(c), sizeof(got));
	assert_int_equal(got, tos);
	assert_int_equal(pktinfo4(nth_cmsg(out.b, (size_t)n, 1)).ipi_ifindex,
	    4);
	assert_memory_equal(in.b, saved.b, len);
	assert_untouched(&out, (size_t)n);
}

/* A pktinfo of the other family is not ours to edit (a v4 socket ignores
 * IPv6 ones): ours is appended. */
static void
test_other_family_pktinfo_edited_too(void **state)
{
	union ctl in, out;
	struct in6_pktinfo pi6 = { 0 };
	size_t len;
	ssize_t n;

	(void)state;
	/* A v6 socket sending to a v4-mapped peer goes by the IPv4 path,
	 * which still honours the program's IPV6_PKTINFO index: every kind
	 * is rewritten, and nothing is added beside it. */
	pi6.ipi6_ifindex = 7;
	len = add_cmsg(&in, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi6, sizeof(pi6));
	n = egress_control(AF_INET, 4, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n, len);
	assert_int_equal(pktinfo6(nth_cmsg(out.b, (size_t)n, 0)).ipi6_ifindex,
	    4);
}

/* Rewrite-only, for bound sockets: nothing to rewrite gives 0 (send the
 * caller's message as it is), a PKTINFO is rewritten in place. */
static void
test_rewrite_only(void **state)
{
	union ctl in, out;
	struct in_pktinfo pi = { 0 };
	int tos = 0x10;
	size_t len;

	(void)state;
	len = add_cmsg(&in, 0, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	assert_int_equal(egress_rewrite(4, in.b, len, out.b, sizeof(out.b)), 0);
	assert_int_equal(egress_rewrite(4, NULL, 0, out.b, sizeof(out.b)), 0);
	pi.ipi_ifindex = 9;
	len = add_cmsg(&in, len, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	assert_int_equal(egress_rewrite(4, in.b, len, out.b, sizeof(out.b)),
	    (ssize_t)len);
	assert_int_equal(pktinfo4(nth_cmsg(out.b, len, 1)).ipi_ifindex, 4);
	assert_int_equal(egress_rewrite(4, in.b, len, out.b, len - 1), -1);
}

/* A caller length that is not a multiple of the alignment (CMSG_LEN used
 * where CMSG_SPACE belonged): ours goes where CMSG_NXTHDR looks. */
static void
test_unaligned_caller_length(void **state)
{
	union ctl in, out;
	int tos = 0x10;
	size_t len;
	ssize_t n;

	(void)state;
	add_cmsg(&in, 0, IPPROTO_IP, IP_TOS, &tos, 1);
	len = CMSG_LEN(1);
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET, 4, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n,
	    CMSG_SPACE(1) + CMSG_SPACE(sizeof(struct in_pktinfo)));
	assert_int_equal(count_cmsgs(out.b, (size_t)n), 2);
	assert_int_equal(pktinfo4(nth_cmsg(out.b, (size_t)n, 1)).ipi_ifindex,
	    4);
	assert_untouched(&out, (size_t)n);
}

static void
test_out_too_small(void **state)
{
	union ctl in, out;
	struct in_pktinfo pi = { 0 };
	size_t need = CMSG_SPACE(sizeof(struct in_pktinfo)), len;
	int tos = 0x10;

	(void)state;
	memset(&out, CANARY, sizeof(out));
	assert_int_equal(egress_control(AF_INET, 4, NULL, 0, out.b, need - 1),
	    -1);
	assert_untouched(&out, need - 1);
	assert_int_equal(egress_control(AF_INET, 4, NULL, 0, out.b, 0), -1);
	/* Exactly enough is enough. */
	assert_int_equal(egress_control(AF_INET, 4, NULL, 0, out.b, need),
	    (ssize_t)need);
	assert_untouched(&out, need);

	/* Room for the caller's messages but not for ours. */
	len = add_cmsg(&in, 0, IPPROTO_IP, IP_TOS, &tos, sizeof(tos));
	memset(&out, CANARY, sizeof(out));
	assert_int_equal(egress_control(AF_INET, 4, in.b, len, out.b,
	                     len + need - 1),
	    -1);
	assert_untouched(&out, len + need - 1);
	/* Not even room for the caller's. */
	memset(&out, CANARY, sizeof(out));
	assert_int_equal(egress_control(AF_INET, 4, in.b, len, out.b, len - 1),
	    -1);
	assert_untouched(&out, len - 1);

	/* A caller's pktinfo needs no extra room at all. */
	len = add_cmsg(&in, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	memset(&out, CANARY, sizeof(out));
	assert_int_equal(egress_control(AF_INET, 4, in.b, len, out.b, len),
	    (ssize_t)len);
	assert_untouched(&out, len);
}

/* A first message whose cmsg_len claims more than the caller's buffer
 * holds (the kernel refuses it with EINVAL): whatever egress_control
 * answers, it must not write past outlen. */
static void
test_truncated_first_cmsg_stays_within_out(void **state)
{
	union ctl in, out;
	struct cmsghdr *c = &in.align;
	size_t len = sizeof(struct cmsghdr);
	ssize_t n;

	(void)state;
	memset(&in, 0, sizeof(in));
	c->cmsg_level = IPPROTO_IP;
	c->cmsg_type = IP_PKTINFO;
	c->cmsg_len = CMSG_LEN(sizeof(struct in_pktinfo));
	memset(&out, CANARY, sizeof(out));
	n = egress_control(AF_INET, 4, in.b, len, out.b, len);
	assert_true(n <= (ssize_t)len);
	assert_untouched(&out, len);
}

/* From here on the kernel judges: loopback only, no privilege. */

struct pair {
	int rx, tx;
	struct sockaddr_storage to;
	socklen_t tolen;
};

/* A receiver on addr (127.0.0.1 or ::1) and an unbound sender of family
 * tx_family; false when this host cannot do that family on loopback. */
static bool
open_pair(struct pair *p, int rx_family, const char *addr, int tx_family)
{
	struct sockaddr_storage ss;
	socklen_t len;

	memset(p, 0, sizeof(*p));
	memset(&ss, 0, sizeof(ss));
	if (rx_family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		assert_int_equal(inet_pton(AF_INET, addr, &s->sin_addr), 1);
		len = sizeof(*s);
	} else {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		assert_int_equal(inet_pton(AF_INET6, addr, &s->sin6_addr), 1);
		len = sizeof(*s);
	}
	if ((p->rx = socket(rx_family, SOCK_DGRAM, 0)) < 0)
		return false;
	if (bind(p->rx, (struct sockaddr *)&ss, len) < 0) {
		close(p->rx);
		return false;
	}
	if ((p->tx = socket(tx_family, SOCK_DGRAM, 0)) < 0) {
		close(p->rx);
		return false;
	}
	p->tolen = len;
	assert_int_equal(getsockname(p->rx, (struct sockaddr *)&p->to,
	                     &p->tolen),
	    0);
	return true;
}

static void
close_pair(struct pair *p)
{
	close(p->rx);
	close(p->tx);
}

/* sendmsg with control ctl; 0 or errno. */
static int
send_with(struct pair *p, const void *ctl, size_t ctllen, const char *data)
{
	struct iovec iov;
	struct msghdr m = over((void *)ctl, ctllen);

	iov.iov_base = (void *)data;
	iov.iov_len = strlen(data);
	m.msg_name = &p->to;
	m.msg_namelen = p->tolen;
	m.msg_iov = &iov;
	m.msg_iovlen = 1;
	if (sendmsg(p->tx, &m, 0) < 0)
		return errno;
	return 0;
}

static void
assert_received(struct pair *p, const char *data)
{
	struct pollfd pfd = { p->rx, POLLIN, 0 };
	char buf[64];
	ssize_t n;

	assert_int_equal(poll(&pfd, 1, 2000), 1);
	n = recv(p->rx, buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, strlen(data));
	assert_memory_equal(buf, data, (size_t)n);
}

static void
assert_no_device(int err)
{
	if (err != ENODEV && err != ENXIO)
		fail_msg("sendmsg: expected ENODEV or ENXIO, got %s",
		    err ? strerror(err) : "success");
}

/* Steered to lo it arrives; steered to no interface the kernel refuses,
 * which it could only do if it read our index. */
static void
check_kernel(int rx_family, const char *addr, int tx_family, int ctl_family)
{
	union ctl in, out;
	unsigned lo = if_nametoindex("lo");
	struct pair p;
	ssize_t n;
	size_t len;
	int tos = 0;

	if (lo == 0 || !open_pair(&p, rx_family, addr, tx_family))
		skip();
	/* egress_control leaves the padding after an unaligned caller
	 * message as it was; valgrind checks every byte sendmsg is given. */
	memset(&out, 0, sizeof(out));
	n = egress_control(ctl_family, lo, NULL, 0, out.b, sizeof(out.b));
	assert_true(n > 0);
	assert_int_equal(send_with(&p, out.b, (size_t)n, "steered"), 0);
	assert_received(&p, "steered");

	n = egress_control(ctl_family, NO_SUCH_IFINDEX, NULL, 0, out.b,
	    sizeof(out.b));
	assert_true(n > 0);
	assert_no_device(send_with(&p, out.b, (size_t)n, "lost"));

	/* Appended after an unaligned caller message: the kernel still
	 * finds ours. */
	if (ctl_family == AF_INET)
		add_cmsg(&in, 0, IPPROTO_IP, IP_TOS, &tos, 1);
	else
		add_cmsg(&in, 0, IPPROTO_IPV6, IPV6_TCLASS, &tos, sizeof(tos));
	len = ctl_family == AF_INET ? CMSG_LEN(1) : CMSG_LEN(sizeof(tos));
	n = egress_control(ctl_family, NO_SUCH_IFINDEX, in.b, len, out.b,
	    sizeof(out.b));
	assert_true(n > 0);
	assert_no_device(send_with(&p, out.b, (size_t)n, "lost"));
	n = egress_control(ctl_family, lo, in.b, len, out.b, sizeof(out.b));
	assert_true(n > 0);
	assert_int_equal(send_with(&p, out.b, (size_t)n, "after-tos"), 0);
	assert_received(&p, "after-tos");

	/* The caller's own bogus index is replaced by ours. */
	if (ctl_family == AF_INET) {
		struct in_pktinfo pi = { 0 };

		pi.ipi_ifindex = (int)NO_SUCH_IFINDEX;
		len = add_cmsg(&in, 0, IPPROTO_IP, IP_PKTINFO, &pi, sizeof(pi));
	} else {
		struct in6_pktinfo pi = { 0 };

		pi.ipi6_ifindex = NO_SUCH_IFINDEX;
		len = add_cmsg(&in, 0, IPPROTO_IPV6, IPV6_PKTINFO, &pi,
		    sizeof(pi));
	}
	assert_no_device(send_with(&p, in.b, len, "lost"));
	n = egress_control(ctl_family, lo, in.b, len, out.b, sizeof(out.b));
	assert_int_equal(n, len);
	assert_int_equal(send_with(&p, out.b, (size_t)n, "replaced"), 0);
	assert_received(&p, "replaced");
	close_pair(&p);
}

static void
test_kernel_v4(void **state)
{
	(void)state;
	check_kernel(AF_INET, "127.0.0.1", AF_INET, AF_INET);
}

static void
test_kernel_v6(void **state)
{
	(void)state;
	check_kernel(AF_INET6, "::1", AF_INET6, AF_INET6);
}

/*
 * An AF_INET6 socket sending to a v4-mapped peer (::ffff:127.0.0.1), with
 * the control built for its family as egress.h documents. Linux takes the
 * IPv4 path (ip_cmsg_send) and refuses an IPV6_PKTINFO whose address is
 * not v4-mapped with EINVAL, so ipi6_addr = :: breaks every such datagram.
 */
static void
test_kernel_v6_socket_to_v4_mapped_peer(void **state)
{
	union ctl out;
	unsigned lo = if_nametoindex("lo");
	struct sockaddr_in v4;
	struct sockaddr_in6 *to;
	struct pair p;
	int off = 0, err;
	ssize_t n;

	(void)state;
	if (lo == 0 || !open_pair(&p, AF_INET, "127.0.0.1", AF_INET6))
		skip();
	if (setsockopt(p.tx, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) <
	    0) {
		close_pair(&p);
		skip();
	}
	memcpy(&v4, &p.to, sizeof(v4));
	to = (struct sockaddr_in6 *)&p.to;
	memset(to, 0, sizeof(*to));
	to->sin6_family = AF_INET6;
	to->sin6_port = v4.sin_port;
	assert_int_equal(inet_pton(AF_INET6, "::ffff:127.0.0.1",
	                     &to->sin6_addr),
	    1);
	p.tolen = sizeof(*to);

	/* The hooks ask for the destination's family: IPv4 here. */
	assert_int_equal(decide_egress_family((struct sockaddr *)to,
	                     sizeof(*to)),
	    AF_INET);
	n = egress_control(AF_INET, lo, NULL, 0, out.b, sizeof(out.b));
	assert_true(n > 0);
	err = send_with(&p, out.b, (size_t)n, "mapped");
	close_pair(&p);
	if (err != 0)
		fail_msg("sendmsg to ::ffff:127.0.0.1 with egress_control("
		         "AF_INET, lo): %s",
		    strerror(err));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_control_v4),
		cmocka_unit_test(test_no_control_v6),
		cmocka_unit_test(test_caller_pktinfo_v4_replaced),
		cmocka_unit_test(test_caller_pktinfo_v6_after_tclass_replaced),
		cmocka_unit_test(test_caller_other_cmsg_kept_ours_appended),
		cmocka_unit_test(test_other_family_pktinfo_edited_too),
		cmocka_unit_test(test_rewrite_only),
		cmocka_unit_test(test_unaligned_caller_length),
		cmocka_unit_test(test_out_too_small),
		cmocka_unit_test(test_truncated_first_cmsg_stays_within_out),
		cmocka_unit_test(test_kernel_v4),
		cmocka_unit_test(test_kernel_v6),
		cmocka_unit_test(test_kernel_v6_socket_to_v4_mapped_peer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
