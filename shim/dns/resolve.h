/*
 * resolve.h - name lookups sent out of one interface, with c-ares: the
 * system resolver's sockets are invisible to the hooks (glibc uses internal
 * calls; macOS asks mDNSResponder), and a TUN proxy answers its queries
 * with fake addresses. Each call runs its own short-lived channel.
 */
#ifndef BINDIF_RESOLVE_H
#define BINDIF_RESOLVE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../../common/dnsconf.h"
#include "../libs.h"
#include "../../common/plat.h"

/* How to reach the servers: every c-ares socket is bound to ifindex.
 * cares NULL (the library could not be opened): every lookup fails. */
struct resolve_via {
	const struct cares *cares;
	unsigned ifindex;
	const char *ifname;
	const struct dns_servers *servers;
	const struct plat_real *real;
};

/* The addresses of a name, canonical name first in canon (may be ""). */
#define RESOLVE_MAX_ADDRS 64
struct resolve_answer {
	struct sockaddr_storage addr[RESOLVE_MAX_ADDRS];
	size_t n;
	char canon[256];
	/* The first fake-ip address the servers gave, dropped from addr. */
	bool fake;
	char fake_addr[48];
};

/*
 * Looks a name up (hosts file first, then DNS through the interface).
 * family: AF_INET, AF_INET6 or AF_UNSPEC. v4mapped/all: AI_V4MAPPED and
 * AI_ALL for AF_INET6. Returns 0 or an EAI_* code; a name whose every
 * address was fake gives EAI_FAIL with ans->fake set.
 */
int resolve_name(const struct resolve_via *, const char *name, int family,
    bool v4mapped, bool all, struct resolve_answer *ans);

/* The name of an address (PTR, or the hosts file). 0 or EAI_*. */
int resolve_addr(const struct resolve_via *, const struct sockaddr *sa,
    socklen_t len, char *host, size_t hostlen);

/*
 * A raw query, as res_query/res_search do: the answer message into
 * answer. Returns its length, or -1 with *herr set to an h_errno value.
 */
int resolve_raw(const struct resolve_via *, const char *name, int dnsclass,
    int type, bool search, unsigned char *answer, int anslen, int *herr);

/* EAI_* for a c-ares status: what a getaddrinfo caller expects. */
int resolve_eai(int ares_status);

#endif
