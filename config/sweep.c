/*
 * sweep.c - the compiler's second half: the CIDRs compile.c collected,
 * swept in address order into sorted, non-overlapping intervals, each with
 * the ascending slots that cover it, cut after the first catch-all.
 */
#include <string.h>

#include "builder.h"

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

	if (re == NULL ||
	    (c->r = run_next_index(re, c->family, c->r)) >= re->ndst)
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
	return pool[prev] == n &&
	    memcmp(&pool[prev + 1], list, n * sizeof(*list)) == 0;
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
		emit_alone(b, fam, k, b->run[fam].first_slot + (uint32_t)i,
		    end);
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
void
compile_sweep(struct builder *b, int fam)
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
	           (top > 0 && !stack[top - 1].none)) &&
	    !b->oom) {
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
		     key_cmp(&at->k, &k) == 0;
		     cursor_step(&cur)) {
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
