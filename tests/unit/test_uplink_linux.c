/*
 * test_uplink_linux.c - launcher/uplink_linux.c's rtnetlink parser on
 * messages built here as the kernel sends them: links with IFLA_INFO_KIND,
 * point-to-point addresses, routes in tables above 255 and multipath,
 * wg-quick's rules, the end of a dump, errors and truncation.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <linux/fib_rules.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <string.h>

#include "uplink.h"

/* A dump being built: messages back to back, as one recv() returns them. */
static _Alignas(4) unsigned char buf[8192];
static size_t used;
static struct nlmsghdr *cur;

static void *
msg(unsigned short type, size_t hdrlen)
{
	cur = (struct nlmsghdr *)(buf + used);
	memset(cur, 0, NLMSG_SPACE(hdrlen));
	cur->nlmsg_type = type;
	cur->nlmsg_len = (uint32_t)NLMSG_LENGTH(hdrlen);
	cur->nlmsg_flags = NLM_F_MULTI;
	return NLMSG_DATA(cur);
}

/* Ends the current message (pads to the next one). */
static void
done_msg(void)
{
	used += NLMSG_ALIGN(cur->nlmsg_len);
	assert_true(used < sizeof(buf));
}

static struct rtattr *
attr(unsigned short type, const void *data, size_t len)
{
	struct rtattr *a =
	    (struct rtattr *)((char *)cur + NLMSG_ALIGN(cur->nlmsg_len));

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	cur->nlmsg_len =
	    (uint32_t)(NLMSG_ALIGN(cur->nlmsg_len) + RTA_ALIGN(a->rta_len));
	return a;
}

static void
attr_u32(unsigned short type, uint32_t v)
{
	attr(type, &v, sizeof(v));
}

static void
attr_s(unsigned short type, const char *s)
{
	attr(type, s, strlen(s) + 1);
}

static void
attr_ip(unsigned short type, const char *text)
{
	unsigned char a[16];
	int v6 = strchr(text, ':') != NULL;

	assert_int_equal(inet_pton(v6 ? AF_INET6 : AF_INET, text, a), 1);
	attr(type, a, v6 ? 16 : 4);
}

static void
link_msg(int index, const char *name, unsigned short arphrd, unsigned flags,
    const char *kind)
{
	struct ifinfomsg *ifi = msg(RTM_NEWLINK, sizeof(*ifi));

	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = index;
	ifi->ifi_type = arphrd;
	ifi->ifi_flags = flags;
	attr_u32(IFLA_MTU, 1500);
	attr_s(IFLA_IFNAME, name);
	if (kind != NULL) {
		struct rtattr *li = attr(IFLA_LINKINFO, NULL, 0);

		attr_s(IFLA_INFO_KIND, kind);
		li->rta_len =
		    (unsigned short)((char *)cur + cur->nlmsg_len - (char *)li);
	}
	done_msg();
}

static struct rtmsg *
route_msg(int family, unsigned char dst_len, unsigned char table8,
    unsigned char type)
{
	struct rtmsg *r = msg(RTM_NEWROUTE, sizeof(*r));

	r->rtm_family = (unsigned char)family;
	r->rtm_dst_len = dst_len;
	r->rtm_table = table8;
	r->rtm_type = type;
	r->rtm_protocol = RTPROT_BOOT;
	return r;
}

static void
reset(struct uplink_snapshot *s)
{
	memset(s, 0, sizeof(*s));
	used = 0;
}

static int
parse(struct uplink_snapshot *s, char *why, size_t len)
{
	return uplink_nl_parse(s, buf, used, why, len);
}

