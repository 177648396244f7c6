/*
 * uplink.c - interface kinds and the `-i auto` choice, decided from a
 * snapshot of the kernel's facts (uplink_<os>.c takes it); the --list
 * report from the same snapshot, and uplink_list, are uplink_report.c.
 * Pure apart from uplink_auto/uplink_list, which take the snapshot and read
 * /etc/resolv.conf, so every capture style can be replayed in unit tests.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/dnsconf.h"
#include "uplink.h"

/* ------------------------------------------------------------ snapshot */

static void *
grow(void *arr, size_t *n, size_t *cap, size_t size)
{
	char *p = arr;

	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 16;

		if ((p = realloc(arr, ncap * size)) == NULL)
			return NULL;
		*cap = ncap;
	}
	memset(p + *n * size, 0, size);
	(*n)++;
	return p;
}

#define ADD(s, arr, n, cap)                                                \
	do {                                                               \
		void *p_ =                                                 \
		    grow((s)->arr, &(s)->n, &(s)->cap, sizeof(*(s)->arr)); \
		if (p_ == NULL)                                            \
			return NULL;                                       \
		(s)->arr = p_;                                             \
		return &(s)->arr[(s)->n - 1];                              \
	} while (0)

struct uplink_if *
uplink_add_if(struct uplink_snapshot *s)
{
	ADD(s, ifs, nifs, capifs);
}

struct uplink_addr *
uplink_add_addr(struct uplink_snapshot *s)
{
	ADD(s, addrs, naddrs, capaddrs);
}

struct uplink_route *
uplink_add_route(struct uplink_snapshot *s)
{
	ADD(s, routes, nroutes, caproutes);
}

struct uplink_rule *
uplink_add_rule(struct uplink_snapshot *s)
{
	struct uplink_rule *r;

	r = grow(s->rules, &s->nrules, &s->caprules, sizeof(*s->rules));
	if (r == NULL)
		return NULL;
	s->rules = r;
	r = &s->rules[s->nrules - 1];
	r->suppress_prefixlen = -1;
	return r;
}

void
uplink_snapshot_free(struct uplink_snapshot *s)
{
	free(s->ifs);
	free(s->addrs);
	free(s->routes);
	free(s->rules);
	memset(s, 0, sizeof(*s));
}

const struct uplink_if *
uplink_if_by_index(const struct uplink_snapshot *s, unsigned index)
{
	size_t i;

	for (i = 0; i < s->nifs; i++)
		if (s->ifs[i].index == index)
			return &s->ifs[i];
	return NULL;
}

const char *
uplink_if_name(const struct uplink_snapshot *s, unsigned index)
{
	const struct uplink_if *f = uplink_if_by_index(s, index);

	return f ? f->name : "?";
}

/* ------------------------------------------------------- classification */

const char *
uplink_kind_name(enum uplink_kind k)
{
	switch (k) {
	case UPLINK_LOOPBACK:
		return "loopback";
	case UPLINK_PHYSICAL:
		return "physical";
	case UPLINK_TUNNEL:
		return "tunnel";
	case UPLINK_VIRTUAL:
		return "virtual";
	}
	return "?";
}

static bool
in_list(const char *word, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strcmp(word, *list) == 0)
			return true;
	return false;
}

static bool
has_prefix(const char *name, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strncmp(name, *list, strlen(*list)) == 0)
			return true;
	return false;
}

/* Drivers whose packets are encapsulated or handed to a program: a tap is
 * a "tun" too (OpenVPN's bridged mode), and vxlan/geneve carry overlays. */
static const char *const tunnel_drivers[] = { "tun", "wireguard", "ipip", "gre",
	"gretap", "ip6gre", "ip6gretap", "sit", "ip6tnl", "vti", "vti6", "xfrm",
	"ppp", "l2tp", "vxlan", "geneve", "amneziawg", NULL };
/* Never an uplink whatever they carry. */
static const char *const virtual_drivers[] = { "dummy", "ifb", "nlmon", "vrf",
	"netdevsim", NULL };
/* Software Ethernet that can stand in for the NIC (a container's veth,
 * a VLAN, a bond, a host bridge enslaving the NIC): physical only when it
 * carries a route to beyond its own subnet. */
