/*
 * uplink_linux.c - the kernel's facts for uplink.c, from rtnetlink dumps:
 * links (flags, ARPHRD type, IFLA_INFO_KIND), addresses, routes of every
 * table and policy rules, plus /sys/class/net/X/device. The parser takes
 * a buffer of messages so the unit tests can feed it recorded ones.
 */
#define _GNU_SOURCE
#include <errno.h>
/* <net/if.h> before the kernel's headers: linux/if.h then steps aside. */
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "uplink.h"

#ifndef ARPHRD_RAWIP
#define ARPHRD_RAWIP 519 /* rmnet, wwan: raw IP; glibc's header lacks it */
#endif
#ifndef ARPHRD_IP6GRE
#define ARPHRD_IP6GRE 823
#endif

/* ------------------------------------------------------------ parsing */

/* Attributes of a message by type; later ones of the same type win. */
#define MAXATTR 64

static void
attrs(const struct rtattr *rta, size_t len, const struct rtattr **tb)
{
	unsigned l = (unsigned)len;

	memset(tb, 0, MAXATTR * sizeof(*tb));
	for (; RTA_OK(rta, l); rta = RTA_NEXT(rta, l))
		if (rta->rta_type < MAXATTR)
			tb[rta->rta_type] = rta;
}

static bool
attr_u32(const struct rtattr *a, unsigned *v)
{
	uint32_t x;

	if (a == NULL || RTA_PAYLOAD(a) < sizeof(x))
		return false;
	memcpy(&x, RTA_DATA(a), sizeof(x));
	*v = x;
	return true;
}

/* A string attribute into a fixed field; the kernel NUL-terminates, a
 * recording might not. */
static void
attr_str(const struct rtattr *a, char *out, size_t len)
{
	size_t n;

	out[0] = '\0';
	if (a == NULL)
		return;
	n = RTA_PAYLOAD(a);
	if (n >= len)
		n = len - 1;
	memcpy(out, RTA_DATA(a), n);
	out[n] = '\0';
}

static enum uplink_link
link_type(unsigned short arphrd)
{
	switch (arphrd) {
	case ARPHRD_ETHER:
	case ARPHRD_IEEE802:
	case ARPHRD_IEEE80211:
	case ARPHRD_IEEE80211_PRISM:
	case ARPHRD_IEEE80211_RADIOTAP:
		return UPLINK_LINK_ETHER;
	case ARPHRD_LOOPBACK:
		return UPLINK_LINK_LOOPBACK;
	case ARPHRD_NONE:
	case ARPHRD_RAWIP:
		return UPLINK_LINK_NONE;
	case ARPHRD_PPP:
		return UPLINK_LINK_PPP;
	case ARPHRD_TUNNEL:
	case ARPHRD_TUNNEL6:
	case ARPHRD_SIT:
	case ARPHRD_IPGRE:
	case ARPHRD_IP6GRE:
		return UPLINK_LINK_TUNNEL;
	default:
		return UPLINK_LINK_OTHER;
	}
}

static int
parse_link(struct uplink_snapshot *s, const struct nlmsghdr *h)
{
	const struct ifinfomsg *ifi = NLMSG_DATA(h);
	const struct rtattr *tb[MAXATTR], *li[MAXATTR];
	struct uplink_if *f;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifi)))
		return -1;
	attrs(IFLA_RTA(ifi), h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifi)), tb);
	if (tb[IFLA_IFNAME] == NULL)
		return -1;
	if ((f = uplink_add_if(s)) == NULL)
		return -1;
	attr_str(tb[IFLA_IFNAME], f->name, sizeof(f->name));
	f->index = (unsigned)ifi->ifi_index;
	f->flags = ((ifi->ifi_flags & IFF_UP) ? UPLINK_F_UP : 0) |
	    ((ifi->ifi_flags & IFF_RUNNING) ? UPLINK_F_RUNNING : 0) |
	    ((ifi->ifi_flags & IFF_LOOPBACK) ? UPLINK_F_LOOPBACK : 0) |
	    ((ifi->ifi_flags & IFF_POINTOPOINT) ? UPLINK_F_POINTOPOINT : 0);
	f->link = link_type(ifi->ifi_type);
	if (tb[IFLA_LINKINFO] != NULL) {
		attrs(RTA_DATA(tb[IFLA_LINKINFO]),
		    RTA_PAYLOAD(tb[IFLA_LINKINFO]), li);
		attr_str(li[IFLA_INFO_KIND], f->driver, sizeof(f->driver));
	}
	return 0;
}

