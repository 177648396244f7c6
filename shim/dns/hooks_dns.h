/*
 * hooks_dns.h - the resolver entry points under names of our own; the
 * export_* file of each OS maps the libc names onto them.
 */
#ifndef BINDIF_HOOKS_DNS_H
#define BINDIF_HOOKS_DNS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../../common/dnsredirect.h"
#include "../../common/plat.h"

const struct plat_dns_real *dns_real(void);

/*
 * Where a program's own queries to the system's resolvers go instead
 * (hooks_dnsown.c): the servers its lookups use, through the interface
 * they leave by; servers->n == 0 when there is none (the queries then
 * fail, after the same one-line advice as lookups).
 */
struct dns_redirect {
	bool active;
	unsigned ifindex;
	const char *ifname;
	const struct dns_servers *servers;
	struct dns_servers none;
	const char *servers_text;
	struct dnsredir_system sys;
};
/* NULL when the program's DNS is none of our business. */
const struct dns_redirect *dns_redirect(void);

int bindif_getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res);
int bindif_getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags);
struct hostent *bindif_gethostbyname(const char *name);
struct hostent *bindif_gethostbyname2(const char *name, int af);
int bindif_gethostbyname_r(const char *name, struct hostent *he, char *buf,
    size_t buflen, struct hostent **result, int *herr);
int bindif_gethostbyname2_r(const char *name, int af, struct hostent *he,
    char *buf, size_t buflen, struct hostent **result, int *herr);

/*
 * res_query and kin: name, or name.domain for res_querydomain. Returns
 * false when the libc should answer; else *rc is the answer's length or
 * -1 with *herr set.
 */
bool bindif_res(const char *name, const char *domain, int dnsclass, int type,
    bool search, unsigned char *answer, int anslen, int *rc, int *herr);

#endif
