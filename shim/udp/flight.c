/*
 * flight.c - see flight.h. Records live in one static pool: claiming one
 * is a few atomics and a system call (the thread's id), fit for a signal
 * handler, and nothing is ever freed. A record whose owner has gone (a
 * thread that exited, even one cancelled inside a send) is taken over
 * when the pool runs out; its holds mean nothing any more.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>

#include "flight.h"
#include "../../common/plat.h"

/* Threads beyond this many at once count themselves in the fd table, as
 * every sender did before records: slower, as safe. 64 KB of address
 * space, touched a page per 64 threads. */
#define FLIGHT_RECORDS 1024

/* One pool per process, as the threads it describes. */
static struct flight pool[FLIGHT_RECORDS];
static _Atomic unsigned pool_used;
/* The barrier is registered: records may be in use. */
static _Atomic bool ready;
/* No record could be had: this thread counts, and does not look again.
 * Always full, so flight_enter needs no test of its own for it. */
static struct flight none = { .depth = FLIGHT_DEPTH };
__thread struct flight *flight_mine;

/* fork(): the child's thread goes on with its record under its new id,
 * so that a changer in the child still counts its holds (the parent's
 * ids name no thread of the child's). */
static void
after_fork(void)
{
	struct flight *f = flight_mine;

	if (f != NULL && f != &none)
		atomic_store(&f->owner, plat_thread_id());
}

void
flight_setup(void)
{
	/* Registering is cheap while the process has one thread, as in a
	 * preloaded library's constructor; any failure (an old kernel, a
	 * seccomp filter, macOS) leaves senders to the fd table's count. */
	if (atomic_load(&ready) || plat_barrier_setup() < 0)
		return;
	if (pthread_atfork(NULL, NULL, after_fork) != 0)
		return;
	atomic_store(&ready, true);
}

/* A record of a thread that is gone: its holds go with it. */
static bool
take_over(struct flight *f, int tid)
{
	int owner = atomic_load(&f->owner);
	unsigned i;

	if (owner == 0 || plat_thread_alive(owner) ||
	    !atomic_compare_exchange_strong(&f->owner, &owner, tid))
		return false;
	for (i = 0; i < FLIGHT_DEPTH; i++)
		atomic_store_explicit(&f->fd1[i], 0, memory_order_relaxed);
	f->depth = 0;
	return true;
}

static struct flight *
claim(void)
{
	int tid = plat_thread_id();
	unsigned i = atomic_load(&pool_used);

	while (i < FLIGHT_RECORDS)
		if (atomic_compare_exchange_weak(&pool_used, &i, i + 1)) {
			atomic_store(&pool[i].owner, tid); /* a fresh one */
			return &pool[i];
		}
	for (i = 0; i < FLIGHT_RECORDS; i++)
		if (take_over(&pool[i], tid))
			return &pool[i];
	return &none;
}

struct flight *
flight_claim(void)
{
	/* Sequentially consistent, as the changer's look at it: a thread
	 * that sees records on may use one before a changer that did not
	 * would settle (only if the constructor ran late). */
	if (!atomic_load(&ready))
		return &none; /* not yet: look again next time */
	/* A handler that claimed one meanwhile keeps it: this thread then
	 * holds two, harmless. */
	return flight_mine = claim();
}

int
flight_settle(void)
{
	int rc;

	if (!atomic_load(&ready))
		return 0; /* no record was ever in use */
	rc = plat_barrier();
	return rc < 0 ? -EAGAIN : 0;
}

bool
flight_held(int fd)
{
	unsigned n = atomic_load(&pool_used), i, d;
	unsigned want = (unsigned)fd + 1;

	if (n > FLIGHT_RECORDS)
		n = FLIGHT_RECORDS;
	for (i = 0; i < n; i++)
		for (d = 0; d < FLIGHT_DEPTH; d++)
			if (atomic_load_explicit(&pool[i].fd1[d],
			        memory_order_acquire) == want) {
				int owner = atomic_load(&pool[i].owner);

				/* A thread gone mid-send holds nothing. */
				if (owner != 0 && plat_thread_alive(owner))
					return true;
			}
	return false;
}
