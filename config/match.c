/*
 * match.c - the lookup: the verdict for one destination on a compiled
 * policy, read in place from its image (image.h), and what else a policy
 * tells its users. Pure and thread-safe: no I/O, no allocation.
 */
#include <string.h>

#include "image.h"

/* The entry a slot belongs to: the last whose first slot is at or before. */
static const struct pentry *
entry_of(const struct rules_policy *p, uint32_t slot)
{
	size_t lo = 0, hi = p->ne;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (p->e[mid].first_slot <= slot)
			lo = mid + 1;
		else
			hi = mid;
	}
	return &p->e[lo - 1]; /* image_open: e[0] starts at slot 0 */
}

static bool
takes(const struct rules_policy *p, const struct pentry *e, unsigned proto,
    uint16_t port)
{
	const struct rules_ports *ports = p->ports + e->ports;
	size_t i;

	if (!(e->proto & proto))
		return false;
	if (e->nports == 0)
		return true;
	if (!(proto & (RULES_PROTO_TCP | RULES_PROTO_UDP)))
		return false;
	for (i = 0; i < e->nports; i++)
		if (port >= ports[i].lo && port <= ports[i].hi)
			return true;
	return false;
}

static const uint32_t *
interval_list(const struct rules_policy *p, const struct image_family *fi,
    const struct key *k, size_t *n, uint32_t *single)
{
	size_t lo = 0, hi = fi->n;
	uint32_t v;

	/* The last interval that starts at or before k. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		bool le = fi->lo != NULL ? fi->hi[mid] < k->hi ||
		        (fi->hi[mid] == k->hi && fi->lo[mid] <= k->lo) :
		                           fi->hi[mid] <= k->hi;

		if (le)
			lo = mid + 1;
		else
			hi = mid;
	}
	v = lo == 0 ? 0 : fi->list[lo - 1];
	if (v == 0) {
		*n = 0;
		return NULL;
	}
	if (v & IMG_SINGLE) {
		*single = v & ~IMG_SINGLE;
		*n = 1;
		return single;
	}
	*n = p->pool[v];
	return &p->pool[v + 1];
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
	uint32_t single = 0;
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
	list = interval_list(p, &p->fam[family == 6], &k, &n, &single);
	wild = p->fam[family == 6].wild;
	nwild = special ? 0 : p->fam[family == 6].nwild;
	/* Both lists ascend: the first slot that takes the query wins. */
	while (i < n || j < nwild) {
		const struct pentry *e;
		uint32_t s;

		if (j >= nwild || (i < n && list[i] < wild[j]))
			s = list[i++];
		else
			s = wild[j++];
		e = entry_of(p, s);
		if (takes(p, e, query->proto, query->port)) {
			v->action = (enum rules_action)e->action;
			v->reason = (enum rules_reason)e->reason;
			v->iface = e->iface;
			v->err = e->err;
			v->file = p->str + p->files[e->file];
			v->line = (int)p->slot_line[s];
			return;
		}
	}
	if (special) {
		v->reason = RULES_BY_SPECIAL;
	} else if (p->str[p->ifaces[0]] != '\0') {
		v->action = RULES_BIND;
		v->reason = RULES_BY_DEFAULT;
		v->file = p->default_file == IMG_NONE ?
		    NULL :
		    p->str + p->files[p->default_file];
		v->line = (int)p->default_line;
	} else
		v->reason = RULES_BY_NOTHING;
}

/* ---- what else a policy says ---- */

size_t
rules_policy_image(const struct rules_policy *p, const void **img)
{
	*img = p->img;
	return p->imglen;
}

const char *
rules_policy_dns(const struct rules_policy *p)
{
	return p->dns == IMG_NONE ? NULL : p->str + p->dns;
}

unsigned
rules_policy_mark(const struct rules_policy *p)
{
	return p->mark;
}

size_t
rules_policy_nifaces(const struct rules_policy *p)
{
	return p->nifaces;
}

const char *
rules_policy_iface(const struct rules_policy *p, unsigned slot)
{
	return slot < p->nifaces ? p->str + p->ifaces[slot] : "";
}

bool
rules_policy_unbound_bind(const struct rules_policy *p, const char **file,
    int *line)
{
	if (p->unbound_file == IMG_NONE)
		return false;
	*file = p->str + p->files[p->unbound_file];
	*line = (int)p->unbound_line;
	return true;
}
