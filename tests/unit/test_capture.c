/*
 * test_capture.c - launcher/capture.c on rulesets recorded with
 * `nft -j list ruleset` in a namespace (fixtures/capture/): a sing-box
 * style auto_redirect, iptables-nft REDIRECT chains, a jump to a DNAT
 * with a masked mark, a strict filter chain; what each takes, what it
 * exempts, and the mark root's bindif picks; the routing check of a mark.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "uplink.h"

static char *
slurp(const char *name)
{
	char path[512];
	FILE *f;
	char *buf;
	long n;

	snprintf(path, sizeof(path), "%s/capture/%s", FIXTURES_DIR, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	n = ftell(f);
	rewind(f);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void
load(struct capture_set *s, const char *name)
{
	char why[256] = "";
	char *text = slurp(name);

	memset(s, 0, sizeof(*s));
	if (capture_parse_json(s, text, why, sizeof(why)) != 0)
		fail_msg("%s: %s", name, why);
	free(text);
}

static const char *
described(const struct capture_rule *r)
{
	static char buf[1024];

	capture_describe(r, buf, sizeof(buf));
	return buf;
}

static void
test_singbox(void **state)
{
	struct capture_set s;
	const struct capture_rule *r;
	unsigned mark = 0;

	(void)state;
	load(&s, "singbox.json");
	assert_int_equal(s.n, 2);
	r = &s.v[0];
	assert_int_equal(r->action, CAPTURE_REDIRECT);
	assert_int_equal(r->protos, CAPTURE_TCP);
	assert_false(r->xt);
	assert_string_equal(r->family, "inet");
	assert_string_equal(r->table, "sing-box");
	assert_string_equal(r->chain, "output");
	assert_string_equal(r->to, ":7892");
	assert_int_equal(r->ex.nmarks, 1);
	assert_int_equal(r->ex.marks[0], 0x2024);
	assert_int_equal(r->ex.nuids, 1);
	assert_int_equal(r->ex.uids[0], 1000);
	assert_non_null(strstr(r->ex.dests, "127.0.0.0/8"));
	assert_string_equal(described(r),
	    "nftables inet sing-box output "
	    "(nat, rule 7): redirect tcp to :7892; exempt: mark 0x2024, uid "
	    "1000, daddr {10.0.0.0/8, 127.0.0.0/8}");
	/* Root, unmarked: taken; marked 0x2024, or uid 1000: not. */
	assert_true(capture_takes(r, 0, false, 0));
	assert_true(capture_takes(r, 0, true, 0x2023));
	assert_false(capture_takes(r, 0, true, 0x2024));
	assert_false(capture_takes(r, 1000, false, 0));
	/* The UDP mark-and-reroute: reported, but binding escapes it. */
	r = &s.v[1];
	assert_int_equal(r->action, CAPTURE_REROUTE);
	assert_string_equal(r->type, "route");
	assert_string_equal(r->to, "mark 0x2023");
	assert_false(capture_takes(r, 0, false, 0));
	assert_int_equal(capture_exempt_mark(&s, &mark), 1);
	assert_int_equal(mark, 0x2024);
	capture_set_free(&s);
}

static void
test_iptables_nft(void **state)
{
	struct capture_set s;
	unsigned mark = 0;

	(void)state;
	load(&s, "iptables-nft.json");
	assert_int_equal(s.n, 1);
	assert_int_equal(s.v[0].action, CAPTURE_REDIRECT);
	assert_true(s.v[0].xt);
	assert_int_equal(s.v[0].protos, CAPTURE_TCP);
	assert_string_equal(s.v[0].table, "nat");
	assert_string_equal(s.v[0].chain, "OUTPUT");
	/* iptables-nft writes -m mark natively: readable. */
	assert_int_equal(s.v[0].ex.nmarks, 1);
	assert_int_equal(s.v[0].ex.marks[0], 0x2024);
	assert_string_equal(s.v[0].ex.dests, "127.0.0.0/8");
	assert_true(capture_takes(&s.v[0], 0, false, 0));
	assert_int_equal(capture_exempt_mark(&s, &mark), 1);
	assert_int_equal(mark, 0x2024);
	capture_set_free(&s);
}

/* -m owner stays an xt match, whose uid the JSON does not show: who it
 * exempts is unknown, so it is not said to take anyone's traffic. */
