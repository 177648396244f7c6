/*
 * uplink_darwin.c - the kernel's facts for uplink.c on macOS: interfaces
 * and addresses from getifaddrs (the AF_LINK entry's IFT_* type), routes
 * from the routing socket's table dump (sysctl NET_RT_DUMP: every route,
 * scoped defaults included, which an RTM_GET for 0/0 would not show).
 * macOS has no policy rules and no route metrics.
 * Also built on Linux for unit tests: the routing messages and AF_LINK
 * addresses are read byte by byte at macOS's offsets, with macOS's
 * constants spelled out, and sysctl() comes from the test.
 */
#ifndef __APPLE__
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#ifdef __APPLE__
#include <net/if_dl.h>
#include <net/if_types.h>
#include <net/route.h>
#include <sys/sysctl.h>
#endif

#include "uplink.h"

/* macOS's numbers (<sys/socket.h>, <net/route.h>, <net/if_types.h>):
 * the dump is parsed by offset so the same code runs in the Linux tests. */
#define MAC_AF_INET 2
#define MAC_AF_LINK 18
#define MAC_AF_INET6 30
#define MAC_CTL_NET 4
#define MAC_PF_ROUTE 17
#define MAC_NET_RT_DUMP 1
#define MAC_RTM_GET 4
#define MAC_RTF_UP 0x1
#define MAC_RTF_GATEWAY 0x2
#define MAC_RTF_HOST 0x4
#define MAC_RTF_REJECT 0x8
#define MAC_RTF_WASCLONED 0x20000
#define MAC_RTF_BLACKHOLE 0x1000
#define MAC_RTF_IFSCOPE 0x1000000
#define MAC_RTA_DST 0x1
#define MAC_RTA_GATEWAY 0x2
#define MAC_RTA_NETMASK 0x4
#define MAC_RTAX_MAX 8
#define MAC_IFT_OTHER 0x1
#define MAC_IFT_ETHER 0x6
#define MAC_IFT_PPP 0x17
#define MAC_IFT_LOOP 0x18
#define MAC_IFT_GIF 0x37
#define MAC_IFT_STF 0x39
#define MAC_IFT_IEEE80211 0x47
#define MAC_IFT_BRIDGE 0xd1
/* struct rt_msghdr: msglen u16 @0, version @2, type @3, index u16 @4,
 * flags @8, addrs @12, ... then struct rt_metrics; 92 bytes in all. */
#define RTM_HDRLEN 92

#ifdef __APPLE__
_Static_assert(sizeof(struct rt_msghdr) == RTM_HDRLEN, "rt_msghdr size");
_Static_assert(AF_INET6 == MAC_AF_INET6 && AF_LINK == MAC_AF_LINK,
    "address families");
_Static_assert(RTF_IFSCOPE == MAC_RTF_IFSCOPE && IFT_BRIDGE == MAC_IFT_BRIDGE,
    "route flags, interface types");
#else
/* macOS libc; the unit tests on Linux provide it. */
int sysctl(int *name, unsigned namelen, void *old, size_t *oldlen, void *new,
    size_t newlen);
#endif

/* Functions the tests reach (no header: they exist for the tests). */
int uplink_darwin_parse_dump(struct uplink_snapshot *s, const void *buf,
    size_t len);
int uplink_darwin_ifaddrs(struct uplink_snapshot *s, struct ifaddrs *all);

