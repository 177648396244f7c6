/*
 * iface.c - can an interface carry traffic: it exists, is up and has an
 * address. if_nametoindex, if_nameindex and SIOCGIFFLAGS are the same on
 * Linux and macOS; the addresses come from uplink_os_addrs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

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

/* name's index ("auto": the chosen uplink's), or 0 with why. */
static unsigned
iface_index(const char *name, char *why, size_t len)
{
	char avail[512], real[RULES_IFNAMSIZ], name6[RULES_IFNAMSIZ];
	unsigned index = 0;

	if (strcmp(name, "auto") == 0) {
		if (iface_auto(real, sizeof(real), name6, sizeof(name6), why,
		        len) < 0)
			return 0;
		name = real;
	}
	if (strlen(name) >= IF_NAMESIZE ||
	    (index = if_nametoindex(name)) == 0) {
		list_ifaces(avail, sizeof(avail));
		snprintf(why, len,
		    "interface '%s' does not exist (available: %s)", name,
		    avail);
		return 0;
	}
	return index;
}

int
iface_exists(const char *name, char *why, size_t len)
{
	return iface_index(name, why, len) == 0 ? -1 : 0;
}

/* Whether name is up: 1, 0, or -1 with errno. */
static int
iface_up(const char *name)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0), rc, err;

	if (fd < 0)
		return -1;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	rc = ioctl(fd, SIOCGIFFLAGS, &ifr);
	err = errno;
	close(fd);
	errno = err;
	return rc < 0 ? -1 : (ifr.ifr_flags & IFF_UP) != 0;
}

int
iface_check(const char *name, char *why, size_t len)
{
	struct uplink_snapshot s;
	char real[RULES_IFNAMSIZ], err[256];
	unsigned index;
	bool addr;
	int up;

	name = iface_real_name(name, real, sizeof(real));
	if ((index = iface_index(name, why, len)) == 0)
		return -1;
	if ((up = iface_up(name)) < 0) {
		snprintf(why, len, "interface '%s': cannot read its flags: %s",
		    name, strerror(errno));
		return -1;
	}
	if (!up) {
		snprintf(why, len, "interface '%s' is down", name);
		return -1;
	}
	memset(&s, 0, sizeof(s));
	if (uplink_os_addrs(&s, index, err, sizeof(err)) < 0) {
		uplink_snapshot_free(&s);
		snprintf(why, len, "interface '%s': cannot list addresses: %s",
		    name, err);
		return -1;
	}
	addr = uplink_has_addr(&s, index, 4) || uplink_has_addr(&s, index, 6);
	uplink_snapshot_free(&s);
	if (!addr) {
		snprintf(why, len,
		    "interface '%s' has no IPv4 or global IPv6 "
		    "address",
		    name);
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
	return iface_auto(buf, len, name6, sizeof(name6), why, sizeof(why)) ==
	        0 ?
	    buf :
	    name;
}