static void
test_iptables_owner(void **state)
{
	struct capture_set s;
	unsigned mark = 0;

	(void)state;
	load(&s, "iptables-owner.json");
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.v[0].ex.other, "xt owner"));
	assert_false(capture_takes(&s.v[0], 0, false, 0));
	assert_int_equal(capture_exempt_mark(&s, &mark), 0);
	assert_non_null(strstr(described(&s.v[0]), "; unsure: (xt owner"));
	capture_set_free(&s);
}

static void
test_jump_dnat_drop(void **state)
{
	struct capture_set s;
	const struct capture_rule *r;
	unsigned mark = 0;

	(void)state;
	load(&s, "jump-dnat-drop.json");
	/* The prerouting redirect is not about locally sent traffic. */
	assert_int_equal(s.n, 2);
	r = &s.v[0];
	assert_int_equal(r->action, CAPTURE_DNAT);
	assert_string_equal(r->chain, "divert");
	assert_string_equal(r->to, "198.18.0.1:1080");
	assert_int_equal(r->protos, CAPTURE_TCP);
	assert_string_equal(r->ex.dests, "192.0.2.0/24");
	assert_int_equal(r->ex.nmarks, 1);
	assert_int_equal(r->ex.marks[0], 1);
	assert_int_equal(r->ex.masks[0], 1);
	assert_true(capture_takes(r, 0, true, 0x2));
	assert_false(capture_takes(r, 0, true, 0x3));
	/* oifname != tun0 drop: conditions not evaluated, so unsure. */
	r = &s.v[1];
	assert_int_equal(r->action, CAPTURE_DROP);
	assert_string_equal(r->type, "filter");
	assert_non_null(strstr(r->ex.other, "oifname"));
	assert_false(capture_takes(r, 0, false, 0));
	assert_int_equal(capture_exempt_mark(&s, &mark), 1);
	assert_int_equal(mark, 1);
	capture_set_free(&s);
}

static void
test_bad_json(void **state)
{
	struct capture_set s = { 0 };
	char why[256];

	(void)state;
	assert_int_equal(capture_parse_json(&s, "{", why, sizeof(why)), -1);
	assert_non_null(strstr(why, "not JSON"));
	assert_int_equal(capture_parse_json(&s, "{\"x\": 1}", why, sizeof(why)),
	    -1);
	assert_non_null(strstr(why, "nftables"));
	assert_int_equal(capture_parse_json(&s, "{\"nftables\": []}", why,
	                     sizeof(why)),
	    0);
	assert_int_equal(s.n, 0);
	capture_set_free(&s);
}

/* Appends to buf a nat output chain "o" of table t (family fam) holding
 * rules, each the text of an "expr" array: a ruleset written by hand. */
static void
add_chain(char *buf, size_t len, const char *fam, const char *t,
    const char *const *rules, size_t n)
{
	size_t i, used = strlen(buf);

	used += (size_t)snprintf(buf + used, len - used,
	    "%s{\"chain\": "
	    "{\"family\": \"%s\", \"table\": \"%s\", \"name\": \"o\", "
	    "\"type\": \"nat\", \"hook\": \"output\"}}",
	    used ? ", " : "", fam, t);
	for (i = 0; i < n; i++)
		used += (size_t)snprintf(buf + used, len - used,
		    ", {\"rule\": "
		    "{\"family\": \"%s\", \"table\": \"%s\", \"chain\": "
		    "\"o\", \"handle\": %zu, \"expr\": %s}}",
		    fam, t, i + 2, rules[i]);
	assert_true(used < len);
}

static void
parse_chains(struct capture_set *s, const char *chains)
{
	char json[4096], why[256];

	snprintf(json, sizeof(json), "{\"nftables\": [%s]}", chains);
	memset(s, 0, sizeof(*s));
	if (capture_parse_json(s, json, why, sizeof(why)) != 0)
		fail_msg("%s", why);
}

#define MARK_IS(op, n)                                \
	"{\"match\": {\"op\": \"" op "\", \"left\": " \
	"{\"meta\": {\"key\": \"mark\"}}, \"right\": " #n "}}"

