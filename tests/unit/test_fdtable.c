/*
 * test_fdtable.c - shim/fdtable.c: the per-fd table and its entry macros,
 * for fds far above 65,536, out-of-range fds, range clears across missing
 * blocks, and threads writing one fresh block at once. The table is
 * process-wide and blocks are never freed, so each test uses its own fds.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sys/socket.h>

#include "fdtable.h"

#define BLOCK 4096 /* fdtable.c's block size, as its comment promises */

static void
test_never_set_reads_zero(void **state)
{
	(void)state;
	assert_int_equal(fdt_get(0), 0);
	assert_int_equal(fdt_get(3), 0);
	assert_int_equal(fdt_get(65535), 0);
	assert_int_equal(fdt_get(FDT_MAX - 1), 0);
	/* A neighbour in an installed block is still zero. */
	assert_int_equal(fdt_set(100, FDT_MAKE(FDT_NEW, 1, AF_INET, 0)), 0);
	assert_int_equal(fdt_get(101), 0);
	assert_int_equal(fdt_get(99), 0);
}

static void
test_macros_round_trip(void **state)
{
	fdt_entry e, w;

	(void)state;
	e = FDT_MAKE(FDT_BOUND, 0x2, 10, 0xffffffffu);
	assert_int_equal(FDT_STATE(e), FDT_BOUND);
	assert_int_equal(FDT_PROTO(e), 0x2);
	assert_int_equal(FDT_FAMILY(e), 10);
	assert_int_equal(FDT_IFINDEX(e), 0xffffffffu);
	assert_false(e & FDT_LOGGED);

	/* macOS's AF_INET6 is 30; every state and protocol class fits. */
	e = FDT_MAKE(FDT_NEW, 0xf, 30, 1);
	assert_int_equal(FDT_STATE(e), FDT_NEW);
	assert_int_equal(FDT_PROTO(e), 0xf);
	assert_int_equal(FDT_FAMILY(e), 30);
	assert_int_equal(FDT_IFINDEX(e), 1);

	/* FDT_WITH changes state and index, keeps the rest, logged bit too. */
	e |= FDT_LOGGED;
	w = FDT_WITH(e, FDT_BOUND, 0x80000001u);
	assert_int_equal(FDT_STATE(w), FDT_BOUND);
	assert_int_equal(FDT_IFINDEX(w), 0x80000001u);
	assert_int_equal(FDT_PROTO(w), 0xf);
	assert_int_equal(FDT_FAMILY(w), 30);
	assert_true(w & FDT_LOGGED);
	w = FDT_WITH(w, FDT_PASS, 0);
	assert_int_equal(FDT_STATE(w), FDT_PASS);
	assert_int_equal(FDT_IFINDEX(w), 0);
	assert_int_equal(FDT_FAMILY(w), 30);

	/* Neighbouring fields do not bleed into each other. */
	e = FDT_MAKE(FDT_SKIP, 0, 0, 0);
	assert_int_equal(FDT_STATE(e), FDT_SKIP);
	assert_int_equal(FDT_PROTO(e), 0);
	assert_int_equal(FDT_FAMILY(e), 0);
	assert_int_equal(FDT_IFINDEX(e), 0);
}

static void
test_set_get_round_trip(void **state)
{
	fdt_entry a = FDT_MAKE(FDT_BOUND, 0x1, 10, 0xffffffffu);
	fdt_entry b = FDT_MAKE(FDT_NEW, 0x2, 30, 7) | FDT_LOGGED;

	(void)state;
	assert_int_equal(fdt_set(5, a), 0);
	assert_int_equal(fdt_set(6, b), 0);
	assert_int_equal(fdt_get(5), a);
	assert_int_equal(fdt_get(6), b);
	assert_int_equal(FDT_IFINDEX(fdt_get(5)), 0xffffffffu);
	assert_int_equal(FDT_FAMILY(fdt_get(6)), 30);
	/* Overwrite, as a socket() over a close we never saw does. */
	assert_int_equal(fdt_set(5, b), 0);
	assert_int_equal(fdt_get(5), b);
}

