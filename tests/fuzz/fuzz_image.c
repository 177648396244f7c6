/*
 * fuzz_image.c - libFuzzer target for compiled rules read in place: the
 * input, as a bundle (what BINDIF_POLICY names) asked for a few programs,
 * and as a bare policy image. Whatever opens must match, name interfaces
 * and files without reading out of bounds (ASan watches). Seeds: bundles
 * of config/examples in tests/fuzz/corpus/image/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
use(const struct rules_policy *p, const uint8_t *data, size_t size)
{
	struct rules_query q;
	struct rules_verdict v;
	size_t i, n = rules_policy_nifaces(p), total = 0;
	const char *file, *dns;
	int line;

	for (i = 0; i < n; i++)
		total += strlen(rules_policy_iface(p, (unsigned)i));
	if (rules_policy_unbound_bind(p, &file, &line))
		total += strlen(file);
	if ((dns = rules_policy_dns(p)) != NULL)
		total += strlen(dns);
	for (i = 0; i < 16; i++) {
		memset(&q, 0, sizeof(q));
		q.family = i % 2 ? 6 : 4;
		if (size > 0)
			q.addr[i % 16] = data[(i * 31) % size];
		q.addr[0] = (uint8_t)(i * 37);
		q.proto = 1u << (i % 4);
		q.port = (uint16_t)(i * 4099);
		rules_match(p, &q, &v);
		if (v.action == RULES_BIND && v.iface >= n)
			__builtin_trap();
		if (v.file != NULL)
			total += strlen(v.file);
	}
	(void)total;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const progs[][3] = {
		{ NULL, NULL, NULL },
		{ "/usr/bin/ssh", "ssh", NULL },
		{ "/usr/bin/curl", "curl", "eth0" },
		{ "/usr/bin/git", "git", NULL },
	};
	struct rules_policy *p;
	char why[256];
	void *buf;
	size_t i;

	/* The mapping is page-aligned; malloc's 16 bytes do as well. */
	if ((buf = malloc(size ? size : 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		p = rules_bundle_select(buf, size, NULL, progs[i][0],
		    progs[i][1], progs[i][2], why, sizeof(why));
		if (p != NULL) {
			use(p, data, size);
			rules_policy_free(p);
		} else if (why[0] == '\0')
			__builtin_trap(); /* refused without a reason */
	}
	if ((p = rules_image_open(buf, size, why, sizeof(why))) != NULL) {
		use(p, data, size);
		rules_policy_free(p);
	}
	free(buf);
	return 0;
}
