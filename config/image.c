/*
 * image.c - policies as pointer-free images: laying them out, and opening
 * them in place with every size, offset, index and order checked first,
 * since an image may come from a mapping or a cache file that something
 * else wrote. Pure: no I/O at all.
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define IMG_MAGIC 0x31474d49u /* "IMG1" */

struct img_fam {
	uint32_t n, nwild, wide, pad;
	uint64_t hi, lo, list, wild;
};

struct img_head {
	uint32_t magic, version;
	uint64_t size;
	uint32_t ne, nslots, npool, nports, nstr, nifaces, nfiles;
	uint32_t default_file, default_line, unbound_file, unbound_line, dns;
	uint32_t mark, pad;
	struct img_fam fam[2];
	uint64_t e, slot_line, pool, ports, ifaces, files, str;
};

/* ---- laying out ---- */

static uint64_t
place(size_t *at, size_t bytes)
{
	size_t off = (*at + 7) & ~(size_t)7;

	*at = off + bytes;
	return off;
}

/* Writes a section where place() put it, zeroing the padding before it
 * (*end: where the last one ended). */
static void
put(char *img, size_t *end, uint64_t off, const void *src, size_t bytes)
{
	memset(img + *end, 0, (size_t)off - *end);
	if (bytes > 0)
		memcpy(img + off, src, bytes);
	*end = (size_t)off + bytes;
}

size_t
image_pack_into(const struct rules_policy *p, void *dst)
{
	struct img_head h;
	size_t at = sizeof(h), end = sizeof(h);
	char *img = dst;
	int f;

	memset(&h, 0, sizeof(h));
	h.magic = IMG_MAGIC;
	h.version = IMG_VERSION;
	h.ne = p->ne;
	h.nslots = p->nslots;
	h.npool = p->npool;
	h.nports = p->nports;
	h.nstr = p->nstr;
	h.nifaces = p->nifaces;
	h.nfiles = p->nfiles;
	h.default_file = p->default_file;
	h.default_line = p->default_line;
	h.unbound_file = p->unbound_file;
	h.unbound_line = p->unbound_line;
	h.dns = p->dns;
	h.mark = p->mark;
	h.e = place(&at, p->ne * sizeof(*p->e));
	h.slot_line = place(&at, p->nslots * sizeof(uint32_t));
	h.pool = place(&at, p->npool * sizeof(uint32_t));
	h.ports = place(&at, p->nports * sizeof(*p->ports));
	h.ifaces = place(&at, p->nifaces * sizeof(uint32_t));
	h.files = place(&at, p->nfiles * sizeof(uint32_t));
	h.str = place(&at, p->nstr);
	for (f = 0; f < 2; f++) {
		const struct image_family *fi = &p->fam[f];

		h.fam[f].n = fi->n;
		h.fam[f].nwild = fi->nwild;
		h.fam[f].wide = fi->lo != NULL;
		h.fam[f].hi = place(&at, fi->n * sizeof(uint64_t));
		h.fam[f].lo = place(&at, fi->lo ? fi->n * sizeof(uint64_t) : 0);
		h.fam[f].list = place(&at, fi->n * sizeof(uint32_t));
		h.fam[f].wild = place(&at, fi->nwild * sizeof(uint32_t));
	}
	h.size = place(&at, 0);
	if (img == NULL)
		return (size_t)h.size;
	memcpy(img, &h, sizeof(h));
	put(img, &end, h.e, p->e, p->ne * sizeof(*p->e));
	put(img, &end, h.slot_line, p->slot_line, p->nslots * sizeof(uint32_t));
	put(img, &end, h.pool, p->pool, p->npool * sizeof(uint32_t));
	put(img, &end, h.ports, p->ports, p->nports * sizeof(*p->ports));
	put(img, &end, h.ifaces, p->ifaces, p->nifaces * sizeof(uint32_t));
	put(img, &end, h.files, p->files, p->nfiles * sizeof(uint32_t));
	put(img, &end, h.str, p->str, p->nstr);
	for (f = 0; f < 2; f++) {
		const struct image_family *fi = &p->fam[f];

		put(img, &end, h.fam[f].hi, fi->hi, fi->n * sizeof(uint64_t));
		put(img, &end, h.fam[f].lo, fi->lo,
		    fi->lo ? fi->n * sizeof(uint64_t) : 0);
		put(img, &end, h.fam[f].list, fi->list,
		    fi->n * sizeof(uint32_t));
		put(img, &end, h.fam[f].wild, fi->wild,
		    fi->nwild * sizeof(uint32_t));
	}
	put(img, &end, h.size, NULL, 0);
	return (size_t)h.size;
}

