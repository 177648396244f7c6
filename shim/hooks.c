/*
 * hooks.c - one thin function per intercepted call: decide, apply, call the
 * real one. Streams and connected datagram sockets are bound once with the
 * OS's bind-to-interface option; unconnected datagrams go by the socket's
 * own egress while they all decide one interface (dgram.c), and are
 * steered one by one with IP(V6)_PKTINFO once they do not, so the same
 * socket can still reach loopback.
 */
#define _DEFAULT_SOURCE /* F_DUPFD_CLOEXEC */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/uio.h>

#include "udp/dgram.h"
#include "udp/egress.h"
#include "fdtable.h"
#include "hooks.h"
#include "dns/hooks_dns.h"
#include "dns/hooks_dnsown.h"
#include "state.h"
#include "uaccess.h"

/* Control buffers up to this size are rebuilt on the stack. */
#define STACK_CONTROL 512

static bool
is_stream(fdt_entry e)
{
	return FDT_PROTO(e) == RULES_PROTO_TCP;
}

/* Learns what a socket we did not see created is. */
static fdt_entry
classify(int fd)
{
	struct plat_sockinfo si;
	unsigned proto, cur = 0;
	fdt_entry e;

	if (plat_sockinfo(fd, &si) < 0)
		return FDT_MAKE(FDT_SKIP, 0, 0, 0);
	proto = decide_proto_class(si.family, si.type, si.protocol);
	if (proto == 0)
		e = FDT_MAKE(FDT_SKIP, 0, 0, 0);
	else if (plat_bound_ifindex(fd, si.family, &cur) == 0 && cur != 0)
		e = FDT_MAKE(FDT_BOUND, proto, si.family, cur);
	else if (proto == RULES_PROTO_TCP)
		e = FDT_MAKE(FDT_NEW, proto, si.family, 0);
	else
		/* A datagram socket from before an exec, or passed to us, may
		 * carry an egress a shim set: stuck to an unknown interface,
		 * so the first datagram sets it or clears it. */
		e = FDT_MAKE(FDT_NEW, proto, si.family, 0) | FDT_STUCK;
	(void)fdt_set(fd, e);
	return e;
}

static const char *
call_name(enum hook_call call)
{
	static const char *const names[] = { "connect", "sendto", "sendmsg",
		"sendmmsg" };

	return names[call];
}

static void
log_decision(const struct shim_cfg *c, fdt_entry *e, enum hook_call call,
    const struct sockaddr *sa, const struct decision *d, const char *extra)
{
	char line[600];

	if (!c->verbose || (*e & FDT_LOGGED))
		return;
	decide_describe(c, sa, FDT_PROTO(*e), d, line, sizeof(line));
	state_log(c, "%s %s%s", call_name(call), line, extra ? extra : "");
	/* Unconnected datagrams: one line per socket, not per datagram. */
	if (!is_stream(*e) && call != HOOK_CONNECT)
		*e |= FDT_LOGGED;
}

/* Binds fd as decided, unless the program bound it itself. */
static int
apply_bind(const struct shim_cfg *c, int fd, fdt_entry *e,
    const struct decision *d)
{
	unsigned cur = 0;
	int rc;

	/* Born here and never bound by the program through us: no need to
	 * ask the kernel. */
	if (!(*e & FDT_BORN) &&
	    plat_bound_ifindex(fd, FDT_FAMILY(*e), &cur) == 0 && cur != 0) {
		/* An explicit choice of the program (ping -I, curl
		 * --interface) stands. */
		*e = FDT_WITH(*e, FDT_BOUND, cur);
		return 0;
	}
	rc = plat_bind_ifindex(fd, FDT_FAMILY(*e), d->ifindex, d->ifname);
	if (rc < 0) {
		if (c->verbose)
			state_log(c, "cannot bind to %s: %s", d->ifname,
			    strerror(-rc));
		return rc;
	}
	*e = FDT_WITH(*e, FDT_BOUND, d->ifindex);
	return 0;
}

/* The plan of a datagram that goes by the socket's own egress: as is,
 * with any PKTINFO of the program's rewritten (it would override ours). */
static enum hook_plan
by_own_egress(unsigned ifindex, struct hook_egress *eg)
{
	eg->ifindex = ifindex;
	eg->append = false;
	return PLAN_PKTINFO;
}

/* A datagram decided "bind": by the socket's egress when it can be stuck
 * to the interface, else steered alone with PKTINFO. */
