/*
 * plat_posix.c - the part of the shim's OS contract (plat.h) that Linux
 * and macOS spell the same: POSIX calls and names, with nothing of
 * either system's own. The rest is plat_linux.c and plat_darwin.c.
 */
/* IPV6_PKTINFO: glibc wants _GNU_SOURCE; macOS __APPLE_USE_RFC_3542,
 * which the Makefile defines for every file there. */
#define _GNU_SOURCE
#include <errno.h>
#include <netinet/in.h>
#include <sys/mman.h>

#include "plat.h"

void
plat_unmap_policy(const void *p, size_t len)
{
	int saved = errno;

	(void)munmap((void *)p, len);
	errno = saved;
}

struct plat_pktinfo_opt
plat_pktinfo_opt(int family)
{
	struct plat_pktinfo_opt o;

	if (family == AF_INET6) {
		o.level = IPPROTO_IPV6;
		o.type = IPV6_PKTINFO;
	} else {
		o.level = IPPROTO_IP;
		o.type = IP_PKTINFO;
	}
	return o;
}
