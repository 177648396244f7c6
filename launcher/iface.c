/*
 * iface.c - can an interface carry traffic: it exists, is up and has an
 * address. getifaddrs and if_nameindex are the same on Linux and macOS.
 */
#define _GNU_SOURCE
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "launcher.h"

/* "lo, phy0, tun0" into buf, for messages. */
static void
list_ifaces(char *buf, size_t len)
{
	struct if_nameindex *all = if_nameindex(), *i;
	size_t used = 0;

	buf[0] = '\0';
	if (all == NULL)
		return;
	for (i = all; i->if_index != 0 && i->if_name != NULL; i++) {
		int n = snprintf(buf + used, len - used, "%s%s",
		    used ? ", " : "", i->if_name);

		if (n < 0 || (size_t)n >= len - used)
			break;
		used += (size_t)n;
	}
	if_freenameindex(all);
}

int
iface_exists(const char *name, char *why, size_t len)
{
	char avail[512];

	if (strlen(name) >= IF_NAMESIZE || if_nametoindex(name) == 0) {
		list_ifaces(avail, sizeof(avail));
		snprintf(why, len, "interface '%s' does not exist (available: %s)",
		    name, avail);
		return -1;
	}
	return 0;
}

static bool
usable_addr(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return true;
	if (sa->sa_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)sa)
						->sin6_addr;

		/* fe80::/10 alone reaches nothing beyond the link. */
		return !IN6_IS_ADDR_LINKLOCAL(a);
	}
	return false;
}

int
iface_check(const char *name, char *why, size_t len)
{
	struct ifaddrs *all, *i;
	bool up = false, addr = false;

	if (iface_exists(name, why, len) < 0)
		return -1;
	if (getifaddrs(&all) < 0) {
		snprintf(why, len, "interface '%s': cannot list addresses",
		    name);
		return -1;
	}
	for (i = all; i != NULL; i = i->ifa_next) {
		if (strcmp(i->ifa_name, name) != 0)
			continue;
		if (i->ifa_flags & IFF_UP)
			up = true;
		if (i->ifa_addr && usable_addr(i->ifa_addr))
			addr = true;
	}
	freeifaddrs(all);
	if (!up) {
		snprintf(why, len, "interface '%s' is down", name);
		return -1;
	}
	if (!addr) {
		snprintf(why, len, "interface '%s' has no IPv4 or global IPv6 "
		    "address", name);
		return -1;
	}
	return 0;
}