static void
test_links(void **state)
{
	struct uplink_snapshot s;
	char why[256];

	(void)state;
	reset(&s);
	link_msg(1, "lo", ARPHRD_LOOPBACK, IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
	    NULL);
	link_msg(2, "phy0", ARPHRD_ETHER, IFF_UP | IFF_BROADCAST, "veth");
	link_msg(3, "tun0", ARPHRD_NONE, IFF_UP | IFF_POINTOPOINT, "tun");
	link_msg(4, "wg0", ARPHRD_NONE, IFF_POINTOPOINT, "wireguard");
	link_msg(5, "gre1", ARPHRD_IPGRE, IFF_UP, "gre");
	link_msg(6, "ppp0", ARPHRD_PPP, IFF_UP | IFF_POINTOPOINT, NULL);
	assert_int_equal(parse(&s, why, sizeof(why)), 0);
	assert_int_equal(s.nifs, 6);
	assert_string_equal(s.ifs[0].name, "lo");
	assert_int_equal(s.ifs[0].link, UPLINK_LINK_LOOPBACK);
	assert_int_equal(s.ifs[0].flags,
	    UPLINK_F_UP | UPLINK_F_LOOPBACK | UPLINK_F_RUNNING);
	assert_string_equal(s.ifs[0].driver, "");
	assert_string_equal(s.ifs[1].name, "phy0");
	assert_int_equal(s.ifs[1].index, 2);
	assert_int_equal(s.ifs[1].link, UPLINK_LINK_ETHER);
	assert_string_equal(s.ifs[1].driver, "veth");
	assert_int_equal(s.ifs[2].link, UPLINK_LINK_NONE);
	assert_int_equal(s.ifs[2].flags, UPLINK_F_UP | UPLINK_F_POINTOPOINT);
	assert_string_equal(s.ifs[2].driver, "tun");
	assert_string_equal(s.ifs[3].driver, "wireguard");
	assert_int_equal(s.ifs[3].flags, UPLINK_F_POINTOPOINT); /* down */
	assert_int_equal(s.ifs[4].link, UPLINK_LINK_TUNNEL);
	assert_int_equal(s.ifs[5].link, UPLINK_LINK_PPP);
	uplink_classify(&s);
	assert_int_equal(s.ifs[0].kind, UPLINK_LOOPBACK);
	assert_int_equal(s.ifs[2].kind, UPLINK_TUNNEL);
	assert_int_equal(s.ifs[3].kind, UPLINK_TUNNEL);
	assert_int_equal(s.ifs[4].kind, UPLINK_TUNNEL);
	assert_int_equal(s.ifs[5].kind, UPLINK_TUNNEL);
	uplink_snapshot_free(&s);
}

