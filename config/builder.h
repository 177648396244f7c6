/*
 * builder.h - the compiler's working state, private to config/: growing
 * arrays, the CIDRs collected from the files (compile.c), and what the
 * sweep (sweep.c) turns them into, before image_pack_into lays it out.
 */
#ifndef BINDIF_BUILDER_H
#define BINDIF_BUILDER_H

#include <stdlib.h>

#include "image.h"

/* A growing array. */
struct vec {
	void *v;
	size_t n, cap;
};

/* vec_add past the capacity: doubles it. */
static inline void *
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
static inline void
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

static inline bool
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
	uint32_t mark;
	bool oom;
};

/* Whether a slot's entry takes every protocol and port: nothing after it
 * can be the first match. */
static inline bool
catch_all(const struct builder *b, uint32_t slot)
{
	const struct pentry *e = (const struct pentry *)b->e.v +
	    ((const uint32_t *)b->slot_entry.v)[slot];

	return e->proto == RULES_PROTO_ANY && e->nports == 0;
}

/* The intervals of family fam (0: IPv4) from the collected CIDRs, into
 * hi/lo/list; b->oom set when memory ran out. */
void compile_sweep(struct builder *b, int fam);

#endif