/* ---- opening ---- */

bool
image_fits(uint64_t off, uint64_t count, size_t size, size_t len)
{
	return off % 8 == 0 && off <= len && count <= (len - off) / size;
}

static int
refuse(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "policy image: %s", what);
	return -1;
}

/* Slots must ascend, each below nslots. */
static bool
slots_ok(const uint32_t *v, uint32_t n, uint32_t nslots)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (v[i] >= nslots || (i > 0 && v[i] <= v[i - 1]))
			return false;
	return true;
}

/*
 * The intervals of one family: keys strictly ascending, lists valid. Pool
 * lists are laid out in interval order, IPv4's before IPv6's, never
 * overlapping: *pool_end, where the last one checked ended, keeps the work
 * linear whatever an image claims.
 */
static int
check_family(const struct rules_policy *p, const struct image_family *fi,
    uint32_t *pool_end, char *why, size_t whylen)
{
	uint32_t i, last = 0;

	for (i = 1; i < fi->n; i++)
		if (fi->lo != NULL ? fi->hi[i] < fi->hi[i - 1] ||
		            (fi->hi[i] == fi->hi[i - 1] &&
		                fi->lo[i] <= fi->lo[i - 1]) :
		                     fi->hi[i] <= fi->hi[i - 1])
			return refuse(why, whylen,
			    "interval keys out of order");
	for (i = 0; i < fi->n; i++) {
		uint32_t v = fi->list[i], count;

		if (v == 0)
			continue;
		if (v & IMG_SINGLE) {
			if ((v & ~IMG_SINGLE) >= p->nslots)
				return refuse(why, whylen, "slot out of range");
			continue;
		}
		if (v == last)
			continue;
		if (v < *pool_end || v >= p->npool)
			return refuse(why, whylen, "list out of range");
		count = p->pool[v];
		if (count > p->npool - v - 1 ||
		    !slots_ok(&p->pool[v + 1], count, p->nslots))
			return refuse(why, whylen, "list out of range");
		last = v;
		*pool_end = v + 1 + count;
	}
	if (!slots_ok(fi->wild, fi->nwild, p->nslots))
		return refuse(why, whylen, "slot out of range");
	return 0;
}

static int
check_entries(const struct rules_policy *p, char *why, size_t whylen)
{
	uint32_t i;

	if (p->ne == 0 ? p->nslots != 0 : p->e[0].first_slot != 0)
		return refuse(why, whylen, "slots without entries");
	for (i = 0; i < p->ne; i++) {
		const struct pentry *e = &p->e[i];

		if (e->first_slot >= p->nslots ||
		    (i > 0 && e->first_slot <= p->e[i - 1].first_slot) ||
		    e->ports > p->nports || e->nports > p->nports - e->ports ||
		    e->iface >= p->nifaces || e->file >= p->nfiles ||
		    e->proto > RULES_PROTO_ANY || e->action > RULES_REJECT ||
		    e->reason > RULES_BY_SPECIAL)
			return refuse(why, whylen, "entry out of range");
	}
	for (i = 0; i < p->nslots; i++)
		if (p->slot_line[i] > INT_MAX)
			return refuse(why, whylen, "line out of range");
	return 0;
}

static bool
strings_ok(const uint32_t *v, uint32_t n, uint32_t nstr)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (v[i] >= nstr)
			return false;
	return true;
}