static void
test_addrs(void **state)
{
	struct uplink_snapshot s;
	struct ifaddrmsg *ifa;
	char why[256], text[64];

	(void)state;
	reset(&s);
	ifa = msg(RTM_NEWADDR, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 24;
	ifa->ifa_index = 2;
	attr_ip(IFA_ADDRESS, "192.0.2.1");
	attr_ip(IFA_LOCAL, "192.0.2.1");
	attr_s(IFA_LABEL, "phy0");
	done_msg();
	/* Point-to-point: IFA_ADDRESS is the peer, IFA_LOCAL ours. */
	ifa = msg(RTM_NEWADDR, sizeof(*ifa));
	ifa->ifa_family = AF_INET;
	ifa->ifa_prefixlen = 32;
	ifa->ifa_index = 4;
	attr_ip(IFA_ADDRESS, "10.8.0.1");
	attr_ip(IFA_LOCAL, "10.8.0.2");
	done_msg();
	ifa = msg(RTM_NEWADDR, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	ifa->ifa_prefixlen = 64;
	ifa->ifa_index = 2;
	attr_ip(IFA_ADDRESS, "2001:db8:1::1");
	attr_u32(IFA_FLAGS, 0x80); /* IFA_F_PERMANENT */
	done_msg();
	assert_int_equal(parse(&s, why, sizeof(why)), 0);
	assert_int_equal(s.naddrs, 3);
	assert_int_equal(s.addrs[0].family, 4);
	assert_int_equal(s.addrs[0].prefix, 24);
	assert_int_equal(s.addrs[0].index, 2);
	inet_ntop(AF_INET, s.addrs[1].addr, text, sizeof(text));
	assert_string_equal(text, "10.8.0.2");
	assert_int_equal(s.addrs[2].family, 6);
	inet_ntop(AF_INET6, s.addrs[2].addr, text, sizeof(text));
	assert_string_equal(text, "2001:db8:1::1");
	uplink_snapshot_free(&s);
}

static void
test_routes(void **state)
{
	struct uplink_snapshot s;
	struct rtmsg *r;
	char why[256], text[64];

	(void)state;
	reset(&s);
	/* default via 192.0.2.254 dev phy0 (main) */
	route_msg(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	attr_u32(RTA_TABLE, RT_TABLE_MAIN);
	attr_ip(RTA_GATEWAY, "192.0.2.254");
	attr_u32(RTA_OIF, 2);
	done_msg();
	/* default dev tun0 table 51820 metric 1024: rtm_table says 252
	 * (RT_TABLE_COMPAT), only RTA_TABLE has the number. */
	route_msg(AF_INET6, 0, RT_TABLE_COMPAT, RTN_UNICAST);
	attr_u32(RTA_TABLE, 51820);
	attr_u32(RTA_PRIORITY, 1024);
	attr_u32(RTA_OIF, 3);
	done_msg();
	/* 128.0.0.0/1 dev tun0 */
	route_msg(AF_INET, 1, RT_TABLE_MAIN, RTN_UNICAST);
	attr_ip(RTA_DST, "128.0.0.0");
	attr_u32(RTA_OIF, 3);
	done_msg();
	/* unreachable default table 2022 (no RTA_TABLE: old kernels) */
	route_msg(AF_INET, 0, 200, RTN_UNREACHABLE);
	done_msg();
	/* an IPv6 cache clone: not configuration */
	r = route_msg(AF_INET6, 128, RT_TABLE_MAIN, RTN_UNICAST);
	r->rtm_flags = RTM_F_CLONED;
	attr_ip(RTA_DST, "2001:db8:2::10");
	attr_u32(RTA_OIF, 3);
	done_msg();
	/* default nexthop dev eth0 via 192.0.2.254 nexthop dev wlan0 */
	route_msg(AF_INET, 0, RT_TABLE_MAIN, RTN_UNICAST);
	{
		unsigned char mp[64];
		struct rtnexthop *nh = (struct rtnexthop *)mp;
		struct rtattr *gw;
		size_t n;

		memset(mp, 0, sizeof(mp));
		nh->rtnh_ifindex = 7;
		gw = RTNH_DATA(nh);
		gw->rta_type = RTA_GATEWAY;
		gw->rta_len = RTA_LENGTH(4);
		inet_pton(AF_INET, "192.0.2.254", RTA_DATA(gw));
		nh->rtnh_len = (unsigned short)RTNH_LENGTH(RTA_SPACE(4));
		n = RTNH_ALIGN(nh->rtnh_len);
		nh = (struct rtnexthop *)(mp + n);
		nh->rtnh_ifindex = 8;
		nh->rtnh_len = (unsigned short)RTNH_LENGTH(0);
		n += RTNH_ALIGN(nh->rtnh_len);
		attr(RTA_MULTIPATH, mp, n);
	}
	done_msg();
	msg(NLMSG_DONE, sizeof(int));
	done_msg();

	assert_int_equal(parse(&s, why, sizeof(why)), 1);
	assert_int_equal(s.nroutes, 6);
	assert_int_equal(s.routes[0].family, 4);
	assert_int_equal(s.routes[0].table, UPLINK_TABLE_MAIN);
	assert_int_equal(s.routes[0].prefix, 0);
	assert_int_equal(s.routes[0].oif, 2);
	assert_true(s.routes[0].has_gateway);
	assert_int_equal(s.routes[0].type, UPLINK_RT_UNICAST);
	assert_int_equal(s.routes[1].family, 6);
	assert_int_equal(s.routes[1].table, 51820);
	assert_int_equal(s.routes[1].metric, 1024);
	assert_false(s.routes[1].has_gateway);
	assert_int_equal(s.routes[2].prefix, 1);
	inet_ntop(AF_INET, s.routes[2].dst, text, sizeof(text));
	assert_string_equal(text, "128.0.0.0");
	assert_int_equal(s.routes[3].table, 200);
	assert_int_equal(s.routes[3].type, UPLINK_RT_UNREACHABLE);
	assert_int_equal(s.routes[3].oif, 0);
	assert_int_equal(s.routes[4].oif, 7);
	assert_true(s.routes[4].has_gateway);
	assert_int_equal(s.routes[5].oif, 8);
	assert_false(s.routes[5].has_gateway);
	assert_int_equal(s.routes[5].prefix, 0);
	uplink_snapshot_free(&s);
}

static void
test_rules(void **state)
{
	struct uplink_snapshot s;
	struct fib_rule_hdr *f;
	char why[256];

	(void)state;
	reset(&s);
	/* 32764: from all lookup main suppress_prefixlength 0 */
	f = msg(RTM_NEWRULE, sizeof(*f));
	f->family = AF_INET;
	f->table = RT_TABLE_MAIN;
	f->action = FR_ACT_TO_TBL;
	attr_u32(FRA_TABLE, RT_TABLE_MAIN);
	attr_u32(FRA_SUPPRESS_PREFIXLEN, 0);
	attr_u32(FRA_PRIORITY, 32764);
	done_msg();
	/* 32765: not from all fwmark 0xca6c lookup 51820 */
	f = msg(RTM_NEWRULE, sizeof(*f));
	f->family = AF_INET6;
	f->table = RT_TABLE_UNSPEC;
	f->action = FR_ACT_TO_TBL;
	f->flags = FIB_RULE_INVERT;
	attr_u32(FRA_TABLE, 51820);
	attr_u32(FRA_FWMARK, 51820);
	attr_u32(FRA_PRIORITY, 32765);
	done_msg();
	/* 32766: lookup main, suppress_prefixlength reported as -1 */
	f = msg(RTM_NEWRULE, sizeof(*f));
	f->family = AF_INET;
	f->table = RT_TABLE_MAIN;
	f->action = FR_ACT_TO_TBL;
	attr_u32(FRA_SUPPRESS_PREFIXLEN, 0xffffffffu);
	attr_u32(FRA_PRIORITY, 32766);
	done_msg();
	/* 9010: from all iif lo oif phy0 unreachable */
	f = msg(RTM_NEWRULE, sizeof(*f));
	f->family = AF_INET;
	f->action = FR_ACT_UNREACHABLE;
	attr_s(FRA_IFNAME, "lo");
	attr_s(FRA_OIFNAME, "phy0");
	attr_u32(FRA_PRIORITY, 9010);
	done_msg();
	/* a multicast routing rule: another family, skipped */
	f = msg(RTM_NEWRULE, sizeof(*f));
	f->family = RTNL_FAMILY_IPMR;
	f->action = FR_ACT_TO_TBL;
	done_msg();

	assert_int_equal(parse(&s, why, sizeof(why)), 0);
	assert_int_equal(s.nrules, 4);
	assert_int_equal(s.rules[0].priority, 32764);
	assert_int_equal(s.rules[0].table, UPLINK_TABLE_MAIN);
	assert_int_equal(s.rules[0].suppress_prefixlen, 0);
	assert_false(s.rules[0].invert);
	assert_false(s.rules[0].has_fwmark);
	assert_int_equal(s.rules[1].family, 6);
	assert_int_equal(s.rules[1].table, 51820);
	assert_true(s.rules[1].invert);
	assert_true(s.rules[1].has_fwmark);
	assert_int_equal(s.rules[1].fwmark, 51820);
	assert_int_equal(s.rules[1].fwmask, 0xffffffffu);
	assert_int_equal(s.rules[1].suppress_prefixlen, -1);
	assert_int_equal(s.rules[2].suppress_prefixlen, -1);
	assert_int_equal(s.rules[3].action, UPLINK_RULE_UNREACHABLE);
	assert_string_equal(s.rules[3].iif, "lo");
	assert_string_equal(s.rules[3].oif, "phy0");
	uplink_snapshot_free(&s);
}

static void
test_errors(void **state)
{
	struct uplink_snapshot s;
	struct nlmsgerr *e;
	struct ifaddrmsg *ifa;
	char why[256];

	(void)state;
	reset(&s);
	e = msg(NLMSG_ERROR, sizeof(*e));
	e->error = -EAFNOSUPPORT;
	done_msg();
	assert_int_equal(parse(&s, why, sizeof(why)), -1);
	assert_string_equal(why,
	    "netlink: Address family not supported by "
	    "protocol");

	/* An acknowledgement is no error. */
	reset(&s);
	e = msg(NLMSG_ERROR, sizeof(*e));
	e->error = 0;
	done_msg();
	assert_int_equal(parse(&s, why, sizeof(why)), 0);

	/* A message cut short by the buffer's end. */
	reset(&s);
	link_msg(2, "phy0", ARPHRD_ETHER, IFF_UP, "veth");
	used -= 8;
	assert_int_equal(parse(&s, why, sizeof(why)), -1);
	assert_string_equal(why, "netlink: a truncated message");
	uplink_snapshot_free(&s);

	/* A link without a name, an address without one. */
	reset(&s);
	msg(RTM_NEWLINK, sizeof(struct ifinfomsg));
	done_msg();
	assert_int_equal(parse(&s, why, sizeof(why)), -1);
	assert_non_null(strstr(why, "malformed message (type 16"));
	reset(&s);
	ifa = msg(RTM_NEWADDR, sizeof(*ifa));
	ifa->ifa_family = AF_INET6;
	attr(IFA_ADDRESS, "\x20\x01", 2);
	done_msg();
	assert_int_equal(parse(&s, why, sizeof(why)), -1);
	uplink_snapshot_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_routes),
		cmocka_unit_test(test_rules),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
