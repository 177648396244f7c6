/*
 * compile.c - compiles the rules that apply to one program into sorted,
 * non-overlapping address intervals, each carrying the ascending list of
 * slots (a rule, or one CIDR of an exclude list) that cover it; a lookup
 * (match.c) is a binary search and a short walk, so tens of thousands of
 * CIDRs cost a few comparisons. The result is an image (image.h) that
 * matching reads in place. Pure: no I/O at all.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

/* ---- keys ---- */

/* One past the last address of the CIDR k/len of family fam (0: IPv4);
 * false when that is past the family's last address (so the interval has
 * no end to mark). */
static bool
cidr_end_plus_one(struct key k, int fam, int len, struct key *out)
{
	int host = (fam == 0 ? 32 : 128) - len;

	if (fam == 0) {
		k.hi += 1ull << host;
		*out = k;
		return k.hi <= 0xffffffffull;
	}
	if (host >= 64) {
		k.lo = ~0ull;
		k.hi |= host >= 128 ? ~0ull : (1ull << (host - 64)) - 1;
	} else if (host > 0)
		k.lo |= (1ull << host) - 1;
	if (k.hi == ~0ull && k.lo == ~0ull)
		return false;
	if (++k.lo == 0)
		k.hi++;
	*out = k;
	return true;
}

/* ---- building ---- */

/* A growing array. */
struct vec {
	void *v;
	size_t n, cap;
};

/* vec_add past the capacity: doubles it. */
static void *
vec_grow(struct vec *a, size_t size, size_t count, bool *oom)
{
	size_t cap = a->cap ? a->cap : 16;
	void *nv;

	while (cap < a->n + count)
		cap *= 2;
	if (cap > (size_t)1 << 31 || (nv = realloc(a->v, cap * size)) == NULL) {
		*oom = true;
		return NULL;
	}
	a->v = nv;
	a->cap = cap;
	nv = (char *)a->v + a->n * size;
	a->n += count;
	return nv;
}

/* Room for count more elements at the end; NULL once out of memory. The
 * usual case, within the capacity, is a few instructions in line: the
 * sweep adds three elements per CIDR. */
static inline void *
vec_add(struct vec *a, size_t size, size_t count, bool *oom)
{
	void *p;

	if (*oom)
		return NULL;
	if (a->n + count > a->cap)
		return vec_grow(a, size, count, oom);
	p = (char *)a->v + a->n * size;
	a->n += count;
	return p;
}

/* Room for count more at once, where the count is known: growing a
 * large array by doubling copies it into fresh pages each time. */
static void
vec_reserve(struct vec *a, size_t size, size_t count, bool *oom)
{
	void *nv;

	if (*oom || a->n + count <= a->cap)
		return;
	if (a->n + count > (size_t)1 << 31 ||
	    (nv = realloc(a->v, (a->n + count) * size)) == NULL) {
		*oom = true;
		return;
	}
	a->v = nv;
	a->cap = a->n + count;
}

static bool
vec_u32(struct vec *a, uint32_t x, bool *oom)
{
	uint32_t *p = vec_add(a, sizeof(x), 1, oom);

	if (p != NULL)
		*p = x;
	return p != NULL;
}

/* A CIDR of some slot: its first address and prefix length. */
struct span {
	struct key k;
	uint32_t slot;
	uint32_t len;
};

/* The sweep's order: by first address, the larger block first (it holds
 * the smaller: CIDRs never overlap otherwise), then by slot. */
static int
span_cmp(const struct span *a, const struct span *b)
{
	int c = key_cmp(&a->k, &b->k);

	if (c != 0)
		return c;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return a->slot < b->slot ? -1 : a->slot > b->slot;
}

static int
span_qcmp(const void *a, const void *b)
{
	return span_cmp(a, b);
}

/*
 * The longest exclude list of a family, when it is in sweep order already
 * (lists usually are written sorted): read in place, not copied into
 * spans. Its CIDR k has slot first_slot + k; CIDRs of the other family
 * and /0 (a wildcard) are skipped.
 */
struct run {
	const struct rules_entry *re; /* NULL: none */
	uint32_t first_slot;
};