static enum hook_plan
plan_datagram(const struct shim_cfg *c, int fd, fdt_entry e,
    const struct sockaddr *sa, socklen_t len, bool may_hold,
    const struct decision *d, struct hook_egress *eg, enum hook_call call)
{
	bool native = decide_egress_family(sa, len) == FDT_FAMILY(e);
	int rc;

	if (may_hold && native) {
		rc = dgram_stick(fd, sa, len, FDT_PROTO(e), d->ifindex,
		    &eg->hold);
		if (rc == DGRAM_BOUND) {
			unsigned bound = FDT_IFINDEX(fdt_get(fd));

			if (c->verbose && bound != d->ifindex)
				state_log(c,
				    "%s: not by %s: the program bound "
				    "the socket to another interface itself",
				    call_name(call), d->ifname);
			/* As FDT_BOUND in hook_prepare: the binding's index
			 * in any PKTINFO of the program's, none added. */
			eg->ifindex = bound;
			eg->append = false;
			return PLAN_PKTINFO;
		}
		if (rc > 0)
			return by_own_egress(d->ifindex, eg);
	} else
		rc = dgram_steer(fd, d->ifindex, native);
	if (rc < 0) {
		eg->err = -rc;
		return PLAN_FAIL;
	}
	eg->family = decide_egress_family(sa, len);
	eg->ifindex = d->ifindex;
	eg->append = true;
	return PLAN_PKTINFO;
}

/* The caller's destination into ss, once known readable (*len cut to
 * ss's size); false: it is not, and the call fails with EFAULT. */
static bool
copy_dest(const struct sockaddr *sa, socklen_t *len,
    struct sockaddr_storage *ss)
{
	if (*len > sizeof(*ss))
		*len = sizeof(*ss);
	if (!ua_readable(sa, *len))
		return false;
	memcpy(ss, sa, *len);
	return true;
}

/* Cheap enough for every decision: the port is where a query shows. */
static bool
to_port53(const struct sockaddr *sa, socklen_t len, fdt_entry e)
{
	unsigned proto = FDT_PROTO(e);

	if (proto != RULES_PROTO_TCP && proto != RULES_PROTO_UDP)
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
		return ((const struct sockaddr_in *)sa)->sin_port == htons(53);
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
		return ((const struct sockaddr_in6 *)sa)->sin6_port ==
		    htons(53);
	return false;
}

/*
 * A query of the program's own to a system resolver (sa, our copy): sent
 * to bindif's server for the interface instead, the socket bound to that
 * interface as a whole and marked, so that its replies and its peer show
 * the resolver the program aimed at. 1: redirected, eg->to set; 0: not a
 * system resolver, decide as any traffic; -errno: fail the call.
 */
static int
redirect_dns(const struct shim_cfg *c, int fd, fdt_entry *e,
    const struct sockaddr *sa, socklen_t len, struct hook_egress *eg)
{
	const struct dns_redirect *r = dns_redirect();
	struct decision d = { 0 };
	int rc;

	if (r == NULL || dnsredir_classify(&r->sys, sa, len) == DNSREDIR_NONE)
		return 0;
	eg->tolen =
	    dnsredir_target(r->servers, FDT_FAMILY(*e), sa, len, &eg->to);
	if (eg->tolen == 0) {
		dnsown_report(c, r, sa, NULL);
		return -ENETUNREACH; /* never where it was aimed */
	}
	if (FDT_STATE(*e) == FDT_NEW) {
		/* Bound as a whole from now on, as at a connect; the entry
		 * as the release left it (per datagram: never stuck again,
		 * so no later datagram takes dgram_hit's way round us). */
		if (!is_stream(*e)) {
			if ((rc = dgram_release(fd)) < 0)
				return rc;
			*e = fdt_get(fd) & ~(FDT_STUCK | FDT_STICKING);
		}
		d.action = RULES_BIND;
		d.ifindex = r->ifindex;
		d.ifname = r->ifname;
		if ((rc = apply_bind(c, fd, e, &d)) < 0)
			return rc;
	}
	/* Marked before the query leaves: its reply cannot come sooner. */
	if (dnsown_mark(fd, sa, len, &eg->to, eg->tolen))
		*e |= FDT_DNSREDIR;
	(void)fdt_set(fd, *e);
	dnsown_report(c, r, sa, &eg->to.sa);
	return 1;
}

/*
 * What a socket's first decision does to it: fails the call, passes it,
 * binds the socket or steers the datagram; the entry e as it became is
 * stored. sa is our copy of the destination.
 */
