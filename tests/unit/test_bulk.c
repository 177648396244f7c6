/*
 * test_bulk.c - config/bulk.c: which arrays it takes from libconfig, the
 * text libconfig gets instead and how its lines map back, the elements and
 * their lines, and that no string of a file can pass for its marker.
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

#include "bulk.h"

static size_t
lines_of(const char *s)
{
	size_t n = 1;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* How many arrays bulk takes from text. */
static size_t
taken(const char *text)
{
	struct bulk b;
	size_t n;

	assert_int_equal(bulk_find(text, strlen(text), &b), 0);
	n = b.n;
	if (n > 0) {
		assert_non_null(b.cfg);
		/* The last line maps back to the file's last. */
		assert_int_equal(bulk_line(&b, (int)lines_of(b.cfg)),
		    (int)lines_of(text));
	} else
		assert_null(b.cfg);
	bulk_free(&b);
	return n;
}

static void
test_what_is_taken(void **state)
{
	(void)state;
	assert_int_equal(taken("exclude = [\"10.0.0.0/8\", \"fd00::/8\"];\n"),
	    1);
	assert_int_equal(taken("a = [\"x\"]; b = [ \"y\" ,\n\"z\" ];\n"), 2);
	/* Comments and blanks between elements, libconfig's three kinds. */
	assert_int_equal(taken("a = [ # one\n \"x\", // two\n /* three\n */ "
	                       "\"y\"\r\f\t];\n"),
	    1);
	/* Inside a rule's group, inside a list. */
	assert_int_equal(taken("rules = ( { dst = [\"10.0.0.0/8\"]; } );\n"),
	    1);
	/* Brackets and comment starts inside strings are text. */
	assert_int_equal(taken("program = [\"a]b\", \"c#d\", \"e//f\", "
	                       "\"/*g\"];\n"),
	    1);
	/* Left to libconfig: what it must read or judge itself. */
	assert_int_equal(taken("a = [];\n"), 0);         /* empty */
	assert_int_equal(taken("a = [80, 443];\n"), 0);  /* numbers */
	assert_int_equal(taken("a = [\"x\", 1];\n"), 0); /* mixed */
	assert_int_equal(taken("a = [\"x\",];\n"), 0);   /* trailing comma */
	assert_int_equal(taken("a = [,\"x\"];\n"), 0);
	assert_int_equal(taken("a = [\"x\" \"y\"];\n"), 0); /* adjacent */
	assert_int_equal(taken("a = [\"x\\\"y\"];\n"), 0);  /* escape */
	assert_int_equal(taken("a = [\"x\ny\"];\n"), 0);    /* newline */
	assert_int_equal(taken("a = [\"x\ty\"];\n"), 0);    /* control */
	assert_int_equal(taken("a = [\"x\""), 0);           /* unclosed */
	assert_int_equal(taken("a = [\"x\" /* open"), 0);
	assert_int_equal(taken("a = (\"x\", \"y\");\n"), 0); /* a list */
	/* Not arrays at all: brackets in strings and comments. */
	assert_int_equal(taken("a = \"[\\\"x\\\"]\";\n"), 0);
	assert_int_equal(taken("# [\"x\"]\na = 1;\n"), 0);
	assert_int_equal(taken("/* [\"x\"] */ a = 1;\n"), 0);
	assert_int_equal(taken("// [\"x\"]\na = 1;\n"), 0);
	/* An unclosed comment hides the rest. */
	assert_int_equal(taken("/* a = [\"x\"];\n"), 0);
	/* The marker's first byte anywhere, or its escape: nothing is
	 * taken, so no string can pass for a marker. */
	assert_int_equal(taken("a = [\"x\"]; b = \"\001\";\n"), 0);
	assert_int_equal(taken("a = [\"x\"]; b = \"\\x01bindif:0\";\n"), 0);
	assert_int_equal(taken("a = [\"x\"]; b = \"\\x02\";\n"), 1);
}

/* Strings past eight bytes are scanned eight at a time: every byte that
 * ends or spoils a string is seen at every offset of a long one, and no
 * other byte is taken for one. */
static void
test_long_strings(void **state)
{
	static const char spoil[] = { '\\', '\n', '\t', '\r', 1, 0x1f };
	static const unsigned char fine[] = { ' ', '!', '#', '[', ']', '/', '*',
		0x7f, 0x80, 0xa0, 0xdf, 0xe0, 0xff };
	char text[64], body[41];
	size_t at, i;

	(void)state;
	for (at = 0; at < sizeof(body) - 1; at++) {
		for (i = 0; i < sizeof(spoil); i++) {
			memset(body, 'x', sizeof(body) - 1);
			body[sizeof(body) - 1] = '\0';
			body[at] = spoil[i];
			snprintf(text, sizeof(text), "a = [\"%s\"];\n", body);
			if (taken(text) != 0)
				print_message("taken: byte %#x at %zu\n",
				    (unsigned)(unsigned char)spoil[i], at);
			assert_int_equal(taken(text), 0);
		}
		for (i = 0; i < sizeof(fine); i++) {
			memset(body, 'x', sizeof(body) - 1);
			body[sizeof(body) - 1] = '\0';
			body[at] = (char)fine[i];
			snprintf(text, sizeof(text), "a = [\"%s\", \"y\"];\n",
			    body);
			if (taken(text) != 1)
				print_message("not taken: byte %#x at %zu\n",
				    fine[i], at);
			assert_int_equal(taken(text), 1);
		}
		/* A quote there ends the string early: then what follows is
		 * no element, and the array stays libconfig's. */
		memset(body, 'x', sizeof(body) - 1);
		body[sizeof(body) - 1] = '\0';
		body[at] = '"';
		snprintf(text, sizeof(text), "a = [\"%s\"];\n", body);
		assert_int_equal(taken(text), 0);
	}
}

