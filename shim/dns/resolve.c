/*
 * resolve.c - the c-ares side of name resolution. c-ares rather than our
 * own DNS client: it already does search domains, ndots, TCP fallback on
 * truncation, retries, the hosts file and RFC 6724 ordering. We only give
 * it the servers and the sockets, each bound to the interface before its
 * first packet, so a query can never slip into a tunnel.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "resolve.h"

/* Per try; two tries, so a dead server costs about six seconds, like
 * glibc's default of two attempts. */
#define TIMEOUT_MS 2000
#define TRIES 2

/* ---- sockets: the real calls, bound first ---- */

static ares_socket_t
via_socket(int family, int type, int protocol, void *arg)
{
	const struct resolve_via *v = arg;
	int fd, err;

	if ((fd = v->real->socket(family, type, protocol)) < 0)
		return ARES_SOCKET_BAD;
	if ((err = plat_bind_ifindex(fd, family, v->ifindex, v->ifname)) < 0) {
		(void)v->real->close(fd);
		errno = -err;
		return ARES_SOCKET_BAD;
	}
	return fd;
}

static int
via_close(ares_socket_t fd, void *arg)
{
	const struct resolve_via *v = arg;

	return v->real->close(fd);
}

static int
via_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len,
    void *arg)
{
	const struct resolve_via *v = arg;

	return v->real->connect(fd, sa, len);
}

static ares_ssize_t
via_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
    struct sockaddr *from, ares_socklen_t *fromlen, void *arg)
{
	const struct resolve_via *v = arg;

	return v->real->recvfrom(fd, buf, len, flags, from, fromlen);
}

static ares_ssize_t
via_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *arg)
{
	(void)arg;
	return writev(fd, iov, n);
}

static const struct ares_socket_functions via_functions = { via_socket,
	via_close, via_connect, via_recvfrom, via_sendv };

/* ---- channel ---- */

static int
channel_open(const struct resolve_via *v, ares_channel *ch)
{
	const struct cares *ca = v->cares;
	struct ares_addr_port_node nodes[DNSCONF_MAX];
	struct ares_options o;
	size_t i;
	int rc;

	if (ca == NULL)
		return ARES_ENOTINITIALIZED; /* fail closed: no c-ares */
	if (v->servers == NULL || v->servers->n == 0 || v->ifindex == 0)
		return ARES_ECONNREFUSED; /* fail closed: nowhere to ask */
	memset(&o, 0, sizeof(o));
	o.timeout = TIMEOUT_MS;
	o.tries = TRIES;
	o.lookups = (char *)"fb"; /* hosts file, then DNS */
	rc = ca->init_options(ch, &o,
	    ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_LOOKUPS);
	if (rc != ARES_SUCCESS)
		return rc;
	memset(nodes, 0, sizeof(nodes));
	for (i = 0; i < v->servers->n; i++) {
		const struct dns_server *s = &v->servers->v[i];

		nodes[i].next = i + 1 < v->servers->n ? &nodes[i + 1] : NULL;
		nodes[i].family = s->family == 6 ? AF_INET6 : AF_INET;
		memcpy(&nodes[i].addr, s->addr, s->family == 6 ? 16 : 4);
		nodes[i].udp_port = nodes[i].tcp_port = s->port ? s->port : 53;
	}
	/* The servers resolv.conf named are replaced, never added to. */
	if ((rc = ca->set_servers_ports(*ch, nodes)) != ARES_SUCCESS) {
		ca->destroy(*ch);
		return rc;
	}
	ca->set_socket_functions(*ch, &via_functions, (void *)v);
	return ARES_SUCCESS;
}

/* Runs the channel until its queries are done: poll, not select, so a
 * program with thousands of descriptors open still works. */
