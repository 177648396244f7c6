/*
 * test_uplink_darwin.c - launcher/uplink_darwin.c built on Linux: a macOS
 * routing-table dump (NET_RT_DUMP messages, byte for byte) and getifaddrs
 * entries with AF_LINK types, made here, give en0 as the uplink under a
 * ClashX-style utun capture. The file is included so it needs no build
 * rule of its own; sysctl(), macOS-only, is this test's.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplink_darwin.c"

static unsigned char dump[4096];
static size_t dumplen;

int
sysctl(int *name, unsigned namelen, void *old, size_t *oldlen, void *new,
    size_t newlen)
{
	(void)new;
	(void)newlen;
	assert_int_equal(namelen, 6);
	assert_int_equal(name[0], 4);  /* CTL_NET */
	assert_int_equal(name[1], 17); /* PF_ROUTE */
	assert_int_equal(name[4], 1);  /* NET_RT_DUMP */
	if (name[3] != 2) {            /* no IPv6 routes in this recording */
		*oldlen = 0;
		return 0;
	}
	if (old != NULL)
		memcpy(old, dump, dumplen);
	*oldlen = dumplen;
	return 0;
}

/* One route message: dst/prefix, through index, flags; the netmask
 * trimmed of trailing zero bytes as the kernel sends it. */
static void
rtmsg(const char *dst, unsigned prefix, unsigned index, unsigned flags)
{
	unsigned char *m = dump + dumplen, *sa;
	uint32_t f = flags | 0x1 /* RTF_UP */, addrs = 0x1 | 0x4;
	uint16_t len, idx = (uint16_t)index;
	unsigned masklen, i;

	memset(m, 0, 256);
	m[2] = 5; /* RTM_VERSION */
	m[3] = 4; /* RTM_GET */
	memcpy(m + 4, &idx, 2);
	sa = m + 92;
	sa[0] = 16;
	sa[1] = 2; /* AF_INET */
	inet_pton(AF_INET, dst, sa + 4);
	sa += 16;
	if (flags & 0x2) { /* RTF_GATEWAY: a gateway sockaddr */
		addrs |= 0x2;
		sa[0] = 16;
		sa[1] = 2;
		inet_pton(AF_INET, "192.0.2.254", sa + 4);
		sa += 16;
	}
	masklen = prefix ? 4 + (prefix + 7) / 8 : 0;
	sa[0] = (unsigned char)masklen;
	for (i = 0; i < prefix; i++)
		sa[4 + i / 8] |= (unsigned char)(0x80 >> (i % 8));
	sa += masklen ? ((masklen + 3) & ~3u) : 4;
	memcpy(m + 8, &f, 4);
	memcpy(m + 12, &addrs, 4);
	len = (uint16_t)(sa - m);
	memcpy(m, &len, 2);
	dumplen += len;
}

static struct ifaddrs *
entry(struct ifaddrs *next, const char *name, unsigned flags,
    struct sockaddr *addr, struct sockaddr *mask)
{
	struct ifaddrs *i = calloc(1, sizeof(*i));

	assert_non_null(i);
	i->ifa_next = next;
	i->ifa_name = (char *)name;
	i->ifa_flags = flags;
	i->ifa_addr = addr;
	i->ifa_netmask = mask;
	return i;
}

static struct sockaddr *
link_sa(unsigned index, unsigned char ift)
{
	unsigned char *dl = calloc(1, 32);
	uint16_t idx = (uint16_t)index;

	assert_non_null(dl);
	dl[0] = 20;
	dl[1] = 18; /* AF_LINK */
	memcpy(dl + 2, &idx, 2);
	dl[4] = ift;
	return (struct sockaddr *)dl;
}

static struct sockaddr *
in_sa(const char *text)
{
	struct sockaddr_in *sin = calloc(1, sizeof(*sin));

	assert_non_null(sin);
	sin->sin_family = AF_INET;
	inet_pton(AF_INET, text, &sin->sin_addr);
	return (struct sockaddr *)sin;
}

static void
free_list(struct ifaddrs *i)
{
	while (i != NULL) {
		struct ifaddrs *next = i->ifa_next;

		free(i->ifa_addr);
		free(i->ifa_netmask);
		free(i);
		i = next;
	}
}