static void
test_elements_and_lines(void **state)
{
	const char *text = "top = 1;\n"          /* 1 */
	                   "exclude = [\n"       /* 2 */
	                   "  \"a\", \"bb\",\n"  /* 3 */
	                   "  # note \"q\"\n"    /* 4 */
	                   "  \"c\" /* x\n"      /* 5 */
	                   "  y */ , \"\"\n"     /* 6 */
	                   "];\n"                /* 7 */
	                   "after = [\"d\"];\n"; /* 8 */
	static const char *const want[] = { "a", "bb", "c", "", "d" };
	static const int want_line[] = { 3, 3, 5, 6, 8 };
	struct bulk b;
	struct bulk_iter it;
	const char *s;
	size_t len, i, k = 0;
	int line;
	long m;

	(void)state;
	assert_int_equal(bulk_find(text, strlen(text), &b), 0);
	assert_int_equal(b.n, 2);
	assert_int_equal(b.v[0].line, 2);
	assert_int_equal(b.v[0].lines, 5);
	assert_int_equal(b.v[0].count, 4);
	assert_int_equal(b.v[1].line, 8);
	assert_int_equal(b.v[1].count, 1);
	assert_int_equal(text[b.v[0].open], '[');
	assert_int_equal(text[b.v[0].close], ']');
	/* What libconfig reads: the marker, the ']' on the next line. */
	assert_string_equal(b.cfg,
	    "top = 1;\nexclude = [ \"\001bindif:0\" \n];"
	    "\nafter = [ \"\001bindif:1\" ];\n");
	/* And its lines, back in the file. */
	assert_int_equal(bulk_line(&b, 1), 1);
	assert_int_equal(bulk_line(&b, 2), 2); /* exclude = [ */
	assert_int_equal(bulk_line(&b, 3), 7); /* ]; */
	assert_int_equal(bulk_line(&b, 4), 8); /* after */
	assert_int_equal(bulk_line(&b, 5), 9);
	for (i = 0; i < b.n; i++) {
		bulk_iter_init(&it, text, &b.v[i]);
		while (bulk_next(&it, &s, &len, &line)) {
			assert_true(k < 5);
			assert_int_equal(len, strlen(want[k]));
			assert_memory_equal(s, want[k], len);
			assert_int_equal(line, want_line[k]);
			k++;
		}
	}
	assert_int_equal(k, 5);
	/* Markers: only the exact ones, as libconfig hands them back. */
	assert_int_equal(bulk_marker(&b, "\001bindif:0"), 0);
	assert_int_equal(bulk_marker(&b, "\001bindif:1"), 1);
	assert_int_equal(bulk_marker(&b, "\001bindif:0\n"), -1);
	assert_int_equal(bulk_marker(&b, "\001bindif:2"), -1);
	assert_int_equal(bulk_marker(&b, "\001bindif:1x"), -1);
	assert_int_equal(bulk_marker(&b, "\001bindif:"), -1);
	assert_int_equal(bulk_marker(&b, "bindif:1"), -1);
	assert_int_equal(bulk_marker(&b, "a"), -1);
	assert_int_equal(bulk_marker(&b, NULL), -1);
	m = bulk_marker(&b, "\001bindif:00000000000000000000000001");
	assert_true(m == -1 || m == 1);
	bulk_free(&b);
	/* No array taken: no marker is one. */
	assert_int_equal(bulk_find("a = 1;", 6, &b), 0);
	assert_int_equal(bulk_marker(&b, "\001bindif:0"), -1);
	assert_int_equal(bulk_line(&b, 3), 3);
	bulk_free(&b);
}

/* Arrays back to back, on shared lines: every line maps to its own. */
static void
test_lines_map_back(void **state)
{
	const char *text =
	    "a = [\n\"x\"\n]; b = [\n\"y\",\n\n\"z\"]; c = [\"w\"];\n"
	    "d = 1;\n";
	struct bulk b;

	(void)state;
	assert_int_equal(bulk_find(text, strlen(text), &b), 0);
	assert_int_equal(b.n, 3);
	assert_string_equal(b.cfg,
	    "a = [ \"\001bindif:0\" \n]; b = [ "
	    "\"\001bindif:1\" \n]; c = [ \"\001bindif:2\" ];\n"
	    "d = 1;\n");
	assert_int_equal(bulk_line(&b, 1), 1); /* a = [ */
	assert_int_equal(bulk_line(&b, 2), 3); /* ]; b = [ */
	assert_int_equal(bulk_line(&b, 3), 6); /* ]; c = [...]; */
	assert_int_equal(bulk_line(&b, 4), 7); /* d = 1; */
	bulk_free(&b);
}

/* A NUL ends the text, for bulk as for libconfig. */
static void
test_nul_ends_text(void **state)
{
	static const char text[] = "a = [\"x\"];\0b = [\"y\"];\n";
	struct bulk b;

	(void)state;
	assert_int_equal(bulk_find(text, sizeof(text) - 1, &b), 0);
	assert_int_equal(b.n, 1);
	assert_string_equal(b.cfg, "a = [ \"\001bindif:0\" ];");
	bulk_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_what_is_taken),
		cmocka_unit_test(test_long_strings),
		cmocka_unit_test(test_elements_and_lines),
		cmocka_unit_test(test_nul_ends_text),
		cmocka_unit_test(test_lines_map_back),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
