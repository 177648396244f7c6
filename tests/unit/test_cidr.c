/*
 * test_cidr.c - config/cidr.c: the quick reading of CIDRs is held to the
 * inet_pton path (cidr_parse_slow), on the forms lists are written in, on
 * every edge of the grammar, and on a seeded stream of random strings of
 * the right alphabet, NUL-terminated and quote-terminated; cidr_parse
 * gives the inet_pton path's answers.
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

#include "cidr.h"

/* The reference: the inet_pton path. 1 when valid, with c filled. */
static int
reference(const char *text, struct rules_cidr *c)
{
	char why[200];

	return cidr_parse_slow(text, c, why, sizeof(why)) == 0;
}

/* quick may say "not sure" (0) of anything; when it says yes, it must
 * agree with the reference byte for byte. */
static void
hold_to_reference(const char *text, int *quick_yes)
{
	struct rules_cidr q, r, full;
	char why[200];
	int got = cidr_parse_quick(text, &q), want = reference(text, &r);

	if (got &&
	    (!want || q.family != r.family || q.len != r.len ||
	        memcmp(q.addr, r.addr, sizeof(q.addr)) != 0)) {
		print_message("'%s': quick says %d/%d, inet_pton %s\n", text,
		    q.family, q.len, want ? "differs" : "refuses it");
		fail();
	}
	*quick_yes += got;
	/* The bounded reading, as bulk.c calls it: the text ends in the
	 * string's closing quote, and a NUL later still. */
	{
		char quoted[160];
		struct rules_cidr n;
		size_t len = strlen(text);

		if (len + 3 <= sizeof(quoted)) {
			memcpy(quoted, text, len);
			memcpy(quoted + len, "\"1", 3);
			assert_int_equal(cidr_parse_quick_n(quoted, len, &n),
			    got);
			if (got) {
				assert_int_equal(n.family, q.family);
				assert_int_equal(n.len, q.len);
				assert_memory_equal(n.addr, q.addr,
				    sizeof(q.addr));
			}
		}
	}
	/* And the whole parse answers as the reference does. */
	assert_int_equal(cidr_parse(text, &full, why, sizeof(why)) == 0, want);
	if (want) {
		assert_int_equal(full.family, r.family);
		assert_int_equal(full.len, r.len);
		assert_memory_equal(full.addr, r.addr, sizeof(r.addr));
	} else
		assert_true(why[0] != '\0');
}

static void
test_plain_forms_are_quick(void **state)
{
	static const char *const plain[] = { "192.0.2.0/24", "10.0.0.0/8",
		"0.0.0.0/0", "255.255.255.255", "198.51.100.7/32", "1.2.3.4",
		"2001:db8::/32", "2001:db8:1000:2::/64", "::/0", "::1",
		"fe80::/10", "2001:DB8:ABCD::/48", "1:2:3:4:5:6:7:8",
		"1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "2001:db8::1:0:0:1/128",
		"2001:0db8:0000:0000:0000:0000:0000:0000/32", "ff00::/8",
		"0.0.0.0", "::", "203.0.113.128/25", "2001:db8::/064",
		"1.22.133.4", "fFfF::", "FFFF:FFFF::/32", "2001:db8::/100",
		"10.0.0.0/7", "::8000:0:0:0/65", "0:0:0:1::/64" };
	struct rules_cidr c;
	size_t i;
	int yes = 0;

	(void)state;
	for (i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		if (!cidr_parse_quick(plain[i], &c))
			print_message("not quick: %s\n", plain[i]);
		assert_true(cidr_parse_quick(plain[i], &c));
		hold_to_reference(plain[i], &yes);
	}
	assert_true(cidr_parse_quick("2001:db8:1000:2::/64", &c));
	assert_int_equal(c.family, 6);
	assert_int_equal(c.len, 64);
	assert_int_equal(c.addr[0], 0x20);
	assert_int_equal(c.addr[3], 0xb8);
	assert_int_equal(c.addr[4], 0x10);
	assert_int_equal(c.addr[7], 0x02);
	assert_int_equal(c.addr[15], 0);
}