static void
test_clashx_on_macos(void **state)
{
	static const char *const clashx[] = { "1.0.0.0", "2.0.0.0", "4.0.0.0",
		"8.0.0.0", "16.0.0.0", "32.0.0.0", "64.0.0.0", "128.0.0.0" };
	struct uplink_snapshot s;
	struct ifaddrs *all = NULL;
	char name[UPLINK_NAMESIZE], why[600], *text = NULL;
	size_t len = 0, i;
	FILE *f;

	(void)state;
	dumplen = 0;
	rtmsg("0.0.0.0", 0, 4, 0x2);       /* default via en0 */
	rtmsg("0.0.0.0", 0, 9, 0x1000000); /* scoped, utun3 */
	for (i = 0; i < 8; i++)
		rtmsg(clashx[i], (unsigned)(8 - i), 9, 0);
	rtmsg("192.0.2.0", 24, 4, 0);            /* en0's subnet */
	rtmsg("198.51.100.9", 32, 4, 0x2 | 0x4); /* host via gateway */

	/* Listed backwards: each entry() goes first. */
	all = entry(all, "utun3", IFF_UP | IFF_RUNNING | IFF_POINTOPOINT,
	    in_sa("198.18.0.1"), in_sa("255.255.255.252"));
	all = entry(all, "utun3", IFF_UP | IFF_RUNNING | IFF_POINTOPOINT,
	    link_sa(9, 0x1), NULL);
	all = entry(all, "awdl0", IFF_UP | IFF_RUNNING, link_sa(7, 0x6), NULL);
	all = entry(all, "bridge0", IFF_UP, link_sa(6, 0xd1), NULL);
	all = entry(all, "en0", IFF_UP | IFF_RUNNING, in_sa("192.0.2.1"),
	    in_sa("255.255.255.0"));
	all = entry(all, "en0", IFF_UP | IFF_RUNNING, link_sa(4, 0x6), NULL);
	all = entry(all, "lo0", IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
	    in_sa("127.0.0.1"), in_sa("255.0.0.0"));
	all = entry(all, "lo0", IFF_UP | IFF_LOOPBACK | IFF_RUNNING,
	    link_sa(1, 0x18), NULL);

	memset(&s, 0, sizeof(s));
	assert_int_equal(uplink_darwin_ifaddrs(&s, all), 0);
	free_list(all);
	assert_int_equal(dump_routes(&s, MAC_AF_INET, why, sizeof(why)), 0);
	assert_int_equal(s.nroutes, 12);
	assert_int_equal(s.routes[11].prefix, 32);
	assert_int_equal(s.routes[9].prefix, 1);
	assert_int_equal(s.routes[9].dst[0], 128);
	assert_int_equal(s.routes[1].metric, 1); /* scoped: behind */
	assert_int_equal(s.nifs, 5);
	assert_int_equal(s.naddrs, 3);
	assert_int_equal(s.addrs[1].index, 4);
	assert_int_equal(s.addrs[1].prefix, 24);

	uplink_classify(&s);
	assert_string_equal(uplink_kind_name(s.ifs[0].kind), "loopback");
	assert_string_equal(uplink_kind_name(s.ifs[1].kind), "physical");
	assert_string_equal(uplink_kind_name(s.ifs[2].kind), "virtual");
	assert_string_equal(uplink_kind_name(s.ifs[3].kind), "virtual");
	assert_string_equal(uplink_kind_name(s.ifs[4].kind), "tunnel");
	if (uplink_choose(&s, 4, name, sizeof(name), why, sizeof(why)) < 0)
		fail_msg("%s", why);
	assert_string_equal(name, "en0");
	f = open_memstream(&text, &len);
	uplink_report(&s, f);
	fclose(f);
	if (strstr(text,
	        "capture: IPv4 split routes to utun3 (8 routes "
	        "covering 0.0.0.0/0)") == NULL)
		fail_msg("%s", text);
	free(text);
	uplink_snapshot_free(&s);
}

static void
test_bad_dump(void **state)
{
	struct uplink_snapshot s;

	(void)state;
	memset(&s, 0, sizeof(s));
	dumplen = 0;
	rtmsg("0.0.0.0", 0, 4, 0x2);
	dump[0] = 200; /* longer than the buffer holds */
	assert_int_equal(uplink_darwin_parse_dump(&s, dump, dumplen), -1);
	uplink_snapshot_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clashx_on_macos),
		cmocka_unit_test(test_bad_dump),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