static void
test_high_fds(void **state)
{
	static const int fds[] = { 65536, 70000, 1 << 20, FDT_MAX - 1 };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++) {
		fdt_entry e = FDT_MAKE(FDT_BOUND, 1, 2, (unsigned)fds[i]);

		assert_int_equal(fdt_set(fds[i], e), 0);
		assert_int_equal(fdt_get(fds[i]), e);
	}
	/* Each kept its own value. */
	for (i = 0; i < sizeof(fds) / sizeof(fds[0]); i++)
		assert_int_equal(FDT_IFINDEX(fdt_get(fds[i])), fds[i]);
}

static void
test_out_of_range_refused(void **state)
{
	fdt_entry e = FDT_MAKE(FDT_NEW, 1, 2, 3);

	(void)state;
	assert_int_equal(fdt_set(-1, e), -1);
	assert_int_equal(fdt_set(-4096, e), -1);
	assert_int_equal(fdt_set(FDT_MAX, e), -1);
	assert_int_equal(fdt_set(FDT_MAX + 4096, e), -1);
	assert_int_equal(fdt_get(-1), 0);
	assert_int_equal(fdt_get(FDT_MAX), 0);
	assert_int_equal(fdt_get(0x7fffffff), 0);
	/* No wrap-around onto a tracked fd's slot, either way. */
	assert_int_equal(fdt_set(7, e), 0);
	assert_int_equal(fdt_set(FDT_MAX + 7, FDT_MAKE(FDT_SKIP, 0, 0, 0)), -1);
	assert_int_equal(fdt_get(FDT_MAX + 7), 0);
	fdt_clear(FDT_MAX + 7);
	fdt_clear(-1);
	assert_int_equal(fdt_get(7), e);
}

static void
test_clear(void **state)
{
	fdt_entry e = FDT_MAKE(FDT_BOUND, 1, 2, 3);

	(void)state;
	assert_int_equal(fdt_set(200, e), 0);
	assert_int_equal(fdt_set(201, e), 0);
	fdt_clear(200);
	assert_int_equal(fdt_get(200), 0);
	assert_int_equal(fdt_get(201), e);
	fdt_clear(200);           /* twice is harmless */
	fdt_clear(3 * BLOCK + 1); /* so is a block never installed */
	assert_int_equal(fdt_get(3 * BLOCK + 1), 0);
}

static void
test_clear_range_across_blocks(void **state)
{
	/* Blocks 16, 17 and 19 installed, 18 missing; 20 after hi. */
	const unsigned b = 16 * BLOCK;
	const unsigned set[] = { b, b + 5, b + BLOCK - 1, b + BLOCK,
		b + 2 * BLOCK - 1, b + 3 * BLOCK, b + 3 * BLOCK + 100,
		b + 4 * BLOCK + 2 };
	fdt_entry e = FDT_MAKE(FDT_BOUND, 1, 2, 9);
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(set) / sizeof(set[0]); i++)
		assert_int_equal(fdt_set((int)set[i], e), 0);
	/* lo in the middle of a block, hi in a later one. */
	fdt_clear_range(b + 5, b + 3 * BLOCK + 100);
	assert_int_equal(fdt_get((int)b), e);     /* below lo */
	assert_int_equal(fdt_get((int)b + 5), 0); /* lo itself */
	assert_int_equal(fdt_get((int)b + BLOCK - 1), 0);
	assert_int_equal(fdt_get((int)b + BLOCK), 0);
	assert_int_equal(fdt_get((int)b + 2 * BLOCK - 1), 0);
	assert_int_equal(fdt_get((int)b + 3 * BLOCK), 0);
	assert_int_equal(fdt_get((int)b + 3 * BLOCK + 100), 0); /* hi itself */
	assert_int_equal(fdt_get((int)b + 4 * BLOCK + 2), e);   /* above hi */
}

/* A range starting in a missing block whose next block is installed:
 * skipping the missing one must not skip the next. */
static void
test_clear_range_starts_in_missing_block(void **state)
{
	const unsigned b = 40 * BLOCK; /* block 40 missing, 41 installed */
	fdt_entry e = FDT_MAKE(FDT_NEW, 2, 10, 0);

	(void)state;
	assert_int_equal(fdt_set((int)b + BLOCK, e), 0);
	assert_int_equal(fdt_set((int)b + BLOCK + 7, e), 0);
	assert_int_equal(fdt_set((int)b + BLOCK + 8, e), 0);
	fdt_clear_range(b, b + BLOCK + 7);
	assert_int_equal(fdt_get((int)b + BLOCK), 0);
	assert_int_equal(fdt_get((int)b + BLOCK + 7), 0);
	assert_int_equal(fdt_get((int)b + BLOCK + 8), e);
	/* lo not on a block boundary inside a missing block. */
	assert_int_equal(fdt_set((int)b + 3 * BLOCK + 1, e), 0);
	fdt_clear_range(b + 2 * BLOCK + 17, b + 3 * BLOCK + 1);
	assert_int_equal(fdt_get((int)b + 3 * BLOCK + 1), 0);
}

