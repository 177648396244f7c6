/*
 * parse.c - one rules file's settings into a rules_file: interface =,
 * program =, dns =, the rules = list and the exclude = list, each value
 * checked, every mistake reported with its line and reading carried on.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"
#include "loader.h"

static const char *const top_keys[] = { "interface", "exclude", "program",
	"rules", "dns", "mark", NULL };
static const char *const rule_keys[] = { "dst", "port", "proto", "interface",
	"action", "errno", NULL };

/* The errno values a reject rule may name: what a connect can plausibly
 * fail with, so programs already know how to report them. */
static const struct {
	const char *name;
	int value;
} errnos[] = {
	{ "ECONNREFUSED", ECONNREFUSED },
	{ "EACCES", EACCES },
	{ "EPERM", EPERM },
	{ "ENETUNREACH", ENETUNREACH },
	{ "EHOSTUNREACH", EHOSTUNREACH },
	{ "ECONNRESET", ECONNRESET },
	{ "ETIMEDOUT", ETIMEDOUT },
	{ "ECONNABORTED", ECONNABORTED },
	{ "EADDRNOTAVAIL", EADDRNOTAVAIL },
};

/* Destinations as they are read, for add_cidr. */
struct cidr_list {
	struct rules_cidr *v;
	size_t n, cap;
	const char *what; /* "dst" or "exclude", for messages */
	size_t nfam[2],
	    last[2]; /* per family: how many, the last one's index */
	bool unsorted[2];
};

/* Eight bytes in network order as a number: two of them order sixteen
 * bytes as memcmp does, in line (a memcmp call per CIDR was 4.5 % of a
 * cold 100,000-CIDR load). */
static inline uint64_t
be64_at(const uint8_t *p)
{
	/* Spelled out: compilers make this one load and a byte swap. */
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 |
	    (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | (uint64_t)p[7];
}

/* Appends c (room is there), noting the order of its family's CIDRs. */
static void
cidr_append(struct cidr_list *l, const struct rules_cidr *c)
{
	int f = c->family == 6;

	if (l->nfam[f]++ > 0) {
		const struct rules_cidr *prev = &l->v[l->last[f]];
		uint64_t a = be64_at(prev->addr), b = be64_at(c->addr);

		if (a == b) {
			a = be64_at(prev->addr + 8);
			b = be64_at(c->addr + 8);
		}
		if (a > b || (a == b && prev->len > c->len))
			l->unsorted[f] = true;
	}
	l->last[f] = l->n;
	l->v[l->n++] = *c;
}

/* The list's CIDRs into a rules entry. */
static void
cidr_give(struct cidr_list *l, struct rules_entry *e)
{
	int f;

	e->dst = l->v;
	e->ndst = l->n;
	for (f = 0; f < 2; f++) {
		e->nfam[f] = l->nfam[f];
		e->sorted[f] = !l->unsorted[f];
	}
}

static bool
valid_ifname(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= RULES_IFNAMSIZ || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' ||
		    (unsigned char)name[i] <= ' ' ||
		    (unsigned char)name[i] >= 0x7f)
			return false;
	return true;
}

static char *
iface_of(struct loader *ld, const config_setting_t *s)
{
	struct elem el = elem_of(ld, s);
	const char *v = string_of(ld, &el, "interface");
	char *copy;

	if (v == NULL)
		return NULL;
	if (!valid_ifname(v)) {
		problem(ld, el.line,
		    "interface: '%s' is not a valid interface "
		    "name (1 to %d characters, no '/', ':' or spaces)",
		    v, RULES_IFNAMSIZ - 1);
		return NULL;
	}
	if ((copy = strdup(v)) == NULL)
		ld->oom = true;
	return copy;
}

/* ---- destinations ---- */

/*
 * Room for element n of an array that holds n: the capacity doubles at
 * each power of two from 8, so a list of a million entries is not copied
 * a million times (ASan's realloc always copies, and glibc's does once
 * other allocations follow the block). Only for arrays grown one by one.
 */
