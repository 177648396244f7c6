/*
 * match.c - compiles the rules that apply to one program into sorted,
 * non-overlapping address intervals, each carrying the ascending list of
 * entries that cover it; a lookup is a binary search and a short walk, so
 * tens of thousands of CIDRs cost a few comparisons. Pure: no I/O at all.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_impl.h"

/* One compiled decision: a rule, one exclude CIDR, with its place. */
struct pentry {
	unsigned proto;
	const struct rules_ports *ports;
	size_t nports;
	enum rules_action action;
	enum rules_reason reason;
	unsigned iface; /* slot */
	int err;
	const char *file;
	int line;
};

/* Addresses of both families as one 128-bit key; IPv4 uses lo only. */
struct key {
	uint64_t hi, lo;
};

struct family_index {
	struct key *start; /* interval i covers [start[i], start[i+1]) */
	uint32_t *list;	   /* its entries: an offset into pool */
	size_t n;
	uint32_t *wild; /* entries for every address: no dst, or a /0 */
	size_t nwild;
};

struct rules_policy {
	struct pentry *e;
	size_t ne;
	struct rules_ports *ports; /* every entry's ports, copied */
	uint32_t *pool;		   /* lists: count, then entry numbers */
	size_t npool;
	struct family_index fam[2]; /* [0]: IPv4, [1]: IPv6 */
	char **ifaces;		    /* slot 0: the default, "" when none */
	size_t nifaces;
	char **files; /* names the verdicts point into */
	size_t nfiles;
	const char *default_file; /* NULL when -i set it */
	int default_line;
	const char *unbound_file;
	int unbound_line;
	char *dns; /* the first applicable dns =, or NULL */
};

/* ---- keys ---- */

static struct key
key_of(int family, const uint8_t *addr)
{
	struct key k = { 0, 0 };
	int i;

	if (family == 4) {
		for (i = 0; i < 4; i++)
			k.lo = k.lo << 8 | addr[i];
		return k;
	}
	for (i = 0; i < 8; i++)
		k.hi = k.hi << 8 | addr[i];
	for (i = 8; i < 16; i++)
		k.lo = k.lo << 8 | addr[i];
	return k;
}