static int
open_view(const char *img, size_t len, struct rules_policy *p, char *why,
    size_t whylen)
{
	struct img_head h;
	uint32_t pool_end = 1;
	int f;

	if (((uintptr_t)img & 7) != 0 || len < sizeof(h))
		return refuse(why, whylen, "too short or misaligned");
	memcpy(&h, img, sizeof(h));
	if (h.magic != IMG_MAGIC || h.version != IMG_VERSION)
		return refuse(why, whylen, "not an image of this version");
	if (h.size != len)
		return refuse(why, whylen, "size does not match");
	if (!image_fits(h.e, h.ne, sizeof(struct pentry), len) ||
	    !image_fits(h.slot_line, h.nslots, 4, len) ||
	    !image_fits(h.pool, h.npool, 4, len) ||
	    !image_fits(h.ports, h.nports, sizeof(struct rules_ports), len) ||
	    !image_fits(h.ifaces, h.nifaces, 4, len) ||
	    !image_fits(h.files, h.nfiles, 4, len) ||
	    !image_fits(h.str, h.nstr, 1, len))
		return refuse(why, whylen, "array out of bounds");
	memset(p, 0, sizeof(*p));
	p->e = (const void *)(img + h.e);
	p->ne = h.ne;
	p->slot_line = (const void *)(img + h.slot_line);
	p->nslots = h.nslots;
	p->pool = (const void *)(img + h.pool);
	p->npool = h.npool;
	p->ports = (const void *)(img + h.ports);
	p->nports = h.nports;
	p->ifaces = (const void *)(img + h.ifaces);
	p->nifaces = h.nifaces;
	p->files = (const void *)(img + h.files);
	p->nfiles = h.nfiles;
	p->str = img + h.str;
	p->nstr = h.nstr;
	p->default_file = h.default_file;
	p->default_line = h.default_line;
	p->unbound_file = h.unbound_file;
	p->unbound_line = h.unbound_line;
	p->dns = h.dns;
	p->mark = h.mark;
	p->img = img;
	p->imglen = len;
	for (f = 0; f < 2; f++) {
		const struct img_fam *hf = &h.fam[f];
		struct image_family *fi = &p->fam[f];

		if (hf->wide > 1 || !image_fits(hf->hi, hf->n, 8, len) ||
		    (hf->wide && !image_fits(hf->lo, hf->n, 8, len)) ||
		    !image_fits(hf->list, hf->n, 4, len) ||
		    !image_fits(hf->wild, hf->nwild, 4, len))
			return refuse(why, whylen, "array out of bounds");
		fi->hi = (const void *)(img + hf->hi);
		fi->lo = hf->wide ? (const void *)(img + hf->lo) : NULL;
		fi->list = (const void *)(img + hf->list);
		fi->n = hf->n;
		fi->wild = (const void *)(img + hf->wild);
		fi->nwild = hf->nwild;
	}
	if (p->nstr == 0 || p->str[p->nstr - 1] != '\0' || p->nifaces == 0 ||
	    p->npool == 0 || !strings_ok(p->ifaces, p->nifaces, p->nstr) ||
	    !strings_ok(p->files, p->nfiles, p->nstr) ||
	    (p->dns != IMG_NONE && p->dns >= p->nstr) ||
	    (p->default_file != IMG_NONE && p->default_file >= p->nfiles) ||
	    (p->unbound_file != IMG_NONE && p->unbound_file >= p->nfiles) ||
	    p->default_line > INT_MAX || p->unbound_line > INT_MAX)
		return refuse(why, whylen, "string or file out of range");
	if (check_entries(p, why, whylen) < 0)
		return -1;
	for (f = 0; f < 2; f++)
		if (check_family(p, &p->fam[f], &pool_end, why, whylen) < 0)
			return -1;
	return 0;
}

struct rules_policy *
rules_image_open(const void *img, size_t len, char *why, size_t whylen)
{
	struct rules_policy *p = malloc(sizeof(*p));

	if (p == NULL) {
		snprintf(why, whylen, "out of memory");
		return NULL;
	}
	if (open_view(img, len, p, why, whylen) < 0) {
		free(p);
		return NULL;
	}
	return p;
}

void
rules_policy_free(struct rules_policy *p)
{
	if (p == NULL)
		return;
	free(p->own);
	free(p);
}
