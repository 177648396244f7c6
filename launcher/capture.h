/*
 * capture.h - the firewall's captures of locally sent traffic: output-hook
 * rules that redirect, tproxy, DNAT, mark-and-reroute or drop it, which a
 * socket bound to an interface does not escape (netfilter runs after the
 * route is chosen). capture.c reads them from an nftables JSON ruleset (as
 * `nft -j list ruleset` prints it) alone, so tests feed it recordings; the
 * OS layer (capture_linux.c) gets that text from the kernel.
 */
#ifndef BINDIF_CAPTURE_H
#define BINDIF_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum capture_action {
	CAPTURE_REDIRECT, /* to a local port: the proxy's */
	CAPTURE_DNAT,     /* to another address */
	CAPTURE_TPROXY,
	CAPTURE_REROUTE, /* sets a mark in a route chain: policy routing */
	CAPTURE_DROP,    /* drop or reject */
};

#define CAPTURE_TCP 0x1
#define CAPTURE_UDP 0x2
#define CAPTURE_ALL (CAPTURE_TCP | CAPTURE_UDP)

#define CAPTURE_MAX_MARKS 8
#define CAPTURE_MAX_UIDS 8

/* Exclusions the traffic passes before a rule: mark (value under mask),
 * uid, destinations, and conditions not evaluated here (other). */
struct capture_exempt {
	unsigned marks[CAPTURE_MAX_MARKS], masks[CAPTURE_MAX_MARKS];
	size_t nmarks;
	unsigned uids[CAPTURE_MAX_UIDS];
	size_t nuids;
	char dests[256];
	char other[160];
};

struct capture_rule {
	char family[8]; /* ip, ip6, inet */
	char table[64], chain[64];
	char type[8]; /* the base chain's: nat, route, filter */
	unsigned handle;
	enum capture_action action;
	unsigned protos; /* CAPTURE_TCP/UDP it applies to */
	bool xt;         /* an iptables-nft target (details not in JSON) */
	char to[64];     /* ":7892", "198.18.0.1:80", "mark 0x1" */
	struct capture_exempt ex;
};

struct capture_set {
	struct capture_rule *v;
	size_t n, cap;
};

/* Appends the captures of an nftables JSON ruleset to s. 0, or -1 with why
 * (not JSON, no "nftables" array, out of memory). */
int capture_parse_json(struct capture_set *s, const char *json, char *why,
    size_t whylen);
void capture_set_free(struct capture_set *s);

/* "nftables inet sing-box output (nat): redirect tcp to :7892; exempt:
 * mark 0x2024, uid 1000, daddr 127.0.0.0/8" into buf. */
void capture_describe(const struct capture_rule *r, char *buf, size_t len);

/* Whether the rule takes the sockets of uid that carry mark (0: none),
 * whatever they are bound to: redirect, DNAT, tproxy and drop do; a
 * reroute does not (routing with a bound oif finds the bound interface). */
bool capture_takes(const struct capture_rule *r, unsigned uid, bool marked,
    unsigned mark);

/* The one mark that every capture exempting a mark exempts (reroutes
 * aside), in *mark: 1; 0 when none exempts a mark; -1 when they disagree. */
int capture_exempt_mark(const struct capture_set *s, unsigned *mark);

/* capture_<os>.c: the running system's captures. A cheap look first (is
 * any nat or route chain, or with all any chain, on the output hook?): s
 * stays empty when there is none. 0, or -1 with why (EPERM: reading the
 * firewall takes CAP_NET_ADMIN, *denied set). */
int capture_os_read(struct capture_set *s, bool all, bool *denied, char *why,
    size_t whylen);
/* Without the right to read the firewall: the kernel module of a redirect
 * or tproxy rule in use somewhere on the machine (any namespace), in name;
 * 0, or -1 when none. */
int capture_os_hint(char *name, size_t len);

/* iptables-legacy's loaded tables that can capture locally sent traffic
 * (nat, mangle; IPv4's and IPv6's), "nat, mangle6", in names: 1 when
 * there is one, else 0. Their rules are not read (only the presence). */
int capture_os_legacy(char *names, size_t len);

/* Whether this process may set a socket's mark (CAP_NET_ADMIN). */
bool capture_os_can_mark(void);

/* A policy routing rule that sends sockets with mark where a bound one
 * cannot leave (blackhole, unreachable, prohibit, or a table whose route
 * is one): 1 and the warning in buf; 0 when none. */
struct uplink_snapshot;
int capture_mark_routing(const struct uplink_snapshot *s, unsigned mark,
    char *buf, size_t len);

/* The --list lines ("capture: ..."), from the system. */
void capture_list(FILE *out);

#endif