static int
key_cmp(const struct key *a, const struct key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

/* The last address of a CIDR; returns false when it is the family's last
 * address (so the interval has no end to mark). */
static bool
cidr_end_plus_one(const struct rules_cidr *c, struct key *out)
{
	struct key k = key_of(c->family, c->addr);
	int host = (c->family == 4 ? 32 : 128) - c->len;

	if (host >= 64) {
		k.lo = ~0ull;
		k.hi |= host >= 128 ? ~0ull : (1ull << (host - 64)) - 1;
	} else if (host > 0)
		k.lo |= (1ull << host) - 1;
	if (c->family == 4 ? k.lo == 0xffffffffull : (k.hi == ~0ull &&
	    k.lo == ~0ull))
		return false;
	if (++k.lo == 0)
		k.hi++;
	*out = k;
	return true;
}

/* ---- building ---- */

struct event {
	struct key k;
	uint32_t entry;
	int delta;
};

static int
event_cmp(const void *a, const void *b)
{
	return key_cmp(&((const struct event *)a)->k,
	    &((const struct event *)b)->k);
}

struct builder {
	struct rules_policy *p;
	struct event *ev[2];
	size_t nev[2], capev[2];
	bool oom;
};

static void *
grow(void *v, size_t *cap, size_t need, size_t size, bool *oom)
{
	size_t n = *cap ? *cap : 16;
	void *nv;

	if (need <= *cap)
		return v;
	while (n < need)
		n *= 2;
	if ((nv = realloc(v, n * size)) == NULL) {
		*oom = true;
		return NULL;
	}
	*cap = n;
	return nv;
}

static bool
catch_all(const struct pentry *e)
{
	return e->proto == RULES_PROTO_ANY && e->nports == 0;
}

static void
add_event(struct builder *b, int fam, struct key k, uint32_t entry,
    int delta)
{
	struct event *v = grow(b->ev[fam], &b->capev[fam], b->nev[fam] + 1,
	    sizeof(*v), &b->oom);

	if (v == NULL)
		return;
	b->ev[fam] = v;
	v[b->nev[fam]++] = (struct event){ k, entry, delta };
}

static void
add_wild(struct builder *b, int fam, uint32_t entry)
{
	struct family_index *fi = &b->p->fam[fam];
	uint32_t *v;

	/* Entries arrive in order: nothing after a catch-all can win. */
	if (fi->nwild > 0 && (fi->wild[fi->nwild - 1] == entry ||
	    catch_all(&b->p->e[fi->wild[fi->nwild - 1]])))
		return;
	if ((v = realloc(fi->wild, (fi->nwild + 1) * sizeof(*v))) == NULL) {
		b->oom = true;
		return;
	}
	fi->wild = v;
	v[fi->nwild++] = entry;
}

static void
add_cidr(struct builder *b, const struct rules_cidr *c, uint32_t entry)
{
	int fam = c->family == 6;
	struct key end;

	if (c->len == 0) {
		add_wild(b, fam, entry);
		return;
	}
	add_event(b, fam, key_of(c->family, c->addr), entry, +1);
	if (cidr_end_plus_one(c, &end))
		add_event(b, fam, end, entry, -1);
}

/* Appends list (n entries) to the pool unless it equals the last one. */
static bool
emit(struct builder *b, struct family_index *fi, size_t *capstart,
    size_t *cappool, struct key k, const uint32_t *list, size_t n)
{
	struct rules_policy *p = b->p;
	uint32_t off = 0, prev = fi->n ? fi->list[fi->n - 1] : 0;
	struct key *ks;
	uint32_t *ls, *pool;

	if (p->pool[prev] == n &&
	    memcmp(&p->pool[prev + 1], list, n * sizeof(*list)) == 0)
		return true;
	if (n > 0) {
		pool = grow(p->pool, cappool, p->npool + n + 1, sizeof(*pool),
		    &b->oom);
		if (pool == NULL)
			return false;
		p->pool = pool;
		off = (uint32_t)p->npool;
		pool[off] = (uint32_t)n;
		memcpy(&pool[off + 1], list, n * sizeof(*list));
		p->npool += n + 1;
	}
	{
		size_t cap = *capstart;

		ks = grow(fi->start, &cap, fi->n + 1, sizeof(*ks), &b->oom);
		if (ks == NULL)
			return false;
		fi->start = ks;
		cap = *capstart;
		ls = grow(fi->list, &cap, fi->n + 1, sizeof(*ls), &b->oom);
		if (ls == NULL)
			return false;
		fi->list = ls;
		*capstart = cap;
	}
	fi->start[fi->n] = k;
	fi->list[fi->n++] = off;
	return true;
}

/*
 * Sweeps the sorted interval ends, keeping the entries that cover the
 * current point in ascending order, and cuts each emitted list after its
 * first catch-all entry: later ones can never be the first match.
 */
static void
sweep(struct builder *b, int fam, size_t *cappool)
{
	struct rules_policy *p = b->p;
	struct family_index *fi = &p->fam[fam];
	struct event *ev = b->ev[fam];
	size_t nev = b->nev[fam], i = 0, j, nactive = 0, capstart = 0, n;
	uint32_t *count = calloc(p->ne ? p->ne : 1, sizeof(*count));
	uint32_t *active = malloc((p->ne ? p->ne : 1) * sizeof(*active));

	if (count == NULL || active == NULL) {
		b->oom = true;
		goto out;
	}
	if (nev > 0)
		qsort(ev, nev, sizeof(*ev), event_cmp);
	while (i < nev && !b->oom) {
		struct key k = ev[i].k;

		for (; i < nev && key_cmp(&ev[i].k, &k) == 0; i++) {
			uint32_t e = ev[i].entry;

			if (ev[i].delta > 0 && count[e]++ == 0) {
				for (j = nactive; j > 0 && active[j - 1] > e; j--)
					active[j] = active[j - 1];
				active[j] = e;
				nactive++;
			} else if (ev[i].delta < 0 && --count[e] == 0) {
				for (j = 0; active[j] != e; j++)
					;
				memmove(&active[j], &active[j + 1],
				    (nactive - j - 1) * sizeof(*active));
				nactive--;
			}
		}
		for (n = 0; n < nactive && !catch_all(&p->e[active[n]]); n++)
			;
		n = n < nactive ? n + 1 : nactive;
		emit(b, fi, &capstart, cappool, k, active, n);
	}
out:
	free(count);
	free(active);
}

/* ---- selection ---- */

static const char *
base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

static bool
program_matches(const struct rules_file *f, const char *exe,
    const char *argv0)
{
	size_t i;

	for (i = 0; i < f->nprograms; i++) {
		const char *want = f->programs[i];
		const char *cands[2] = { exe, argv0 };
		int c;

		for (c = 0; c < 2; c++) {
			if (cands[c] == NULL || cands[c][0] == '\0')
				continue;
			if (strchr(want, '/') ? strcmp(want, cands[c]) == 0
					      : strcmp(want,
						    base_name(cands[c])) == 0)
				return true;
		}
	}
	return false;
}

static char *
keep(struct builder *b, char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(*nv));

	if (nv == NULL) {
		b->oom = true;
		return NULL;
	}
	*v = nv;
	if ((nv[*n] = strdup(s)) == NULL) {
		b->oom = true;
		return NULL;
	}
	return nv[(*n)++];
}

