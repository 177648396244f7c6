/*
 * uplink_report.c - the --list report: every interface with its kind and
 * addresses, the auto choice, and what captures traffic (split routes, a
 * tunnel default, policy rules, routes and rules that defeat a bound
 * socket, a fake-ip or local-stub resolver), read from a snapshot alone.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "../common/dnsconf.h"
#include "uplink.h"

#define RESOLV_CONF "/etc/resolv.conf"

static void
print_ifaces(const struct uplink_snapshot *s, FILE *out, const char *auto4,
    const char *auto6)
{
	size_t i, j;
	int w = 6;

	for (i = 0; i < s->nifs; i++)
		if ((int)strlen(s->ifs[i].name) > w)
			w = (int)strlen(s->ifs[i].name);
	for (i = 0; i < s->nifs; i++) {
		const struct uplink_if *f = &s->ifs[i];
		bool a4 = auto4 && strcmp(auto4, f->name) == 0,
		     a6 = auto6 && strcmp(auto6, f->name) == 0;
		int none = 1;

		fprintf(out, "%-*s  %-4s  %-8s  %-9s ", w, f->name,
		    (f->flags & UPLINK_F_UP) ? "up" : "down",
		    uplink_kind_name(f->kind), f->driver[0] ? f->driver : "-");
		for (j = 0; j < s->naddrs; j++) {
			const struct uplink_addr *a = &s->addrs[j];
			char buf[64];

			if (a->index != f->index)
				continue;
			fprintf(out, " %s/%u",
			    uplink_ntop(a->family, a->addr, buf, sizeof(buf)),
			    a->prefix);
			none = 0;
		}
		if (none)
			fputs(" (no address)", out);
		if (a4 || a6)
			fprintf(out, "  [%s%s%s]", a4 ? "auto v4" : "",
			    a4 && a6 ? ", " : "", a6 ? "auto v6" : "");
		fputc('\n', out);
	}
}

/* Marks the first address byte of each /8 (v4) or 8-bit block (v6) that
 * routes of prefix 1..8 to dev cover; returns how many routes. */
static int
split_routes(const struct uplink_snapshot *s, int family, unsigned table,
    unsigned dev, unsigned char covered[256])
{
	size_t i;
	int n = 0;

	memset(covered, 0, 256);
	for (i = 0; i < s->nroutes; i++) {
		const struct uplink_route *r = &s->routes[i];
		unsigned first, count, k;

		if (r->family != family || r->table != table || r->oif != dev ||
		    r->type != UPLINK_RT_UNICAST || r->prefix < 1 ||
		    r->prefix > 8)
			continue;
		count = 1u << (8 - r->prefix);
		first = r->dst[0] & ~(count - 1) & 0xff;
		for (k = 0; k < count; k++)
			covered[first + k] = 1;
		n++;
	}
	return n;
}

static bool
covers(const unsigned char covered[256], unsigned from, unsigned to)
{
	for (; from <= to; from++)
		if (!covered[from])
			return false;
	return true;
}

/* 0/8 is "this network", never routed, so a v4 set is whole without it
 * (ClashX's 1/8 ... 128/1 leaves it out). */
static void
describe_split(char *buf, size_t len, int family, int n,
    const unsigned char covered[256])
{
	unsigned k, c = 0;

	for (k = 0; k < 256; k++)
		c += covered[k];
	if (covers(covered, family == 4 ? 1 : 0, 255))
		snprintf(buf, len, "%d route%s covering %s", n,
		    n == 1 ? "" : "s", family == 4 ? "0.0.0.0/0" : "::/0");
	else if (family == 6 && covers(covered, 0x20, 0x3f))
		snprintf(buf, len,
		    "%d route%s covering 2000::/3, every global "
		    "address",
		    n, n == 1 ? "" : "s");
	else
		snprintf(buf, len,
		    "%d route%s covering %u/256 of the address "
		    "space",
		    n, n == 1 ? "" : "s", c);
}

/* The lowest-metric default of a table through a device of kind k, or
 * through any device (k < 0). */
