/*
 * test_rules_image.c - config/image.c and bundle.c: a policy image opened
 * in place refuses truncated and corrupted bytes (and what it accepts is
 * safe to match on: run under make sanitize, a stray read fails), and a
 * bundle gives every program the policy of its own group of per-app files,
 * or nothing.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "image.h" /* IMG_VERSION */
#include "rules.h"

/* Rules of every kind: ports, protocols, /0, wide and narrow keys, an
 * exclude list, per-app files. */
static const char general[] =
    "interface = \"eth0\";\n"
    "dns = [\"192.0.2.53\"];\n"
    "mark = 0x2024;\n"
    "rules = (\n"
    "  { dst = \"198.51.100.0/24\"; port = (443, \"8000-8100\"); proto = "
    "\"tcp\"; interface = \"wg0\"; },\n"
    "  { dst = [\"2001:db8:5::/48\", \"2001:db8:6::1\"]; action = \"pass\"; "
    "},\n"
    "  { dst = \"0.0.0.0/0\"; proto = \"udp\"; port = 53; action = \"reject\"; "
    "errno = \"EACCES\"; },\n"
    "  { proto = \"icmp\"; action = \"pass\"; }\n"
    ");\n"
    "exclude = [\"10.0.0.0/8\", \"10.1.0.0/16\", \"2001:db8:1::/64\",\n"
    "  \"2001:db8:2::/64\", \"192.168.0.0/16\"];\n";

static void *
aligned_copy(const void *src, size_t len)
{
	void *p = aligned_alloc(8, (len + 8) & ~(size_t)7);

	assert_non_null(p);
	memcpy(p, src, len);
	return p;
}

static struct rules_set *
load_texts(const char *const *texts, const char *const *names, size_t n)
{
	struct rules_set *all = NULL;
	char path[] = "/tmp/bindif-image-XXXXXX";
	char file[128];
	struct rules_errors errs = { 0 };
	size_t i;
	FILE *f;

	assert_non_null(mkdtemp(path));
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		assert_non_null(f = fopen(file, "w"));
		fputs(texts[i], f);
		fclose(f);
	}
	all = rules_load(path, &errs);
	assert_non_null(all);
	for (i = 0; i < errs.n; i++)
		print_message("%s:%d: %s\n", errs.v[i].file, errs.v[i].line,
		    errs.v[i].msg);
	assert_int_equal(errs.n, 0);
	for (i = 0; i < n; i++) {
		snprintf(file, sizeof(file), "%s/%s", path, names[i]);
		unlink(file);
	}
	rmdir(path);
	return all;
}

static uint64_t rng = 0x853c49e6748fea9bull;

static uint64_t
next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Queries around the rules' addresses and anywhere. */
static void
random_query(struct rules_query *q)
{
	static const char *const near[] = { "198.51.100.7", "2001:db8:5::9",
		"2001:db8:6::1", "10.1.2.3", "10.2.0.1", "2001:db8:1::5",
		"2001:db8:2:0:ffff::1", "192.168.1.1", "8.8.8.8",
		"::ffff:10.1.0.1", "2001:db8:3::1" };
	static const unsigned protos[] = { RULES_PROTO_TCP, RULES_PROTO_UDP,
		RULES_PROTO_ICMP, RULES_PROTO_RAW };
	const char *a = near[next() % (sizeof(near) / sizeof(near[0]))];

	memset(q, 0, sizeof(*q));
	q->family = strchr(a, ':') ? 6 : 4;
	assert_int_equal(inet_pton(q->family == 6 ? AF_INET6 : AF_INET, a,
	                     q->addr),
	    1);
	if (next() % 4 == 0)
		q->addr[q->family == 6 ? 15 : 3] ^= (uint8_t)next();
	if (next() % 8 == 0)
		for (int i = 0; i < (q->family == 6 ? 16 : 4); i++)
			q->addr[i] = (uint8_t)next();
	q->proto = protos[next() % 4];
	if (q->proto == RULES_PROTO_TCP || q->proto == RULES_PROTO_UDP)
		q->port = (uint16_t)(next() % 3 == 0 ? 443 : next() % 9000);
}

