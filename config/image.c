/*
 * image.c - policies as pointer-free images, and bundles of them: laying
 * them out, and opening them in place with every size, offset, index and
 * order checked first, since an image may come from a mapping or a cache
 * file that something else wrote. Pure: no I/O at all.
 */
#define _DEFAULT_SOURCE
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define IMG_MAGIC 0x31474d49u /* "IMG1" */
#define BUNDLE_MAGIC 0x31444e42u /* "BND1" */
/* 2: a per-app file's interface = is asked before the general files (an
 * image of 1 holds the older order, and must not decide). */
#define IMG_VERSION 2

struct img_fam {
	uint32_t n, nwild, wide, pad;
	uint64_t hi, lo, list, wild;
};

struct img_head {
	uint32_t magic, version;
	uint64_t size;
	uint32_t ne, nslots, npool, nports, nstr, nifaces, nfiles;
	uint32_t default_file, default_line, unbound_file, unbound_line, dns;
	struct img_fam fam[2];
	uint64_t e, slot_line, pool, ports, ifaces, files, str;
};

struct bundle_head {
	uint32_t magic, version;
	uint64_t size;
	uint8_t token[RULES_TOKEN_LEN];
	uint32_t nprog, nnames, npol, keybytes, dflt, nstr;
	uint64_t progs, names, str, dir, keys;
};

struct bundle_prog {
	uint32_t first, n; /* its program names: names[first .. first+n) */
};

struct bundle_dir {
	uint64_t off, len; /* a policy image inside the bundle */
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
		put(img, &end, h.fam[f].list, fi->list, fi->n * sizeof(uint32_t));
		put(img, &end, h.fam[f].wild, fi->wild,
		    fi->nwild * sizeof(uint32_t));
	}
	put(img, &end, h.size, NULL, 0);
	return (size_t)h.size;
}

/* ---- opening ---- */

/* count elements of size bytes at off, aligned, inside len bytes. */
static bool
fits(uint64_t off, uint64_t count, size_t size, size_t len)
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
			(fi->hi[i] == fi->hi[i - 1] && fi->lo[i] <= fi->lo[i - 1])
				   : fi->hi[i] <= fi->hi[i - 1])
			return refuse(why, whylen, "interval keys out of order");
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
	if (!fits(h.e, h.ne, sizeof(struct pentry), len) ||
	    !fits(h.slot_line, h.nslots, 4, len) ||
	    !fits(h.pool, h.npool, 4, len) ||
	    !fits(h.ports, h.nports, sizeof(struct rules_ports), len) ||
	    !fits(h.ifaces, h.nifaces, 4, len) ||
	    !fits(h.files, h.nfiles, 4, len) || !fits(h.str, h.nstr, 1, len))
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
	p->img = img;
	p->imglen = len;
	for (f = 0; f < 2; f++) {
		const struct img_fam *hf = &h.fam[f];
		struct image_family *fi = &p->fam[f];

		if (hf->wide > 1 || !fits(hf->hi, hf->n, 8, len) ||
		    (hf->wide && !fits(hf->lo, hf->n, 8, len)) ||
		    !fits(hf->list, hf->n, 4, len) ||
		    !fits(hf->wild, hf->nwild, 4, len))
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

/* ---- bundles ---- */

struct bytes {
	char *v;
	size_t n, cap;
	bool oom;
	const struct rules_store *store; /* NULL: the heap */
};

static void
bytes_free(struct bytes *b)
{
	if (b->store != NULL && b->v != NULL)
		(void)b->store->resize(b->store->arg, b->v, b->cap, 0);
	else
		free(b->v);
	b->v = NULL;
	b->n = b->cap = 0;
}

/* Appends len bytes right after the last, or (align) at the next 8-aligned
 * offset, which it returns. */
static uint64_t
append_at(struct bytes *b, const void *src, size_t len, bool align)
{
	size_t off = align ? (b->n + 7) & ~(size_t)7 : b->n;
	size_t cap = b->cap ? b->cap : 4096;
	char *nv;

	if (b->oom)
		return 0;
	if (off + len > b->cap) {
		while (cap < off + len)
			cap *= 2;
		nv = b->store ? b->store->resize(b->store->arg, b->v, b->cap,
		    cap) : realloc(b->v, cap);
		if (nv == NULL) {
			b->oom = true;
			return 0;
		}
		b->v = nv;
		b->cap = cap;
	}
	memset(b->v + b->n, 0, off - b->n);
	if (len > 0 && src != NULL) /* NULL: room, filled by the caller */
		memcpy(b->v + off, src, len);
	b->n = off + len;
	return off;
}

static uint64_t
append(struct bytes *b, const void *src, size_t len)
{
	return append_at(b, src, len, true);
}

/* The group of per-app files (bit i: the set's i-th file with program =)
 * a program selects. */
static void
group_of(const struct rules_set *set, const char *exe, const char *argv0,
    uint8_t *key)
{
	size_t i, bit = 0;

	for (i = 0; i < set->nfiles; i++) {
		if (set->files[i].nprograms == 0)
			continue;
		if (rules_file_matches(&set->files[i], exe, argv0))
			key[bit / 8] |= (uint8_t)(1u << (bit % 8));
		bit++;
	}
}

/* Adds key to keys (n of them, kb bytes each) unless it is there. */
static void
add_group(uint8_t *keys, size_t *n, size_t kb, const uint8_t *key)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (memcmp(keys + i * kb, key, kb) == 0)
			return;
	if (*n < RULES_BUNDLE_MAX)
		memcpy(keys + (*n)++ * kb, key, kb);
}