static const struct uplink_route *
table_default(const struct uplink_snapshot *s, int family, unsigned table,
    int k)
{
	const struct uplink_route *best = NULL;
	size_t i;

	for (i = 0; i < s->nroutes; i++) {
		const struct uplink_route *r = &s->routes[i];
		const struct uplink_if *f = uplink_if_by_index(s, r->oif);

		if (r->family != family || r->table != table ||
		    r->prefix != 0 || r->type != UPLINK_RT_UNICAST || f == NULL)
			continue;
		if (k >= 0 && f->kind != (enum uplink_kind)k)
			continue;
		if (best == NULL || r->metric < best->metric)
			best = r;
	}
	return best;
}

static const char *
fam_name(int family)
{
	return family == 4 ? "IPv4" : "IPv6";
}

static void
describe_rule(const struct uplink_rule *r, char *buf, size_t len)
{
	size_t u = 0;

#define PUT(...)                                                          \
	do {                                                              \
		if (u < len) {                                            \
			int n_ = snprintf(buf + u, len - u, __VA_ARGS__); \
			if (n_ > 0)                                       \
				u += (size_t)n_;                          \
		}                                                         \
	} while (0)
	buf[0] = '\0';
	PUT("rule %u:%s", r->priority, r->invert ? " not" : "");
	if (r->src_len || r->dst_len)
		PUT(" from/to a prefix");
	if (r->has_fwmark) {
		PUT(" fwmark 0x%x", r->fwmark);
		if (r->fwmask != 0xffffffffu)
			PUT("/0x%x", r->fwmask);
	}
	if (r->iif[0])
		PUT(" iif %s", r->iif);
	if (r->oif[0])
		PUT(" oif %s", r->oif);
	switch (r->action) {
	case UPLINK_RULE_TABLE:
		if (r->table == UPLINK_TABLE_MAIN)
			PUT(" lookup main");
		else
			PUT(" lookup %u", r->table);
		break;
	case UPLINK_RULE_BLACKHOLE:
		PUT(" blackhole");
		break;
	case UPLINK_RULE_UNREACHABLE:
		PUT(" unreachable");
		break;
	case UPLINK_RULE_PROHIBIT:
		PUT(" prohibit");
		break;
	case UPLINK_RULE_OTHER:
		PUT(" (goto/nop)");
		break;
	}
	if (r->suppress_prefixlen >= 0)
		PUT(" suppress_prefixlength %d", r->suppress_prefixlen);
#undef PUT
}

static bool
is_std_table(unsigned t)
{
	return t == UPLINK_TABLE_MAIN || t == UPLINK_TABLE_LOCAL ||
	    t == UPLINK_TABLE_DEFAULT || t == 0;
}

static int
report_routes(const struct uplink_snapshot *s, int family, FILE *out)
{
	const struct uplink_route *td, *pd;
	unsigned char covered[256];
	char desc[128];
	size_t i;
	int lines = 0;

	for (i = 0; i < s->nifs; i++) {
		const struct uplink_if *f = &s->ifs[i];
		int n;

		if (f->kind == UPLINK_PHYSICAL)
			continue;
		n = split_routes(s, family, UPLINK_TABLE_MAIN, f->index,
		    covered);
		if (n == 0)
			continue;
		describe_split(desc, sizeof(desc), family, n, covered);
		fprintf(out, "capture: %s split routes to %s (%s)\n",
		    fam_name(family), f->name, desc);
		lines++;
	}
	td = table_default(s, family, UPLINK_TABLE_MAIN, UPLINK_TUNNEL);
	pd = table_default(s, family, UPLINK_TABLE_MAIN, UPLINK_PHYSICAL);
	if (td != NULL && (pd == NULL || td->metric <= pd->metric)) {
		fprintf(out, "capture: %s default route to %s (metric %u)\n",
		    fam_name(family), uplink_if_name(s, td->oif), td->metric);
		lines++;
	}
	return lines;
}

/* Rules sending traffic to a table of a tunnel (wg-quick, sing-box
 * auto_route, Tailscale), and the suppress rule that lets them win. */