static enum hook_plan
apply_decision(const struct shim_cfg *c, int fd, fdt_entry e,
    const struct sockaddr *sa, socklen_t len, enum hook_call call,
    const struct decision *d, struct hook_egress *eg)
{
	bool whole_socket = is_stream(e) || call == HOOK_CONNECT;
	bool may_hold = !whole_socket && call != HOOK_SENDMMSG;
	fdt_entry before = e;
	int rc;

	if (d->action == RULES_REJECT) {
		log_decision(c, &e, call, sa, d, NULL);
		eg->err = d->err;
		return PLAN_FAIL;
	}
	/* From a connect on, the socket is bound or passed as a whole. */
	if (whole_socket && !is_stream(e) && (rc = dgram_release(fd)) < 0) {
		eg->err = -rc;
		return PLAN_FAIL;
	}
	if (d->action == RULES_PASS) {
		log_decision(c, &e, call, sa, d, NULL);
		if (is_stream(e))
			e = FDT_WITH(e, FDT_PASS, 0);
		else if (!whole_socket) {
			if ((rc = dgram_plain(fd,
			         may_hold ? &eg->hold : NULL)) < 0) {
				eg->err = -rc;
				return PLAN_FAIL;
			}
		}
	} else if (whole_socket) {
		rc = apply_bind(c, fd, &e, d);
		if (rc < 0) {
			eg->err = -rc;
			return PLAN_FAIL;
		}
		log_decision(c, &e, call, sa, d,
		    FDT_IFINDEX(e) != d->ifindex ?
		        " (already bound by the program)" :
		        NULL);
	} else
		log_decision(c, &e, call, sa, d, NULL);
	if (e != before) {
		/* A datagram only adds its log mark; other threads may be
		 * changing the entry's egress bits at the same time. */
		if (whole_socket)
			(void)fdt_set(fd, e);
		else
			(void)fdt_or(fd, e & FDT_LOGGED);
	}
	if (d->action == RULES_BIND && !whole_socket)
		return plan_datagram(c, fd, e, sa, len, may_hold, d, eg, call);
	return PLAN_AS_IS;
}

enum hook_plan
hook_prepare(int fd, const struct sockaddr *sa, socklen_t len,
    enum hook_call call, struct hook_egress *eg)
{
	const struct shim_cfg *c;
	struct decision d;
	struct sockaddr_storage ss;
	fdt_entry e = fdt_get(fd);
	bool whole_socket;
	int rc;

	eg->hold.how = DGRAM_FREE;
	eg->tolen = 0;
	if (FDT_STATE(e) == FDT_UNKNOWN)
		e = classify(fd);
	if ((e & FDT_DNSREDIR) && sa != NULL) {
		/* A redirected socket's next query (unconnected): to the
		 * same server, by its binding. */
		if (!copy_dest(sa, &len, &ss)) {
			eg->err = EFAULT;
			return PLAN_FAIL;
		}
		if (to_port53((const struct sockaddr *)&ss, len, e) &&
		    (rc = redirect_dns(state_cfg(), fd, &e,
		         (const struct sockaddr *)&ss, len, eg)) < 0) {
			eg->err = -rc;
			return PLAN_FAIL;
		}
	}
	if (FDT_STATE(e) == FDT_BOUND) {
		/* A program's own PKTINFO index would override the binding:
		 * rewrite any, add none. */
		eg->ifindex = FDT_IFINDEX(e);
		eg->append = false;
		return PLAN_PKTINFO;
	}
	if (sa == NULL || FDT_STATE(e) != FDT_NEW)
		return PLAN_AS_IS;
	whole_socket = is_stream(e) || call == HOOK_CONNECT;
	if (!whole_socket && call != HOOK_SENDMMSG &&
	    dgram_hit(fd, e, sa, len, &eg->hold))
		return by_own_egress(FDT_IFINDEX(e), eg);
	/* Decide on our own copy: the kernel answers a bad pointer with
	 * EFAULT, and so must we rather than fault in the program. */
	if (!copy_dest(sa, &len, &ss)) {
		eg->err = EFAULT;
		return PLAN_FAIL;
	}
	sa = (const struct sockaddr *)&ss;
	c = state_cfg();
	if (!c->inert && to_port53(sa, len, e) &&
	    (rc = redirect_dns(c, fd, &e, sa, len, eg)) != 0) {
		if (rc < 0) {
			eg->err = -rc;
			return PLAN_FAIL;
		}
		/* Bound as a whole: the program's PKTINFO index rewritten. */
		eg->ifindex = FDT_IFINDEX(e);
		eg->append = false;
		return whole_socket ? PLAN_AS_IS : PLAN_PKTINFO;
	}
	if (!decide(c, sa, len, FDT_PROTO(e), &d) || c->inert)
		return PLAN_AS_IS;
	return apply_decision(c, fd, e, sa, len, call, &d, eg);
}

