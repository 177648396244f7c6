/*
 * test_flight.c - shim/udp/flight.c: a thread's holds are seen by a changer
 * after flight_settle, nested holds take their own levels, a changed entry
 * is never held, holds of threads that are gone (exited, or left behind
 * by fork) do not count, records of gone threads are taken over once the
 * pool is used up, and the store-then-load race between a sender and a
 * changer never lets a sender in unseen (the litmus test). Linux only: it
 * needs membarrier.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "fdtable.h"
#include "../../shim/udp/flight.h"

#define FLAG FDT_PER_DGRAM

static fdt_entry
stuck(void)
{
	return FDT_MAKE(FDT_NEW, 1, AF_INET, 2) | FDT_STUCK;
}

static int
setup(void **state)
{
	(void)state;
	flight_setup();
	return 0;
}

/* A hold shows until it is let go; another fd is never held by it. */
static void
test_hold_is_seen(void **state)
{
	struct flight_hold h = { 0 };
	int fd = 7001;

	(void)state;
	assert_int_equal(fdt_set(fd, stuck()), 0);
	assert_true(flight_enter(fd, stuck(), &h));
	assert_int_equal(flight_settle(), 0);
	assert_true(flight_held(fd));
	assert_false(flight_held(fd + 1));
	flight_leave(h);
	assert_false(flight_held(fd));
}

/* An entry that is no longer what the sender read is not held. */
static void
test_changed_entry_not_held(void **state)
{
	struct flight_hold h = { 0 };
	int fd = 7002;

	(void)state;
	assert_int_equal(fdt_set(fd, stuck() | FLAG), 0);
	assert_false(flight_enter(fd, stuck(), &h));
	assert_false(flight_held(fd));
	/* and the level it tried is free again */
	assert_int_equal(fdt_set(fd, stuck()), 0);
	assert_true(flight_enter(fd, stuck(), &h));
	assert_int_equal(h.level, 0);
	flight_leave(h);
}

/* Handlers over a send take the next levels, up to FLIGHT_DEPTH; each
 * hold is let go on its own. */
static void
test_nested_levels(void **state)
{
	struct flight_hold h[FLIGHT_DEPTH + 1];
	int fd = 7010, i;

	(void)state;
	for (i = 0; i <= FLIGHT_DEPTH; i++)
		assert_int_equal(fdt_set(fd + i, stuck()), 0);
	for (i = 0; i < FLIGHT_DEPTH; i++) {
		assert_true(flight_enter(fd + i, stuck(), &h[i]));
		assert_int_equal(h[i].level, (unsigned)i);
	}
	/* one too deep: not held (the caller counts in the fd table) */
	assert_false(
	    flight_enter(fd + FLIGHT_DEPTH, stuck(), &h[FLIGHT_DEPTH]));
	for (i = FLIGHT_DEPTH - 1; i >= 0; i--) {
		assert_true(flight_held(fd + i));
		flight_leave(h[i]);
		assert_false(flight_held(fd + i));
	}
}

static void *
hold_and_exit(void *arg)
{
	struct flight_hold h;
	int fd = (int)(intptr_t)arg;

	return (void *)(intptr_t)flight_enter(fd, stuck(), &h);
}

/* A thread that ended holding (cancelled inside a send) holds nothing. */
static void
test_gone_thread_holds_nothing(void **state)
{
	pthread_t t;
	void *held;
	int fd = 7020;

	(void)state;
	assert_int_equal(fdt_set(fd, stuck()), 0);
	assert_int_equal(pthread_create(&t, NULL, hold_and_exit,
	                     (void *)(intptr_t)fd),
	    0);
	assert_int_equal(pthread_join(t, &held), 0);
	assert_true(held != NULL);
	assert_false(flight_held(fd));
}

static void *
enter_once(void *arg)
{
	struct flight_hold h;
	int fd = (int)(intptr_t)arg;
	bool ok = flight_enter(fd, stuck(), &h);

	if (ok)
		flight_leave(h);
	return (void *)(intptr_t)ok;
}

/* More threads than records over the process's life: gone threads'
 * records are taken over, so a new thread still gets one. */