static void
test_edges(void **state)
{
	/* Every one is judged by the reference; most are refused by it,
	 * a few are valid forms the quick reading leaves to inet_pton. */
	static const char *const edge[] = { "", "/", "/24", "1.2.3",
		"1.2.3.4.5", "1.2.3.256", "01.2.3.4", "1.2.3.04", "1.2.3.4/",
		"1.2.3.4/33", "1.2.3.4/-1", "1.2.3.4/+8", "1.2.3.4/ 8",
		"1.2.3.4/8x", "1.2.3.4/08", "1.2.3.0/0024", "1.2.3.4 ",
		" 1.2.3.4", "1..2.3", "1.2.3.4/32/1", "10.0.0.1/8",
		"::ffff:1.2.3.4", "::1.2.3.4", "1:2:3:4:5:6:1.2.3.4", ":",
		":::", "1:::2", "1::2::3", "::1:", ":1::", "1:2:3:4:5:6:7:8:9",
		"1:2:3:4:5:6:7:8::", "1::2:3:4:5:6:7:8",
		"12345::", "g::", "1:2:3:4:5:6:7", "2001:db8::/129",
		"2001:db8::1/64", "2001:db8::/-0", "fe80::1%eth0",
		"2001:db8::/0640", "[::1]", "::/0x", "1.2.3.4/00",
		"00::", "0000:0000::", "00000::",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127", "8000::/1",
		"8000::/0", "128.0.0.0/1", "128.0.0.0/0", "1.2.3.4/32",
		"1.2.3.4/31", "2001:db8:0:0:0:0:0:0/33",
		/* Host bits either side of a 64-bit word's edge, and of a
		 * byte's; prefixes with leading zeros. */
		"0:0:0:1::/63", "0:0:0:1::/64", "::8000:0:0:0/64",
		"::8000:0:0:0/65", "::1/127", "::2/127", "::1/128",
		"2001:db8::1000:0/100", "11.0.0.0/7", "1.2.3.64/25",
		"0.0.0.1/31", "1.2.3.0/024", "::/000", "0.0.0.0/00",
		/* Dots where a quad's first one goes, or past it. */
		"1.", "1.2", "1.2.", "a.b.c.d", "1:2.3.4", "::1.2",
		"1234.1.2.3", "1.2.3.4.", "1.2.3.4:", "1.2.3.4/24.0" };
	size_t i;
	int yes = 0;

	(void)state;
	for (i = 0; i < sizeof(edge) / sizeof(edge[0]); i++)
		hold_to_reference(edge[i], &yes);
	assert_true(yes > 5); /* the valid plain ones among them */
}

/*
 * The gap at every place, with every number of groups on either side
 * and groups of every length and case: all quick, all as inet_pton reads
 * them; and eight groups with a gap anywhere.
 */
static void
test_every_gap(void **state)
{
	static const char *const group[] = { "1", "a0", "FfF", "f00d", "0",
		"Beef", "07", "ffff" };
	static const char *const prefix[] = { "", "/128", "/0" };
	struct rules_cidr c;
	char buf[96];
	int head, tail, i, k, yes = 0;
	size_t len;

	(void)state;
	for (k = 0; k < 3; k++)
		for (head = 0; head <= 8; head++)
			for (tail = 0; head + tail <= 8; tail++) {
				len = 0;
				for (i = 0; i < head; i++)
					len += (size_t)sprintf(buf + len,
					    "%s%s", i ? ":" : "", group[i]);
				len += (size_t)sprintf(buf + len, "::");
				for (i = 0; i < tail; i++)
					len += (size_t)sprintf(buf + len,
					    "%s%s", i ? ":" : "", group[7 - i]);
				sprintf(buf + len, "%s", prefix[k]);
				/* A /0 has no host bits only in "::". */
				if (head + tail < 8 &&
				    (k < 2 || head + tail == 0))
					assert_true(cidr_parse_quick(buf, &c));
				hold_to_reference(buf, &yes);
			}
	/* And with no gap: eight groups. */
	assert_true(cidr_parse_quick("1:a0:FfF:f00d:0:Beef:07:ffff", &c));
	hold_to_reference("1:a0:FfF:f00d:0:Beef:07:ffff/128", &yes);
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static unsigned
below(unsigned n)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (unsigned)(rng % n);
}

/* Random strings near the grammar: pieces of addresses glued together. */
static void
test_random_strings(void **state)
{
	static const char *const piece[] = { "0", "1", "9", "10", "25", "255",
		"256", "00", "01", "a", "f", "F", "db8", "ffff", "10000", ".",
		":", "::", "/", "/0", "/8", "/32", "/64", "/128", "/129", "x",
		" ", "1.2.3.4", "2001", "-" };
	char buf[96];
	size_t i, len;
	int yes = 0, k, n;

	(void)state;
	for (i = 0; i < 200000; i++) {
		len = 0;
		buf[0] = '\0';
		for (k = 0, n = 1 + (int)below(12); k < n; k++) {
			const char *p =
			    piece[below(sizeof(piece) / sizeof(piece[0]))];

			if (len + strlen(p) + 1 > sizeof(buf))
				break;
			memcpy(buf + len, p, strlen(p) + 1);
			len += strlen(p);
		}
		hold_to_reference(buf, &yes);
	}
	/* The stream reached the quick reading's yes often enough to mean
	 * something. */
	print_message("quick said yes to %d of 200000\n", yes);
	assert_true(yes > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_forms_are_quick),
		cmocka_unit_test(test_edges),
		cmocka_unit_test(test_every_gap),
		cmocka_unit_test(test_random_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