struct builder {
	struct vec e, slot_line, slot_entry, ports, str, ifaces, files, pool;
	struct vec spans[2], wild[2], hi[2], lo[2], list[2];
	struct run run[2];
	bool wide[2];
	uint32_t default_file, default_line, unbound_file, unbound_line, dns;
	bool oom;
};

static bool
catch_all(const struct builder *b, uint32_t slot)
{
	const struct pentry *e = (const struct pentry *)b->e.v +
	    ((const uint32_t *)b->slot_entry.v)[slot];

	return e->proto == RULES_PROTO_ANY && e->nports == 0;
}

static uint32_t
add_string(struct builder *b, const char *s)
{
	size_t len = strlen(s) + 1;
	char *p = vec_add(&b->str, 1, len, &b->oom);

	if (p == NULL)
		return 0;
	memcpy(p, s, len);
	return (uint32_t)(b->str.n - len);
}


static void
add_wild(struct builder *b, int fam, uint32_t slot)
{
	struct vec *w = &b->wild[fam];
	const uint32_t *v = w->v;

	/* Slots arrive in order: nothing after a catch-all can win. */
	if (w->n > 0 && (v[w->n - 1] == slot || catch_all(b, v[w->n - 1])))
		return;
	vec_u32(w, slot, &b->oom);
}

static void
add_cidr(struct builder *b, const struct rules_cidr *c, uint32_t slot)
{
	int fam = c->family == 6;
	struct span *sp;

	if (c->len == 0) {
		add_wild(b, fam, slot);
		return;
	}
	if (c->len > 64)
		b->wide[fam] = true;
	if ((sp = vec_add(&b->spans[fam], sizeof(*sp), 1, &b->oom)) != NULL)
		*sp = (struct span){ key_of(c->family, c->addr), slot,
			(uint32_t)c->len };
}

/* The sweep's view of a family's CIDRs in order: the run merged with the
 * sorted spans. */
struct cursor {
	const struct rules_entry *re;
	size_t r;
	uint32_t first_slot;
	int family;
	const struct span *sp;
	size_t nsp, x;
	struct span buf[2]; /* the next two, while have says so */
	int have;
};

/* The index of the run's first CIDR of family at or after i that the
 * sweep takes (not a /0: a wildcard). */
static size_t
run_next_index(const struct rules_entry *re, int family, size_t i)
{
	while (i < re->ndst &&
	    (re->dst[i].family != family || re->dst[i].len == 0))
		i++;
	return i;
}

/* The run's next span from index r on, if any. */
static bool
run_next(struct cursor *c, struct span *out)
{
	const struct rules_entry *re = c->re;
	const struct rules_cidr *d;

	if (re == NULL || (c->r = run_next_index(re, c->family, c->r)) >=
	    re->ndst)
		return false;
	d = &re->dst[c->r];
	*out = (struct span){ key_of(d->family, d->addr),
		c->first_slot + (uint32_t)c->r, (uint32_t)d->len };
	return true;
}

/* Fills buf up to two spans ahead. */
static void
cursor_fill(struct cursor *c)
{
	struct span r;

	while (c->have < 2) {
		/* run_next stops at its span without taking it. */
		bool hr = run_next(c, &r);

		if (hr && (c->x >= c->nsp || span_cmp(&r, &c->sp[c->x]) <= 0)) {
			c->r++;
			c->buf[c->have++] = r;
		} else if (c->x < c->nsp)
			c->buf[c->have++] = c->sp[c->x++];
		else
			break;
	}
}

static void
cursor_init(struct cursor *c, const struct builder *b, int fam, size_t r)
{
	memset(c, 0, sizeof(*c));
	c->re = b->run[fam].re;
	c->r = r;
	c->first_slot = b->run[fam].first_slot;
	c->family = fam == 0 ? 4 : 6;
	c->sp = b->spans[fam].v;
	c->nsp = b->spans[fam].n;
	cursor_fill(c);
}

/* The next span, or NULL at the end; valid until cursor_step. */
static const struct span *
cursor_peek(const struct cursor *c, int ahead)
{
	return ahead < c->have ? &c->buf[ahead] : NULL;
}

static void
cursor_step(struct cursor *c)
{
	c->buf[0] = c->buf[1];
	c->have--;
	cursor_fill(c);
}