/* Room for an image at the bundle's next 8-aligned offset. */
static void *
bundle_room(void *arg, size_t len)
{
	struct bytes *b = arg;
	size_t off;

	off = (size_t)append(b, NULL, 0);
	if (b->oom || append_at(b, NULL, len, false) != off)
		return NULL;
	return b->v + off;
}

/* The policy of one group (its per-app files, then the general ones),
 * compiled in place at the end of b; its size, or 0 and why. */
static size_t
compile_group(const struct rules_set *set, const uint8_t *key,
    const char *default_iface, struct bytes *b, char *why, size_t whylen)
{
	const struct rules_file **files = malloc((set->nfiles + 1) *
	    sizeof(*files));
	size_t i, n = 0, bit, len;
	int pass;

	if (files == NULL) {
		snprintf(why, whylen, "out of memory compiling the rules");
		return 0;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0, bit = 0; i < set->nfiles; i++) {
			const struct rules_file *f = &set->files[i];

			if (f->nprograms > 0 ? pass == 0 &&
				(key[bit / 8] >> (bit % 8) & 1)
					     : pass == 1)
				files[n++] = f;
			bit += f->nprograms > 0;
		}
	len = rules_compile_to(files, n, default_iface, bundle_room, b, why,
	    whylen);
	free(files);
	return len;
}

/* The strings (-i, the program names), the names and the program table. */
static void
bundle_programs(const struct rules_set *set, const char *dflt,
    struct bundle_head *h, struct bytes *b)
{
	struct bytes str = { 0 }, names = { 0 }, progs = { 0 };
	size_t i, j;
	uint32_t off;

	h->dflt = IMG_NONE;
	if (dflt != NULL && dflt[0] != '\0')
		h->dflt = (uint32_t)append_at(&str, dflt, strlen(dflt) + 1,
		    false);
	for (i = 0; i < set->nfiles; i++) {
		const struct rules_file *f = &set->files[i];
		struct bundle_prog bp = { h->nnames, (uint32_t)f->nprograms };

		if (f->nprograms == 0)
			continue;
		for (j = 0; j < f->nprograms; j++, h->nnames++) {
			off = (uint32_t)append_at(&str, f->programs[j],
			    strlen(f->programs[j]) + 1, false);
			(void)append_at(&names, &off, sizeof(off), false);
		}
		(void)append_at(&progs, &bp, sizeof(bp), false);
		h->nprog++;
	}
	if (str.n == 0)
		(void)append_at(&str, "", 1, false);
	b->oom = b->oom || str.oom || names.oom || progs.oom;
	h->nstr = (uint32_t)str.n;
	h->progs = append(b, progs.v, progs.n);
	h->names = append(b, names.v, names.n);
	h->str = append(b, str.v, str.n);
	free(str.v);
	free(names.v);
	free(progs.v);
}

