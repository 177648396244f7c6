/*
 * image.h - the compiled form of a policy, private to config/: one
 * pointer-free block ("image") that match.c reads in place, whether it sits
 * in the heap or in a read-only mapping handed over by the launcher. Every
 * reference is an index or an offset, so image.c can check them all.
 */
#ifndef BINDIF_IMAGE_H
#define BINDIF_IMAGE_H

#include "rules_impl.h"

#define IMG_NONE 0xffffffffu   /* no file, no string */
#define IMG_SINGLE 0x80000000u /* a list of one slot, held in place */
/* Of images and of the bundles that hold them. 2: a per-app file's
 * interface = is asked before the general files (an image of 1 holds the
 * older order, and must not decide). 3: the header carries mark = (an
 * image of 2 has none, and would be misread). */
#define IMG_VERSION 3

/*
 * One rule, or one whole exclude list. Its slots (one per CIDR of an
 * exclude list, one for a rule) run from first_slot to the next entry's;
 * slots are the precedence order, and each has the line a verdict names.
 */
struct pentry {
	uint32_t first_slot;
	uint32_t ports, nports; /* into the ports array */
	uint32_t iface;         /* slot of the interface table */
	uint32_t file;          /* into the files table */
	int32_t err;
	uint8_t proto, action, reason, pad;
};

/*
 * Sorted, non-overlapping address intervals of one family: interval i
 * starts at key i and carries list i (0: empty; IMG_SINGLE|slot; else an
 * offset into the pool, where a count precedes the slots). Keys are 64 bits
 * (IPv4, and IPv6 when no prefix is longer than /64) or 128 (lo non-NULL).
 */
struct image_family {
	const uint64_t *hi, *lo;
	const uint32_t *list;
	uint32_t n;
	const uint32_t *wild; /* slots matching every address: no dst, /0 */
	uint32_t nwild;
};

/* An interval's start, and a looked-up address, as a 128-bit key; IPv4
 * uses hi only. The compiler and the lookup must agree on it. */
struct key {
	uint64_t hi, lo;
};

static inline uint64_t
be64(const uint8_t *p)
{
	return (uint64_t)p[0] << 56 | (uint64_t)p[1] << 48 |
	    (uint64_t)p[2] << 40 | (uint64_t)p[3] << 32 | (uint64_t)p[4] << 24 |
	    (uint64_t)p[5] << 16 | (uint64_t)p[6] << 8 | p[7];
}

static inline struct key
key_of(int family, const uint8_t *addr)
{
	struct key k = { 0, 0 };

	if (family == 4) {
		k.hi = (uint64_t)addr[0] << 24 | (uint64_t)addr[1] << 16 |
		    (uint64_t)addr[2] << 8 | addr[3];
		return k;
	}
	k.hi = be64(addr);
	k.lo = be64(addr + 8);
	return k;
}

static inline int
key_cmp(const struct key *a, const struct key *b)
{
	if (a->hi != b->hi)
		return a->hi < b->hi ? -1 : 1;
	if (a->lo != b->lo)
		return a->lo < b->lo ? -1 : 1;
	return 0;
}

struct rules_policy {
	const struct pentry *e;
	uint32_t ne;
	const uint32_t *slot_line;
	uint32_t nslots;
	const uint32_t *pool;
	uint32_t npool;
	const struct rules_ports *ports;
	uint32_t nports;
	struct image_family fam[2]; /* [0]: IPv4, [1]: IPv6 */
	const char *str;            /* NUL-terminated strings */
	uint32_t nstr;
	const uint32_t
	    *ifaces; /* string offsets; slot 0 the default, "" none */
	uint32_t nifaces;
	const uint32_t *files; /* string offsets */
	uint32_t nfiles;
	uint32_t default_file, default_line; /* IMG_NONE: -i, or none */
	uint32_t unbound_file, unbound_line;
	uint32_t dns;    /* string offset or IMG_NONE */
	uint32_t mark;   /* mark =, 0: none */
	const void *img; /* the block all of the above points into */
	size_t imglen;
	void *own; /* freed with the policy; NULL when the caller owns img */
};

/*
 * Lays out a policy whose arrays live anywhere (compile.c's builder) as one
 * image: its size when dst is NULL, else written at dst (8-aligned, that
 * many bytes), padding zeroed.
 */
size_t image_pack_into(const struct rules_policy *, void *dst);

/* Whether count elements of size bytes at off, 8-aligned, lie inside len
 * bytes: how image.c and bundle.c check every offset they read. */
bool image_fits(uint64_t off, uint64_t count, size_t size, size_t len);

#endif
