/*
 * compile.c - compiles the rules that apply to one program into sorted,
 * non-overlapping address intervals, each carrying the ascending list of
 * slots (a rule, or one CIDR of an exclude list) that cover it; a lookup
 * (match.c) is a binary search and a short walk, so tens of thousands of
 * CIDRs cost a few comparisons. This file collects the files' entries and
 * CIDRs as slots, sweep.c makes the intervals, and the result is an image
 * (image.h) that matching reads in place. Pure: no I/O at all.
 */
#define _DEFAULT_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "builder.h"

/* ---- collecting ---- */

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
	if (re->nports > 0 &&
	    (ports = vec_add(&b->ports, sizeof(*ports), re->nports, &b->oom)) !=
	        NULL)
		memcpy(ports, re->ports, re->nports * sizeof(*ports));
	/* After the vec_adds: e may have moved with them. */
	e = (struct pentry *)b->e.v + b->e.n - 1;
	e->iface = re->action == RULES_BIND ? slot_of(b, re->iface) : 0;
	e = (struct pentry *)b->e.v + b->e.n - 1;
	if (e->action == RULES_BIND && e->iface == 0 &&
	    ((const char *)b->str.v)[((const uint32_t *)b->ifaces.v)[0]] ==
	        '\0' &&
	    b->unbound_file == IMG_NONE) {
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
			line = vec_add(&b->slot_line, sizeof(*line), re->ndst,
			    &b->oom);
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
		.action = RULES_BIND,
		.reason = RULES_BY_DEFAULT };
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
collect(struct builder *b, const struct rules_file *const *files, size_t nfiles,
    size_t napp, size_t app_iface)
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
	p->mark = b->mark;
}

size_t
rules_compile_to(const struct rules_file *const *files, size_t nfiles,
    const char *default_iface, void *(*room)(void *arg, size_t len), void *arg,
    char *why, size_t whylen)
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
	for (app_iface = 0; app_iface < napp && files[app_iface]->iface == NULL;
	     app_iface++)
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
	for (i = 0; b.mark == 0 && i < nfiles; i++)
		b.mark = files[i]->mark;
	collect(&b, files, nfiles, napp, app_iface);
	if (dflt_file < nfiles)
		b.default_file = (uint32_t)dflt_file; /* files' order */
	compile_sweep(&b, 0);
	compile_sweep(&b, 1);
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