/* Whether the list value prev holds exactly list (n slots). */
static bool
same_list(const struct builder *b, uint32_t prev, const uint32_t *list,
    size_t n)
{
	const uint32_t *pool = b->pool.v;

	if (n == 0 || prev == 0)
		return n == 0 && prev == 0;
	if (n == 1 || (prev & IMG_SINGLE))
		return n == 1 && prev == (IMG_SINGLE | list[0]);
	return pool[prev] == n && memcmp(&pool[prev + 1], list,
	    n * sizeof(*list)) == 0;
}

/* Starts an interval at k with list (n slots) unless it carries on the
 * previous one. */
static void
emit(struct builder *b, int fam, struct key k, const uint32_t *list, size_t n)
{
	struct vec *l = &b->list[fam];
	uint32_t prev = l->n ? ((const uint32_t *)l->v)[l->n - 1] : 0, val;
	uint64_t *h;

	if (same_list(b, prev, list, n))
		return;
	if (n == 0)
		val = 0;
	else if (n == 1)
		val = IMG_SINGLE | list[0];
	else {
		uint32_t *p = vec_add(&b->pool, sizeof(*p), n + 1, &b->oom);

		if (p == NULL)
			return;
		p[0] = (uint32_t)n;
		memcpy(p + 1, list, n * sizeof(*list));
		val = (uint32_t)(b->pool.n - n - 1);
	}
	if ((h = vec_add(&b->hi[fam], sizeof(*h), 1, &b->oom)) == NULL)
		return;
	*h = k.hi;
	if (b->wide[fam]) {
		if ((h = vec_add(&b->lo[fam], sizeof(*h), 1, &b->oom)) == NULL)
			return;
		*h = k.lo;
	}
	vec_u32(l, val, &b->oom);
}

/*
 * The two intervals of a CIDR with nothing else open: k with slot alone
 * (unless the previous one carries on with it), end with none. emit()'s
 * work, in line and with one room check, for the case a long list is.
 */
static void
emit_alone(struct builder *b, int fam, struct key k, uint32_t slot,
    struct key end)
{
	struct vec *l = &b->list[fam];
	uint32_t prev = l->n ? ((const uint32_t *)l->v)[l->n - 1] : 0, *v;
	size_t n = prev == (IMG_SINGLE | slot) ? 1 : 2;
	uint64_t *h, *lo = NULL;

	if ((h = vec_add(&b->hi[fam], sizeof(*h), n, &b->oom)) == NULL ||
	    (b->wide[fam] &&
		(lo = vec_add(&b->lo[fam], sizeof(*lo), n, &b->oom)) == NULL) ||
	    (v = vec_add(l, sizeof(*v), n, &b->oom)) == NULL)
		return;
	if (n == 2) {
		*h++ = k.hi;
		if (lo != NULL)
			*lo++ = k.lo;
		*v++ = IMG_SINGLE | slot;
	}
	*h = end.hi;
	if (lo != NULL)
		*lo = end.lo;
	*v = 0;
}

/*
 * The start of a family's sweep when the run is all it has: while each
 * CIDR ends before the next begins (a long list's usual shape), its two
 * intervals straight from the list, with no cursor, stack or cover. Where
 * that stops, the index the cursor carries on from.
 */
static size_t
sweep_apart(struct builder *b, int fam)
{
	const struct rules_entry *re = b->run[fam].re;
	int family = fam == 0 ? 4 : 6;
	size_t i, j;
	struct key k, end, next = { 0, 0 };

	if (re == NULL || b->spans[fam].n > 0)
		return 0;
	i = run_next_index(re, family, 0);
	if (i < re->ndst)
		k = key_of(family, re->dst[i].addr);
	for (; i < re->ndst && !b->oom; i = j, k = next) {
		if (!cidr_end_plus_one(k, fam, re->dst[i].len, &end))
			break;
		j = run_next_index(re, family, i + 1);
		if (j < re->ndst) {
			next = key_of(family, re->dst[j].addr);
			if (key_cmp(&next, &end) <= 0)
				break;
		}
		emit_alone(b, fam, k, b->run[fam].first_slot + (uint32_t)i, end);
	}
	return i;
}

/* The slots covering the point the sweep is at, ascending; count[slot]
 * says how many of a slot's CIDRs do (a rule may list nested ones). */
struct cover {
	uint32_t *count, *active;
	size_t n;
};

