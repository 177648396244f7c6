/*
 * hooks_dns.c - the resolver entry points. When the program's rules send
 * traffic out of an interface by default, names are resolved through that
 * interface (resolve.c) instead of by the system resolver, whose queries a
 * TUN proxy captures and answers with fake addresses. Otherwise, and for
 * numeric names, the libc function answers as before.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsresult.h"
#include "hooks_dns.h"
#include "resolve.h"
#include "../state.h"

/* Where this program's lookups go; built on its first lookup. */
struct dns_route {
	bool active; /* bindif answers, else the libc does */
	int fail;    /* EAI_* every lookup fails with (fail closed) */
	struct resolve_via via;
	struct dns_servers servers;
	char servers_text[160]; /* for log lines */
};

static struct plat_dns_real real;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;
static struct dns_route route;
static pthread_once_t route_once = PTHREAD_ONCE_INIT;
static pthread_once_t cares_once = PTHREAD_ONCE_INIT;
static atomic_bool fake_reported;
/* c-ares, or anything under it, calling back into a hook goes straight
 * to the libc: never resolve recursively. */
static __thread int inside;

static void
bind_real(void)
{
	(void)plat_bind_dns_real(&real);
}

const struct plat_dns_real *
dns_real(void)
{
	pthread_once(&real_once, bind_real);
	return &real;
}

/* Explicit servers: --dns (BINDIF_DNS), else dns = of the rules. */
static bool
explicit_servers(const struct shim_cfg *c, struct dns_servers *out)
{
	const char *text = plat_getenv("BINDIF_DNS"), *where = "BINDIF_DNS";
	char why[200];

	if (text == NULL || text[0] == '\0') {
		text = rules_policy_dns(c->policy);
		where = "dns =";
	}
	if (text == NULL || text[0] == '\0')
		return false;
	if (dnsconf_parse_list(text, out, why, sizeof(why)) < 0) {
		state_log(c, "%s: %s; name lookups will fail", where, why);
		out->n = 0;
	}
	return true;
}

static void
build_route(void)
{
	const struct shim_cfg *c = state_cfg();
	char note[400] = "";
	unsigned slot;
	bool explicit;

	inside++;
	if (c->inert)
		goto out;
	route.active = true;
	route.fail = EAI_FAIL;
	if (c->broken)
		goto out; /* already said why, once */
	explicit = explicit_servers(c, &route.servers);
	if (!dnsredir_iface_slot(c->policy, explicit ? &route.servers : NULL,
	        &slot)) {
		route.active = false;
		goto out;
	}
	route.via.ifindex = c->ifindex[slot];
	route.via.ifname = rules_policy_iface(c->policy, slot);
	route.via.servers = &route.servers;
	route.via.real = state_real();
	if (route.via.ifindex == 0)
		goto out; /* the interface is missing: said at start-up */
	if (explicit)
		dnsconf_filter(&route.servers, note, sizeof(note));
	else if (!dnsconf_discover_handed(plat_getenv("BINDIF_IFACE_DNS"),
	             route.via.ifname, &route.servers, note, sizeof(note)))
		dnsconf_discover(route.via.ifname, route.via.ifindex,
		    &dnsconf_posix_io, &route.servers, note, sizeof(note));
	/* A note that nothing is usable names the interface itself. */
	if (note[0] != '\0' && strncmp(note, "no usable", 9) == 0)
		state_log(c, "%s", note);
	else if (note[0] != '\0')
		state_log(c, "DNS for %s: %s", route.via.ifname, note);
	if (route.servers.n == 0) {
		if (explicit)
			state_log(c,
			    "no usable DNS server for %s; set one with "
			    "--dns ADDR or dns = [...] in a rules file",
			    route.via.ifname);
		goto out;
	}
	dnsconf_format(&route.servers, route.servers_text,
	    sizeof(route.servers_text));
	route.fail = 0;
out:
	inside--;
}

/* c-ares, opened at the first lookup that is ours, not at start, nor for
 * a program that only sends its own queries (dig). */
static void
open_cares(void)
{
	char why[300];

	if (route.fail)
		return;
	if ((route.via.cares = libs_cares(why, sizeof(why))) == NULL) {
		state_log(state_cfg(), "%s; name lookups will fail", why);
		route.fail = EAI_FAIL;
	}
}

/* NULL when the libc should answer this program's lookups. */
static const struct dns_route *
dns_route(void)
{
	if (inside || state_busy())
		return NULL;
	pthread_once(&route_once, build_route);
	if (!route.active)
		return NULL;
	inside++;
	pthread_once(&cares_once, open_cares);
	inside--;
	return &route;
}

static struct dns_redirect redirect;
static pthread_once_t redirect_once = PTHREAD_ONCE_INIT;