static void
same_verdict(const struct rules_policy *a, const struct rules_policy *b,
    const struct rules_query *q)
{
	struct rules_verdict va, vb;

	rules_match(a, q, &va);
	rules_match(b, q, &vb);
	assert_int_equal(va.action, vb.action);
	assert_int_equal(va.reason, vb.reason);
	assert_int_equal(va.err, vb.err);
	assert_int_equal(va.line, vb.line);
	assert_string_equal(rules_policy_iface(a, va.iface),
	    rules_policy_iface(b, vb.iface));
	assert_true((va.file == NULL) == (vb.file == NULL));
	if (va.file != NULL)
		assert_string_equal(va.file, vb.file);
}

/* Everything a reader of a policy touches, so a bad one shows under ASan. */
static void
use_policy(const struct rules_policy *p)
{
	struct rules_query q;
	struct rules_verdict v;
	const char *file;
	size_t i;
	int line;

	for (i = 0; i < rules_policy_nifaces(p); i++)
		assert_non_null(rules_policy_iface(p, (unsigned)i));
	if (rules_policy_dns(p) != NULL)
		(void)strlen(rules_policy_dns(p));
	if (rules_policy_unbound_bind(p, &file, &line))
		(void)strlen(file);
	for (i = 0; i < 64; i++) {
		random_query(&q);
		rules_match(p, &q, &v);
		if (v.file != NULL)
			(void)strlen(v.file);
		(void)rules_policy_iface(p, v.iface);
	}
}

static struct rules_policy *
general_policy(const char *dflt)
{
	const char *texts[] = { general };
	const char *names[] = { "50-general.conf" };
	struct rules_set *set = load_texts(texts, names, 1);
	struct rules_policy *p;
	char why[128];

	p = rules_select(set, "/usr/bin/x", "x", dflt, why, sizeof(why));
	assert_non_null(p);
	rules_set_free(set);
	return p;
}

static void
test_image_reopens(void **state)
{
	struct rules_policy *p = general_policy(NULL), *q;
	struct rules_query query;
	const void *img;
	size_t len = rules_policy_image(p, &img), i;
	void *copy = aligned_copy(img, len);
	char why[128];

	(void)state;
	q = rules_image_open(copy, len, why, sizeof(why));
	assert_non_null(q);
	assert_string_equal(rules_policy_dns(q), "192.0.2.53");
	assert_int_equal(rules_policy_mark(q), 0x2024);
	assert_int_equal(rules_policy_nifaces(q), rules_policy_nifaces(p));
	for (i = 0; i < 5000; i++) {
		random_query(&query);
		same_verdict(p, q, &query);
	}
	rules_policy_free(q);
	/* Misaligned: refused, not read. */
	memmove((char *)copy + 1, img, len - 1);
	assert_null(
	    rules_image_open((char *)copy + 1, len - 1, why, sizeof(why)));
	free(copy);
	rules_policy_free(p);
}

static void
test_image_truncated(void **state)
{
	struct rules_policy *p = general_policy("eth1");
	const void *img;
	size_t len = rules_policy_image(p, &img), cut;
	char why[128];

	(void)state;
	for (cut = 0; cut < len; cut++) {
		void *copy = aligned_copy(img, cut ? cut : 1);

		assert_null(rules_image_open(copy, cut, why, sizeof(why)));
		free(copy);
	}
	/* Longer than it says: refused too. */
	{
		char *copy = aligned_alloc(8, len + 8);

		memcpy(copy, img, len);
		memset(copy + len, 0, 8);
		assert_null(rules_image_open(copy, len + 8, why, sizeof(why)));
		free(copy);
	}
	rules_policy_free(p);
}

/* Every byte flipped in turn, then random damage: opening refuses, or
 * what it accepts matches without a stray read. */