static unsigned
slot_of(struct builder *b, const char *iface)
{
	struct rules_policy *p = b->p;
	size_t i;

	if (iface == NULL)
		return 0;
	for (i = 0; i < p->nifaces; i++)
		if (strcmp(p->ifaces[i], iface) == 0)
			return (unsigned)i;
	keep(b, &p->ifaces, &p->nifaces, iface);
	return b->oom ? 0 : (unsigned)(p->nifaces - 1);
}

static void
add_pentry(struct builder *b, size_t *cap, const struct rules_entry *re,
    const char *file, int line, const struct rules_ports *ports)
{
	struct rules_policy *p = b->p;
	struct pentry *e = grow(p->e, cap, p->ne + 1, sizeof(*e), &b->oom);

	if (e == NULL)
		return;
	p->e = e;
	e = &e[p->ne];
	e->proto = re->proto;
	e->ports = ports;
	e->nports = re->nports;
	e->action = re->action;
	e->reason = re->reason;
	e->iface = re->action == RULES_BIND ? slot_of(b, re->iface) : 0;
	e->err = re->err;
	e->file = file;
	e->line = line;
	if (e->action == RULES_BIND && e->iface == 0 &&
	    p->ifaces[0][0] == '\0' && p->unbound_file == NULL) {
		p->unbound_file = file;
		p->unbound_line = line;
	}
	p->ne++;
}

/* Copies what the applicable files say, in precedence order. */
static void
collect(struct builder *b, const struct rules_file **files, size_t nfiles)
{
	struct rules_policy *p = b->p;
	size_t i, j, k, nports = 0, used = 0, cap = 0;

	for (i = 0; i < nfiles; i++)
		for (j = 0; j < files[i]->nentries; j++)
			nports += files[i]->entries[j].nports;
	if (nports > 0 &&
	    (p->ports = malloc(nports * sizeof(*p->ports))) == NULL) {
		b->oom = true;
		return;
	}
	for (i = 0; i < nfiles && !b->oom; i++) {
		const char *name = keep(b, &p->files, &p->nfiles,
		    files[i]->name);

		for (j = 0; j < files[i]->nentries && !b->oom; j++) {
			const struct rules_entry *re = &files[i]->entries[j];
			const struct rules_ports *ports =
			    p->ports ? p->ports + used : NULL;

			if (re->nports > 0)
				memcpy(&p->ports[used], re->ports,
				    re->nports * sizeof(*re->ports));
			used += re->nports;
			if (re->reason == RULES_BY_EXCLUDE) {
				/* One entry per CIDR, so a verdict names the
				 * line of the very address that matched. */
				for (k = 0; k < re->ndst && !b->oom; k++) {
					add_pentry(b, &cap, re, name,
					    re->dst[k].line, ports);
					add_cidr(b, &re->dst[k],
					    (uint32_t)(p->ne - 1));
				}
				continue;
			}
			add_pentry(b, &cap, re, name, re->line, ports);
			if (re->ndst == 0) {
				add_wild(b, 0, (uint32_t)(p->ne - 1));
				add_wild(b, 1, (uint32_t)(p->ne - 1));
			}
			for (k = 0; k < re->ndst && !b->oom; k++)
				add_cidr(b, &re->dst[k], (uint32_t)(p->ne - 1));
		}
	}
}

