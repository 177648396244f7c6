/*
 * uplink.h - which interface is the physical uplink (`-i auto`), and what
 * captures the machine's traffic right now (`bindif --list`). The OS layers
 * (uplink_linux.c, uplink_darwin.c) take a snapshot of the kernel's facts;
 * uplink.c decides from the snapshot alone, so tests can feed it recordings.
 */
#ifndef BINDIF_UPLINK_H
#define BINDIF_UPLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum uplink_kind {
	UPLINK_LOOPBACK,
	UPLINK_PHYSICAL,
	UPLINK_TUNNEL,
	UPLINK_VIRTUAL
};

/* The auto choice for family 4 or 6: 0 and name, or -1 and why ("no
 * physical interface carries an IPv4 default route (candidates: ...)"). */
int uplink_auto(int family, char *name, size_t len, char *why, size_t whylen);

/* The --list report: one line per interface (name, up/down, kind, addresses,
 * "auto v4"/"auto v6" marks), then "capture:" lines, then "warning:" lines.
 * Returns 0, or -1 with why when the system could not be read. */
int uplink_list(FILE *out, char *why, size_t whylen);

/* ---- the snapshot: what the OS layers fill and the logic reads ---- */

#define UPLINK_NAMESIZE 16    /* IFNAMSIZ, on Linux and macOS alike */
#define UPLINK_TABLE_MAIN 254 /* Linux's numbers; macOS has only main */
#define UPLINK_TABLE_LOCAL 255
#define UPLINK_TABLE_DEFAULT 253

/* Interface flags, our own bits: the OS layer translates. */
#define UPLINK_F_UP 0x1
#define UPLINK_F_RUNNING 0x2
#define UPLINK_F_LOOPBACK 0x4
#define UPLINK_F_POINTOPOINT 0x8

/* Link-layer type, from ARPHRD_* (Linux) or IFT_* (macOS). */
enum uplink_link {
	UPLINK_LINK_OTHER,
	UPLINK_LINK_ETHER, /* Ethernet, Wi-Fi, and what emulates them */
	UPLINK_LINK_LOOPBACK,
	UPLINK_LINK_NONE, /* raw IP, no link header: tun, wireguard, utun */
	UPLINK_LINK_PPP,
	UPLINK_LINK_TUNNEL, /* ipip, gre, sit, ip6tnl, gif, stf */
};

struct uplink_if {
	char name[UPLINK_NAMESIZE];
	unsigned index;
	unsigned flags; /* UPLINK_F_* */
	enum uplink_link link;
	/* IFLA_INFO_KIND ("tun", "veth", "wireguard"), or "" */
	char driver[UPLINK_NAMESIZE];
	bool has_device; /* backed by a bus device (/sys/class/net/X/device) */
	enum uplink_kind kind; /* filled by uplink_classify() */
};

struct uplink_addr {
	unsigned index; /* the interface's */
	int family;     /* 4 or 6 */
	unsigned char addr[16];
	unsigned prefix;
};

enum uplink_rtype {
	UPLINK_RT_UNICAST,
	UPLINK_RT_BLACKHOLE,
	UPLINK_RT_UNREACHABLE,
	UPLINK_RT_PROHIBIT,
	UPLINK_RT_OTHER, /* local, broadcast, multicast, throw... */
};

struct uplink_route {
	int family; /* 4 or 6 */
	unsigned table;
	unsigned char dst[16];
	unsigned prefix;
	unsigned oif; /* 0: none (blackhole...) */
	bool has_gateway;
	unsigned metric;
	enum uplink_rtype type;
};

enum uplink_raction {
	UPLINK_RULE_TABLE, /* lookup TABLE */
	UPLINK_RULE_BLACKHOLE,
	UPLINK_RULE_UNREACHABLE,
	UPLINK_RULE_PROHIBIT,
	UPLINK_RULE_OTHER, /* goto, nop */
};

struct uplink_rule {
	int family;
	unsigned priority;
	enum uplink_raction action;
	unsigned table;
	bool invert; /* "not" */
	bool has_fwmark;
	unsigned fwmark, fwmask;
	int suppress_prefixlen;    /* -1: none */
	unsigned src_len, dst_len; /* selectors narrower than "all" */
	char iif[UPLINK_NAMESIZE], oif[UPLINK_NAMESIZE];
};

struct uplink_snapshot {
	struct uplink_if *ifs;
	size_t nifs, capifs;
	struct uplink_addr *addrs;
	size_t naddrs, capaddrs;
	struct uplink_route *routes;
	size_t nroutes, caproutes;
	struct uplink_rule *rules;
	size_t nrules, caprules;
	const char *resolv_conf; /* its text, or NULL */
};

/* Zeroed new elements, or NULL when out of memory. */
struct uplink_if *uplink_add_if(struct uplink_snapshot *s);
struct uplink_addr *uplink_add_addr(struct uplink_snapshot *s);
struct uplink_route *uplink_add_route(struct uplink_snapshot *s);
struct uplink_rule *uplink_add_rule(struct uplink_snapshot *s);
void uplink_snapshot_free(struct uplink_snapshot *s);

/* uplink_<os>.c: the system's interfaces, addresses, routes and rules
 * (not resolv_conf). 0, or -1 with why. */
int uplink_os_snapshot(struct uplink_snapshot *s, char *why, size_t whylen);
/* At least the addresses of interface INDEX (others may come too: callers
 * filter by index), and on macOS the interfaces. 0, or -1 with why. */
int uplink_os_addrs(struct uplink_snapshot *s, unsigned index, char *why,
    size_t whylen);

/* Whether interface index has an address of family (4 or 6) that reaches
 * beyond it: any IPv4 one, an IPv6 one but link-local or ::1. */
bool uplink_has_addr(const struct uplink_snapshot *s, unsigned index,
    int family);
/* The logic, on any snapshot. Sets every ifs[].kind. */
void uplink_classify(struct uplink_snapshot *s);
/* The auto choice for family 4 or 6 on a classified snapshot. */
int uplink_choose(const struct uplink_snapshot *s, int family, char *name,
    size_t len, char *why, size_t whylen);
/* The --list report of a classified snapshot. */
void uplink_report(const struct uplink_snapshot *s, FILE *out);

/* The kernel's facts now, classified: 0, or -1 with why. */
int uplink_take(struct uplink_snapshot *s, char *why, size_t whylen);

/* For the report (uplink_report.c): the interface of an index (NULL, or
 * "?" for its name, when there is none), and an address as text. */
const struct uplink_if *uplink_if_by_index(const struct uplink_snapshot *s,
    unsigned index);
const char *uplink_if_name(const struct uplink_snapshot *s, unsigned index);
const char *uplink_ntop(int family, const unsigned char *a, char *buf,
    size_t len);
const char *uplink_kind_name(enum uplink_kind k);

/* uplink_linux.c's parser, apart from the socket so tests can feed it:
 * appends every RTM_NEWLINK/NEWADDR/NEWROUTE/NEWRULE message of buf to s.
 * Returns 1 at NLMSG_DONE, 0 when more is to come, -1 with why on an
 * NLMSG_ERROR or a malformed message. */
int uplink_nl_parse(struct uplink_snapshot *s, const void *buf, size_t len,
    char *why, size_t whylen);

#endif
