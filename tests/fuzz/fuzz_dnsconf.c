/*
 * fuzz_dnsconf.c - libFuzzer target for the DNS server-text parsers of
 * common/dnsconf.c: the user's list (which must read back as itself) and
 * every system file format, then discovery over files cut from the input.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../common/dnsconf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const struct dns_servers *s)
{
	char text[DNSCONF_TEXT_MAX], small[20], note[256];
	struct dns_servers copy = *s;
	size_t i;

	if (s->n > DNSCONF_MAX)
		__builtin_trap();
	for (i = 0; i < s->n; i++)
		if (s->v[i].family != 4 && s->v[i].family != 6)
			__builtin_trap();
	if (s->n > 0 && dnsconf_format(s, text, sizeof(text)) < 0)
		__builtin_trap(); /* DNSCONF_TEXT_MAX always suffices */
	(void)dnsconf_format(s, small, sizeof(small));
	dnsconf_filter(&copy, note, sizeof(note));
}

/* Discovery reads its files from the input: NUL-separated pieces, one a
 * file in the order asked for. */
struct pieces {
	const char *data;
	size_t size, at;
};

static char *
piece_read(void *arg, const char *path)
{
	struct pieces *p = arg;
	const char *s, *nul;
	size_t n;
	char *out;

	(void)path;
	if (p->at >= p->size)
		return NULL;
	s = p->data + p->at;
	nul = memchr(s, '\0', p->size - p->at);
	n = nul ? (size_t)(nul - s) : p->size - p->at;
	p->at += n + 1;
	if ((out = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(out, s, n);
	out[n] = '\0';
	return out;
}

static int
piece_list(void *arg, const char *dir,
    int (*fn)(void *fnarg, const char *name, int64_t mtime), void *fnarg)
{
	static const char *const names[] = { "internal-aaaa-eth0.lease",
		"internal-bbbb-eth0.lease", "dhclient-eth0.lease",
		"dhclient.eth0.leases", "x" };
	size_t i;

	(void)arg;
	(void)dir;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (fn(fnarg, names[i], (int64_t)i) != 0)
			break;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dns_servers s, back;
	char *text, why[256], out[DNSCONF_TEXT_MAX], note[512];
	struct pieces pc = { (const char *)data, size, 0 };
	struct dnsconf_io io = { piece_read, piece_list, &pc };

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (dnsconf_parse_list(text, &s, why, sizeof(why)) == 0) {
		check(&s);
		/* What format writes, parse_list reads back the same. */
		if (dnsconf_format(&s, out, sizeof(out)) < 0 ||
		    dnsconf_parse_list(out, &back, why, sizeof(why)) != 0 ||
		    back.n != s.n)
			__builtin_trap();
		for (size_t i = 0; i < s.n; i++)
			if (back.v[i].family != s.v[i].family ||
			    back.v[i].port != s.v[i].port ||
			    memcmp(back.v[i].addr, s.v[i].addr, 16) != 0)
				__builtin_trap();
	} else if (s.n != 0)
		__builtin_trap();

	memset(&s, 0, sizeof(s));
	dnsconf_from_resolv_conf(text, &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_resolved_link(text, &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_networkd_link(text, &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_dhclient_leases(text, "eth0", &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_networkmanager(text, &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_scutil(text, "en0", &s);
	check(&s);
	memset(&s, 0, sizeof(s));
	dnsconf_from_ipconfig(text, &s);
	check(&s);
	/* As BINDIF_IFACE_DNS, which any program may set. */
	if (dnsconf_discover_handed(text, "en0", &s, note, sizeof(note)))
		check(&s);

	dnsconf_discover("eth0", 2, &io, &s, note, sizeof(note));
	check(&s);
	free(text);
	return 0;
}
