/*
 * dnsredirect.c - the redirection decision for a program's own DNS
 * queries (dnsredirect.h): which destinations are the system's resolvers,
 * and which of bindif's servers answers instead.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#include "dnsredirect.h"

#define DNS_PORT 53

/* An inet address as the rules see it: family 4 or 6, v4-mapped as 4. */
struct plain {
	int family;
	uint8_t addr[16];
	uint16_t port; /* host order */
};

static const uint8_t mapped_prefix[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	0xff };

static bool
plain_of(const struct sockaddr *sa, socklen_t len, struct plain *p)
{
	memset(p, 0, sizeof(*p));
	if (sa == NULL)
		return false;
	if (sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		p->family = 4;
		memcpy(p->addr, &s->sin_addr, 4);
		p->port = ntohs(s->sin_port);
		return true;
	}
	if (sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		if (memcmp(&s->sin6_addr, mapped_prefix, 12) == 0) {
			p->family = 4;
			memcpy(p->addr, (const uint8_t *)&s->sin6_addr + 12, 4);
		} else {
			p->family = 6;
			memcpy(p->addr, &s->sin6_addr, 16);
		}
		p->port = ntohs(s->sin6_port);
		return true;
	}
	return false;
}

bool
dnsredir_iface_slot(const struct rules_policy *p,
    const struct dns_servers *explicit_servers, unsigned *slot)
{
	struct rules_query q = { 0 };
	struct rules_verdict v;
	const struct dns_server *s;

	if (rules_policy_iface(p, 0)[0] != '\0') {
		*slot = 0;
		return true;
	}
	if (explicit_servers == NULL || explicit_servers->n == 0)
		return false;
	s = &explicit_servers->v[0];
	q.family = s->family;
	memcpy(q.addr, s->addr, sizeof(q.addr));
	q.port = s->port ? s->port : DNS_PORT;
	q.proto = RULES_PROTO_UDP;
	rules_match(p, &q, &v);
	if (v.action != RULES_BIND)
		return false;
	*slot = v.iface;
	return true;
}

void
dnsredir_system_parse(const char *resolv_conf, struct dnsredir_system *sys)
{
	memset(sys, 0, sizeof(*sys));
	dnsconf_from_resolv_conf(resolv_conf, &sys->conf);
}

enum dnsredir_kind
dnsredir_classify(const struct dnsredir_system *sys, const struct sockaddr *sa,
    socklen_t len)
{
	struct plain p;
	size_t i;

	if (!plain_of(sa, len, &p) || p.port != DNS_PORT)
		return DNSREDIR_NONE;
	for (i = 0; i < sys->conf.n; i++) {
		const struct dns_server *s = &sys->conf.v[i];

		/* resolv.conf servers are asked on port 53 by every client
		 * that reads it (its syntax has no port). */
		if (s->family == p.family &&
		    memcmp(s->addr, p.addr, p.family == 4 ? 4 : 16) == 0)
			return DNSREDIR_CONF;
	}
	/* systemd-resolved listens on 127.0.0.53 and 127.0.0.54 whatever
	 * resolv.conf says: programs reading its stub-resolv.conf find it. */
	if (p.family == 4 && p.addr[0] == 127 && p.addr[1] == 0 &&
	    p.addr[2] == 0 && (p.addr[3] == 53 || p.addr[3] == 54))
		return DNSREDIR_STUB;
	if (dnsconf_fake_answer(p.family, p.addr))
		return DNSREDIR_FAKEIP;
	return DNSREDIR_NONE;
}

const char *
dnsredir_kind_name(enum dnsredir_kind k)
{
	switch (k) {
	case DNSREDIR_CONF:
		return "resolv.conf";
	case DNSREDIR_STUB:
		return "resolved's stub";
	case DNSREDIR_FAKEIP:
		return "fake-ip";
	default:
		return "";
	}
}

static socklen_t
fill(const struct dns_server *s, int sock_family, union dnsredir_addr *out)
{
	uint16_t port = htons(s->port ? s->port : DNS_PORT);

	memset(out, 0, sizeof(*out));
	if (sock_family == AF_INET) {
		if (s->family != 4)
			return 0;
		out->in.sin_family = AF_INET;
		out->in.sin_port = port;
		memcpy(&out->in.sin_addr, s->addr, 4);
		return sizeof(out->in);
	}
	if (sock_family != AF_INET6)
		return 0;
	out->in6.sin6_family = AF_INET6;
	out->in6.sin6_port = port;
	if (s->family == 4) {
		memcpy(&out->in6.sin6_addr, mapped_prefix, 12);
		memcpy((uint8_t *)&out->in6.sin6_addr + 12, s->addr, 4);
	} else
		memcpy(&out->in6.sin6_addr, s->addr, 16);
	return sizeof(out->in6);
}

socklen_t
dnsredir_target(const struct dns_servers *servers, int sock_family,
    const struct sockaddr *orig, socklen_t origlen, union dnsredir_addr *out)
{
	struct plain p;
	socklen_t n;
	size_t i;

	/* The destination's own family first: an AF_INET6 socket that asked
	 * a v4-mapped resolver may be IPV6_V6ONLY-less but not v6-routed,
	 * and one that asked over IPv6 may not reach IPv4. */
	if (plain_of(orig, origlen, &p))
		for (i = 0; i < servers->n; i++)
			if (servers->v[i].family == p.family &&
			    (n = fill(&servers->v[i], sock_family, out)) > 0)
				return n;
	for (i = 0; i < servers->n; i++)
		if ((n = fill(&servers->v[i], sock_family, out)) > 0)
			return n;
	memset(out, 0, sizeof(*out));
	return 0;
}

bool
dnsredir_same(const struct sockaddr *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen)
{
	struct plain pa, pb;

	return plain_of(a, alen, &pa) && plain_of(b, blen, &pb) &&
	    pa.family == pb.family && pa.port == pb.port &&
	    memcmp(pa.addr, pb.addr, sizeof(pa.addr)) == 0;
}

void
dnsredir_format(const struct sockaddr *sa, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN];
	struct plain p;

	if (len == 0)
		return;
	if (!plain_of(sa, sizeof(union dnsredir_addr), &p) ||
	    inet_ntop(p.family == 4 ? AF_INET : AF_INET6, p.addr, a,
	        sizeof(a)) == NULL) {
		snprintf(buf, len, "?");
		return;
	}
	if (p.port == DNS_PORT)
		snprintf(buf, len, "%s", a);
	else if (p.family == 4)
		snprintf(buf, len, "%s:%u", a, p.port);
	else
		snprintf(buf, len, "[%s]:%u", a, p.port);
}