struct rules_policy *
rules_select(const struct rules_set *set, const char *exe, const char *argv0,
    const char *default_iface, char *why, size_t whylen)
{
	struct rules_policy *p = calloc(1, sizeof(*p));
	struct builder b = { p, { NULL, NULL }, { 0, 0 }, { 0, 0 }, false };
	const struct rules_file **files = NULL;
	size_t i, nfiles = 0, cappool = 1, nsets = set ? set->nfiles : 0;
	const char *dflt = default_iface;
	int pass;

	if (p == NULL || (p->pool = calloc(1, sizeof(*p->pool))) == NULL ||
	    (nsets > 0 && (files = malloc(nsets * sizeof(*files))) == NULL))
		goto oom;
	p->npool = 1; /* offset 0: the empty list */
	/* Per-app files first, then the general ones, each in name order. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nsets; i++) {
			const struct rules_file *f = &set->files[i];

			if (pass == 0 ? f->nprograms > 0 &&
				program_matches(f, exe, argv0)
				      : f->nprograms == 0)
				files[nfiles++] = f;
		}
	for (i = 0; dflt == NULL && i < nfiles; i++)
		if (files[i]->iface != NULL) {
			dflt = files[i]->iface;
			p->default_line = files[i]->iface_line;
			/* default_file is set once the names are kept */
		}
	if (keep(&b, &p->ifaces, &p->nifaces, dflt ? dflt : "") == NULL)
		goto oom;
	for (i = 0; i < nfiles; i++)
		if (files[i]->dns != NULL) {
			if ((p->dns = strdup(files[i]->dns)) == NULL)
				goto oom;
			break;
		}
	collect(&b, files, nfiles);
	for (i = 0; default_iface == NULL && dflt != NULL && i < nfiles; i++)
		if (files[i]->iface == dflt) {
			p->default_file = p->files[i];
			break;
		}
	sweep(&b, 0, &cappool);
	sweep(&b, 1, &cappool);
	if (b.oom)
		goto oom;
	free(b.ev[0]);
	free(b.ev[1]);
	free(files);
	return p;
oom:
	free(b.ev[0]);
	free(b.ev[1]);
	free(files);
	rules_policy_free(p);
	snprintf(why, whylen, "out of memory compiling the rules");
	return NULL;
}

void
rules_policy_free(struct rules_policy *p)
{
	size_t i;

	if (p == NULL)
		return;
	for (i = 0; i < 2; i++) {
		free(p->fam[i].start);
		free(p->fam[i].list);
		free(p->fam[i].wild);
	}
	for (i = 0; i < p->nifaces; i++)
		free(p->ifaces[i]);
	for (i = 0; i < p->nfiles; i++)
		free(p->files[i]);
	free(p->ifaces);
	free(p->files);
	free(p->dns);
	free(p->e);
	free(p->ports);
	free(p->pool);
	free(p);
}

const char *
rules_policy_dns(const struct rules_policy *p)
{
	return p->dns;
}

size_t
rules_policy_nifaces(const struct rules_policy *p)
{
	return p->nifaces;
}

const char *
rules_policy_iface(const struct rules_policy *p, unsigned slot)
{
	return slot < p->nifaces ? p->ifaces[slot] : "";
}

bool
rules_policy_unbound_bind(const struct rules_policy *p, const char **file,
    int *line)
{
	if (p->unbound_file == NULL)
		return false;
	*file = p->unbound_file;
	*line = p->unbound_line;
	return true;
}

/* ---- matching ---- */

static bool
takes(const struct pentry *e, unsigned proto, uint16_t port)
{
	size_t i;

	if (!(e->proto & proto))
		return false;
	if (e->nports == 0)
		return true;
	if (!(proto & (RULES_PROTO_TCP | RULES_PROTO_UDP)))
		return false;
	for (i = 0; i < e->nports; i++)
		if (port >= e->ports[i].lo && port <= e->ports[i].hi)
			return true;
	return false;
}