void
hook_done(int fd, struct hook_egress *eg)
{
	dgram_done(fd, &eg->hold);
}

int
bindif_socket(int domain, int type, int protocol)
{
	const struct plat_real *r = state_real();
	int fd = r->socket(domain, type, protocol), saved = errno;
	unsigned proto;

	if (fd < 0)
		return fd;
	proto = decide_proto_class(domain, type, protocol);
	/* Overwrites whatever a close we never saw left behind. */
	(void)fdt_set(fd,
	    proto ? FDT_MAKE(FDT_NEW, proto, domain, 0) | FDT_BORN :
	            FDT_MAKE(FDT_SKIP, 0, 0, 0));
	errno = saved;
	return fd;
}

int
bindif_connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	const struct plat_real *r = state_real();
	struct hook_egress eg;
	fdt_entry e;

	if (sa == NULL || state_busy())
		return r->connect(fd, sa, len);
	/* A connect is a socket's one decision: an entry left by a socket
	 * closed behind our back must not decide for this one, so anything
	 * but a socket we saw created is asked of the kernel again. */
	e = fdt_get(fd);
	/* A redirected DNS socket connected again (to its resolver, as
	 * some clients do) stays redirected. */
	if (FDT_STATE(e) != FDT_NEW && !(e & FDT_DNSREDIR))
		fdt_clear(fd);
	if (hook_prepare(fd, sa, len, HOOK_CONNECT, &eg) == PLAN_FAIL) {
		errno = eg.err;
		return -1;
	}
	if (eg.tolen > 0)
		return r->connect(fd, &eg.to.sa, eg.tolen);
	return r->connect(fd, sa, len);
}

/* sendmsg as planned: with our PKTINFO, or the program's rewritten. */
static ssize_t
send_planned(int fd, const struct msghdr *msg, int flags,
    const struct hook_egress *eg)
{
	const struct plat_real *r = state_real();
	unsigned char stack[STACK_CONTROL];
	unsigned char *ctl = stack;
	struct msghdr m;
	size_t room = msg->msg_controllen + EGRESS_EXTRA;
	ssize_t n;
	int err;

	if (!eg->append && msg->msg_controllen == 0)
		return r->sendmsg(fd, msg, flags); /* nothing to rewrite */
	if (!ua_readable(msg->msg_control, msg->msg_controllen)) {
		errno = EFAULT;
		return -1;
	}
	if (room > sizeof(stack) && (ctl = malloc(room)) == NULL) {
		errno = ENOBUFS;
		return -1;
	}
	if (ctl == stack)
		room = sizeof(stack);
	m = *msg;
	n = eg->append ? egress_control(eg->family, eg->ifindex,
	                     msg->msg_control, msg->msg_controllen, ctl, room) :
	                 egress_rewrite(eg->ifindex, msg->msg_control,
	                     msg->msg_controllen, ctl, room);
	if (n < 0) {
		errno = ENOBUFS;
	} else {
		if (n > 0) {
			m.msg_control = ctl;
			m.msg_controllen = (size_t)n;
		}
		n = r->sendmsg(fd, &m, flags);
	}
	if (ctl != stack) {
		err = errno;
		free(ctl);
		errno = err;
	}
	return n;
}

ssize_t
bindif_sendmsg(int fd, const struct msghdr *msg, int flags)
{
	const struct plat_real *r = state_real();
	struct hook_egress eg;
	struct msghdr redirected;
	enum hook_plan plan;
	ssize_t n;

	if (msg == NULL || state_busy())
		return r->sendmsg(fd, msg, flags);
	if (!ua_readable(msg, sizeof(*msg))) {
		errno = EFAULT;
		return -1;
	}
	/* Connected and no control: decided at connect, nothing to do. */
	if (msg->msg_name == NULL && msg->msg_controllen == 0)
		return r->sendmsg(fd, msg, flags);
	plan = hook_prepare(fd, msg->msg_name, msg->msg_namelen, HOOK_SENDMSG,
	    &eg);
	if (eg.tolen > 0) {
		redirected = *msg;
		redirected.msg_name = &eg.to;
		redirected.msg_namelen = eg.tolen;
		msg = &redirected;
	}
	switch (plan) {
	case PLAN_FAIL:
		errno = eg.err;
		return -1;
	case PLAN_AS_IS:
		n = r->sendmsg(fd, msg, flags);
		break;
	default:
		n = send_planned(fd, msg, flags, &eg);
		break;
	}
	hook_done(fd, &eg);
	return n;
}