static unsigned
get16(const unsigned char *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static unsigned
get32(const unsigned char *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

/* The kernel pads each sockaddr of a routing message to 4 bytes; a
 * zero-length one (an all-zero netmask) still takes 4. */
static size_t
sa_space(unsigned len)
{
	return len > 0 ? 1 + ((len - 1) | 3) : 4;
}

/* Leading one bits of a netmask sockaddr: the kernel trims trailing
 * zero bytes, so a short one is a short prefix. */
static unsigned
mask_prefix(const unsigned char *sa, unsigned salen, unsigned off,
    unsigned maxbits)
{
	unsigned bits = 0, i;

	for (i = off; i < salen && bits < maxbits; i++) {
		unsigned char b = sa[i];

		while (b & 0x80) {
			bits++;
			b = (unsigned char)(b << 1);
		}
		if (sa[i] != 0xff)
			break;
	}
	return bits > maxbits ? maxbits : bits;
}

int
uplink_darwin_parse_dump(struct uplink_snapshot *s, const void *buf, size_t len)
{
	const unsigned char *p = buf, *end = p + len;

	while ((size_t)(end - p) >= RTM_HDRLEN) {
		unsigned msglen = get16(p), flags, addrs, i;
		const unsigned char *sa, *dst = NULL, *mask = NULL;
		struct uplink_route *r;
		size_t off;

		if (msglen < RTM_HDRLEN || msglen > (size_t)(end - p))
			return -1;
		flags = get32(p + 8);
		addrs = get32(p + 12);
		if (p[3] != MAC_RTM_GET || !(flags & MAC_RTF_UP) ||
		    (flags & MAC_RTF_WASCLONED)) {
			p += msglen;
			continue;
		}
		for (i = 0, off = RTM_HDRLEN; i < MAC_RTAX_MAX; i++) {
			unsigned bit = 1u << i;

			if (!(addrs & bit))
				continue;
			if (off >= msglen)
				return -1;
			sa = p + off;
			if (bit == MAC_RTA_DST)
				dst = sa;
			else if (bit == MAC_RTA_NETMASK)
				mask = sa;
			off += sa_space(sa[0]);
		}
		if (dst == NULL ||
		    (dst[1] != MAC_AF_INET && dst[1] != MAC_AF_INET6)) {
			p += msglen;
			continue;
		}
		if ((r = uplink_add_route(s)) == NULL)
			return -1;
		r->family = dst[1] == MAC_AF_INET ? 4 : 6;
		r->table = UPLINK_TABLE_MAIN;
		if (r->family == 4 && dst[0] >= 8)
			memcpy(r->dst, dst + 4, 4);
		else if (r->family == 6 && dst[0] >= 24)
			memcpy(r->dst, dst + 8, 16);
		if (flags & MAC_RTF_HOST)
			r->prefix = r->family == 4 ? 32 : 128;
		else if (mask == NULL)
			r->prefix = 0;
		else
			r->prefix = mask_prefix(mask, mask[0],
			    r->family == 4 ? 4 : 8, r->family == 4 ? 32 : 128);
		r->oif = get16(p + 4);
		r->has_gateway = (flags & MAC_RTF_GATEWAY) != 0;
		/* No metrics on macOS: the unscoped default is the primary
		 * one, the interface-scoped ones stand behind it. */
		r->metric = (flags & MAC_RTF_IFSCOPE) ? 1 : 0;
		if (flags & MAC_RTF_BLACKHOLE)
			r->type = UPLINK_RT_BLACKHOLE;
		else if (flags & MAC_RTF_REJECT)
			r->type = UPLINK_RT_UNREACHABLE;
		else
			r->type = UPLINK_RT_UNICAST;
		p += msglen;
	}
	return 0;
}

static enum uplink_link
link_type(unsigned ift)
{
	switch (ift) {
	case MAC_IFT_ETHER:
	case MAC_IFT_IEEE80211:
	case MAC_IFT_BRIDGE:
		return UPLINK_LINK_ETHER;
	case MAC_IFT_LOOP:
		return UPLINK_LINK_LOOPBACK;
	case MAC_IFT_PPP:
		return UPLINK_LINK_PPP;
	case MAC_IFT_GIF:
	case MAC_IFT_STF:
		return UPLINK_LINK_TUNNEL;
	default:
		return UPLINK_LINK_OTHER; /* utun, ipsec: IFT_OTHER */
	}
}

static struct uplink_if *
find_or_add(struct uplink_snapshot *s, const char *name)
{
	struct uplink_if *f;
	size_t i;

	for (i = 0; i < s->nifs; i++)
		if (strcmp(s->ifs[i].name, name) == 0)
			return &s->ifs[i];
	if ((f = uplink_add_if(s)) == NULL)
		return NULL;
	snprintf(f->name, sizeof(f->name), "%s", name);
	f->index = if_nametoindex(name);
	return f;
}

static unsigned
sockaddr_prefix(const struct sockaddr *m, int family)
{
	const unsigned char *b;
	unsigned n, i, bits = 0;

	if (m == NULL)
		return family == 4 ? 32 : 128;
	if (family == 4) {
		b = (const unsigned char *)&((const struct sockaddr_in *)m)
		        ->sin_addr;
		n = 4;
	} else {
		b = (const unsigned char *)&((const struct sockaddr_in6 *)m)
		        ->sin6_addr;
		n = 16;
	}
	for (i = 0; i < n; i++) {
		unsigned char x = b[i];

		while (x & 0x80) {
			bits++;
			x = (unsigned char)(x << 1);
		}
		if (b[i] != 0xff)
			break;
	}
	return bits;
}

int
uplink_darwin_ifaddrs(struct uplink_snapshot *s, struct ifaddrs *all)
{
	struct ifaddrs *i;

	for (i = all; i != NULL; i = i->ifa_next) {
		struct uplink_if *f = find_or_add(s, i->ifa_name);
		const struct sockaddr *sa = i->ifa_addr;
		struct uplink_addr *a;

		if (f == NULL)
			return -1;
		f->flags = ((i->ifa_flags & IFF_UP) ? UPLINK_F_UP : 0) |
		    ((i->ifa_flags & IFF_RUNNING) ? UPLINK_F_RUNNING : 0) |
		    ((i->ifa_flags & IFF_LOOPBACK) ? UPLINK_F_LOOPBACK : 0) |
		    ((i->ifa_flags & IFF_POINTOPOINT) ? UPLINK_F_POINTOPOINT :
		                                        0);
		if (sa == NULL)
			continue;
		if (((const unsigned char *)sa)[1] == MAC_AF_LINK &&
		    sa->sa_family != AF_INET && sa->sa_family != AF_INET6) {
			/* struct sockaddr_dl: len, family, index u16, type. */
			const unsigned char *dl = (const unsigned char *)sa;

			f->index = get16(dl + 2);
			f->link = link_type(dl[4]);
			if (dl[4] == MAC_IFT_BRIDGE)
				snprintf(f->driver, sizeof(f->driver),
				    "bridge");
			/* No bus fact without IOKit: Apple names every
			 * Ethernet and Wi-Fi port en<N>; the name hints of
			 * uplink.c still set aside awdl, llw, bridge. */
			f->has_device = (dl[4] == MAC_IFT_ETHER ||
			                    dl[4] == MAC_IFT_IEEE80211) &&
			    strncmp(f->name, "en", 2) == 0;
			continue;
		}
		if (sa->sa_family != AF_INET && sa->sa_family != AF_INET6)
			continue;
		if ((a = uplink_add_addr(s)) == NULL)
			return -1;
		a->index = f->index;
		if (sa->sa_family == AF_INET) {
			a->family = 4;
			memcpy(a->addr,
			    &((const struct sockaddr_in *)sa)->sin_addr, 4);
		} else {
			a->family = 6;
			memcpy(a->addr,
			    &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
		}
		a->prefix = sockaddr_prefix(i->ifa_netmask, a->family);
	}
	return 0;
}

static int
dump_routes(struct uplink_snapshot *s, int family, char *why, size_t whylen)
{
	int mib[6] = { MAC_CTL_NET, MAC_PF_ROUTE, 0, family, MAC_NET_RT_DUMP,
		0 };
	size_t len = 0;
	char *buf;
	int rc;

	/* The table can grow between the two calls: ask for room to spare. */
	if (sysctl(mib, 6, NULL, &len, NULL, 0) < 0) {
		snprintf(why, whylen, "routing table: %s", strerror(errno));
		return -1;
	}
	len += len / 4 + 4096;
	if ((buf = malloc(len)) == NULL) {
		snprintf(why, whylen, "routing table: out of memory");
		return -1;
	}
	if (sysctl(mib, 6, buf, &len, NULL, 0) < 0) {
		snprintf(why, whylen, "routing table: %s", strerror(errno));
		free(buf);
		return -1;
	}
	rc = uplink_darwin_parse_dump(s, buf, len);
	free(buf);
	if (rc < 0)
		snprintf(why, whylen, "routing table: a malformed message");
	return rc;
}

/* Every interface's addresses: getifaddrs has no cheaper question. */
int
uplink_os_addrs(struct uplink_snapshot *s, unsigned index, char *why,
    size_t whylen)
{
	struct ifaddrs *all;
	int rc;

	(void)index;
	if (getifaddrs(&all) < 0) {
		snprintf(why, whylen, "cannot list interfaces: %s",
		    strerror(errno));
		return -1;
	}
	rc = uplink_darwin_ifaddrs(s, all);
	freeifaddrs(all);
	if (rc < 0) {
		snprintf(why, whylen, "cannot list interfaces: out of memory");
		return -1;
	}
	return 0;
}

int
uplink_os_snapshot(struct uplink_snapshot *s, char *why, size_t whylen)
{
	if (uplink_os_addrs(s, 0, why, whylen) < 0)
		return -1;
	if (dump_routes(s, MAC_AF_INET, why, whylen) < 0 ||
	    dump_routes(s, MAC_AF_INET6, why, whylen) < 0)
		return -1;
	return 0;
}