static const uint32_t *
interval_list(const struct rules_policy *p, const struct family_index *fi,
    const struct key *k, size_t *n)
{
	size_t lo = 0, hi = fi->n;

	/* The last interval that starts at or before k. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (key_cmp(&fi->start[mid], k) <= 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo == 0) {
		*n = 0;
		return NULL;
	}
	*n = p->pool[fi->list[lo - 1]];
	return &p->pool[fi->list[lo - 1] + 1];
}

static bool
is_loopback(int family, const uint8_t *a)
{
	static const uint8_t zero[16];

	if (family == 4)
		return a[0] == 127 || memcmp(a, zero, 4) == 0;
	return memcmp(a, zero, 15) == 0 && (a[15] == 1 || a[15] == 0);
}

/* Link-local, multicast, broadcast: they belong to a link, not a route. */
static bool
is_special(int family, const uint8_t *a)
{
	if (family == 4)
		return (a[0] == 169 && a[1] == 254) || (a[0] & 0xf0) == 224 ||
		    (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255);
	return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || a[0] == 0xff;
}

static void
verdict_of(const struct pentry *e, struct rules_verdict *v)
{
	v->action = e->action;
	v->reason = e->reason;
	v->iface = e->iface;
	v->err = e->err;
	v->file = e->file;
	v->line = e->line;
}

void
rules_match(const struct rules_policy *p, const struct rules_query *query,
    struct rules_verdict *v)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
		0xff };
	const uint32_t *list, *wild;
	size_t n, nwild, i = 0, j = 0;
	const uint8_t *addr = query->addr;
	int family = query->family;
	struct key k;
	bool special;

	memset(v, 0, sizeof(*v));
	if (family == 6 && memcmp(addr, mapped, 12) == 0) {
		family = 4;
		addr += 12;
	}
	if (is_loopback(family, addr)) {
		v->reason = RULES_BY_LOOPBACK;
		return;
	}
	special = is_special(family, addr);
	k = key_of(family, addr);
	list = interval_list(p, &p->fam[family == 6], &k, &n);
	wild = p->fam[family == 6].wild;
	nwild = special ? 0 : p->fam[family == 6].nwild;
	/* Both lists ascend: the first entry that takes the query wins. */
	while (i < n || j < nwild) {
		uint32_t e;

		if (j >= nwild || (i < n && list[i] < wild[j]))
			e = list[i++];
		else
			e = wild[j++];
		if (takes(&p->e[e], query->proto, query->port)) {
			verdict_of(&p->e[e], v);
			return;
		}
	}
	if (special) {
		v->reason = RULES_BY_SPECIAL;
	} else if (p->ifaces[0][0] != '\0') {
		v->action = RULES_BIND;
		v->reason = RULES_BY_DEFAULT;
		v->file = p->default_file;
		v->line = p->default_line;
	} else
		v->reason = RULES_BY_NOTHING;
}

/* ---- names ---- */

const char *
rules_action_name(enum rules_action a)
{
	switch (a) {
	case RULES_BIND:
		return "bind";
	case RULES_REJECT:
		return "reject";
	default:
		return "pass";
	}
}

const char *
rules_proto_name(unsigned proto)
{
	static const char *const names[16] = { "none", "tcp", "udp", "tcp,udp",
		"icmp", "tcp,icmp", "udp,icmp", "tcp,udp,icmp", "raw", "tcp,raw",
		"udp,raw", "tcp,udp,raw", "icmp,raw", "tcp,icmp,raw",
		"udp,icmp,raw", "any" };

	return names[proto & RULES_PROTO_ANY];
}

const char *
rules_reason_name(enum rules_reason r)
{
	switch (r) {
	case RULES_BY_RULE:
		return "rule";
	case RULES_BY_EXCLUDE:
		return "exclude";
	case RULES_BY_DEFAULT:
		return "default";
	case RULES_BY_LOOPBACK:
		return "loopback";
	case RULES_BY_SPECIAL:
		return "link-local or multicast";
	default:
		return "no rule";
	}
}
