/*
 * test_uaccess.c - shim/uaccess.c with the real Linux probe: mapped,
 * unmapped and inaccessible pages, ranges across pages, and the per-thread
 * cache never vouching for a page it did not probe.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>
#include <sys/mman.h>

#include "uaccess.h"

static char *
pages(size_t n)
{
	void *p = mmap(NULL, n * 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void
test_mapped_and_not(void **state)
{
	char *p = pages(3);

	(void)state;
	assert_true(ua_readable(p, 16));
	assert_true(ua_readable(p + 4096 - 8, 16)); /* across two pages */
	assert_true(ua_readable(p, 3 * 4096));
	assert_true(ua_readable(p + 5, 0));
	munmap(p + 4096, 4096); /* a hole in the middle */
	assert_true(ua_readable(p, 4096));
	assert_false(ua_readable(p + 4096, 8));
	assert_false(ua_readable(p + 4096 - 8, 16)); /* runs into the hole */
	assert_false(ua_readable(p, 3 * 4096));
	assert_true(ua_readable(p + 2 * 4096, 4096));
	mprotect(p + 2 * 4096, 4096, PROT_NONE);
	/* A failed probe never becomes the remembered page. */
	assert_true(ua_readable(p, 8));
	assert_false(ua_readable(p + 2 * 4096, 8));
	munmap(p, 4096);
	munmap(p + 2 * 4096, 4096);
	/* p is still this thread's good page: unmapped behind the cache's
	 * back, it is the one case uaccess.h admits it does not cover. */
}

static void
test_low_and_wrapping(void **state)
{
	(void)state;
	assert_false(ua_readable(NULL, 1));
	assert_false(ua_readable((void *)0x10, 16));
	assert_false(ua_readable((void *)(UINTPTR_MAX - 8), 64));
	assert_true(ua_readable(NULL, 0));
}

/* A string up to its NUL, across pages; one that runs into a hole is
 * refused rather than read. */
static void
test_string(void **state)
{
	char *p = pages(2);
	size_t len = 99;

	(void)state;
	memset(p, 'a', 2 * 4096);
	p[2 * 4096 - 1] = '\0';
	assert_true(ua_string(p + 4096 - 3, &len));
	assert_int_equal(len, 4096 + 2);
	strcpy(p, "ping");
	assert_true(ua_string(p, &len));
	assert_int_equal(len, 4);
	assert_false(ua_string(NULL, &len));
	p[2 * 4096 - 1] = 'a';
	munmap(p + 4096, 4096);
	assert_false(ua_string(p + 4096 - 3, &len));
	munmap(p, 4096);
}

/* Vectors: every pointer and every string, wherever they lie. */
static void
test_strings(void **state)
{
	char *p = pages(3), **v = (char **)(p + 2 * 4096);

	(void)state;
	assert_true(ua_strings(NULL));
	strcpy(p, "PATH=/bin");
	memset(p + 100, 'a', 4096 - 100);
	p[4096 + 10] = '\0'; /* runs into the next page */
	v[0] = p;
	v[1] = p + 100;
	v[2] = NULL;
	assert_true(ua_strings(v));
	v[1] = (char *)16;
	assert_false(ua_strings(v));
	v[1] = p + 100;
	munmap(p + 4096, 4096); /* the second string's end is gone */
	assert_false(ua_strings(v));
	v[1] = NULL;
	assert_true(ua_strings(v));
	/* The vector itself running into a hole. */
	*(char **)(p + 4096 - sizeof(char *)) = p;
	assert_false(ua_strings((char **)(p + 4096 - sizeof(char *))));
	munmap(p, 4096);
	munmap(p + 2 * 4096, 4096);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapped_and_not),
		cmocka_unit_test(test_low_and_wrapping),
		cmocka_unit_test(test_string),
		cmocka_unit_test(test_strings),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
