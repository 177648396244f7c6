/*
 * flight.h - which socket each thread is sending on right now, published
 * without a locked instruction. The hot path of a sticky datagram socket
 * (dgram.c) must keep its egress from being changed under a datagram in
 * flight; a shared count per socket did that with two atomic
 * read-modify-writes per datagram, half the shim's own cost of one
 * (BENCHMARKS.md, figure 6). Here a sender writes the descriptor into a
 * record of its own thread with plain stores, and the rare thread that
 * changes an egress pays instead: it flags the socket's entry, makes every
 * thread of the process pass a memory barrier (plat_barrier: membarrier on
 * Linux), then looks at every record. Either the sender sees the flag or
 * the changer sees the sender.
 */
#ifndef BINDIF_FLIGHT_H
#define BINDIF_FLIGHT_H

#include <stdatomic.h>
#include <stdbool.h>

#include "../fdtable.h"

/* A send, and signal handlers sending over it. */
#define FLIGHT_DEPTH 4

struct flight {
	/* fd + 1 per nesting level being sent on; 0: none */
	_Alignas(64) _Atomic unsigned fd1[FLIGHT_DEPTH];
	/* levels in use: the owning thread's (and its handlers') alone */
	unsigned depth;
	_Atomic int owner; /* the owning thread's id; 0: free */
};

/* One datagram's hold, for flight_leave. */
struct flight_hold {
	struct flight *f;
	unsigned level;
};

/* Records are ready for this process: the constructor's call. */
void flight_setup(void);

/* The calling thread's record once claimed (its first flight_enter). */
extern __thread struct flight *flight_mine;

/* Claims one for the calling thread; when records are off (no barrier
 * here) or all are taken, a record that is always full. Never NULL. */
struct flight *flight_claim(void);

/*
 * Publishes that this thread sends on fd while its entry stays e: true
 * (and h filled) when the entry is still e once published, false when
 * not (nothing held). Plain stores only.
 */
static inline bool
flight_enter(int fd, fdt_entry e, struct flight_hold *h)
{
	struct flight *f = flight_mine;
	unsigned d;

	if (f == NULL)
		f = flight_claim();
	if ((d = f->depth) >= FLIGHT_DEPTH)
		return false;
	/* A handler landing from here on takes the next level. */
	f->depth = d + 1;
	atomic_signal_fence(memory_order_seq_cst);
	atomic_store_explicit(&f->fd1[d], (unsigned)fd + 1,
	    memory_order_relaxed);
	/* Only the compiler is held to this order: the changer's barrier
	 * makes it the processor's too (flight_settle). */
	atomic_signal_fence(memory_order_seq_cst);
	if (fdt_get(fd) == e) {
		h->f = f;
		h->level = d;
		return true;
	}
	atomic_store_explicit(&f->fd1[d], 0, memory_order_relaxed);
	atomic_signal_fence(memory_order_seq_cst);
	f->depth = d;
	return false;
}

/* After the send: the release orders the send before a changer's look. */
static inline void
flight_leave(struct flight_hold h)
{
	atomic_store_explicit(&h.f->fd1[h.level], 0, memory_order_release);
	atomic_signal_fence(memory_order_seq_cst);
	h.f->depth = h.level;
}

/*
 * The changer's side, after it flagged fd's entry (so no new sender
 * holds it): 0 once every thread has passed a barrier, so every hold
 * taken before the flag shows in flight_held; -EAGAIN when no barrier
 * can be had while records are in use (the change must not happen).
 */
int flight_settle(void);

/* Whether a live thread holds fd (call after flight_settle). */
bool flight_held(int fd);

#endif