static int
parse_addr(struct uplink_snapshot *s, const struct nlmsghdr *h)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *tb[MAXATTR], *a;
	struct uplink_addr *out;
	size_t need;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)))
		return -1;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return 0;
	attrs(IFA_RTA(ifa), h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa)), tb);
	/* On a point-to-point link IFA_ADDRESS is the peer's, IFA_LOCAL ours.
	 */
	a = tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
	need = ifa->ifa_family == AF_INET ? 4 : 16;
	if (a == NULL || RTA_PAYLOAD(a) < need)
		return -1;
	if ((out = uplink_add_addr(s)) == NULL)
		return -1;
	out->index = ifa->ifa_index;
	out->family = ifa->ifa_family == AF_INET ? 4 : 6;
	memcpy(out->addr, RTA_DATA(a), need);
	out->prefix = ifa->ifa_prefixlen;
	return 0;
}

static enum uplink_rtype
route_type(unsigned char t)
{
	switch (t) {
	case RTN_UNICAST:
		return UPLINK_RT_UNICAST;
	case RTN_BLACKHOLE:
		return UPLINK_RT_BLACKHOLE;
	case RTN_UNREACHABLE:
		return UPLINK_RT_UNREACHABLE;
	case RTN_PROHIBIT:
		return UPLINK_RT_PROHIBIT;
	default:
		return UPLINK_RT_OTHER;
	}
}

/* One snapshot route per next hop: a multipath default through eth0 and
 * wlan0 is a default on each. */
static int
parse_route(struct uplink_snapshot *s, const struct nlmsghdr *h)
{
	const struct rtmsg *rtm = NLMSG_DATA(h);
	const struct rtattr *tb[MAXATTR];
	struct uplink_route base, *r;
	size_t alen;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*rtm)))
		return -1;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return 0;
	/* Cached clones of IPv6 routes are not configuration. */
	if (rtm->rtm_flags & RTM_F_CLONED)
		return 0;
	attrs(RTM_RTA(rtm), h->nlmsg_len - NLMSG_LENGTH(sizeof(*rtm)), tb);
	memset(&base, 0, sizeof(base));
	base.family = rtm->rtm_family == AF_INET ? 4 : 6;
	alen = base.family == 4 ? 4 : 16;
	/* rtm_table is 8 bits; 51820 (wg-quick) only fits RTA_TABLE. */
	if (!attr_u32(tb[RTA_TABLE], &base.table))
		base.table = rtm->rtm_table;
	base.prefix = rtm->rtm_dst_len;
	if (tb[RTA_DST] != NULL) {
		if (RTA_PAYLOAD(tb[RTA_DST]) < alen)
			return -1;
		memcpy(base.dst, RTA_DATA(tb[RTA_DST]), alen);
	}
	attr_u32(tb[RTA_PRIORITY], &base.metric);
	base.type = route_type(rtm->rtm_type);
	base.has_gateway = tb[RTA_GATEWAY] != NULL || tb[RTA_VIA] != NULL;
	attr_u32(tb[RTA_OIF], &base.oif);

	if (tb[RTA_MULTIPATH] != NULL) {
		const struct rtnexthop *nh = RTA_DATA(tb[RTA_MULTIPATH]);
		size_t left = RTA_PAYLOAD(tb[RTA_MULTIPATH]);

		while (left >= sizeof(*nh) && nh->rtnh_len >= sizeof(*nh) &&
		    (size_t)nh->rtnh_len <= left) {
			const struct rtattr *nt[MAXATTR];

			attrs(RTNH_DATA(nh), nh->rtnh_len - RTNH_LENGTH(0), nt);
			if ((r = uplink_add_route(s)) == NULL)
				return -1;
			*r = base;
			r->oif = (unsigned)nh->rtnh_ifindex;
			r->has_gateway =
			    nt[RTA_GATEWAY] != NULL || nt[RTA_VIA] != NULL;
			if ((size_t)RTNH_ALIGN(nh->rtnh_len) >= left)
				break;
			left -= (size_t)RTNH_ALIGN(nh->rtnh_len);
			nh = RTNH_NEXT(nh);
		}
		return 0;
	}
	if ((r = uplink_add_route(s)) == NULL)
		return -1;
	*r = base;
	return 0;
}