static void
cover_add(struct cover *c, uint32_t s)
{
	size_t j;

	if (c->count[s]++ != 0)
		return;
	for (j = c->n; j > 0 && c->active[j - 1] > s; j--)
		c->active[j] = c->active[j - 1];
	c->active[j] = s;
	c->n++;
}

static void
cover_drop(struct cover *c, uint32_t s)
{
	size_t j;

	if (--c->count[s] != 0)
		return;
	for (j = 0; c->active[j] != s; j++)
		;
	memmove(&c->active[j], &c->active[j + 1],
	    (c->n - j - 1) * sizeof(*c->active));
	c->n--;
}

/* Where a CIDR ends, on the sweep's stack; none: it runs to the end of
 * the family. */
struct open {
	struct key end;
	uint32_t slot;
	bool none;
};

/*
 * Sweeps the CIDRs in address order. They nest or are apart, so the open
 * ones form a stack whose top ends first: at each point where one starts
 * or ends, the slots covering it change, and an interval starts there,
 * with those slots in ascending order, cut after the first catch-all
 * (later ones can never be the first match).
 */
static void
sweep(struct builder *b, int fam)
{
	struct span *sp = b->spans[fam].v;
	size_t nsp = b->spans[fam].n, j, n, top = 0,
	       ns = b->slot_line.n ? b->slot_line.n : 1;
	struct cover cov = { NULL, NULL, 0 };
	const struct span *at, *after;
	struct cursor cur;
	struct open *stack;

	/* All of them: the run's count is an upper bound. */
	if (b->run[fam].re != NULL)
		nsp += b->run[fam].re->ndst;
	/* No CIDR (-i alone, the shim's fallback for bad settings): no
	 * allocation either; every process builds this one. */
	if (nsp == 0)
		return;
	/* An interval starts at most at each start and end. */
	vec_reserve(&b->hi[fam], sizeof(uint64_t), 2 * nsp, &b->oom);
	if (b->wide[fam])
		vec_reserve(&b->lo[fam], sizeof(uint64_t), 2 * nsp, &b->oom);
	vec_reserve(&b->list[fam], sizeof(uint32_t), 2 * nsp, &b->oom);
	cov.count = calloc(ns, sizeof(*cov.count));
	cov.active = malloc(ns * sizeof(*cov.active));
	stack = malloc(nsp * sizeof(*stack));
	if (cov.count == NULL || cov.active == NULL || stack == NULL) {
		b->oom = true;
		goto out;
	}
	/* What the run left, in the same order; written in order, there is
	 * nothing to sort. */
	for (j = 1; j < b->spans[fam].n && span_cmp(&sp[j - 1], &sp[j]) <= 0;
	     j++)
		;
	if (j < b->spans[fam].n)
		qsort(sp, b->spans[fam].n, sizeof(*sp), span_qcmp);
	cursor_init(&cur, b, fam, sweep_apart(b, fam));
	while (((at = cursor_peek(&cur, 0)) != NULL ||
	    (top > 0 && !stack[top - 1].none)) && !b->oom) {
		/* The next point: the innermost open CIDR's end, or the
		 * next start, whichever comes first. */
		struct key k = at != NULL ? at->k : stack[top - 1].end, end;

		/* Most of a long list: a CIDR alone, nothing open, the next
		 * one starting past its end. Its two intervals, directly. */
		if (top == 0 && cidr_end_plus_one(k, fam, (int)at->len, &end) &&
		    ((after = cursor_peek(&cur, 1)) == NULL ||
			key_cmp(&after->k, &end) > 0)) {
			emit(b, fam, k, &at->slot, 1);
			emit(b, fam, end, NULL, 0);
			cursor_step(&cur);
			continue;
		}

		if (top > 0 && !stack[top - 1].none &&
		    key_cmp(&stack[top - 1].end, &k) < 0)
			k = stack[top - 1].end;
		while (top > 0 && !stack[top - 1].none &&
		    key_cmp(&stack[top - 1].end, &k) == 0)
			cover_drop(&cov, stack[--top].slot);
		for (; (at = cursor_peek(&cur, 0)) != NULL &&
		     key_cmp(&at->k, &k) == 0; cursor_step(&cur)) {
			struct open *o = &stack[top++];

			o->slot = at->slot;
			o->none = !cidr_end_plus_one(at->k, fam, (int)at->len,
			    &o->end);
			cover_add(&cov, at->slot);
		}
		for (n = 0; n < cov.n && !catch_all(b, cov.active[n]); n++)
			;
		n = n < cov.n ? n + 1 : cov.n;
		emit(b, fam, k, cov.active, n);
	}
out:
	free(stack);
	free(cov.count);
	free(cov.active);
}