static void
test_records_taken_over(void **state)
{
	int fd = 7030, i;
	void *ok = NULL;

	(void)state;
	assert_int_equal(fdt_set(fd, stuck()), 0);
	for (i = 0; i < 1100; i++) {
		pthread_t t;

		assert_int_equal(pthread_create(&t, NULL, enter_once,
		                     (void *)(intptr_t)fd),
		    0);
		assert_int_equal(pthread_join(t, &ok), 0);
		if (ok == NULL)
			break;
	}
	assert_int_equal(i, 1100);
}

/* After fork the child's thread goes on with its record: its holds still
 * count there. */
static void
test_fork_child_keeps_record(void **state)
{
	struct flight_hold h = { 0 };
	int fd = 7040, status;
	pid_t pid;

	(void)state;
	assert_int_equal(fdt_set(fd, stuck()), 0);
	assert_true(flight_enter(fd, stuck(), &h)); /* the record is claimed */
	flight_leave(h);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		bool ok = flight_enter(fd, stuck(), &h) &&
		    flight_settle() == 0 && flight_held(fd);

		_exit(ok ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/*
 * The litmus test: each round a sender publishes and reads the entry
 * while the changer flags the entry, settles and looks, both let go at
 * once. A sender that got in must be seen. Without the barrier in
 * flight_settle the processor may let both read the old values (seen
 * here within a few thousand rounds on two CPUs).
 */
#define ROUNDS 100000
static _Atomic unsigned go, scanned, done;
static _Atomic bool sender_in;
static int litmus_fd = 7050;

/* A few to a few hundred cycles, varied per round so that the sender's
 * publish and the changer's flag land in either order, and at once. */
static void
jitter(unsigned r)
{
	volatile unsigned i, n = (r * 2654435761u) >> 24;

	for (i = 0; i < n; i++)
		;
}

static void
wait_for(_Atomic unsigned *v, unsigned want)
{
	unsigned spins = 0;

	while (atomic_load(v) != want)
		if (++spins % 256 == 0)
			sched_yield(); /* one CPU: let the other thread run */
}

static void *
litmus_sender(void *arg)
{
	unsigned r;

	(void)arg;
	for (r = 1; r <= ROUNDS; r++) {
		struct flight_hold h;
		bool in;

		wait_for(&go, r);
		jitter(r);
		in = flight_enter(litmus_fd, stuck(), &h);
		atomic_store(&sender_in, in);
		if (in) {
			wait_for(&scanned, r);
			flight_leave(h);
		}
		atomic_store(&done, r);
	}
	return NULL;
}

static void
test_litmus_sender_never_unseen(void **state)
{
	struct timespec t0, t;
	unsigned r, unseen = 0, ins = 0;
	pthread_t s;

	(void)state;
	assert_int_equal(pthread_create(&s, NULL, litmus_sender, NULL), 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (r = 1; r <= ROUNDS; r++) {
		bool held;

		(void)fdt_set(litmus_fd, stuck());
		atomic_store(&go, r);
		jitter(r * 7 + 3);
		(void)fdt_or(litmus_fd, FLAG);
		assert_int_equal(flight_settle(), 0);
		held = flight_held(litmus_fd);
		atomic_store(&scanned, r);
		wait_for(&done, r);
		if (atomic_load(&sender_in)) {
			ins++;
			if (!held)
				unseen++;
		}
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 20)
			break; /* bounded in time as in count */
	}
	/* let the sender finish its rounds if time ran out */
	for (; r <= ROUNDS; r++) {
		atomic_store(&go, r);
		atomic_store(&scanned, r);
		wait_for(&done, r);
	}
	assert_int_equal(pthread_join(s, NULL), 0);
	print_message("litmus: sender in %u of %u rounds, unseen %u\n", ins,
	    ROUNDS, unseen);
	assert_int_equal(unseen, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hold_is_seen),
		cmocka_unit_test(test_changed_entry_not_held),
		cmocka_unit_test(test_nested_levels),
		cmocka_unit_test(test_gone_thread_holds_nothing),
		cmocka_unit_test(test_records_taken_over),
		cmocka_unit_test(test_fork_child_keeps_record),
		cmocka_unit_test(test_litmus_sender_never_unseen),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
