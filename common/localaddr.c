/*
 * localaddr.c - see localaddr.h. The platform's own question first
 * (Linux: one address dump), else getifaddrs, the same on Linux and macOS,
 * whose sockets are the libc's internal ones, so the hooks never see it.
 */
#define _DEFAULT_SOURCE
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "localaddr.h"
#include "plat.h"

void
local_addrs(const struct local_addr **out, size_t *nout)
{
	struct ifaddrs *all, *i;
	struct local_addr *v;
	size_t n = 0;

	if (plat_local_addrs(&v, &n) == 0) {
		*out = v;
		*nout = n;
		return;
	}
	*out = NULL;
	*nout = 0;
	if (getifaddrs(&all) < 0)
		return;
	for (i = all; i != NULL; i = i->ifa_next)
		if (i->ifa_addr &&
		    (i->ifa_addr->sa_family == AF_INET ||
		        i->ifa_addr->sa_family == AF_INET6))
			n++;
	if ((v = calloc(n ? n : 1, sizeof(*v))) != NULL) {
		n = 0;
		for (i = all; i != NULL; i = i->ifa_next) {
			if (i->ifa_addr == NULL)
				continue;
			if (i->ifa_addr->sa_family == AF_INET) {
				v[n].family = 4;
				memcpy(v[n++].addr,
				    &((struct sockaddr_in *)i->ifa_addr)
				         ->sin_addr,
				    4);
			} else if (i->ifa_addr->sa_family == AF_INET6) {
				v[n].family = 6;
				memcpy(v[n++].addr,
				    &((struct sockaddr_in6 *)i->ifa_addr)
				         ->sin6_addr,
				    16);
			}
		}
		*out = v;
		*nout = n;
	}
	freeifaddrs(all);
}