static int
parse_rule(struct uplink_snapshot *s, const struct nlmsghdr *h)
{
	const struct fib_rule_hdr *frh = NLMSG_DATA(h);
	const struct rtattr *tb[MAXATTR];
	struct uplink_rule *r;
	unsigned v;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*frh)))
		return -1;
	if (frh->family != AF_INET && frh->family != AF_INET6)
		return 0;
	attrs((const struct rtattr *)((const char *)frh +
	          NLMSG_ALIGN(sizeof(*frh))),
	    h->nlmsg_len - NLMSG_LENGTH(sizeof(*frh)), tb);
	if ((r = uplink_add_rule(s)) == NULL)
		return -1;
	r->family = frh->family == AF_INET ? 4 : 6;
	attr_u32(tb[FRA_PRIORITY], &r->priority);
	if (!attr_u32(tb[FRA_TABLE], &r->table))
		r->table = frh->table;
	switch (frh->action) {
	case FR_ACT_TO_TBL:
		r->action = UPLINK_RULE_TABLE;
		break;
	case FR_ACT_BLACKHOLE:
		r->action = UPLINK_RULE_BLACKHOLE;
		break;
	case FR_ACT_UNREACHABLE:
		r->action = UPLINK_RULE_UNREACHABLE;
		break;
	case FR_ACT_PROHIBIT:
		r->action = UPLINK_RULE_PROHIBIT;
		break;
	default:
		r->action = UPLINK_RULE_OTHER;
		break;
	}
	r->invert = (frh->flags & FIB_RULE_INVERT) != 0;
	r->src_len = frh->src_len;
	r->dst_len = frh->dst_len;
	if (attr_u32(tb[FRA_FWMARK], &r->fwmark)) {
		r->has_fwmark = true;
		r->fwmask = 0xffffffffu;
		attr_u32(tb[FRA_FWMASK], &r->fwmask);
	}
	/* The kernel reports -1 ("none") as a u32 too, or not at all. */
	if (attr_u32(tb[FRA_SUPPRESS_PREFIXLEN], &v) && v <= 128)
		r->suppress_prefixlen = (int)v;
	attr_str(tb[FRA_IFNAME], r->iif, sizeof(r->iif));
	attr_str(tb[FRA_OIFNAME], r->oif, sizeof(r->oif));
	return 0;
}

int
uplink_nl_parse(struct uplink_snapshot *s, const void *buf, size_t len,
    char *why, size_t whylen)
{
	const struct nlmsghdr *h = buf;
	unsigned left = (unsigned)len;
	int rc = 0;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		switch (h->nlmsg_type) {
		case NLMSG_DONE:
			return 1;
		case NLMSG_NOOP:
			continue;
		case NLMSG_ERROR: {
			const struct nlmsgerr *e = NLMSG_DATA(h);

			if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*e))) {
				snprintf(why, whylen,
				    "netlink: a short error "
				    "message");
				return -1;
			}
			if (e->error == 0)
				continue; /* an acknowledgement */
			snprintf(why, whylen, "netlink: %s",
			    strerror(-e->error));
			return -1;
		}
		case RTM_NEWLINK:
			rc = parse_link(s, h);
			break;
		case RTM_NEWADDR:
			rc = parse_addr(s, h);
			break;
		case RTM_NEWROUTE:
			rc = parse_route(s, h);
			break;
		case RTM_NEWRULE:
			rc = parse_rule(s, h);
			break;
		default:
			continue;
		}
		if (rc < 0) {
			snprintf(why, whylen,
			    "netlink: a malformed message "
			    "(type %u, %u bytes)",
			    h->nlmsg_type, h->nlmsg_len);
			return -1;
		}
	}
	if (left != 0) {
		snprintf(why, whylen, "netlink: a truncated message");
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ the socket */

/* One dump request; every family header of these starts with its family
 * byte, so a zeroed header of the right size serves all four. INDEX, for
 * RTM_GETADDR, asks for that interface's addresses only (0: all). */
static int
dump(int fd, unsigned short type, unsigned char family, size_t hdrlen,
    unsigned seq, unsigned index, struct uplink_snapshot *s, char *why,
    size_t whylen)
{
	struct {
		struct nlmsghdr h;
		unsigned char body[64];
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	/* A dump part is at most a page or 32 KiB; this takes either. */
	static char buf[65536];
	int rc;

	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	req.h.nlmsg_type = type;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = seq;
	req.body[0] = family;
	if (type == RTM_GETADDR) {
		struct ifaddrmsg ifa = { .ifa_family = family,
			.ifa_index = index };

		memcpy(req.body, &ifa, sizeof(ifa));
	}
	if (sendto(fd, &req, req.h.nlmsg_len, 0, (struct sockaddr *)&kernel,
	        sizeof(kernel)) < 0) {
		snprintf(why, whylen, "netlink: cannot ask the kernel: %s",
		    strerror(errno));
		return -1;
	}
	do {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "netlink: no answer: %s",
			    n < 0 ? strerror(errno) : "end of file");
			return -1;
		}
		rc = uplink_nl_parse(s, buf, (size_t)n, why, whylen);
	} while (rc == 0);
	return rc < 0 ? -1 : 0;
}