/* ---- the files' entries, as slots ---- */

static uint32_t
slot_of(struct builder *b, const char *iface)
{
	const uint32_t *v = b->ifaces.v;
	size_t i;

	if (iface == NULL)
		return 0;
	for (i = 0; i < b->ifaces.n; i++)
		if (strcmp((const char *)b->str.v + v[i], iface) == 0)
			return (uint32_t)i;
	vec_u32(&b->ifaces, add_string(b, iface), &b->oom);
	return b->oom ? 0 : (uint32_t)(b->ifaces.n - 1);
}

/* A slot: where its verdict's line is, and whose it is. */
static uint32_t
add_slot(struct builder *b, int line)
{
	vec_u32(&b->slot_line, (uint32_t)line, &b->oom);
	vec_u32(&b->slot_entry, (uint32_t)(b->e.n - 1), &b->oom);
	return (uint32_t)(b->slot_line.n - 1);
}

static void
add_pentry(struct builder *b, const struct rules_entry *re, uint32_t file,
    int line)
{
	struct pentry *e = vec_add(&b->e, sizeof(*e), 1, &b->oom);
	struct rules_ports *ports;

	if (e == NULL)
		return;
	memset(e, 0, sizeof(*e));
	e->first_slot = (uint32_t)b->slot_line.n;
	e->ports = (uint32_t)b->ports.n;
	e->nports = (uint32_t)re->nports;
	e->proto = (uint8_t)re->proto;
	e->action = (uint8_t)re->action;
	e->reason = (uint8_t)re->reason;
	e->err = re->err;
	e->file = file;
	if (re->nports > 0 && (ports = vec_add(&b->ports, sizeof(*ports),
	    re->nports, &b->oom)) != NULL)
		memcpy(ports, re->ports, re->nports * sizeof(*ports));
	/* After the vec_adds: e may have moved with them. */
	e = (struct pentry *)b->e.v + b->e.n - 1;
	e->iface = re->action == RULES_BIND ? slot_of(b, re->iface) : 0;
	e = (struct pentry *)b->e.v + b->e.n - 1;
	if (e->action == RULES_BIND && e->iface == 0 &&
	    ((const char *)b->str.v)[((const uint32_t *)b->ifaces.v)[0]] ==
		'\0' && b->unbound_file == IMG_NONE) {
		b->unbound_file = file;
		b->unbound_line = (uint32_t)line;
	}
}

/* Picks each family's run: its longest exclude list that is sorted (the
 * loader noted which are). */
static void
pick_runs(struct builder *b, const struct rules_file *const *files,
    size_t nfiles, size_t in_run[2])
{
	size_t i, j;
	int f;

	in_run[0] = in_run[1] = 0;
	for (i = 0; i < nfiles; i++)
		for (j = 0; j < files[i]->nentries; j++) {
			const struct rules_entry *re = &files[i]->entries[j];

			for (f = 0; f < 2; f++)
				if (re->reason == RULES_BY_EXCLUDE &&
				    re->sorted[f] && re->nfam[f] > in_run[f]) {
					in_run[f] = re->nfam[f];
					b->run[f].re = re;
				}
		}
}

