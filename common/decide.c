/*
 * decide.c - turns a destination sockaddr into a decision: the host's own
 * addresses first (a socket bound to the NIC cannot reach them), then the
 * compiled rules. Errors that make binding impossible become REJECTs here,
 * so the hooks fail closed without special cases.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "decide.h"

/* Socket types carry flag bits (SOCK_NONBLOCK...) above the low nibble. */
#define SOCK_TYPE_MASK 0xf

unsigned
decide_proto_class(int family, int type, int protocol)
{
	if (family != AF_INET && family != AF_INET6)
		return 0;
	switch (type & SOCK_TYPE_MASK) {
	case SOCK_STREAM:
		return RULES_PROTO_TCP;
	case SOCK_DGRAM:
		if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
			return RULES_PROTO_ICMP;
		return RULES_PROTO_UDP;
	case SOCK_RAW:
		if (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6)
			return RULES_PROTO_ICMP;
		return RULES_PROTO_RAW;
	default:
		return RULES_PROTO_RAW;
	}
}

static const unsigned char v4mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0xff, 0xff };

/* Fills q from sa; false when sa is not an inet address. */
static bool
query_of(const struct sockaddr *sa, socklen_t len, unsigned proto,
    struct rules_query *q)
{
	memset(q, 0, sizeof(*q));
	q->proto = proto;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		q->family = 4;
		memcpy(q->addr, &s->sin_addr, 4);
		q->port = ntohs(s->sin_port);
	} else if (sa->sa_family == AF_INET6 &&
	    len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		if (memcmp(&s->sin6_addr, v4mapped_prefix, 12) == 0) {
			q->family = 4;
			memcpy(q->addr,
			    (const unsigned char *)&s->sin6_addr + 12, 4);
		} else {
			q->family = 6;
			memcpy(q->addr, &s->sin6_addr, 16);
		}
		q->port = ntohs(s->sin6_port);
	} else
		return false;
	if (proto != RULES_PROTO_TCP && proto != RULES_PROTO_UDP)
		q->port = 0;
	return true;
}

int
decide_egress_family(const struct sockaddr *sa, socklen_t len)
{
	struct rules_query q;

	if (query_of(sa, len, RULES_PROTO_UDP, &q) && q.family == 4)
		return AF_INET;
	return AF_INET6;
}

static bool
is_local(const struct shim_cfg *c, const struct rules_query *q)
{
	size_t i, n = q->family == 4 ? 4 : 16;

	for (i = 0; i < c->nlocal; i++)
		if (c->local[i].family == q->family &&
		    memcmp(c->local[i].addr, q->addr, n) == 0)
			return true;
	return false;
}

/* 127/8, ::1 and the unspecified addresses, as the rules see them. */
static bool
is_loopback(const struct rules_query *q)
{
	static const unsigned char zero[16];

	if (q->family == 4)
		return q->addr[0] == 127 || memcmp(q->addr, zero, 4) == 0;
	return memcmp(q->addr, zero, 15) == 0 &&
	    (q->addr[15] == 1 || q->addr[15] == 0);
}

bool
decide(const struct shim_cfg *c, const struct sockaddr *sa, socklen_t len,
    unsigned proto, struct decision *d)
{
	struct rules_query q;

	memset(d, 0, sizeof(*d));
	if (sa == NULL || !query_of(sa, len, proto, &q))
		return false;
	d->action = RULES_PASS;
	if (c->inert)
		return true;
	if (is_loopback(&q)) {
		/* Also a host address, but this is the more telling name. */
		d->v.reason = RULES_BY_LOOPBACK;
		return true;
	}
	if (is_local(c, &q)) {
		d->host_address = true;
		return true;
	}
	if (c->broken) {
		/* Settings were unusable: nothing may leave by the tunnel. */
		if (c->policy != NULL)
			rules_match(c->policy, &q, &d->v);
		if (c->policy == NULL || d->v.reason != RULES_BY_LOOPBACK) {
			d->action = RULES_REJECT;
			d->err = c->broken;
		}
		return true;
	}
	rules_match(c->policy, &q, &d->v);
	d->action = d->v.action;
	if (d->action == RULES_REJECT)
		d->err = d->v.err;
	else if (d->action == RULES_BIND) {
		d->ifindex = c->ifindex[d->v.iface];
		d->ifname = rules_policy_iface(c->policy, d->v.iface);
		if (d->ifindex == 0) {
			/* The interface was gone when we started: fail closed.
			 */
			d->action = RULES_REJECT;
			d->err = ENODEV;
		}
	}
	return true;
}

static void
format_dest(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN] = "?";

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		inet_ntop(AF_INET, &s->sin_addr, a, sizeof(a));
		if (s->sin_port == 0) /* --explain without a port */
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "%s:%u", a, ntohs(s->sin_port));
	} else {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		inet_ntop(AF_INET6, &s->sin6_addr, a, sizeof(a));
		if (s->sin6_port == 0)
			snprintf(buf, len, "%s", a);
		else
			snprintf(buf, len, "[%s]:%u", a, ntohs(s->sin6_port));
	}
}

void
decide_describe(const struct shim_cfg *c, const struct sockaddr *sa,
    unsigned proto, const struct decision *d, char *buf, size_t len)
{
	char dst[INET6_ADDRSTRLEN + 16], why[300];
	const char *to;

	format_dest(sa, dst, sizeof(dst));
	if (d->host_address)
		snprintf(why, sizeof(why), "host address");
	else if (c->broken && d->action == RULES_REJECT)
		snprintf(why, sizeof(why), "bad settings");
	else if (d->v.file != NULL)
		snprintf(why, sizeof(why), "%s:%d", d->v.file, d->v.line);
	else
		snprintf(why, sizeof(why), "%s",
		    rules_reason_name(d->v.reason));
	if (d->action == RULES_BIND)
		to = d->ifname;
	else if (d->action == RULES_REJECT)
		to = d->err == ENODEV ? "reject (interface gone)" : "reject";
	else
		to = "pass";
	snprintf(buf, len, "%s/%s -> %s (%s)", dst, rules_proto_name(proto), to,
	    why);
}