static void *
grow_for(void *v, size_t n, size_t size)
{
	size_t cap = n == 0 ? 8 : 2 * n;

	if (n != 0 && (n < 8 || (n & (n - 1)) != 0))
		return v;
	if (cap > SIZE_MAX / size)
		return NULL;
	return realloc(v, cap * size);
}

static void
add_cidr(struct loader *ld, const struct elem *el, void *arg)
{
	struct cidr_list *l = arg;
	struct rules_cidr c, *v;
	const char *text = string_of(ld, el, l->what);
	char why[200];

	if (text == NULL)
		return;
	c.line = el->line;
	if (cidr_parse(text, &c, why, sizeof(why)) < 0) {
		problem(ld, c.line, "%s: %s", l->what, why);
		return;
	}
	if (l->n == l->cap) {
		/* Reserved by each_cidr; grown only past that. */
		size_t cap = l->cap ? 2 * l->cap : 8;

		if (cap > SIZE_MAX / sizeof(*v) ||
		    (v = realloc(l->v, cap * sizeof(*v))) == NULL) {
			ld->oom = true;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	cidr_append(l, &c);
}

/*
 * The CIDRs of an array bulk.c read: most go straight from the text
 * through the quick reader; the rest, and every mistake, through add_cidr
 * as a string of their own.
 */
static void
each_bulk_cidr(struct loader *ld, const struct bulk_array *a,
    struct cidr_list *l)
{
	struct bulk_iter it;
	struct rules_cidr c;
	const char *v;
	size_t len;
	int line;
	char *buf = NULL;

	bulk_iter_init(&it, ld->text, a);
	while (!ld->oom && bulk_next(&it, &v, &len, &line)) {
		/* v[len] is the closing quote. */
		if (l->n < l->cap && cidr_parse_quick_n(v, len, &c)) {
			c.line = line;
			cidr_append(l, &c);
		} else if (buf != NULL || (buf = bulk_buf(ld, a)) != NULL)
			bulk_elem(ld, v, len, line, buf, add_cidr, l);
	}
	free(buf);
}

/*
 * The destinations of s into l, with room for all of them at once (a
 * 100,000-CIDR list is not grown and copied seventeen times).
 */
static void
each_cidr(struct loader *ld, config_setting_t *s, struct cidr_list *l)
{
	const struct bulk_array *a = bulk_of(ld, s);
	size_t n = values_count(ld, s);

	if (n > 0 && n <= SIZE_MAX / sizeof(*l->v) &&
	    (l->v = malloc(n * sizeof(*l->v))) != NULL)
		l->cap = n;
	if (a != NULL)
		each_bulk_cidr(ld, a, l);
	else
		each_value(ld, s, l->what, add_cidr, l);
}

/* ---- ports ---- */

struct port_list {
	struct rules_ports *v;
	size_t n;
};

static int
parse_port(const char *s, const char **end)
{
	long v = 0;

	if (*s < '0' || *s > '9')
		return -1;
	while (*s >= '0' && *s <= '9' && v <= 65535)
		v = v * 10 + (*s++ - '0');
	*end = s;
	return v >= 1 && v <= 65535 ? (int)v : -1;
}

static void
add_ports(struct loader *ld, const struct elem *el, void *arg)
{
	struct port_list *l = arg;
	struct rules_ports p, *v;
	const char *text = el->str, *end;
	int type = el->s ? config_setting_type(el->s) : CONFIG_TYPE_STRING;
	int lo, hi;

	if (type == CONFIG_TYPE_INT || type == CONFIG_TYPE_INT64) {
		long long n = ld->lib->get_int64(el->s);

		if (n < 1 || n > 65535) {
			problem(ld, el->line,
			    "port: %lld is out of range (1 to "
			    "65535)",
			    n);
			return;
		}
		p.lo = p.hi = (uint16_t)n;
	} else if (text != NULL) {
		if ((lo = parse_port(text, &end)) < 0 ||
		    (*end == '-' ? (hi = parse_port(end + 1, &end)) < 0 :
		                   (hi = lo, false)) ||
		    *end != '\0') {
			problem(ld, el->line,
			    "port: '%s' is not a port or range "
			    "(like 443 or \"8000-8100\", ports 1 to 65535)",
			    text);
			return;
		}
		if (lo > hi) {
			problem(ld, el->line, "port: range '%s' runs backwards",
			    text);
			return;
		}
		p.lo = (uint16_t)lo;
		p.hi = (uint16_t)hi;
	} else {
		problem(ld, el->line,
		    "port: expected a number or a \"lo-hi\" "
		    "range");
		return;
	}
	if ((v = grow_for(l->v, l->n, sizeof(*v))) == NULL) {
		ld->oom = true;
		return;
	}
	l->v = v;
	l->v[l->n++] = p;
}

/* ---- protocols, action, errno ---- */

static void
add_proto(struct loader *ld, const struct elem *el, void *arg)
{
	static const struct {
		const char *name;
		unsigned mask;
	} names[] = { { "tcp", RULES_PROTO_TCP }, { "udp", RULES_PROTO_UDP },
		{ "icmp", RULES_PROTO_ICMP }, { "raw", RULES_PROTO_RAW },
		{ "any", RULES_PROTO_ANY } };
	unsigned *mask = arg;
	const char *v = string_of(ld, el, "proto");
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(v, names[i].name) == 0) {
			*mask |= names[i].mask;
			return;
		}
	problem(ld, el->line,
	    "proto: unknown protocol '%s' (tcp, udp, icmp, "
	    "raw or any)",
	    v);
}

static int
action_of(struct loader *ld, const config_setting_t *s, enum rules_action *out)
{
	struct elem el = elem_of(ld, s);
	const char *v = string_of(ld, &el, "action");

	if (v == NULL)
		return -1;
	if (strcmp(v, "bind") == 0)
		*out = RULES_BIND;
	else if (strcmp(v, "pass") == 0)
		*out = RULES_PASS;
	else if (strcmp(v, "reject") == 0)
		*out = RULES_REJECT;
	else {
		problem(ld, line_of(ld, s),
		    "action: unknown action '%s' (bind, pass "
		    "or reject)",
		    v);
		return -1;
	}
	return 0;
}

static int
errno_of(struct loader *ld, const config_setting_t *s)
{
	struct elem el = elem_of(ld, s);
	const char *v = string_of(ld, &el, "errno");
	size_t i;

	if (v == NULL)
		return 0;
	for (i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(v, errnos[i].name) == 0)
			return errnos[i].value;
	problem(ld, line_of(ld, s),
	    "errno: '%s' is not one of ECONNREFUSED, EACCES, "
	    "EPERM, ENETUNREACH, EHOSTUNREACH, ECONNRESET, ETIMEDOUT, "
	    "ECONNABORTED, EADDRNOTAVAIL",
	    v);
	return 0;
}

/* ---- rules, files ---- */

static void
entry_free(struct rules_entry *e)
{
	free(e->dst);
	free(e->ports);
	free(e->iface);
}

static void
load_rule(struct loader *ld, config_setting_t *g, struct rules_entry *e)
{
	config_setting_t *s, *iface = NULL, *err = NULL, *action = NULL;
	struct cidr_list dst = { .what = "dst" };
	struct port_list ports = { 0 };
	int i, n = ld->lib->length(g);
	bool bad_action;

	memset(e, 0, sizeof(*e));
	e->line = line_of(ld, g);
	e->action = RULES_BIND;
	e->reason = RULES_BY_RULE;
	for (i = 0; i < n; i++) {
		s = ld->lib->get_elem(g, (unsigned)i);
		if (!known_key(ld, s, rule_keys, " in a rule"))
			continue;
		if (strcmp(config_setting_name(s), "dst") == 0)
			each_cidr(ld, s, &dst);
		else if (strcmp(config_setting_name(s), "port") == 0)
			each_value(ld, s, "port", add_ports, &ports);
		else if (strcmp(config_setting_name(s), "proto") == 0)
			each_value(ld, s, "proto", add_proto, &e->proto);
		else if (strcmp(config_setting_name(s), "interface") == 0)
			iface = s;
		else if (strcmp(config_setting_name(s), "action") == 0)
			action = s;
		else
			err = s;
	}
	cidr_give(&dst, e);
	e->ports = ports.v;
	e->nports = ports.n;
	if (e->proto == 0)
		e->proto = RULES_PROTO_ANY;
	/* An unknown action was reported: judge nothing else by it. */
	bad_action = action != NULL && action_of(ld, action, &e->action) < 0;
	if (iface != NULL) {
		if (!bad_action && e->action != RULES_BIND)
			problem(ld, line_of(ld, iface),
			    "interface: a rule with action "
			    "'%s' sends nothing to an interface",
			    rules_action_name(e->action));
		else {
			e->iface = iface_of(ld, iface);
			e->iface_line = line_of(ld, iface);
		}
	}
	if (err != NULL) {
		if (!bad_action && e->action != RULES_REJECT)
			problem(ld, line_of(ld, err),
			    "errno: only a rule with action "
			    "'reject' fails calls");
		else
			e->err = errno_of(ld, err);
	}
	if (e->action == RULES_REJECT && e->err == 0)
		e->err = ECONNREFUSED;
	if (e->nports > 0 && !(e->proto & (RULES_PROTO_TCP | RULES_PROTO_UDP)))
		problem(ld, e->line,
		    "port: the rule's protocols (%s) have no "
		    "ports",
		    rules_proto_name(e->proto));
}

static struct rules_entry *
grow_entries(struct loader *ld, struct rules_file *f)
{
	struct rules_entry *v = grow_for(f->entries, f->nentries, sizeof(*v));

	if (v == NULL) {
		ld->oom = true;
		return NULL;
	}
	f->entries = v;
	return &v[f->nentries];
}

static void
load_rules(struct loader *ld, config_setting_t *list, struct rules_file *f)
{
	struct rules_entry *e;
	int i, n;

	if (!config_setting_is_list(list)) {
		problem(ld, line_of(ld, list),
		    "rules: expected a list of rules, "
		    "( { dst = ...; }, ... )");
		return;
	}
	n = ld->lib->length(list);
	for (i = 0; i < n && !ld->oom; i++) {
		config_setting_t *g = ld->lib->get_elem(list, (unsigned)i);

		if (!config_setting_is_group(g)) {
			problem(ld, line_of(ld, g),
			    "rules: each rule is a group in "
			    "braces, { dst = ...; }");
			continue;
		}
		if ((e = grow_entries(ld, f)) == NULL)
			return;
		load_rule(ld, g, e);
		f->nentries++;
	}
}

static void
load_exclude(struct loader *ld, config_setting_t *s, struct rules_file *f)
{
	struct cidr_list dst = { .what = "exclude" };
	struct rules_entry *e;

	each_cidr(ld, s, &dst);
	if ((e = grow_entries(ld, f)) == NULL) {
		free(dst.v);
		return;
	}
	memset(e, 0, sizeof(*e));
	cidr_give(&dst, e);
	e->proto = RULES_PROTO_ANY;
	e->action = RULES_PASS;
	e->reason = RULES_BY_EXCLUDE;
	e->line = line_of(ld, s);
	f->nentries++;
}

static void
add_program(struct loader *ld, const struct elem *el, void *arg)
{
	struct rules_file *f = arg;
	const char *v = string_of(ld, el, "program");
	char **p;

	if (v == NULL)
		return;
	if (v[0] == '\0' || (strchr(v, '/') != NULL && v[0] != '/')) {
		problem(ld, el->line,
		    "program: '%s' is neither a program name "
		    "nor an absolute path",
		    v);
		return;
	}
	if ((p = realloc(f->programs, (f->nprograms + 1) * sizeof(*p))) ==
	    NULL) {
		ld->oom = true;
		return;
	}
	f->programs = p;
	if ((p[f->nprograms] = strdup(v)) == NULL) {
		ld->oom = true;
		return;
	}
	f->nprograms++;
}

/* dns = ["192.0.2.53", "2001:db8::53"]: plain addresses, kept as a comma
 * list, the form the shim also takes from --dns. */
static void
add_dns(struct loader *ld, const struct elem *el, void *arg)
{
	struct rules_file *f = arg;
	const char *v = string_of(ld, el, "dns");
	unsigned char buf[16];
	size_t old, len;
	char *grown;

	if (v == NULL)
		return;
	if (inet_pton(AF_INET, v, buf) != 1 &&
	    inet_pton(AF_INET6, v, buf) != 1) {
		problem(ld, el->line,
		    "dns: '%s' is not an IPv4 or IPv6 "
		    "address",
		    v);
		return;
	}
	old = f->dns ? strlen(f->dns) : 0;
	len = old + strlen(v) + 2;
	if ((grown = realloc(f->dns, len)) == NULL) {
		ld->oom = true;
		return;
	}
	snprintf(grown + old, len - old, "%s%s", old ? "," : "", v);
	f->dns = grown;
}

/* mark = 0x2024: the firewall mark of bound sockets (bindif(1) --mark). */
static void
set_mark(struct loader *ld, const config_setting_t *s, struct rules_file *f)
{
	int type = config_setting_type(s);
	long long n;

	f->mark_line = line_of(ld, s);
	if (type != CONFIG_TYPE_INT && type != CONFIG_TYPE_INT64) {
		problem(ld, f->mark_line,
		    "mark: expected a number (like "
		    "0x2024)");
		return;
	}
	n = ld->lib->get_int64(s);
	if (n < 1 || n > 0xffffffffLL) {
		problem(ld, f->mark_line,
		    "mark: %lld is out of range (1 to "
		    "0xffffffff)",
		    n);
		return;
	}
	f->mark = (uint32_t)n;
}

void
load_config(struct loader *ld, config_t *cfg, struct rules_file *f)
{
	config_setting_t *root = config_root_setting(cfg), *s, *rules = NULL,
	                 *exclude = NULL;
	int i, n = ld->lib->length(root);

	for (i = 0; i < n; i++) {
		s = ld->lib->get_elem(root, (unsigned)i);
		if (!known_key(ld, s, top_keys, ""))
			continue;
		if (strcmp(config_setting_name(s), "interface") == 0) {
			f->iface = iface_of(ld, s);
			f->iface_line = line_of(ld, s);
		} else if (strcmp(config_setting_name(s), "program") == 0)
			each_value(ld, s, "program", add_program, f);
		else if (strcmp(config_setting_name(s), "exclude") == 0)
			exclude = s;
		else if (strcmp(config_setting_name(s), "dns") == 0) {
			f->dns_line = line_of(ld, s);
			each_value(ld, s, "dns", add_dns, f);
		} else if (strcmp(config_setting_name(s), "mark") == 0)
			set_mark(ld, s, f);
		else
			rules = s;
	}
	/* Rules before exclude whatever the text order: a rule is the more
	 * specific statement. */
	if (rules != NULL)
		load_rules(ld, rules, f);
	if (exclude != NULL)
		load_exclude(ld, exclude, f);
}

void
file_free(struct rules_file *f)
{
	size_t i;

	for (i = 0; i < f->nentries; i++)
		entry_free(&f->entries[i]);
	for (i = 0; i < f->nprograms; i++)
		free(f->programs[i]);
	free(f->programs);
	free(f->entries);
	free(f->iface);
	free(f->dns);
	free(f->name);
}
