/*
 * load.c - rules files (libconfig syntax) into a rules_set. Every problem
 * is collected as file:line: reason, so one run of --check or of the
 * launcher shows them all; nothing here knows about sockets or processes.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bulk.h"
#include "cfglib.h"
#include "cidr.h"
#include "rules_impl.h"

/* About 400,000 CIDRs, several times what real lists hold. */
#define RULES_MAX_FILE (16 << 20)

/* Where problems go while one file is read. */
struct loader {
	const struct cfglib *lib;
	const char *name; /* the file, as the user named it */
	struct rules_errors *errs;
	bool oom;
	const char *text;   /* the file's text, for elem_line() */
	size_t len;	    /* its length, to the first NUL */
	size_t *lines;	    /* offset of each line's start (line 1 first) */
	size_t nlines;
	struct bulk bulk; /* the arrays libconfig did not read */
};

/* One value: read by libconfig (s), or an element of an array bulk.c
 * read (s NULL). */
struct elem {
	const config_setting_t *s;
	const char *str; /* NULL when the value is not a string */
	int line;
};

static const char *const top_keys[] = { "interface", "exclude", "program",
	"rules", "dns", NULL };
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

static void
errs_push(struct rules_errors *errs, bool *oom, const char *file, int line,
    const char *fmt, ...)
{
	struct rules_error *v;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v = realloc(errs->v, (errs->n + 1) * sizeof(*v));
	if (v == NULL) {
		*oom = true;
		return;
	}
	errs->v = v;
	v[errs->n].file = file ? strdup(file) : NULL;
	v[errs->n].line = line;
	v[errs->n].msg = strdup(msg);
	if (v[errs->n].msg == NULL || (file != NULL && v[errs->n].file == NULL)) {
		free(v[errs->n].file);
		free(v[errs->n].msg);
		*oom = true;
		return;
	}
	errs->n++;
}

#define problem(ld, line, ...) \
	errs_push((ld)->errs, &(ld)->oom, (ld)->name, (line), __VA_ARGS__)

/* A setting's line in the file (libconfig's, through bulk.c's text). */
static int
line_of(const struct loader *ld, const config_setting_t *s)
{
	return bulk_line(&ld->bulk, (int)config_setting_source_line(s));
}

/* Whether line l (1-based) holds text, which is qlen long. */
static bool
line_has(const struct loader *ld, int l, const char *text, size_t qlen)
{
	const char *p = ld->text + ld->lines[l - 1];
	const char *end = (size_t)l < ld->nlines ? ld->text + ld->lines[l] :
						   p + strlen(p);

	for (; p + qlen <= end; p++)
		if (memcmp(p, text, qlen) == 0)
			return true;
	return false;
}

/* Where each line starts, for elem_line(): made at its first question,
 * which the big arrays (bulk.c) never ask. False when it cannot be. */
static bool
index_lines(struct loader *ld)
{
	const char *p, *end;
	size_t n = 1;

	if (ld->lines != NULL || ld->nlines != 0)
		return ld->lines != NULL;
	end = ld->text + ld->len;
	for (p = ld->text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	     p++)
		n++;
	ld->nlines = 1; /* tried */
	if ((ld->lines = malloc(n * sizeof(*ld->lines))) == NULL)
		return false; /* only messages' lines suffer */
	ld->lines[0] = 0;
	for (p = ld->text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	     p++)
		ld->lines[ld->nlines++] = (size_t)(p + 1 - ld->text);
	return true;
}

/*
 * libconfig notes a string element's line when it reads the token after it
 * (adjacent strings concatenate), so in [ "a",<newline> "b"<newline> ] "b"
 * gets the line of the "]". When that line starts with the token after an
 * element (',' ']' ')'), looks back for the quoted value itself, no
 * further than the parent's line; keeps libconfig's line when unsure.
 */