/* Two captures naming different marks: no single one to pick. */
static void
test_two_marks(void **state)
{
	struct capture_set s;
	char chains[2048] = "";
	unsigned mark = 0;
	const char *a[] = { "[" MARK_IS("==", 1) ", {\"return\": null}]",
		"[{\"redirect\": {\"port\": 1}}]" };
	const char *b[] = { "[" MARK_IS("!=", 2) ", {\"redirect\": "
		                                 "{\"port\": 2}}]" };

	(void)state;
	add_chain(chains, sizeof(chains), "ip", "a", a, 2);
	add_chain(chains, sizeof(chains), "ip", "b", b, 1);
	parse_chains(&s, chains);
	assert_int_equal(s.n, 2);
	assert_int_equal(s.v[0].protos, CAPTURE_ALL);
	assert_int_equal(s.v[1].ex.marks[0], 2);
	assert_int_equal(capture_exempt_mark(&s, &mark), -1);
	capture_set_free(&s);
}

/* An exemption whose condition is not evaluated here (addrtype, cgroup,
 * fib) makes the capture unsure, but its mark still counts. */
static void
test_unsure_mark(void **state)
{
	struct capture_set s;
	char chains[2048] = "";
	unsigned mark = 0;
	const char *r[] = {
		"[{\"match\": {\"op\": \"==\", \"left\": "
		"{\"fib\": {\"result\": \"type\", \"flags\": [\"daddr\"]}}, "
		"\"right\": \"local\"}}, {\"return\": null}]",
		"[" MARK_IS("==", 8228) ", {\"return\": null}]",
		"[{\"redirect\": {\"port\": 7892}}]"
	};

	(void)state;
	add_chain(chains, sizeof(chains), "inet", "t", r, 3);
	parse_chains(&s, chains);
	assert_int_equal(s.n, 1);
	assert_non_null(strstr(s.v[0].ex.other, "(fib == local)"));
	assert_false(capture_takes(&s.v[0], 0, false, 0));
	assert_int_equal(capture_exempt_mark(&s, &mark), 1);
	assert_int_equal(mark, 0x2024);
	capture_set_free(&s);
}

static void
test_mark_routing(void **state)
{
	struct uplink_snapshot s = { 0 };
	struct uplink_rule *r;
	struct uplink_route *rt;
	char buf[256];

	(void)state;
	r = uplink_add_rule(&s);
	assert_non_null(r);
	r->family = 4;
	r->priority = 100;
	r->action = UPLINK_RULE_TABLE;
	r->table = 51820;
	r->has_fwmark = true;
	r->fwmark = 0xca6c;
	r->fwmask = 0xffffffffu;
	r->invert = true; /* wg-quick's "not fwmark": not for the mark */
	assert_int_equal(capture_mark_routing(&s, 0xca6c, buf, sizeof(buf)), 0);
	r->invert = false;
	r->table = 7;
	rt = uplink_add_route(&s);
	assert_non_null(rt);
	rt->family = 4;
	rt->table = 7;
	rt->type = UPLINK_RT_UNICAST;
	rt->oif = 3;
	assert_int_equal(capture_mark_routing(&s, 0xca6c, buf, sizeof(buf)), 0);
	rt->type = UPLINK_RT_BLACKHOLE;
	assert_int_equal(capture_mark_routing(&s, 0xca6c, buf, sizeof(buf)), 1);
	assert_string_equal(buf,
	    "ip rule 100 (fwmark 0xca6c/0xffffffff) "
	    "sends sockets with mark 0xca6c to table 7, whose default route "
	    "is blackhole");
	assert_int_equal(capture_mark_routing(&s, 0x2024, buf, sizeof(buf)), 0);
	r->action = UPLINK_RULE_PROHIBIT;
	assert_int_equal(capture_mark_routing(&s, 0xca6c, buf, sizeof(buf)), 1);
	assert_non_null(strstr(buf, "refuses sockets with mark 0xca6c"));
	uplink_snapshot_free(&s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_singbox),
		cmocka_unit_test(test_iptables_nft),
		cmocka_unit_test(test_iptables_owner),
		cmocka_unit_test(test_jump_dnat_drop),
		cmocka_unit_test(test_bad_json),
		cmocka_unit_test(test_two_marks),
		cmocka_unit_test(test_unsure_mark),
		cmocka_unit_test(test_mark_routing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