static int
report_rules(const struct uplink_snapshot *s, int family, FILE *out)
{
	char desc[160], split[128];
	unsigned char covered[256];
	size_t i, j;
	int lines = 0;

	for (i = 0; i < s->nrules; i++) {
		const struct uplink_rule *r = &s->rules[i];
		const struct uplink_route *d;

		if (r->family != family || r->action != UPLINK_RULE_TABLE ||
		    is_std_table(r->table))
			continue;
		describe_rule(r, desc, sizeof(desc));
		if ((d = table_default(s, family, r->table, -1)) != NULL &&
		    uplink_if_by_index(s, d->oif)->kind != UPLINK_PHYSICAL) {
			fprintf(out,
			    "capture: %s %s: table %u sends everything "
			    "to %s\n",
			    fam_name(family), desc, r->table,
			    uplink_if_name(s, d->oif));
			lines++;
			continue;
		}
		for (j = 0; j < s->nifs; j++) {
			int n;

			if (s->ifs[j].kind == UPLINK_PHYSICAL)
				continue;
			n = split_routes(s, family, r->table, s->ifs[j].index,
			    covered);
			if (n == 0)
				continue;
			describe_split(split, sizeof(split), family, n,
			    covered);
			fprintf(out,
			    "capture: %s %s: table %u has split routes "
			    "to %s (%s)\n",
			    fam_name(family), desc, r->table, s->ifs[j].name,
			    split);
			lines++;
		}
	}
	if (lines == 0)
		return 0;
	for (i = 0; i < s->nrules; i++) {
		const struct uplink_rule *r = &s->rules[i];

		if (r->family != family || r->suppress_prefixlen < 0)
			continue;
		describe_rule(r, desc, sizeof(desc));
		if (r->suppress_prefixlen == 0)
			fprintf(out,
			    "capture: %s %s: the default route there "
			    "is skipped, so the rules after it decide\n",
			    fam_name(family), desc);
		else
			fprintf(out,
			    "capture: %s %s: routes of prefix /%d or "
			    "shorter there are skipped\n",
			    fam_name(family), desc, r->suppress_prefixlen);
		lines++;
	}
	return lines;
}

static const char *
rtype_name(enum uplink_rtype t)
{
	switch (t) {
	case UPLINK_RT_BLACKHOLE:
		return "blackhole";
	case UPLINK_RT_UNREACHABLE:
		return "unreachable";
	case UPLINK_RT_PROHIBIT:
		return "prohibit";
	default:
		return "unicast";
	}
}

/* What refuses traffic whatever interface a socket is bound to: the kernel
 * returns a rejecting rule's or route's error before it looks at the
 * socket's device (fib_table_lookup checks the route type first). */
static void
report_blocking(const struct uplink_snapshot *s, int family, FILE *out)
{
	char desc[160], buf[64];
	size_t i;

	for (i = 0; i < s->nrules; i++) {
		const struct uplink_rule *r = &s->rules[i];

		if (r->family != family)
			continue;
		describe_rule(r, desc, sizeof(desc));
		if (r->action == UPLINK_RULE_BLACKHOLE ||
		    r->action == UPLINK_RULE_UNREACHABLE ||
		    r->action == UPLINK_RULE_PROHIBIT)
			fprintf(out,
			    "warning: %s %s refuses what it matches "
			    "before any route is chosen: a socket bound to an "
			    "interface fails too (sing-box strict_route "
			    "style)\n",
			    fam_name(family), desc);
		else if (r->oif[0])
			fprintf(out,
			    "warning: %s %s matches sockets bound to "
			    "%s: bindif's bind may be overridden\n",
			    fam_name(family), desc, r->oif);
	}
	for (i = 0; i < s->nroutes; i++) {
		const struct uplink_route *r = &s->routes[i];

		if (r->family != family || r->prefix > 8 ||
		    r->type == UPLINK_RT_UNICAST ||
		    r->type == UPLINK_RT_OTHER ||
		    r->table == UPLINK_TABLE_LOCAL)
			continue;
		/* The IPv6 FIB's own "unreachable ::/0 dev lo" catch-all
		 * sits behind every other route: it never overrides one. */
		if (family == 6 && r->prefix == 0 && r->metric == 0xffffffffu)
			continue;
		fprintf(out,
		    "warning: %s %s route %s/%u in table %u refuses "
		    "that traffic: a socket bound to an interface fails too\n",
		    fam_name(family), rtype_name(r->type),
		    uplink_ntop(family, r->dst, buf, sizeof(buf)), r->prefix,
		    r->table);
	}
}

