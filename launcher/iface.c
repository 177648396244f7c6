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
#include "uplink.h"

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
	char avail[512], real[RULES_IFNAMSIZ], name6[RULES_IFNAMSIZ];

	if (strcmp(name, "auto") == 0) {
		if (iface_auto(real, sizeof(real), name6, sizeof(name6), why,
		    len) < 0)
			return -1;
		name = real;
	}
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
	char real[RULES_IFNAMSIZ];

	name = iface_real_name(name, real, sizeof(real));
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

int
iface_auto(char *name, size_t len, char *name6, size_t len6, char *why,
    size_t whylen)
{
	char why6[512];

	if (uplink_auto(6, name6, len6, why6, sizeof(why6)) < 0)
		name6[0] = '\0';
	if (uplink_auto(4, name, len, why, whylen) == 0)
		return 0;
	if (name6[0] == '\0')
		return -1; /* IPv4's reason: the one most people need */
	snprintf(name, len, "%s", name6);
	return 0;
}

const char *
iface_real_name(const char *name, char *buf, size_t len)
{
	char name6[RULES_IFNAMSIZ], why[512];

	if (strcmp(name, "auto") != 0)
		return name;
	return iface_auto(buf, len, name6, sizeof(name6), why, sizeof(why)) == 0
	    ? buf
	    : name;
}