static void
test_image_corrupted(void **state)
{
	struct rules_policy *p = general_policy(NULL), *q;
	const void *img;
	size_t len = rules_policy_image(p, &img), i, refused = 0, tries = 0;
	unsigned char *copy = aligned_copy(img, len);
	char why[128];
	int k;

	(void)state;
	for (i = 0; i < len; i++) {
		for (k = 0; k < 3; k++) {
			static const unsigned char flips[] = { 0xff, 0x80,
				0x01 };

			copy[i] ^= flips[k];
			q = rules_image_open(copy, len, why, sizeof(why));
			tries++;
			if (q == NULL)
				refused++;
			else
				use_policy(q);
			rules_policy_free(q);
			copy[i] ^= flips[k];
		}
	}
	for (i = 0; i < 3000; i++) {
		size_t n = 1 + next() % 4, j;

		memcpy(copy, img, len);
		for (j = 0; j < n; j++)
			copy[next() % len] = (unsigned char)next();
		q = rules_image_open(copy, len, why, sizeof(why));
		tries++;
		if (q == NULL)
			refused++;
		else
			use_policy(q);
		rules_policy_free(q);
	}
	print_message("%zu of %zu damaged images refused\n", refused, tries);
	/* The header's own damage is always seen: magic, version, size. */
	memcpy(copy, img, len);
	copy[0] ^= 1;
	assert_null(rules_image_open(copy, len, why, sizeof(why)));
	free(copy);
	rules_policy_free(p);
}

/* A bundle of four files: general, ssh's, git's by path, curl's and
 * wget's. */
static struct rules_set *
bundle_set(void)
{
	const char *texts[] = { general,
		"program = \"ssh\";\ninterface = \"ssh0\";\n"
		"exclude = [\"203.0.113.0/24\"];\n",
		"program = \"/usr/bin/git\";\nrules = ( { dst = "
		"\"8.8.8.0/24\"; "
		"action = \"pass\"; } );\n",
		"program = [\"curl\", \"wget\"];\nrules = ( { dst = "
		"\"2001:db8:3::/48\"; interface = \"dl0\"; } );\n" };
	const char *names[] = { "50-general.conf", "10-ssh.conf", "20-git.conf",
		"30-dl.conf" };

	return load_texts(texts, names, 4);
}

static void
check_program(const void *bundle, size_t len, const struct rules_set *set,
    const char *exe, const char *argv0, const char *dflt)
{
	struct rules_policy *want, *got;
	struct rules_query q;
	char why[256];
	size_t i;

	want = rules_select(set, exe, argv0, dflt, why, sizeof(why));
	assert_non_null(want);
	got = rules_bundle_select(bundle, len, NULL, exe, argv0, dflt, why,
	    sizeof(why));
	if (got == NULL)
		print_message("%s/%s: %s\n", exe, argv0, why);
	assert_non_null(got);
	for (i = 0; i < 3000; i++) {
		random_query(&q);
		if (i % 5 == 0)
			inet_pton(AF_INET, i % 2 ? "203.0.113.9" : "8.8.8.8",
			    q.addr),
			    q.family = 4;
		same_verdict(want, got, &q);
	}
	assert_string_equal(rules_policy_iface(got, 0),
	    rules_policy_iface(want, 0));
	rules_policy_free(got);
	rules_policy_free(want);
}