static void
channel_run(const struct cares *ca, ares_channel ch)
{
	for (;;) {
		ares_socket_t socks[ARES_GETSOCK_MAXNUM];
		struct pollfd pfd[ARES_GETSOCK_MAXNUM];
		struct timeval tv, *tvp;
		unsigned bits;
		int i, n = 0, ms, r;

		/* Unsigned: c-ares's own ARES_GETSOCK_WRITABLE shifts a signed
		 * 1 into the sign bit for the 16th socket (UBSan). */
		bits = (unsigned)ca->getsock(ch, socks, ARES_GETSOCK_MAXNUM);
		for (i = 0; i < ARES_GETSOCK_MAXNUM; i++) {
			short ev = 0;

			if (bits & (1u << i))
				ev |= POLLIN;
			if (bits & (1u << (i + ARES_GETSOCK_MAXNUM)))
				ev |= POLLOUT;
			if (ev) {
				pfd[n].fd = socks[i];
				pfd[n].events = ev;
				pfd[n++].revents = 0;
			}
		}
		if (n == 0)
			return;
		tvp = ca->timeout(ch, NULL, &tv);
		ms = tvp ? (int)(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000) :
		           TIMEOUT_MS;
		r = poll(pfd, (nfds_t)n, ms);
		if (r < 0 && errno != EINTR) {
			ca->cancel(ch);
			return;
		}
		if (r <= 0) {
			ca->process_fd(ch, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
			continue;
		}
		for (i = 0; i < n; i++) {
			short re = pfd[i].revents;

			ca->process_fd(ch,
			    re & (POLLIN | POLLERR | POLLHUP) ? pfd[i].fd :
			                                        ARES_SOCKET_BAD,
			    re & POLLOUT ? pfd[i].fd : ARES_SOCKET_BAD);
		}
	}
}

int
resolve_eai(int status)
{
	switch (status) {
	case ARES_SUCCESS:
		return 0;
	case ARES_ENOTFOUND:
	case ARES_ENODATA:
	case ARES_EBADNAME:
		return EAI_NONAME;
	case ARES_ENOMEM:
		return EAI_MEMORY;
	case ARES_EBADFAMILY:
		return EAI_FAMILY;
	case ARES_ESERVICE:
		return EAI_SERVICE;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:
	case ARES_EREFUSED:
	case ARES_ECANCELLED:
	case ARES_EDESTRUCTION:
		return EAI_AGAIN;
	default:
		return EAI_FAIL;
	}
}

/* ---- names to addresses ---- */

struct name_job {
	const struct cares *ca;
	int status;
	struct resolve_answer *ans;
};

static bool
is_fake(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return dnsconf_fake_answer(4,
		    (const uint8_t *)&((const struct sockaddr_in *)sa)
		        ->sin_addr);
	if (sa->sa_family == AF_INET6) {
		const uint8_t *a =
		    ((const struct sockaddr_in6 *)sa)->sin6_addr.s6_addr;
		static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0,
			0, 0xff, 0xff };

		return memcmp(a, mapped, 12) == 0 ?
		    dnsconf_fake_answer(4, a + 12) :
		    dnsconf_fake_answer(6, a);
	}
	return false;
}

static void
name_done(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
	struct name_job *job = arg;
	struct resolve_answer *ans = job->ans;
	struct ares_addrinfo_node *n;
	struct ares_addrinfo_cname *c;
	const char *canon = NULL;
	bool fake = false;

	(void)timeouts;
	job->status = status;
	if (status != ARES_SUCCESS || res == NULL) {
		if (res != NULL)
			job->ca->freeaddrinfo(res);
		return;
	}
	for (c = res->cnames; c != NULL; c = c->next)
		canon = c->name;
	snprintf(ans->canon, sizeof(ans->canon), "%s",
	    canon         ? canon :
	        res->name ? res->name :
	                    "");
	for (n = res->nodes; n != NULL && ans->n < RESOLVE_MAX_ADDRS;
	     n = n->ai_next) {
		if (n->ai_addr == NULL || n->ai_addrlen > sizeof(ans->addr[0]))
			continue;
		/* A fake-ip answer through the NIC means a hijack is still
		 * in the path: connecting to it would go nowhere. */
		if (is_fake(n->ai_addr)) {
			if (!fake) {
				const void *a = n->ai_family == AF_INET ?
				    (const void *)&(
				        (struct sockaddr_in *)n->ai_addr)
				        ->sin_addr :
				    (const void *)&(
				        (struct sockaddr_in6 *)n->ai_addr)
				        ->sin6_addr;

				inet_ntop(n->ai_family, a, ans->fake_addr,
				    sizeof(ans->fake_addr));
			}
			fake = true;
			continue;
		}
		memset(&ans->addr[ans->n], 0, sizeof(ans->addr[0]));
		memcpy(&ans->addr[ans->n++], n->ai_addr, n->ai_addrlen);
	}
	ans->fake = fake;
	job->ca->freeaddrinfo(res);
}