static const char *const stacked_drivers[] = { "", "veth", "vlan", "bond",
	"team", "macvlan", "macvtap", "ipvlan", "bridge", NULL };

/* Names are the last hint, used only when the kernel said nothing more
 * precise (macOS reports utun as IFT_OTHER, awdl0 as Ethernet). */
static const char *const tunnel_names[] = { "tun", "tap", "utun", "wg", "ipsec",
	"ppp", "gif", "stf", "tailscale", "zt", NULL };
static const char *const virtual_names[] = { "docker", "br-", "virbr", "veth",
	"bridge", "awdl", "llw", "anpi", "ap", "vmnet", "vboxnet", "cni",
	"flannel", "cali", "lxc", "lxd", NULL };

/* A route that goes beyond the interface's own subnet: a gateway, or a
 * default route straight onto the link (some DHCP setups, PPPoE). */
static bool
carries_route(const struct uplink_snapshot *s, unsigned index)
{
	size_t i;

	for (i = 0; i < s->nroutes; i++) {
		const struct uplink_route *r = &s->routes[i];

		if (r->oif != index || r->type != UPLINK_RT_UNICAST ||
		    r->table == UPLINK_TABLE_LOCAL)
			continue;
		if (r->has_gateway || r->prefix == 0)
			return true;
	}
	return false;
}

static enum uplink_kind
classify_one(const struct uplink_snapshot *s, const struct uplink_if *f)
{
	if ((f->flags & UPLINK_F_LOOPBACK) || f->link == UPLINK_LINK_LOOPBACK)
		return UPLINK_LOOPBACK;
	if (in_list(f->driver, tunnel_drivers))
		return UPLINK_TUNNEL;
	/* Before the link type: a cellular modem is raw IP (ARPHRD_NONE)
	 * but has a USB device behind it and is a real uplink. */
	if (f->has_device)
		return UPLINK_PHYSICAL;
	if (f->link == UPLINK_LINK_NONE || f->link == UPLINK_LINK_PPP ||
	    f->link == UPLINK_LINK_TUNNEL || (f->flags & UPLINK_F_POINTOPOINT))
		return UPLINK_TUNNEL;
	if (in_list(f->driver, virtual_drivers))
		return UPLINK_VIRTUAL;
	if (f->driver[0] == '\0') {
		if (has_prefix(f->name, tunnel_names))
			return UPLINK_TUNNEL;
		if (has_prefix(f->name, virtual_names))
			return UPLINK_VIRTUAL;
	}
	if (f->link == UPLINK_LINK_ETHER &&
	    in_list(f->driver, stacked_drivers) && carries_route(s, f->index))
		return UPLINK_PHYSICAL;
	return UPLINK_VIRTUAL;
}

void
uplink_classify(struct uplink_snapshot *s)
{
	size_t i;

	for (i = 0; i < s->nifs; i++)
		s->ifs[i].kind = classify_one(s, &s->ifs[i]);
}

/* ------------------------------------------------------------ addresses */

static bool
usable_addr(const struct uplink_addr *a)
{
	if (a->family == 4)
		return true;
	/* fe80::/10 reaches nothing beyond the link, ::1 nothing at all. */
	if (a->addr[0] == 0xfe && (a->addr[1] & 0xc0) == 0x80)
		return false;
	return !(a->addr[15] == 1 &&
	    memcmp(a->addr,
	        "\0\0\0\0\0\0\0\0"
	        "\0\0\0\0\0\0\0",
	        15) == 0);
}

bool
uplink_has_addr(const struct uplink_snapshot *s, unsigned index, int family)
{
	size_t i;

	for (i = 0; i < s->naddrs; i++)
		if (s->addrs[i].index == index &&
		    s->addrs[i].family == family && usable_addr(&s->addrs[i]))
			return true;
	return false;
}

const char *
uplink_ntop(int family, const unsigned char *a, char *buf, size_t len)
{
	if (inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf,
	        (socklen_t)len) == NULL)
		snprintf(buf, len, "?");
	return buf;
}

/* ------------------------------------------------------------ auto */

/* Lower is better: a default in main, a default elsewhere, then the
 * widest route through a gateway in main, then the widest route in main. */