static void
build_redirect(void)
{
	char *text;

	pthread_once(&route_once, build_route);
	if (!route.active)
		return;
	redirect.active = true;
	/* Servers only when lookups could be answered: otherwise (bad
	 * settings, no usable server, a missing interface) the queries fail,
	 * as lookups do, after the same advice. */
	redirect.servers = &redirect.none;
	if (!route.fail && route.via.ifindex != 0)
		redirect.servers = &route.servers;
	redirect.ifindex = route.via.ifindex;
	redirect.ifname = route.via.ifname;
	redirect.servers_text = route.servers_text;
	text = dnsconf_posix_io.read_file(dnsconf_posix_io.arg,
	    "/etc/resolv.conf");
	dnsredir_system_parse(text, &redirect.sys);
	free(text);
}

const struct dns_redirect *
dns_redirect(void)
{
	if (state_busy())
		return NULL;
	pthread_once(&redirect_once, build_redirect);
	return redirect.active ? &redirect : NULL;
}

static void
report_fake(const struct dns_route *r, const char *name,
    const struct resolve_answer *ans)
{
	if (!ans->fake || atomic_exchange(&fake_reported, true))
		return;
	state_log(state_cfg(),
	    "%s answered %s with %s, a fake-ip address: DNS "
	    "is still hijacked on %s's path; those answers are dropped",
	    r->servers_text, name, ans->fake_addr, r->via.ifname);
}

static int
lookup(const struct dns_route *r, const char *name, int family, bool mapped,
    bool all, struct resolve_answer *ans)
{
	int rc;

	if (r->fail)
		return r->fail;
	inside++;
	rc = resolve_name(&r->via, name, family, mapped, all, ans);
	inside--;
	report_fake(r, name, ans);
	if (state_cfg()->verbose)
		state_log(state_cfg(), "resolve %s via %s (%s): %s%s", name,
		    r->via.ifname, r->servers_text, rc ? gai_strerror(rc) : "",
		    rc ? "" : (ans->n == 1 ? "1 address" : "addresses"));
	return rc;
}

/*
 * Each address found is handed to the libc's own getaddrinfo as a numeric
 * host, with the caller's service and hints: socket types, protocols,
 * services and flags come out exactly as the libc makes them, and so does
 * the memory, so the libc's freeaddrinfo frees our answers too (each node
 * is its own allocation in glibc and in macOS's libc).
 */
int
bindif_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	const struct plat_dns_real *rl = dns_real();
	const struct dns_route *r;
	struct resolve_answer *ans;
	struct addrinfo h = { 0 }, *head = NULL, **tail = &head, *part;
	int family, rc, first_err = 0;
	size_t i;

	if (hints != NULL)
		h = *hints;
	family = h.ai_family;
	if (node == NULL || (h.ai_flags & AI_NUMERICHOST) ||
	    dnsresult_numeric(node) ||
	    (family != AF_UNSPEC && family != AF_INET && family != AF_INET6) ||
	    (r = dns_route()) == NULL)
		return rl->getaddrinfo(node, service, hints, res);
	if (h.ai_flags & AI_ADDRCONFIG)
		family = dnsresult_addrconfig(family, state_cfg()->local,
		    state_cfg()->nlocal);
	if ((ans = malloc(sizeof(*ans))) == NULL)
		return EAI_MEMORY;
	rc = lookup(r, node, family,
	    family == AF_INET6 && (h.ai_flags & AI_V4MAPPED),
	    (h.ai_flags & AI_ALL) != 0, ans);
	for (i = 0; rc == 0 && i < ans->n; i++) {
		char num[INET6_ADDRSTRLEN];
		struct addrinfo nh = h;
		int prc;

		dnsresult_ntop(&ans->addr[i], num, sizeof(num));
		nh.ai_family = ans->addr[i].ss_family;
		nh.ai_flags = (h.ai_flags &
		                  ~(AI_CANONNAME | AI_ADDRCONFIG | AI_V4MAPPED |
		                      AI_ALL)) |
		    AI_NUMERICHOST;
		if ((prc = rl->getaddrinfo(num, service, &nh, &part)) != 0) {
			if (first_err == 0)
				first_err = prc;
			continue;
		}
		*tail = part;
		while (*tail != NULL)
			tail = &(*tail)->ai_next;
	}
	if (rc == 0 && head == NULL)
		rc = first_err ? first_err : EAI_NONAME;
	if (rc == 0 && (h.ai_flags & AI_CANONNAME)) {
		free(head->ai_canonname);
		head->ai_canonname = strdup(ans->canon[0] ? ans->canon : node);
	}
	free(ans);
	if (rc != 0) {
		if (head != NULL)
			freeaddrinfo(head);
		return rc;
	}
	*res = head;
	return 0;
}

int
bindif_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	const struct plat_dns_real *rl = dns_real();
	const struct dns_route *r;
	int rc;

	if (host == NULL || hostlen == 0 || (flags & NI_NUMERICHOST) ||
	    sa == NULL ||
	    (sa->sa_family != AF_INET && sa->sa_family != AF_INET6) ||
	    (r = dns_route()) == NULL)
		return rl->getnameinfo(sa, salen, host, hostlen, serv, servlen,
		    flags);
	if (serv != NULL && servlen > 0 &&
	    (rc = rl->getnameinfo(sa, salen, NULL, 0, serv, servlen, flags)) !=
	        0)
		return rc;
	if (r->fail)
		rc = r->fail;
	else {
		inside++;
		rc = resolve_addr(&r->via, sa, salen, host, hostlen);
		inside--;
	}
	if (rc == 0 || rc == EAI_OVERFLOW || (flags & NI_NAMEREQD))
		return rc;
	/* No name: the number, as the libc does without NI_NAMEREQD. */
	return rl->getnameinfo(sa, salen, host, hostlen, NULL, 0,
	    (flags & ~NI_NAMEREQD) | NI_NUMERICHOST);
}