/* One file's rules, then its exclude lists, as slots. */
static void
collect_file(struct builder *b, const struct rules_file *f)
{
	uint32_t file = (uint32_t)b->files.n;
	size_t j, k;

	vec_u32(&b->files, add_string(b, f->name), &b->oom);
	for (j = 0; j < f->nentries && !b->oom; j++) {
		const struct rules_entry *re = &f->entries[j];
		uint32_t slot;

		if (re->reason == RULES_BY_EXCLUDE) {
			/* One entry for the list, one slot per CIDR, so a
			 * verdict names the line of the very address that
			 * matched. */
			uint32_t first, entry, *line, *owner;
			int w;

			if (re->ndst == 0)
				continue;
			add_pentry(b, re, file, re->dst[0].line);
			/* A list's slots are consecutive: written at once
			 * (reserved by collect). */
			first = (uint32_t)b->slot_line.n;
			entry = (uint32_t)(b->e.n - 1);
			line = vec_add(&b->slot_line, sizeof(*line),
			    re->ndst, &b->oom);
			owner = vec_add(&b->slot_entry, sizeof(*owner),
			    re->ndst, &b->oom);
			if (line == NULL || owner == NULL)
				break;
			for (w = 0; w < 2; w++)
				if (b->run[w].re == re)
					b->run[w].first_slot = first;
			for (k = 0; k < re->ndst && !b->oom; k++) {
				const struct rules_cidr *d = &re->dst[k];
				int fam = d->family == 6;

				line[k] = (uint32_t)d->line;
				owner[k] = entry;
				if (b->run[fam].re == re && d->len > 0)
					b->wide[fam] |= d->len > 64;
				else
					add_cidr(b, d, first + (uint32_t)k);
			}
			continue;
		}
		add_pentry(b, re, file, re->line);
		slot = add_slot(b, re->line);
		if (re->ndst == 0) {
			add_wild(b, 0, slot);
			add_wild(b, 1, slot);
		}
		for (k = 0; k < re->ndst && !b->oom; k++)
			add_cidr(b, &re->dst[k], slot);
	}
}

/*
 * The per-app files' interface =: an entry after their rules and exclude
 * lists that binds every destination to the default interface (slot 0,
 * which -i names when given), so what the general files say after it
 * decides only what it leaves: link-local, multicast and broadcast (a
 * wildcard never takes those). file and line are the interface ='s: it put
 * the entry here, even when -i names the interface.
 */
static void
add_app_default(struct builder *b, uint32_t file, int line)
{
	static const struct rules_entry every = { .proto = RULES_PROTO_ANY,
		.action = RULES_BIND, .reason = RULES_BY_DEFAULT };
	uint32_t slot;

	add_pentry(b, &every, file, line);
	slot = add_slot(b, line);
	add_wild(b, 0, slot);
	add_wild(b, 1, slot);
}

/* Copies what the applicable files say, in precedence order: the first
 * napp files (the per-app ones) and their interface = when app_iface (one
 * of them) has one, then the rest. */
static void
collect(struct builder *b, const struct rules_file *const *files,
    size_t nfiles, size_t napp, size_t app_iface)
{
	size_t i, j, n[2] = { 0, 0 }, slots = 1, in_run[2];

	/* Every array sized once: a span per CIDR not in a run (a /0 of a
	 * run is a wildcard; the estimate is high by those), a slot per CIDR
	 * of an exclude list, one for the per-app interface =. */
	for (i = 0; i < nfiles; i++)
		for (j = 0; j < files[i]->nentries; j++) {
			const struct rules_entry *re = &files[i]->entries[j];

			n[0] += re->nfam[0];
			n[1] += re->nfam[1];
			slots += re->reason == RULES_BY_EXCLUDE ? re->ndst : 1;
		}
	pick_runs(b, files, nfiles, in_run);
	vec_reserve(&b->spans[0], sizeof(struct span), n[0] - in_run[0],
	    &b->oom);
	vec_reserve(&b->spans[1], sizeof(struct span), n[1] - in_run[1],
	    &b->oom);
	vec_reserve(&b->slot_line, sizeof(uint32_t), slots, &b->oom);
	vec_reserve(&b->slot_entry, sizeof(uint32_t), slots, &b->oom);

	for (i = 0; i < napp && !b->oom; i++)
		collect_file(b, files[i]);
	if (app_iface < napp && !b->oom)
		add_app_default(b, (uint32_t)app_iface,
		    files[app_iface]->iface_line);
	for (; i < nfiles && !b->oom; i++)
		collect_file(b, files[i]);
}

static void
builder_free(struct builder *b)
{
	int f;

	free(b->e.v);
	free(b->slot_line.v);
	free(b->slot_entry.v);
	free(b->ports.v);
	free(b->str.v);
	free(b->ifaces.v);
	free(b->files.v);
	free(b->pool.v);
	for (f = 0; f < 2; f++) {
		free(b->spans[f].v);
		free(b->wild[f].v);
		free(b->hi[f].v);
		free(b->lo[f].v);
		free(b->list[f].v);
	}
}

