/*
 * dnsresult.c - the pure parts of answering the libc's resolver calls:
 * which names are numeric, which families AI_ADDRCONFIG allows, h_errno
 * values, and laying a hostent out in a caller's buffer. No I/O.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>

#include "dnsresult.h"

bool
dnsresult_numeric(const char *name)
{
	unsigned char buf[16];
	char tmp[INET6_ADDRSTRLEN + 1];
	const char *pct = strchr(name, '%');
	struct in_addr a;

	if (inet_pton(AF_INET, name, buf) == 1 ||
	    inet_pton(AF_INET6, name, buf) == 1)
		return true;
	/* fe80::1%eth0: scoped, still numeric. */
	if (pct != NULL && pct[1] != '\0' &&
	    (size_t)(pct - name) < sizeof(tmp)) {
		memcpy(tmp, name, (size_t)(pct - name));
		tmp[pct - name] = '\0';
		return inet_pton(AF_INET6, tmp, buf) == 1;
	}
	/* inet_aton forms the libc also takes: "127.1", "0x7f000001". */
	return inet_aton(name, &a) != 0;
}

void
dnsresult_ntop(const struct sockaddr_storage *ss, char *buf, size_t len)
{
	const void *a = ss->ss_family == AF_INET ?
	    (const void *)&((const struct sockaddr_in *)ss)->sin_addr :
	    (const void *)&((const struct sockaddr_in6 *)ss)->sin6_addr;

	inet_ntop(ss->ss_family, a, buf, (socklen_t)len);
}

/* Families the host can use, for AI_ADDRCONFIG: any non-loopback address. */
int
dnsresult_addrconfig(int family, const struct local_addr *local, size_t nlocal)
{
	bool has4 = false, has6 = false;
	size_t i;

	for (i = 0; i < nlocal; i++) {
		const unsigned char *a = local[i].addr;

		if (local[i].family == 4 && a[0] != 127)
			has4 = true;
		if (local[i].family == 6 &&
		    !(a[0] == 0 && memcmp(a, a + 1, 14) == 0 && a[15] == 1) &&
		    !(a[0] == 0xfe && (a[1] & 0xc0) == 0x80))
			has6 = true;
	}
	if (family == AF_UNSPEC && has4 != has6)
		return has4 ? AF_INET : AF_INET6;
	return family;
}

int
dnsresult_herrno(int eai)
{
	switch (eai) {
	case EAI_NONAME:
		return HOST_NOT_FOUND;
	case EAI_AGAIN:
		return TRY_AGAIN;
	default:
		return NO_RECOVERY;
	}
}

/* Lays a hostent out in the caller's buffer; ERANGE when it is short. */
int
dnsresult_hostent(const struct resolve_answer *ans, const char *name, int af,
    struct hostent *he, char *buf, size_t buflen)
{
	size_t alen = af == AF_INET ? 4 : 16, n = 0, i, need;
	uintptr_t p = (uintptr_t)buf, end = p + buflen;
	char **addrs, **aliases, *data;
	const char *canon = ans->canon[0] ? ans->canon : name;

	for (i = 0; i < ans->n; i++)
		n += ans->addr[i].ss_family == af;
	p = (p + sizeof(char *) - 1) & ~(uintptr_t)(sizeof(char *) - 1);
	need = (n + 2) * sizeof(char *) + n * alen + strlen(canon) + 1;
	if (p > end || end - p < need)
		return ERANGE;
	addrs = (char **)p;
	aliases = addrs + n + 1;
	data = (char *)(aliases + 1);
	for (i = 0, n = 0; i < ans->n; i++) {
		const struct sockaddr_storage *ss = &ans->addr[i];

		if (ss->ss_family != af)
			continue;
		memcpy(data,
		    af == AF_INET ?
		        (const void *)&((const struct sockaddr_in *)ss)
		            ->sin_addr :
		        (const void *)&((const struct sockaddr_in6 *)ss)
		            ->sin6_addr,
		    alen);
		addrs[n++] = data;
		data += alen;
	}
	addrs[n] = NULL;
	aliases[0] = NULL;
	strcpy(data, canon);
	he->h_name = data;
	he->h_aliases = aliases;
	he->h_addrtype = af;
	he->h_length = (int)alen;
	he->h_addr_list = addrs;
	return 0;
}