/* ---- gethostbyname family ---- */

/* 0 and *result on success; else *result NULL and *herr set, like glibc. */
static int
hostent_r(const struct dns_route *r, const char *name, int af,
    struct hostent *he, char *buf, size_t buflen, struct hostent **result,
    int *herr)
{
	struct resolve_answer *ans = malloc(sizeof(*ans));
	int rc;

	*result = NULL;
	if (ans == NULL) {
		*herr = NETDB_INTERNAL;
		return ENOMEM;
	}
	if (af != AF_INET && af != AF_INET6) {
		free(ans);
		*herr = NETDB_INTERNAL;
		return EAFNOSUPPORT;
	}
	if ((rc = lookup(r, name, af, false, false, ans)) != 0) {
		free(ans);
		*herr = dnsresult_herrno(rc);
		return *herr == TRY_AGAIN ? EAGAIN : ENOENT;
	}
	rc = dnsresult_hostent(ans, name, af, he, buf, buflen);
	free(ans);
	if (rc != 0) {
		*herr = NETDB_INTERNAL;
		return rc;
	}
	*result = he;
	*herr = 0;
	return 0;
}

int
bindif_gethostbyname2_r(const char *name, int af, struct hostent *he, char *buf,
    size_t buflen, struct hostent **result, int *herr)
{
	const struct plat_dns_real *rl = dns_real();
	const struct dns_route *r;

	if (name == NULL || dnsresult_numeric(name) ||
	    (r = dns_route()) == NULL) {
		if (rl->gethostbyname2_r == NULL) {
			*result = NULL;
			*herr = NO_RECOVERY;
			return ENOSYS;
		}
		return rl->gethostbyname2_r(name, af, he, buf, buflen, result,
		    herr);
	}
	return hostent_r(r, name, af, he, buf, buflen, result, herr);
}

int
bindif_gethostbyname_r(const char *name, struct hostent *he, char *buf,
    size_t buflen, struct hostent **result, int *herr)
{
	const struct plat_dns_real *rl = dns_real();
	const struct dns_route *r;

	if (name == NULL || dnsresult_numeric(name) ||
	    (r = dns_route()) == NULL) {
		if (rl->gethostbyname_r == NULL) {
			*result = NULL;
			*herr = NO_RECOVERY;
			return ENOSYS;
		}
		return rl->gethostbyname_r(name, he, buf, buflen, result, herr);
	}
	return hostent_r(r, name, AF_INET, he, buf, buflen, result, herr);
}

/* The non-reentrant forms: one result per thread, kept until the next. */
static __thread struct {
	struct hostent he;
	char buf[RESOLVE_MAX_ADDRS * (16 + sizeof(char *)) + 512];
} last;

struct hostent *
bindif_gethostbyname2(const char *name, int af)
{
	const struct plat_dns_real *rl = dns_real();
	const struct dns_route *r;
	struct hostent *result;
	int herr = 0;

	if (name == NULL || dnsresult_numeric(name) ||
	    (r = dns_route()) == NULL)
		return rl->gethostbyname2(name, af);
	hostent_r(r, name, af, &last.he, last.buf, sizeof(last.buf), &result,
	    &herr);
	if (result == NULL)
		h_errno = herr;
	return result;
}

struct hostent *
bindif_gethostbyname(const char *name)
{
	const struct plat_dns_real *rl = dns_real();

	if (name == NULL || dnsresult_numeric(name) || dns_route() == NULL)
		return rl->gethostbyname(name);
	return bindif_gethostbyname2(name, AF_INET);
}

/* ---- raw queries (res_query and kin) ---- */

bool
bindif_res(const char *name, const char *domain, int dnsclass, int type,
    bool search, unsigned char *answer, int anslen, int *rc, int *herr)
{
	const struct dns_route *r;
	char full[1026];

	if (name == NULL || (r = dns_route()) == NULL)
		return false;
	if (r->fail) {
		*herr = TRY_AGAIN;
		*rc = -1;
		return true;
	}
	if (domain != NULL) {
		size_t n = strlen(name);

		/* res_querydomain: a trailing dot on name means absolute. */
		if (n > 0 && name[n - 1] == '.')
			n--;
		if ((size_t)snprintf(full, sizeof(full), "%.*s.%s", (int)n,
		        name, domain) >= sizeof(full)) {
			*herr = NO_RECOVERY;
			*rc = -1;
			return true;
		}
		name = full;
	}
	inside++;
	*rc = resolve_raw(&r->via, name, dnsclass, type, search, answer, anslen,
	    herr);
	inside--;
	return true;
}