/* nameserver lines of resolv.conf that a TUN proxy answers or that may
 * forward into the tunnel: the same judgement the shim's resolver makes
 * (dnsconf_useless), so --list and the shim cannot disagree. */
static int
report_resolver(const char *text, FILE *out)
{
	struct dns_servers all;
	char addr[DNSCONF_TEXT_MAX];
	const char *kind;
	size_t i;
	int lines = 0;

	memset(&all, 0, sizeof(all));
	dnsconf_from_resolv_conf(text ? text : "", &all);
	for (i = 0; i < all.n; i++) {
		struct dns_servers one = { .n = 1 };

		if (!dnsconf_useless(&all.v[i], &kind))
			continue;
		one.v[0] = all.v[i];
		one.v[0].port = 53;
		if (dnsconf_format(&one, addr, sizeof(addr)) < 0)
			continue;
		if (strcmp(kind, "fake-ip") == 0)
			fprintf(out,
			    "capture: resolver %s (" RESOLV_CONF ") is "
			    "in a fake-ip range: its answers only work through "
			    "the tunnel (bindif skips it; name one with "
			    "--dns)\n",
			    addr);
		else
			fprintf(out,
			    "capture: resolver %s (" RESOLV_CONF ") is "
			    "a local stub: it may forward into the tunnel "
			    "(bindif skips it; name one with --dns)\n",
			    addr);
		lines++;
	}
	return lines;
}

void
uplink_report(const struct uplink_snapshot *s, FILE *out)
{
	char a4[UPLINK_NAMESIZE], a6[UPLINK_NAMESIZE], why4[600], why6[600];
	bool ok4, ok6;
	int fam, lines = 0;

	ok4 = uplink_choose(s, 4, a4, sizeof(a4), why4, sizeof(why4)) == 0;
	ok6 = uplink_choose(s, 6, a6, sizeof(a6), why6, sizeof(why6)) == 0;
	print_ifaces(s, out, ok4 ? a4 : NULL, ok6 ? a6 : NULL);
	if (!ok4)
		fprintf(out, "auto v4: none: %s\n", why4);
	if (!ok6)
		fprintf(out, "auto v6: none: %s\n", why6);
	for (fam = 4; fam <= 6; fam += 2) {
		lines += report_routes(s, fam, out);
		lines += report_rules(s, fam, out);
	}
	lines += report_resolver(s->resolv_conf, out);
	if (lines == 0)
		fputs("capture: none seen (traffic follows the main table's "
		      "default route)\n",
		    out);
	for (fam = 4; fam <= 6; fam += 2)
		report_blocking(s, fam, out);
}

/* ------------------------------------------------------------ system */

/* The whole file, or NULL: a missing resolv.conf is no error here. */
static char *
read_text(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
		return NULL;
	/* 64 KiB holds any resolv.conf; the resolver reads far less. */
	if ((buf = malloc(65536)) == NULL) {
		fclose(f);
		return NULL;
	}
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

int
uplink_list(FILE *out, char *why, size_t whylen)
{
	struct uplink_snapshot s;
	char *resolv;

	if (uplink_take(&s, why, whylen) < 0)
		return -1;
	resolv = read_text(RESOLV_CONF);
	s.resolv_conf = resolv;
	uplink_report(&s, out);
	free(resolv);
	uplink_snapshot_free(&s);
	if (ferror(out)) {
		snprintf(why, whylen, "--list: cannot write the report: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}