/* The builder's arrays as a policy, for image_pack. */
static void
view_of(const struct builder *b, struct rules_policy *p)
{
	int f;

	memset(p, 0, sizeof(*p));
	p->e = b->e.v;
	p->ne = (uint32_t)b->e.n;
	p->slot_line = b->slot_line.v;
	p->nslots = (uint32_t)b->slot_line.n;
	p->pool = b->pool.v;
	p->npool = (uint32_t)b->pool.n;
	p->ports = b->ports.v;
	p->nports = (uint32_t)b->ports.n;
	for (f = 0; f < 2; f++) {
		p->fam[f].hi = b->hi[f].v;
		p->fam[f].lo = b->wide[f] ? b->lo[f].v : NULL;
		p->fam[f].list = b->list[f].v;
		p->fam[f].n = (uint32_t)b->list[f].n;
		p->fam[f].wild = b->wild[f].v;
		p->fam[f].nwild = (uint32_t)b->wild[f].n;
	}
	p->str = b->str.v;
	p->nstr = (uint32_t)b->str.n;
	p->ifaces = b->ifaces.v;
	p->nifaces = (uint32_t)b->ifaces.n;
	p->files = b->files.v;
	p->nfiles = (uint32_t)b->files.n;
	p->default_file = b->default_file;
	p->default_line = b->default_line;
	p->unbound_file = b->unbound_file;
	p->unbound_line = b->unbound_line;
	p->dns = b->dns;
}

size_t
rules_compile_to(const struct rules_file *const *files, size_t nfiles,
    const char *default_iface, void *(*room)(void *arg, size_t len),
    void *arg, char *why, size_t whylen)
{
	struct builder b;
	struct rules_policy view;
	const char *dflt = default_iface;
	size_t i, dflt_file = nfiles, napp, app_iface, len = 0;
	void *img;

	memset(&b, 0, sizeof(b));
	b.default_file = b.unbound_file = b.dns = IMG_NONE;
	vec_u32(&b.pool, 0, &b.oom); /* offset 0: the empty list */
	/* The per-app files lead (rules_select and bundles put them first);
	 * the first of them with interface = places the default right after
	 * them, before every general file (-i only renames it). */
	for (napp = 0; napp < nfiles && files[napp]->nprograms > 0; napp++)
		;
	for (app_iface = 0; app_iface < napp &&
	     files[app_iface]->iface == NULL; app_iface++)
		;
	for (i = 0; dflt == NULL && i < nfiles; i++)
		if (files[i]->iface != NULL) {
			dflt = files[i]->iface;
			dflt_file = i;
			b.default_line = (uint32_t)files[i]->iface_line;
		}
	vec_u32(&b.ifaces, add_string(&b, dflt ? dflt : ""), &b.oom);
	for (i = 0; i < nfiles; i++)
		if (files[i]->dns != NULL) {
			b.dns = add_string(&b, files[i]->dns);
			break;
		}
	collect(&b, files, nfiles, napp, app_iface);
	if (dflt_file < nfiles)
		b.default_file = (uint32_t)dflt_file; /* files' order */
	sweep(&b, 0);
	sweep(&b, 1);
	if (!b.oom) {
		view_of(&b, &view);
		len = image_pack_into(&view, NULL);
		if ((img = room(arg, len)) != NULL)
			(void)image_pack_into(&view, img);
		else
			len = 0;
	}
	builder_free(&b);
	if (len == 0)
		snprintf(why, whylen, "out of memory compiling the rules");
	return len;
}

/* A heap block of its own for an image (malloc aligns to 8 and more). */
static void *
heap_room(void *arg, size_t len)
{
	return *(void **)arg = malloc(len);
}

struct rules_policy *
rules_compile(const struct rules_file *const *files, size_t nfiles,
    const char *default_iface, char *why, size_t whylen)
{
	struct rules_policy *p;
	void *img = NULL;
	size_t len = rules_compile_to(files, nfiles, default_iface, heap_room,
	    &img, why, whylen);

	if (len > 0 && (p = rules_image_open(img, len, why, whylen)) != NULL) {
		p->own = img;
		return p;
	}
	free(img);
	return NULL;
}