/* A bound rtnetlink socket, or -1 with why. */
static int
nl_open(char *why, size_t whylen)
{
	struct sockaddr_nl self = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0) {
		snprintf(why, whylen, "netlink: no socket: %s",
		    strerror(errno));
		return -1;
	}
	if (bind(fd, (struct sockaddr *)&self, sizeof(self)) < 0) {
		snprintf(why, whylen, "netlink: cannot bind: %s",
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Only the addresses: the start-up check of an interface asks for no
 * link (a link dump carries every interface's statistics: getifaddrs,
 * which made both dumps, was 0.1 ms of each start here). */
int
uplink_os_addrs(struct uplink_snapshot *s, unsigned index, char *why,
    size_t whylen)
{
	int fd, rc;

	if ((fd = nl_open(why, whylen)) < 0)
		return -1;
#ifdef NETLINK_GET_STRICT_CHK
	/* Then the kernel (4.20 and later) sends that interface's addresses
	 * alone; an older one sends all, which the caller filters anyway. */
	{
		int one = 1;

		(void)setsockopt(fd, SOL_NETLINK, NETLINK_GET_STRICT_CHK, &one,
		    sizeof(one));
	}
#endif
	rc = dump(fd, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), 1,
	    index, s, why, whylen);
	close(fd);
	return rc;
}

int
uplink_os_snapshot(struct uplink_snapshot *s, char *why, size_t whylen)
{
	size_t i;
	int fd, rc = 0;

	if ((fd = nl_open(why, whylen)) < 0)
		return -1;
	if (dump(fd, RTM_GETLINK, AF_UNSPEC, sizeof(struct ifinfomsg), 1, 0, s,
	        why, whylen) < 0 ||
	    dump(fd, RTM_GETADDR, AF_UNSPEC, sizeof(struct ifaddrmsg), 2, 0, s,
	        why, whylen) < 0 ||
	    dump(fd, RTM_GETROUTE, AF_INET, sizeof(struct rtmsg), 3, 0, s, why,
	        whylen) < 0 ||
	    dump(fd, RTM_GETROUTE, AF_INET6, sizeof(struct rtmsg), 4, 0, s, why,
	        whylen) < 0)
		rc = -1;
	/* Rules are optional: a kernel without policy routing answers
	 * EAFNOSUPPORT, and the report simply has none. */
	if (rc == 0) {
		char ignored[128];

		(void)dump(fd, RTM_GETRULE, AF_INET,
		    sizeof(struct fib_rule_hdr), 5, 0, s, ignored,
		    sizeof(ignored));
		(void)dump(fd, RTM_GETRULE, AF_INET6,
		    sizeof(struct fib_rule_hdr), 6, 0, s, ignored,
		    sizeof(ignored));
	}
	close(fd);
	if (rc < 0)
		return -1;
	/* A bus device behind the link means hardware (or a VM's virtio),
	 * whatever its driver or name; `ip netns exec` remounts /sys for
	 * the namespace, so this answers for the namespace we run in. */
	for (i = 0; i < s->nifs; i++) {
		char path[64 + UPLINK_NAMESIZE];

		snprintf(path, sizeof(path), "/sys/class/net/%s/device",
		    s->ifs[i].name);
		s->ifs[i].has_device = access(path, F_OK) == 0;
	}
	return 0;
}