static int
route_tier(const struct uplink_route *r)
{
	bool in_main = r->table == UPLINK_TABLE_MAIN;

	if (r->prefix == 0)
		return in_main ? 0 : 1;
	if (!in_main)
		return -1;
	return r->has_gateway ? 2 : 3;
}

static bool
better(const struct uplink_route *a, int ta, const struct uplink_route *b,
    int tb)
{
	if (b == NULL)
		return true;
	if (ta != tb)
		return ta < tb;
	if (a->prefix != b->prefix)
		return a->prefix < b->prefix;
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->oif < b->oif;
}

/* Why an interface is no candidate, or NULL if it is one. */
static const char *
set_aside(const struct uplink_snapshot *s, const struct uplink_if *f,
    int family)
{
	/* A veth, VLAN or bridge is set aside only for want of a route; say
	 * so, or "virtual" would hide what would make it the uplink. */
	if (f->kind == UPLINK_VIRTUAL && f->link == UPLINK_LINK_ETHER &&
	    f->driver[0] != '\0' && in_list(f->driver, stacked_drivers))
		return "virtual, no route beyond its subnet";
	if (f->kind != UPLINK_PHYSICAL)
		return uplink_kind_name(f->kind);
	if (!(f->flags & UPLINK_F_UP))
		return "physical, down";
	if (!uplink_has_addr(s, f->index, family))
		return family == 4 ? "physical, no IPv4 address" :
		                     "physical, no global IPv6 address";
	return NULL;
}

static void
append(char *buf, size_t len, const char *fmt, const char *a, const char *b)
{
	size_t used = strlen(buf);

	if (used < len)
		snprintf(buf + used, len - used, fmt, a, b);
}

int
uplink_choose(const struct uplink_snapshot *s, int family, char *name,
    size_t len, char *why, size_t whylen)
{
	const struct uplink_route *best = NULL;
	char cands[512];
	int besttier = 0;
	size_t i;

	for (i = 0; i < s->nroutes; i++) {
		const struct uplink_route *r = &s->routes[i];
		const struct uplink_if *f;
		int tier;

		if (r->family != family || r->type != UPLINK_RT_UNICAST ||
		    r->table == UPLINK_TABLE_LOCAL)
			continue;
		if ((f = uplink_if_by_index(s, r->oif)) == NULL ||
		    set_aside(s, f, family) != NULL)
			continue;
		if ((tier = route_tier(r)) < 0)
			continue;
		if (better(r, tier, best, besttier)) {
			best = r;
			besttier = tier;
		}
	}
	if (best != NULL) {
		snprintf(name, len, "%s", uplink_if_name(s, best->oif));
		return 0;
	}
	cands[0] = '\0';
	for (i = 0; i < s->nifs; i++) {
		const struct uplink_if *f = &s->ifs[i];
		const char *reason = set_aside(s, f, family);

		if (f->kind == UPLINK_LOOPBACK)
			continue;
		append(cands, sizeof(cands), "%s%s", cands[0] ? ", " : "",
		    f->name);
		append(cands, sizeof(cands), " (%s%s)",
		    reason ? reason : "physical, no route", "");
	}
	snprintf(why, whylen,
	    "-i auto: no physical interface carries an %s "
	    "route (candidates: %s)",
	    family == 4 ? "IPv4" : "IPv6", cands[0] ? cands : "none");
	return -1;
}

/* ------------------------------------------------------------ system */

int
uplink_take(struct uplink_snapshot *s, char *why, size_t whylen)
{
	memset(s, 0, sizeof(*s));
	if (uplink_os_snapshot(s, why, whylen) < 0) {
		uplink_snapshot_free(s);
		return -1;
	}
	uplink_classify(s);
	return 0;
}

int
uplink_auto(int family, char *name, size_t len, char *why, size_t whylen)
{
	struct uplink_snapshot s;
	int rc;

	if (family != 4 && family != 6) {
		snprintf(why, whylen, "-i auto: no address family %d", family);
		return -1;
	}
	if (uplink_take(&s, why, whylen) < 0)
		return -1;
	rc = uplink_choose(&s, family, name, len, why, whylen);
	uplink_snapshot_free(&s);
	return rc;
}