int
rules_bundle_build(const struct rules_set *set, const char *default_iface,
    const struct rules_prog *progs, size_t nprogs, void **out, size_t *len,
    char *why, size_t whylen)
{
	return rules_bundle_build_in(set, default_iface, progs, nprogs, NULL,
	    out, len, why, whylen);
}

int
rules_bundle_build_in(const struct rules_set *set, const char *default_iface,
    const struct rules_prog *progs, size_t nprogs,
    const struct rules_store *store, void **out, size_t *len, char *why,
    size_t whylen)
{
	static const struct rules_set none = { NULL, 0 };
	struct bundle_head h;
	struct bytes b = { 0 };
	struct bundle_dir *dir = NULL;
	uint8_t *keys, *key;
	size_t i, j, nprog = 0, kb, ngroups = 0, nkept;

	if (set == NULL)
		set = &none;
	for (i = 0; i < set->nfiles; i++)
		nprog += set->files[i].nprograms > 0;
	kb = (nprog + 7) / 8;
	keys = calloc(RULES_BUNDLE_MAX + 1, kb ? kb : 1);
	dir = calloc(RULES_BUNDLE_MAX, sizeof(*dir));
	b.store = store;
	if (keys == NULL || dir == NULL)
		goto oom;
	key = keys + RULES_BUNDLE_MAX * kb; /* scratch */
	/* No per-app file, then the programs about to run, then each name
	 * any file gives: what a child a program starts may be. */
	memset(key, 0, kb);
	add_group(keys, &ngroups, kb, key);
	for (i = 0; i < nprogs; i++) {
		memset(key, 0, kb);
		group_of(set, progs[i].exe, progs[i].argv0, key);
		add_group(keys, &ngroups, kb, key);
	}
	nkept = ngroups; /* these go in whatever their size */
	for (i = 0; i < set->nfiles; i++)
		for (j = 0; j < set->files[i].nprograms; j++) {
			const char *name = set->files[i].programs[j];

			memset(key, 0, kb);
			group_of(set, name, name, key);
			add_group(keys, &ngroups, kb, key);
		}
	memset(&h, 0, sizeof(h));
	(void)append(&b, &h, sizeof(h));
	bundle_programs(set, default_iface, &h, &b);
	h.keys = append(&b, keys, ngroups * kb);
	for (i = 0; i < ngroups && !b.oom; i++) {
		/* Every group holds the general files again: with a large
		 * one, stop while the next would pass the bound (the
		 * general group and the named programs' always go in). */
		if (i >= nkept && b.n + dir[i - 1].len > RULES_BUNDLE_BYTES) {
			ngroups = i;
			break;
		}
		if ((dir[i].len = compile_group(set, keys + i * kb,
		    default_iface, &b, why, whylen)) == 0) {
			bytes_free(&b);
			free(keys);
			free(dir);
			return -1;
		}
		dir[i].off = b.n - dir[i].len; /* bundle_room put it last */
	}
	h.dir = append(&b, dir, ngroups * sizeof(*dir));
	(void)append(&b, NULL, 0); /* the size, 8-aligned */
	if (b.oom)
		goto oom;
	h.magic = BUNDLE_MAGIC;
	h.version = IMG_VERSION;
	h.size = b.n;
	h.npol = (uint32_t)ngroups;
	h.keybytes = (uint32_t)kb;
	memcpy(b.v, &h, sizeof(h));
	free(keys);
	free(dir);
	*out = b.v;
	*len = b.n;
	return 0;
oom:
	bytes_free(&b);
	free(keys);
	free(dir);
	snprintf(why, whylen, "out of memory compiling the rules");
	return -1;
}