static int
elem_line(struct loader *ld, const config_setting_t *s)
{
	int line = line_of(ld, s), l, lo;
	const char *v = ld->lib->get_string(s), *p;
	char quoted[INET6_ADDRSTRLEN + 16];
	size_t qlen;

	if (v == NULL || config_setting_name(s) != NULL ||
	    config_setting_source_file(s) != NULL || line < 1 ||
	    !index_lines(ld) || (size_t)line > ld->nlines)
		return line;
	for (p = ld->text + ld->lines[line - 1]; *p == ' ' || *p == '\t'; p++)
		;
	/* The usual case, one element a line, needs no search (nor the
	 * quoted copy: it was a tenth of a 100,000-CIDR load). */
	if ((*p != ',' && *p != ']' && *p != ')') ||
	    (qlen = (size_t)snprintf(quoted, sizeof(quoted), "\"%s\"", v)) >=
		sizeof(quoted) ||
	    (*p == ',' && line_has(ld, line, quoted, qlen)))
		return line;
	lo = config_setting_parent(s) ? line_of(ld, config_setting_parent(s)) : 1;
	for (l = line - 1; l >= lo && l >= 1; l--)
		if (line_has(ld, l, quoted, qlen))
			return l;
	return line;
}

/* Edit distance, for "did you mean": short keys only, so a small table. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[32], prev, tmp;

	if (la >= 32 || lb >= 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

static bool
known_key(struct loader *ld, const config_setting_t *s,
    const char *const *keys, const char *where)
{
	const char *name = config_setting_name(s), *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(name, keys[i]) == 0)
			return true;
		if ((d = distance(name, keys[i])) < bestd) {
			bestd = d;
			best = keys[i];
		}
	}
	if (best != NULL)
		problem(ld, line_of(ld, s), "unknown setting '%s'%s (did you mean "
		    "'%s'?)", name, where, best);
	else
		problem(ld, line_of(ld, s), "unknown setting '%s'%s", name, where);
	return false;
}

static bool
is_aggregate(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

static struct elem
elem_of(struct loader *ld, const config_setting_t *s)
{
	struct elem el = { s, ld->lib->get_string(s), 0 };

	el.line = el.str ? elem_line(ld, s) : line_of(ld, s);
	return el;
}

typedef void each_fn(struct loader *, const struct elem *, void *);

/* Destinations as they are read, for add_cidr. */
struct cidr_list {
	struct rules_cidr *v;
	size_t n, cap;
	const char *what; /* "dst" or "exclude", for messages */
	size_t nfam[2], last[2]; /* per family: how many, the last one's index */
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
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 |
	    (uint64_t)p[4] << 24 | (uint64_t)p[5] << 16 |
	    (uint64_t)p[6] << 8 | (uint64_t)p[7];
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

/* Room for any element of a bulk array as a string: none is longer than
 * the array's body. */
static char *
bulk_buf(struct loader *ld, const struct bulk_array *a)
{
	char *buf = malloc(a->close - a->open);

	if (buf == NULL)
		ld->oom = true;
	return buf;
}

/* One element (len bytes at v) to fn, as a string of its own in buf. */
static void
bulk_elem(struct loader *ld, const char *v, size_t len, int line, char *buf,
    each_fn *fn, void *arg)
{
	struct elem el = { NULL, buf, line };

	memcpy(buf, v, len);
	buf[len] = '\0';
	fn(ld, &el, arg);
}

/* The elements of an array bulk.c read. */
static void
each_bulk(struct loader *ld, const struct bulk_array *a, each_fn *fn,
    void *arg)
{
	struct bulk_iter it;
	const char *v;
	size_t len;
	int line;
	char *buf = bulk_buf(ld, a);

	bulk_iter_init(&it, ld->text, a);
	while (buf != NULL && !ld->oom && bulk_next(&it, &v, &len, &line))
		bulk_elem(ld, v, len, line, buf, fn, arg);
	free(buf);
}

/* The array bulk.c read that setting s stands for, or NULL. */
static const struct bulk_array *
bulk_of(const struct loader *ld, const config_setting_t *s)
{
	long a;

	if (!config_setting_is_array(s) || ld->lib->length(s) != 1 ||
	    (a = bulk_marker(&ld->bulk, ld->lib->get_string(
		ld->lib->get_elem(s, 0)))) < 0)
		return NULL;
	return &ld->bulk.v[a];
}

/* How many values each_value() will give fn. */
static size_t
values_count(const struct loader *ld, const config_setting_t *s)
{
	const struct bulk_array *a = bulk_of(ld, s);

	if (a != NULL)
		return a->count;
	return is_aggregate(s) ? (size_t)ld->lib->length(s) : 1;
}

/*
 * A setting that may be one value or an array/list of them: calls fn on
 * each element. An empty list is a mistake (a rule that matches nothing).
 */
static void
each_value(struct loader *ld, config_setting_t *s, const char *what,
    each_fn *fn, void *arg)
{
	const struct bulk_array *a;
	struct elem el;
	int i, n;

	if (!is_aggregate(s)) {
		el = elem_of(ld, s);
		fn(ld, &el, arg);
		return;
	}
	n = ld->lib->length(s);
	if (n == 0)
		problem(ld, line_of(ld, s), "%s: empty list", what);
	if ((a = bulk_of(ld, s)) != NULL) {
		each_bulk(ld, a, fn, arg);
		return;
	}
	for (i = 0; i < n; i++) {
		el = elem_of(ld, ld->lib->get_elem(s, (unsigned)i));
		fn(ld, &el, arg);
	}
}

static const char *
string_of(struct loader *ld, const struct elem *el, const char *what)
{
	if (el->str == NULL)
		problem(ld, el->line, "%s: expected a string in quotes", what);
	return el->str;
}

static bool
valid_ifname(const char *name)
{
	size_t i, n = strlen(name);

	if (n == 0 || n >= RULES_IFNAMSIZ || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0)
		return false;
	for (i = 0; i < n; i++)
		if (name[i] == '/' || name[i] == ':' || (unsigned char)name[i] <= ' ' ||
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
		problem(ld, el.line, "interface: '%s' is not a valid interface "
		    "name (1 to %d characters, no '/', ':' or spaces)", v,
		    RULES_IFNAMSIZ - 1);
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
			problem(ld, el->line, "port: %lld is out of range (1 to "
			    "65535)", n);
			return;
		}
		p.lo = p.hi = (uint16_t)n;
	} else if (text != NULL) {
		if ((lo = parse_port(text, &end)) < 0 ||
		    (*end == '-' ? (hi = parse_port(end + 1, &end)) < 0
				 : (hi = lo, false)) ||
		    *end != '\0') {
			problem(ld, el->line, "port: '%s' is not a port or range "
			    "(like 443 or \"8000-8100\", ports 1 to 65535)", text);
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
		problem(ld, el->line, "port: expected a number or a \"lo-hi\" "
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
	problem(ld, el->line, "proto: unknown protocol '%s' (tcp, udp, icmp, "
	    "raw or any)", v);
}

static int
action_of(struct loader *ld, const config_setting_t *s,
    enum rules_action *out)
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
		problem(ld, line_of(ld, s), "action: unknown action '%s' (bind, pass "
		    "or reject)", v);
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
	problem(ld, line_of(ld, s), "errno: '%s' is not one of ECONNREFUSED, EACCES, "
	    "EPERM, ENETUNREACH, EHOSTUNREACH, ECONNRESET, ETIMEDOUT, "
	    "ECONNABORTED, EADDRNOTAVAIL", v);
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
			problem(ld, line_of(ld, iface), "interface: a rule with action "
			    "'%s' sends nothing to an interface",
			    rules_action_name(e->action));
		else {
			e->iface = iface_of(ld, iface);
			e->iface_line = line_of(ld, iface);
		}
	}
	if (err != NULL) {
		if (!bad_action && e->action != RULES_REJECT)
			problem(ld, line_of(ld, err), "errno: only a rule with action "
			    "'reject' fails calls");
		else
			e->err = errno_of(ld, err);
	}
	if (e->action == RULES_REJECT && e->err == 0)
		e->err = ECONNREFUSED;
	if (e->nports > 0 && !(e->proto & (RULES_PROTO_TCP | RULES_PROTO_UDP)))
		problem(ld, e->line, "port: the rule's protocols (%s) have no "
		    "ports", rules_proto_name(e->proto));
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
		problem(ld, line_of(ld, list), "rules: expected a list of rules, "
		    "( { dst = ...; }, ... )");
		return;
	}
	n = ld->lib->length(list);
	for (i = 0; i < n && !ld->oom; i++) {
		config_setting_t *g = ld->lib->get_elem(list, (unsigned)i);

		if (!config_setting_is_group(g)) {
			problem(ld, line_of(ld, g), "rules: each rule is a group in "
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
		problem(ld, el->line, "program: '%s' is neither a program name "
		    "nor an absolute path", v);
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
	if (inet_pton(AF_INET, v, buf) != 1 && inet_pton(AF_INET6, v, buf) != 1) {
		problem(ld, el->line, "dns: '%s' is not an IPv4 or IPv6 "
		    "address", v);
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

/* libconfig's own wording, with the fix for the mistake people make most. */
static void
syntax_problem(struct loader *ld, const config_t *cfg)
{
	const char *text = config_error_text(cfg);
	const char *file = config_error_file(cfg);
	const char *hint = "";

	if (text == NULL)
		text = "cannot be parsed";
	if (strstr(text, "mismatched element type") != NULL)
		hint = " (an array [ ] holds one type; mix numbers and \"lo-hi\" "
		       "strings in a list ( ))";
	errs_push(ld->errs, &ld->oom, file ? file : ld->name,
	    bulk_line(&ld->bulk, config_error_line(cfg)), "%s%s", text, hint);
}

static void
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
		}
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

static void
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

static struct rules_file *
new_file(struct rules_set *set, const char *name)
{
	struct rules_file *v = realloc(set->files,
	    (set->nfiles + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	set->files = v;
	memset(&v[set->nfiles], 0, sizeof(v[0]));
	if ((v[set->nfiles].name = strdup(name)) == NULL)
		return NULL;
	return &v[set->nfiles++];
}

struct numbered {
	struct rules_error e;
	size_t i;
};

static int
by_line(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->e.line != y->e.line)
		return x->e.line < y->e.line ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A file's problems are found setting by setting (rules before exclude);
 * they are shown in line order. */
static void
sort_errors(struct rules_errors *errs, size_t from, bool *oom)
{
	size_t n = errs->n - from, i;
	struct numbered *v;

	if (n < 2)
		return;
	if ((v = malloc(n * sizeof(*v))) == NULL) {
		*oom = true;
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = (struct numbered){ errs->v[from + i], i };
	qsort(v, n, sizeof(*v), by_line);
	for (i = 0; i < n; i++)
		errs->v[from + i] = v[i].e;
	free(v);
}

/*
 * libconfig 1.5's scanner exit()s on an @include of a directory ("input in
 * flex scanner failed"), blocks on a FIFO and reads /dev/zero forever; in
 * the shim that is someone else's process, and an included file would also
 * escape every check made on the rules path. libconfig takes a line
 * starting with blanks then "@include" as one; so do we, and refuse it.
 */
static bool
has_include(struct loader *ld)
{
	const char *text = ld->text, *end = text + ld->len, *p, *q;
	bool found = false;
	int line = 1;

	/* A search for the '@', then each hit's line: a large list has
	 * none. */
	for (p = text; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++) {
		if (end - p < 8 || memcmp(p, "@include", 8) != 0)
			continue;
		for (q = p; q > text && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if (q != text && q[-1] != '\n')
			continue;
		for (; text < q; text++)
			line += *text == '\n';
		errs_push(ld->errs, &ld->oom, ld->name, line,
		    "@include is not supported (put the files in one "
		    "directory and give that to -c)");
		found = true;
	}
	return found;
}

/* Every wrapped program parses the file again, and libconfig does not
 * survive running out of memory (it crashes): a bound keeps that from
 * happening. */
static void
too_large(struct rules_errors *errs, bool *oom, const char *name)
{
	errs_push(errs, oom, name, 0, "larger than %d MB; rules files are "
	    "read by every wrapped program, so they are kept smaller",
	    RULES_MAX_FILE >> 20);
}

/* Reads one file (fp) or one string (text) into a new rules_file. */
static bool
load_one(struct rules_set *set, const char *name, FILE *fp, const char *text,
    struct rules_errors *errs)
{
	struct loader ld = { NULL, name, errs, false, text, 0, NULL, 0 };
	struct rules_file *f;
	config_t cfg;
	char dir[PATH_MAX], why[300], *slash, *buf = NULL;
	size_t first = errs->n, len = 0, cap = 0, got;
	bool ok;

	if ((f = new_file(set, name)) == NULL)
		return false;
	if ((ld.lib = cfglib(why, sizeof(why))) == NULL) {
		errs_push(errs, &ld.oom, name, 0, "%s", why);
		return !ld.oom;
	}
	if (fp != NULL) {
		struct stat st;

		/* Sized once for a regular file (a big list is not copied
		 * as it grows); read to the end in any case. */
		if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size <= RULES_MAX_FILE)
			cap = (size_t)st.st_size + 4096 + 2;
		if (cap > 0 && (buf = malloc(cap)) == NULL)
			return false;
		/* Read as a string: the text also serves elem_line(). */
		do {
			char *grown;

			if (cap - len < 4096 + 1) {
				cap = cap ? cap * 2 : 8192;
				if ((grown = realloc(buf, cap)) == NULL) {
					free(buf);
					return false;
				}
				buf = grown;
			}
			got = fread(buf + len, 1, cap - len - 1, fp);
			len += got;
			if (len > RULES_MAX_FILE) {
				too_large(errs, &ld.oom, name);
				free(buf);
				return !ld.oom;
			}
		} while (got > 0);
		buf[len] = '\0';
		if (ferror(fp)) {
			errs_push(errs, &ld.oom, name, 0, "cannot read: %s",
			    strerror(errno));
			free(buf);
			return !ld.oom;
		}
		ld.text = text = buf;
	}
	/* Once: the scans after this one stop where libconfig does. */
	ld.len = fp ? strnlen(text, len) : strlen(text);
	ld.lib->init(&cfg);
	/* @include is relative to the including file, not to the cwd of
	 * whatever program the shim happens to live in. */
	if (strlen(name) < sizeof(dir) && (slash = strrchr(name, '/')) != NULL) {
		memcpy(dir, name, (size_t)(slash - name));
		dir[slash - name] = '\0';
		ld.lib->set_include_dir(&cfg, dir[0] ? dir : "/");
	}
	if (has_include(&ld))
		ok = false;
	else if (bulk_find(text, ld.len, &ld.bulk) < 0)
		ld.oom = true;
	else if (!(ok = ld.lib->read_string(&cfg,
	    ld.bulk.cfg ? ld.bulk.cfg : text)))
		syntax_problem(&ld, &cfg);
	else
		load_config(&ld, &cfg, f);
	ld.lib->destroy(&cfg);
	bulk_free(&ld.bulk);
	sort_errors(errs, first, &ld.oom);
	free(ld.lines);
	free(buf);
	return !ld.oom;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
rules_is_conf_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".conf") == 0;
}

static bool
load_file(struct rules_set *set, const char *path,
    const struct rules_mapper *m, struct rules_errors *errs)
{
	bool oom = false, ok;
	const char *text;
	size_t len;
	FILE *fp;

	if (m != NULL && (text = m->map(path, &len)) != NULL) {
		if (len > RULES_MAX_FILE) {
			too_large(errs, &oom, path);
			ok = !oom;
		} else
			ok = load_one(set, path, NULL, text, errs);
		m->unmap(text, len);
		return ok;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		errs_push(errs, &oom, path, 0, "cannot read: %s", strerror(errno));
		return !oom;
	}
	ok = load_one(set, path, fp, NULL, errs);
	fclose(fp);
	return ok;
}

static bool
load_dir(struct rules_set *set, const char *path,
    const struct rules_mapper *m, struct rules_errors *errs)
{
	char **names = NULL, **grown, *full;
	size_t n = 0, i;
	struct dirent *d;
	bool ok = true, oom = false;
	DIR *dir = opendir(path);

	if (dir == NULL) {
		errs_push(errs, &oom, path, 0, "cannot read: %s", strerror(errno));
		return !oom;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!rules_is_conf_name(d->d_name))
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) == NULL ||
		    (names = grown, names[n] = strdup(d->d_name)) == NULL) {
			ok = false;
			break;
		}
		n++;
	}
	closedir(dir);
	if (ok && n == 0)
		errs_push(errs, &oom, path, 0, "no *.conf files in this "
		    "directory");
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && ok; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;

		if ((full = malloc(len)) == NULL) {
			ok = false;
			break;
		}
		snprintf(full, len, "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		ok = load_file(set, full, m, errs);
		free(full);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok && !oom;
}

struct rules_set *
rules_load(const char *path, struct rules_errors *errs)
{
	return rules_load_mapped(path, NULL, errs);
}

struct rules_set *
rules_load_mapped(const char *path, const struct rules_mapper *m,
    struct rules_errors *errs)
{
	struct rules_set *set = calloc(1, sizeof(*set));
	struct stat st;
	bool ok, oom = false;

	if (set == NULL)
		return NULL;
	if (stat(path, &st) < 0) {
		errs_push(errs, &oom, path, 0, "%s", strerror(errno));
		ok = !oom;
	} else if (S_ISDIR(st.st_mode))
		ok = load_dir(set, path, m, errs);
	else
		ok = load_file(set, path, m, errs);
	if (!ok) {
		rules_set_free(set);
		return NULL;
	}
	return set;
}

struct rules_set *
rules_load_string(const char *text, const char *name,
    struct rules_errors *errs)
{
	struct rules_set *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	if (!load_one(set, name, NULL, text, errs)) {
		rules_set_free(set);
		return NULL;
	}
	return set;
}

void
rules_set_free(struct rules_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nfiles; i++)
		file_free(&set->files[i]);
	free(set->files);
	free(set);
}

void
rules_error_text(const struct rules_error *e, char *buf, size_t len)
{
	if (e->file && e->line > 0)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file)
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
}

void
rules_errors_free(struct rules_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].msg);
	}
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}

int
rules_set_each_iface(const struct rules_set *set,
    int (*fn)(void *arg, const char *ifname, const char *file, int line),
    void *arg)
{
	size_t i, j;
	int rc;

	for (i = 0; set != NULL && i < set->nfiles; i++) {
		const struct rules_file *f = &set->files[i];

		if (f->iface != NULL &&
		    (rc = fn(arg, f->iface, f->name, f->iface_line)) != 0)
			return rc;
		for (j = 0; j < f->nentries; j++)
			if (f->entries[j].iface != NULL &&
			    (rc = fn(arg, f->entries[j].iface, f->name,
				 f->entries[j].iface_line)) != 0)
				return rc;
	}
	return 0;
}
