/*
 * fuzz_rules.c - libFuzzer target for rules files: rules_load_string on the
 * input and, when it parses, rules_select and rules_match for a few
 * programs and for destinations taken from the input's own bytes, and the
 * bundle built for each program gives it the same verdicts.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
each_iface(void *arg, const char *ifname, const char *file, int line)
{
	size_t *n = arg;

	/* Touch what the launcher prints. */
	*n += strlen(ifname) + (file ? strlen(file) : 0) + (size_t)(line > 0);
	return 0;
}

/* A query from 20 bytes of the input, wrapping around. */
static void
query_at(const uint8_t *data, size_t size, size_t at, struct rules_query *q)
{
	static const unsigned protos[] = { RULES_PROTO_TCP, RULES_PROTO_UDP,
		RULES_PROTO_ICMP, RULES_PROTO_RAW };
	uint8_t b[20];
	size_t i;

	for (i = 0; i < sizeof(b); i++)
		b[i] = size ? data[(at + i) % size] : 0;
	memset(q, 0, sizeof(*q));
	q->family = b[0] & 1 ? 6 : 4;
	memcpy(q->addr, b + 1, q->family == 4 ? 4 : 16);
	q->proto = protos[(b[17] >> 1) & 3];
	if (q->proto == RULES_PROTO_TCP || q->proto == RULES_PROTO_UDP)
		q->port = (uint16_t)(b[18] << 8 | b[19]);
}

static void
check_policy(const struct rules_policy *p, const uint8_t *data, size_t size)
{
	struct rules_query q;
	struct rules_verdict v;
	size_t i, n = rules_policy_nifaces(p);
	const char *file, *dns;
	int line;

	for (i = 0; i < n; i++)
		if (rules_policy_iface(p, (unsigned)i) == NULL)
			__builtin_trap();
	(void)rules_policy_unbound_bind(p, &file, &line);
	if ((dns = rules_policy_dns(p)) != NULL)
		(void)strlen(dns);
	for (i = 0; i < 8; i++) {
		query_at(data, size, i * 37, &q);
		rules_match(p, &q, &v);
		if (v.action == RULES_BIND && v.iface >= n)
			__builtin_trap(); /* a slot the policy does not have */
		(void)rules_action_name(v.action);
		(void)rules_reason_name(v.reason);
		(void)rules_proto_name(q.proto);
	}
}

/* The bundle the launcher hands over gives the program the very policy
 * rules_select does: same verdicts for the same queries. */
static void
same_in_bundle(const struct rules_set *set, const struct rules_policy *p,
    const char *const prog[3], const uint8_t *data, size_t size)
{
	struct rules_prog named = { prog[0], prog[1] };
	struct rules_policy *b;
	struct rules_query q;
	struct rules_verdict v, w;
	char why[256];
	void *bundle;
	size_t len, i;

	if (rules_bundle_build(set, prog[2], &named, 1, &bundle, &len, why,
	        sizeof(why)) < 0)
		return;
	b = rules_bundle_select(bundle, len, NULL, prog[0], prog[1], prog[2],
	    why, sizeof(why));
	if (b == NULL)
		__builtin_trap(); /* the program it was built for */
	for (i = 0; i < 8; i++) {
		query_at(data, size, i * 53 + 7, &q);
		rules_match(p, &q, &v);
		rules_match(b, &q, &w);
		if (v.action != w.action || v.reason != w.reason ||
		    v.line != w.line || v.err != w.err ||
		    strcmp(rules_policy_iface(p, v.iface),
		        rules_policy_iface(b, w.iface)) != 0)
			__builtin_trap();
	}
	rules_policy_free(b);
	free(bundle);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const progs[][3] = {
		{ NULL, NULL, NULL },
		{ "/usr/bin/curl", "curl", NULL },
		{ "/usr/bin/ssh", "ssh", "eth0" },
		{ "/opt/x/git", "/opt/x/git", "auto" },
	};
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	char *text, why[256];
	size_t i, n = 0;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	set = rules_load_string(text, "/fuzz/rules.conf", &errs);
	if (set != NULL && errs.n == 0) {
		(void)rules_set_each_iface(set, each_iface, &n);
		for (i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
			struct rules_policy *p = rules_select(set, progs[i][0],
			    progs[i][1], progs[i][2], why, sizeof(why));

			if (p != NULL) {
				check_policy(p, data, size);
				same_in_bundle(set, p, progs[i], data, size);
				rules_policy_free(p);
			}
		}
	}
	for (i = 0; i < errs.n; i++)
		if (errs.v[i].msg == NULL)
			__builtin_trap();
	rules_set_free(set);
	rules_errors_free(&errs);
	free(text);
	return 0;
}