int
resolve_name(const struct resolve_via *v, const char *name, int family,
    bool v4mapped, bool all, struct resolve_answer *ans)
{
	struct ares_addrinfo_hints hints;
	const struct cares *ca = v->cares;
	struct name_job job = { ca, ARES_ENOTINITIALIZED, ans };
	ares_channel ch;
	int rc;

	memset(ans, 0, sizeof(*ans));
	if ((rc = channel_open(v, &ch)) != ARES_SUCCESS)
		return resolve_eai(rc);
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_flags = ARES_AI_CANONNAME | (v4mapped ? ARES_AI_V4MAPPED : 0) |
	    (all ? ARES_AI_ALL : 0);
	ca->getaddrinfo(ch, name, NULL, &hints, name_done, &job);
	channel_run(ca, ch);
	ca->destroy(ch);
	if (job.status == ARES_SUCCESS && ans->n == 0)
		return ans->fake ? EAI_FAIL : EAI_NONAME;
	return resolve_eai(job.status);
}

/* ---- addresses to names ---- */

struct addr_job {
	int status;
	char *host;
	size_t len;
};

static void
addr_done(void *arg, int status, int timeouts, char *node, char *service)
{
	struct addr_job *job = arg;

	(void)timeouts;
	(void)service;
	job->status = status;
	if (status == ARES_SUCCESS && node != NULL) {
		if (strlen(node) >= job->len)
			job->status = ARES_ENOMEM; /* EAI_OVERFLOW below */
		else
			strcpy(job->host, node);
	}
}

int
resolve_addr(const struct resolve_via *v, const struct sockaddr *sa,
    socklen_t len, char *host, size_t hostlen)
{
	const struct cares *ca = v->cares;
	struct addr_job job = { ARES_ENOTINITIALIZED, host, hostlen };
	ares_channel ch;
	int rc;

	if ((rc = channel_open(v, &ch)) != ARES_SUCCESS)
		return resolve_eai(rc);
	ca->getnameinfo(ch, sa, len, ARES_NI_LOOKUPHOST | ARES_NI_NAMEREQD,
	    addr_done, &job);
	channel_run(ca, ch);
	ca->destroy(ch);
	if (job.status == ARES_ENOMEM)
		return EAI_OVERFLOW;
	return resolve_eai(job.status);
}

/* ---- raw queries ---- */

struct raw_job {
	int status;
	unsigned char *answer;
	int anslen, got;
};

static void
raw_done(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	struct raw_job *job = arg;

	(void)timeouts;
	job->status = status;
	if (abuf == NULL || alen <= 0)
		return;
	/* Like res_query: a short buffer gets the truncated message and
	 * the full length, so the caller can retry with more room. */
	memcpy(job->answer, abuf,
	    (size_t)(alen < job->anslen ? alen : job->anslen));
	job->got = alen;
}

int
resolve_raw(const struct resolve_via *v, const char *name, int dnsclass,
    int type, bool search, unsigned char *answer, int anslen, int *herr)
{
	const struct cares *ca = v->cares;
	struct raw_job job = { ARES_ENOTINITIALIZED, answer, anslen, -1 };
	ares_channel ch;
	int rc;

	if (anslen < 0) {
		*herr = NO_RECOVERY;
		return -1;
	}
	if ((rc = channel_open(v, &ch)) != ARES_SUCCESS) {
		*herr = TRY_AGAIN;
		return -1;
	}
	if (search)
		ca->search(ch, name, dnsclass, type, raw_done, &job);
	else
		ca->query(ch, name, dnsclass, type, raw_done, &job);
	channel_run(ca, ch);
	ca->destroy(ch);
	switch (job.status) {
	case ARES_SUCCESS:
		return job.got;
	case ARES_ENOTFOUND:
		*herr = HOST_NOT_FOUND;
		break;
	case ARES_ENODATA:
		*herr = NO_DATA;
		break;
	case ARES_ETIMEOUT:
	case ARES_ECONNREFUSED:
	case ARES_ESERVFAIL:
		*herr = TRY_AGAIN;
		break;
	default:
		*herr = NO_RECOVERY;
	}
	return -1;
}