void
rules_bundle_set_token(void *bundle, size_t len,
    const uint8_t token[RULES_TOKEN_LEN])
{
	if (len >= sizeof(struct bundle_head))
		memcpy((char *)bundle + offsetof(struct bundle_head, token),
		    token, RULES_TOKEN_LEN);
}

static struct rules_policy *
bundle_refuse(char *why, size_t whylen, const char *what)
{
	snprintf(why, whylen, "policy bundle: %s", what);
	return NULL;
}

struct rules_policy *
rules_bundle_select(const void *bundle, size_t len, const uint8_t *token,
    const char *exe, const char *argv0, const char *default_iface,
    char *why, size_t whylen)
{
	const char *base = bundle, *str, *dflt;
	const struct bundle_prog *progs;
	const struct bundle_dir *dir;
	const uint32_t *names;
	const uint8_t *keys;
	struct bundle_head h;
	uint8_t *key;
	uint32_t i, j;

	if (((uintptr_t)base & 7) != 0 || len < sizeof(h))
		return bundle_refuse(why, whylen, "too short or misaligned");
	memcpy(&h, base, sizeof(h));
	if (h.magic != BUNDLE_MAGIC || h.version != IMG_VERSION)
		return bundle_refuse(why, whylen, "not a bundle of this version");
	if (h.size != len)
		return bundle_refuse(why, whylen, "size does not match");
	if (token != NULL && memcmp(h.token, token, RULES_TOKEN_LEN) != 0)
		return bundle_refuse(why, whylen, "token does not match");
	if (h.keybytes != (h.nprog + 7) / 8 ||
	    !fits(h.progs, h.nprog, sizeof(*progs), len) ||
	    !fits(h.names, h.nnames, 4, len) || !fits(h.str, h.nstr, 1, len) ||
	    !fits(h.dir, h.npol, sizeof(*dir), len) ||
	    !fits(h.keys, h.keybytes ? h.npol : 0, h.keybytes ? h.keybytes : 1,
		len) ||
	    h.nstr == 0 || base[h.str + h.nstr - 1] != '\0' ||
	    (h.dflt != IMG_NONE && h.dflt >= h.nstr))
		return bundle_refuse(why, whylen, "table out of bounds");
	progs = (const void *)(base + h.progs);
	names = (const void *)(base + h.names);
	str = base + h.str;
	dir = (const void *)(base + h.dir);
	keys = (const uint8_t *)base + h.keys;
	dflt = h.dflt == IMG_NONE ? "" : str + h.dflt;
	if (strcmp(dflt, default_iface ? default_iface : "") != 0)
		return bundle_refuse(why, whylen, "made for another -i");
	if ((key = calloc(1, h.keybytes + 1)) == NULL)
		return bundle_refuse(why, whylen, "out of memory");
	for (i = 0; i < h.nprog; i++) {
		if (progs[i].first > h.nnames ||
		    progs[i].n > h.nnames - progs[i].first) {
			free(key);
			return bundle_refuse(why, whylen, "name out of range");
		}
		for (j = progs[i].first; j < progs[i].first + progs[i].n; j++) {
			if (names[j] >= h.nstr) {
				free(key);
				return bundle_refuse(why, whylen,
				    "name out of range");
			}
			if (rules_name_matches(str + names[j], exe, argv0))
				key[i / 8] |= (uint8_t)(1u << (i % 8));
		}
	}
	for (i = 0; i < h.npol; i++)
		if (memcmp(keys + (size_t)i * h.keybytes, key, h.keybytes) == 0)
			break;
	free(key);
	if (i == h.npol)
		return bundle_refuse(why, whylen, "no policy for this "
		    "program's files");
	if (!fits(dir[i].off, dir[i].len, 1, len))
		return bundle_refuse(why, whylen, "policy out of bounds");
	return rules_image_open(base + dir[i].off, (size_t)dir[i].len, why,
	    whylen);
}