/* close_range(3, ~0U): hi beyond the table, most blocks missing. */
static void
test_clear_range_to_infinity(void **state)
{
	const unsigned b = 60 * BLOCK;
	fdt_entry e = FDT_MAKE(FDT_BOUND, 1, 2, 3);

	(void)state;
	assert_int_equal(fdt_set((int)b - 1, e), 0);
	assert_int_equal(fdt_set((int)b, e), 0);
	assert_int_equal(fdt_set(1 << 22, e), 0);
	assert_int_equal(fdt_set(FDT_MAX - 1, e), 0);
	fdt_clear_range(b, ~0U);
	assert_int_equal(fdt_get((int)b - 1), e);
	assert_int_equal(fdt_get((int)b), 0);
	assert_int_equal(fdt_get(1 << 22), 0);
	assert_int_equal(fdt_get(FDT_MAX - 1), 0);
	/* Entirely out of range, or empty: nothing happens. */
	fdt_clear_range(FDT_MAX, ~0U);
	fdt_clear_range(b - 1, b - 2);
	assert_int_equal(fdt_get((int)b - 1), e);
}

/* Threads race to install one fresh block, then keep rewriting their own
 * fds in it while reading them back; no write may be lost or torn. */
#define NTHREADS 8
#define PER_THREAD 64
#define ROUNDS 2000
#define RACE_BASE (100 * BLOCK)

static pthread_barrier_t start;

static void *
worker(void *arg)
{
	unsigned t = (unsigned)(uintptr_t)arg, r, i;
	uintptr_t bad = 0;

	pthread_barrier_wait(&start);
	for (r = 0; r < ROUNDS; r++) {
		for (i = 0; i < PER_THREAD; i++) {
			int fd = RACE_BASE + (int)(i * NTHREADS + t);
			fdt_entry e =
			    FDT_MAKE(FDT_BOUND, t, 10, r * 65536u + i);

			if (fdt_set(fd, e) != 0 || fdt_get(fd) != e)
				bad++;
		}
	}
	return (void *)bad;
}

static void
test_threads_disjoint_fds_one_block(void **state)
{
	pthread_t th[NTHREADS];
	unsigned t, i;
	void *bad;

	(void)state;
	assert_int_equal(fdt_get(RACE_BASE), 0); /* the block is fresh */
	assert_int_equal(pthread_barrier_init(&start, NULL, NTHREADS), 0);
	for (t = 0; t < NTHREADS; t++)
		assert_int_equal(pthread_create(&th[t], NULL, worker,
		                     (void *)(uintptr_t)t),
		    0);
	for (t = 0; t < NTHREADS; t++) {
		assert_int_equal(pthread_join(th[t], &bad), 0);
		assert_int_equal((uintptr_t)bad, 0);
	}
	pthread_barrier_destroy(&start);
	/* Every slot holds its thread's last write. */
	for (t = 0; t < NTHREADS; t++)
		for (i = 0; i < PER_THREAD; i++)
			assert_int_equal(fdt_get(RACE_BASE +
			                     (int)(i * NTHREADS + t)),
			    FDT_MAKE(FDT_BOUND, t, 10,
			        (ROUNDS - 1) * 65536u + i));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_never_set_reads_zero),
		cmocka_unit_test(test_macros_round_trip),
		cmocka_unit_test(test_set_get_round_trip),
		cmocka_unit_test(test_high_fds),
		cmocka_unit_test(test_out_of_range_refused),
		cmocka_unit_test(test_clear),
		cmocka_unit_test(test_clear_range_across_blocks),
		cmocka_unit_test(test_clear_range_starts_in_missing_block),
		cmocka_unit_test(test_clear_range_to_infinity),
		cmocka_unit_test(test_threads_disjoint_fds_one_block),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