static void
test_bundle_groups(void **state)
{
	struct rules_set *set = bundle_set();
	struct rules_prog progs[] = { { "/usr/lib/git-core/git", "git" } };
	uint8_t token[RULES_TOKEN_LEN] = { 1, 2, 3 }, other[RULES_TOKEN_LEN];
	void *bundle;
	size_t len;
	char why[256];

	(void)state;
	assert_int_equal(rules_bundle_build(set, NULL, progs, 1, &bundle, &len,
	                     why, sizeof(why)),
	    0);
	/* Groups a name selects, and the one the launcher named. */
	check_program(bundle, len, set, "/usr/bin/ssh", "ssh", NULL);
	check_program(bundle, len, set, "/usr/bin/git", "git", NULL);
	check_program(bundle, len, set, "/usr/lib/git-core/git", "git", NULL);
	check_program(bundle, len, set, "/usr/bin/curl", "curl", NULL);
	check_program(bundle, len, set, "/usr/bin/wget", "wget", NULL);
	check_program(bundle, len, set, "/bin/sh", "sh", NULL);
	check_program(bundle, len, set, NULL, NULL, NULL);
	/* ssh run as curl selects ssh's and curl's files: not enumerated. */
	assert_null(rules_bundle_select(bundle, len, NULL, "/usr/bin/ssh",
	    "curl", NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "no policy"));
	/* Another -i than the one it was compiled with. */
	assert_null(rules_bundle_select(bundle, len, NULL, "/usr/bin/ssh",
	    "ssh", "eth9", why, sizeof(why)));
	/* The token: only the one written is accepted. */
	rules_bundle_set_token(bundle, len, token);
	memcpy(other, token, sizeof(other));
	other[15] ^= 1;
	assert_null(rules_bundle_select(bundle, len, other, "/bin/sh", "sh",
	    NULL, why, sizeof(why)));
	{
		struct rules_policy *p = rules_bundle_select(bundle, len, token,
		    "/bin/sh", "sh", NULL, why, sizeof(why));

		assert_non_null(p);
		rules_policy_free(p);
	}
	free(bundle);
	/* With -i: compiled for it, and asked with it. */
	assert_int_equal(rules_bundle_build(set, "eth7", NULL, 0, &bundle, &len,
	                     why, sizeof(why)),
	    0);
	check_program(bundle, len, set, "/usr/bin/ssh", "ssh", "eth7");
	assert_null(rules_bundle_select(bundle, len, NULL, "/usr/bin/ssh",
	    "ssh", NULL, why, sizeof(why)));
	free(bundle);
	rules_set_free(set);
	/* No files at all (-i alone): one general policy. */
	assert_int_equal(rules_bundle_build(NULL, "eth7", NULL, 0, &bundle,
	                     &len, why, sizeof(why)),
	    0);
	{
		struct rules_policy *p = rules_bundle_select(bundle, len, NULL,
		    "/bin/sh", "sh", "eth7", why, sizeof(why));

		assert_non_null(p);
		assert_string_equal(rules_policy_iface(p, 0), "eth7");
		rules_policy_free(p);
	}
	free(bundle);
}

/* The set's bundle, without -i or programs named: a heap block. */
static unsigned char *
bundle_of(const struct rules_set *set, size_t *len)
{
	char why[256];
	void *b;

	assert_int_equal(rules_bundle_build(set, NULL, NULL, 0, &b, len, why,
	                     sizeof(why)),
	    0);
	return b;
}

/*
 * Images and bundles of version 1 held the order before a per-app file's
 * interface = came ahead of the general files, those of version 2 no
 * mark =: one handed over by an older launcher, or read from an older
 * cache, must not decide. Each header's version set back to an older one,
 * nothing else changed: refused.
 */
static void
old_version_refused(uint32_t old)
{
	struct rules_set *set = bundle_set();
	struct rules_policy *p;
	const void *img;
	unsigned char *bundle, *copy, *at;
	size_t len, ilen, nimg = 0;
	char why[256];

	bundle = bundle_of(set, &len);
	copy = aligned_copy(bundle, len);
	memcpy(copy + 4, &old, sizeof(old));
	assert_null(rules_bundle_select(copy, len, NULL, "/usr/bin/ssh", "ssh",
	    NULL, why, sizeof(why)));
	assert_string_equal(why, "policy bundle: not a bundle of this version");
	/* Its images alone (each begins "IMG1" on an 8-byte boundary). */
	memcpy(copy, bundle, len);
	for (at = copy; at + 8 <= copy + len; at += 8)
		if (memcmp(at, "IMG1", 4) == 0) {
			memcpy(at + 4, &old, sizeof(old));
			nimg++;
		}
	assert_true(nimg >= 2);
	assert_null(rules_bundle_select(copy, len, NULL, "/usr/bin/ssh", "ssh",
	    NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "not an image of this version"));
	free(copy);
	/* A bare image. */
	p = rules_bundle_select(bundle, len, NULL, "/usr/bin/ssh", "ssh", NULL,
	    why, sizeof(why));
	assert_non_null(p);
	ilen = rules_policy_image(p, &img);
	copy = aligned_copy(img, ilen);
	rules_policy_free(p);
	assert_non_null(p = rules_image_open(copy, ilen, why, sizeof(why)));
	rules_policy_free(p);
	memcpy(copy + 4, &old, sizeof(old));
	assert_null(rules_image_open(copy, ilen, why, sizeof(why)));
	assert_non_null(strstr(why, "not an image of this version"));
	free(copy);
	free(bundle);
	rules_set_free(set);
}

static void
test_old_version_refused(void **state)
{
	uint32_t old;

	(void)state;
	assert_int_equal(IMG_VERSION, 3);
	for (old = 1; old < IMG_VERSION; old++)
		old_version_refused(old);
}

