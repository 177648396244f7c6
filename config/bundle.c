/*
 * bundle.c - what the launcher hands the shim: the policy images of a
 * rules set for each group of per-app files a program name can select,
 * with every file's program = list, and a process's way back to its own
 * image. Opening checks every table before it is read. Pure: no I/O.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"

#define BUNDLE_MAGIC 0x31444e42u /* "BND1" */

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
		nv = b->store ?
		    b->store->resize(b->store->arg, b->v, b->cap, cap) :
		    realloc(b->v, cap);
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
	const struct rules_file **files =
	    malloc((set->nfiles + 1) * sizeof(*files));
	size_t i, n = 0, bit, len;
	int pass;

	if (files == NULL) {
		snprintf(why, whylen, "out of memory compiling the rules");
		return 0;
	}
	for (pass = 0; pass < 2; pass++)
		for (i = 0, bit = 0; i < set->nfiles; i++) {
			const struct rules_file *f = &set->files[i];

			if (f->nprograms > 0 ?
			        pass == 0 && (key[bit / 8] >> (bit % 8) & 1) :
			        pass == 1)
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
		h->dflt =
		    (uint32_t)append_at(&str, dflt, strlen(dflt) + 1, false);
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
    const char *exe, const char *argv0, const char *default_iface, char *why,
    size_t whylen)
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
		return bundle_refuse(why, whylen,
		    "not a bundle of this version");
	if (h.size != len)
		return bundle_refuse(why, whylen, "size does not match");
	if (token != NULL && memcmp(h.token, token, RULES_TOKEN_LEN) != 0)
		return bundle_refuse(why, whylen, "token does not match");
	if (h.keybytes != (h.nprog + 7) / 8 ||
	    !image_fits(h.progs, h.nprog, sizeof(*progs), len) ||
	    !image_fits(h.names, h.nnames, 4, len) ||
	    !image_fits(h.str, h.nstr, 1, len) ||
	    !image_fits(h.dir, h.npol, sizeof(*dir), len) ||
	    !image_fits(h.keys, h.keybytes ? h.npol : 0,
	        h.keybytes ? h.keybytes : 1, len) ||
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
		return bundle_refuse(why, whylen,
		    "no policy for this "
		    "program's files");
	if (!image_fits(dir[i].off, dir[i].len, 1, len))
		return bundle_refuse(why, whylen, "policy out of bounds");
	return rules_image_open(base + dir[i].off, (size_t)dir[i].len, why,
	    whylen);
}