ssize_t
bindif_sendto(int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len)
{
	const struct plat_real *r = state_real();
	struct hook_egress eg;
	enum hook_plan plan;
	fdt_entry e;
	struct msghdr m;
	struct iovec iov;
	ssize_t sent;

	/* The hot path: connected sockets were decided at connect. */
	if (sa == NULL || state_busy())
		return r->sendto(fd, buf, n, flags, sa, len);
	e = fdt_get(fd);
	if (FDT_STATE(e) == FDT_SKIP || FDT_STATE(e) == FDT_PASS ||
	    FDT_STATE(e) == FDT_BOUND) {
		/* A redirected DNS socket's datagrams are redirected too. */
		if (!(e & FDT_DNSREDIR))
			return r->sendto(fd, buf, n, flags, sa, len);
	} else if (dgram_hit(fd, e, sa, len, &eg.hold)) {
		/* An unconnected one stuck to the interface this destination
		 * decides: one compare, then the real call. */
		sent = r->sendto(fd, buf, n, flags, sa, len);
		dgram_done(fd, &eg.hold);
		return sent;
	}
	plan = hook_prepare(fd, sa, len, HOOK_SENDTO, &eg);
	if (eg.tolen > 0) {
		sa = &eg.to.sa;
		len = eg.tolen;
	}
	switch (plan) {
	case PLAN_FAIL:
		errno = eg.err;
		return -1;
	case PLAN_AS_IS:
		sent = r->sendto(fd, buf, n, flags, sa, len);
		break;
	default:
		if (!eg.append) {
			/* By the socket's egress, or bound: no control. */
			sent = r->sendto(fd, buf, n, flags, sa, len);
			break;
		}
		memset(&m, 0, sizeof(m));
		iov.iov_base = (void *)buf;
		iov.iov_len = n;
		m.msg_name = (void *)sa;
		m.msg_namelen = len;
		m.msg_iov = &iov;
		m.msg_iovlen = 1;
		sent = send_planned(fd, &m, flags, &eg);
		break;
	}
	hook_done(fd, &eg);
	return sent;
}

/*
 * fd's socket may now be bound by the program without fd's entry having
 * seen it (it bound it, or another descriptor of it exists): fd's next
 * decision asks the kernel.
 */
void
hook_unborn(int fd)
{
	int saved = errno;

	(void)fdt_and(fd, ~FDT_BORN);
	errno = saved;
}

/* A binding of the program's own (curl --interface, ping -I) is its
 * choice. */
int
bindif_setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	int rc = state_real()->setsockopt(fd, level, name, val, len);

	if (rc == 0 && plat_binds_iface(level, name))
		hook_unborn(fd);
	return rc;
}

int
bindif_close(int fd)
{
	/* Only an atomic store: close may be called from a signal handler. */
	fdt_clear(fd);
	return state_real()->close(fd);
}

/*
 * A descriptor number handed out by dup, accept or fcntl may carry the
 * entry of a socket closed behind our back (fclose of an fdopen'ed socket,
 * a raw close syscall): forget it, so its first use asks the kernel.
 */
static int
fresh(int fd)
{
	if (fd >= 0) {
		int saved = errno;

		fdt_clear(fd);
		errno = saved;
	}
	return fd;
}

int
bindif_dup(int oldfd)
{
	hook_unborn(oldfd);
	return fresh(state_real()->dup(oldfd));
}

int
bindif_accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return fresh(state_real()->accept(fd, sa, len));
}

int
bindif_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	const struct plat_real *r = state_real();

	if (r->accept4 == NULL) {
		errno = ENOSYS;
		return -1;
	}
	return fresh(r->accept4(fd, sa, len, flags));
}

int
bindif_fcntl(int fd, int cmd, void *arg, bool large)
{
	const struct plat_real *r = state_real();
	int (*real)(int, int, ...) =
	    large && r->fcntl64 ? r->fcntl64 : r->fcntl;
	bool dup = cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC;
	int rc;

	if (dup)
		hook_unborn(fd);
	rc = real(fd, cmd, arg);
	return dup ? fresh(rc) : rc;
}

int
bindif_dup2(int oldfd, int newfd)
{
	/* newfd becomes a new file; its first use asks the kernel again. */
	if (oldfd != newfd) {
		fdt_clear(newfd);
		hook_unborn(oldfd);
	}
	return state_real()->dup2(oldfd, newfd);
}