static void
test_bundle_damaged(void **state)
{
	struct rules_set *set = bundle_set();
	struct rules_policy *p;
	unsigned char *bundle, *copy;
	size_t len, i, refused = 0, tries = 0;
	char why[256];

	(void)state;
	bundle = bundle_of(set, &len);
	copy = aligned_copy(bundle, len);
	for (i = 0; i < len; i += 1 + (i > 512) * 7) {
		copy[i] ^= 0xff;
		p = rules_bundle_select(copy, len, NULL, "/usr/bin/ssh", "ssh",
		    NULL, why, sizeof(why));
		tries++;
		if (p == NULL)
			refused++;
		else
			use_policy(p);
		rules_policy_free(p);
		copy[i] ^= 0xff;
	}
	for (i = 0; i < len; i += 97) {
		assert_null(rules_bundle_select(copy, i, NULL, "/bin/sh", "sh",
		    NULL, why, sizeof(why)));
	}
	print_message("%zu of %zu damaged bundles refused\n", refused, tries);
	free(copy);
	free(bundle);
	rules_set_free(set);
}

/* A large general file and many per-app files: each group repeats the
 * general policy, so the bundle stops near RULES_BUNDLE_BYTES; the general
 * group and the named program's are always in it, the rest may parse. */
static void
test_bundle_bounded(void **state)
{
	const char *texts[13], *names[13];
	char *big, namebuf[12][32], textbuf[12][64];
	struct rules_set *set;
	struct rules_prog prog = { "/usr/bin/app11", "app11" };
	struct rules_policy *p;
	size_t len, i, off = 0, missing = 0;
	char why[256];
	void *bundle;

	(void)state;
	big = malloc(100000 * 32 + 64);
	assert_non_null(big);
	off += (size_t)sprintf(big, "exclude = [\n");
	for (i = 0; i < 100000; i++)
		off +=
		    (size_t)sprintf(big + off, " \"2001:db8:%zx:%zx::/64\",\n",
		        0x1000 + i / 32768, 2 * (i % 32768));
	sprintf(big + off - 2, "\n];\n");
	texts[0] = big;
	names[0] = "50-general.conf";
	for (i = 0; i < 12; i++) {
		snprintf(namebuf[i], sizeof(namebuf[i]), "%02zu-app.conf", i);
		snprintf(textbuf[i], sizeof(textbuf[i]),
		    "program = \"app%zu\";\ninterface = \"lo\";\n", i);
		texts[i + 1] = textbuf[i];
		names[i + 1] = namebuf[i];
	}
	set = load_texts(texts, names, 13);
	assert_int_equal(rules_bundle_build(set, NULL, &prog, 1, &bundle, &len,
	                     why, sizeof(why)),
	    0);
	print_message("bundle of 13 files: %zu bytes\n", len);
	assert_true(len < RULES_BUNDLE_BYTES + (4u << 20));
	for (i = 0; i < 12; i++) {
		char exe[32], argv0[16];

		snprintf(argv0, sizeof(argv0), "app%zu", i);
		snprintf(exe, sizeof(exe), "/usr/bin/%s", argv0);
		p = rules_bundle_select(bundle, len, NULL, exe, argv0, NULL,
		    why, sizeof(why));
		missing += p == NULL;
		rules_policy_free(p);
	}
	assert_true(missing > 0);
	p = rules_bundle_select(bundle, len, NULL, "/usr/bin/app11", "app11",
	    NULL, why, sizeof(why));
	assert_non_null(p);
	assert_string_equal(rules_policy_iface(p, 0), "lo");
	rules_policy_free(p);
	p = rules_bundle_select(bundle, len, NULL, "/bin/sh", "sh", NULL, why,
	    sizeof(why));
	assert_non_null(p);
	rules_policy_free(p);
	free(bundle);
	rules_set_free(set);
	free(big);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_image_reopens),
		cmocka_unit_test(test_image_truncated),
		cmocka_unit_test(test_image_corrupted),
		cmocka_unit_test(test_bundle_groups),
		cmocka_unit_test(test_bundle_damaged),
		cmocka_unit_test(test_old_version_refused),
		cmocka_unit_test(test_bundle_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
