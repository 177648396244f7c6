/*
 * fdtable.c - fd-indexed, lock-free table of per-socket decisions (its
 * layout is in fdtable.h, for the in-line fdt_get).
 */
#define _DEFAULT_SOURCE /* MAP_ANONYMOUS */
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include "fdtable.h"

/* The one table of the process: fds are process-wide, so is this. */
_Atomic(struct fdt_block *) fdt_blocks[FDT_NBLOCKS];

int
fdt_set(int fd, fdt_entry v)
{
	struct fdt_block *b, *fresh, *expected = NULL;

	if (fd < 0 || fd >= FDT_MAX)
		return -1;
	b = fdt_block_of(fd);
	if (b == NULL) {
		/*
		 * mmap, not calloc: a signal handler's first datagram on a
		 * socket the shim never saw lands here, and a handler that
		 * interrupted malloc (the settings being built, or this very
		 * calloc on the main thread) waited for its lock forever
		 * (test_stress, signals from the first network call on).
		 * Pages are aligned to any line, and zero.
		 */
		fresh = mmap(NULL, sizeof(*fresh), PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (fresh == MAP_FAILED)
			return -1;
		if (atomic_compare_exchange_strong(&fdt_blocks[fd >>
		                                       FDT_BLOCK_BITS],
		        &expected, fresh))
			b = fresh;
		else {
			/* another thread installed it first */
			(void)munmap(fresh, sizeof(*fresh));
			b = expected;
		}
	}
	atomic_store_explicit(&b->s[fd & (FDT_BLOCK_SIZE - 1)].e, v,
	    memory_order_relaxed);
	return 0;
}

void
fdt_clear(int fd)
{
	struct fdt_slot *s = fdt_slot(fd);

	if (s != NULL)
		atomic_store_explicit(&s->e, 0, memory_order_relaxed);
}

void
fdt_clear_range(unsigned lo, unsigned hi)
{
	unsigned fd;

	if (lo >= FDT_MAX)
		return;
	if (hi >= FDT_MAX)
		hi = FDT_MAX - 1;
	for (fd = lo; fd <= hi; fd++) {
		/* Skip whole missing blocks: close_range(3, ~0U) is common. */
		if ((fd & (FDT_BLOCK_SIZE - 1)) == 0 &&
		    fdt_block_of((int)fd) == NULL) {
			if (fd + FDT_BLOCK_SIZE - 1 >= hi)
				break;
			fd += FDT_BLOCK_SIZE - 1;
			continue;
		}
		fdt_clear((int)fd);
	}
}

/* The read-modify-writes are sequentially consistent: fdt_enter's count
 * then re-read, against a changer's flag then fdt_senders, is the
 * store-then-load pairing that only seq_cst orders. */
bool
fdt_cas(int fd, fdt_entry *old, fdt_entry new_entry)
{
	struct fdt_slot *s = fdt_slot(fd);

	if (s == NULL)
		return false;
	return atomic_compare_exchange_strong(&s->e, old, new_entry);
}

fdt_entry
fdt_or(int fd, fdt_entry bits)
{
	struct fdt_slot *s = fdt_slot(fd);

	return s == NULL ? 0 : atomic_fetch_or(&s->e, bits);
}

fdt_entry
fdt_and(int fd, fdt_entry bits)
{
	struct fdt_slot *s = fdt_slot(fd);

	return s == NULL ? 0 : atomic_fetch_and(&s->e, bits);
}

bool
fdt_enter(int fd, fdt_entry e)
{
	struct fdt_slot *s = fdt_slot(fd);

	if (s == NULL)
		return false;
	atomic_fetch_add(&s->senders, 1);
	if (atomic_load(&s->e) == e)
		return true;
	atomic_fetch_sub(&s->senders, 1);
	return false;
}

void
fdt_leave(int fd)
{
	struct fdt_slot *s = fdt_slot(fd);

	if (s != NULL)
		atomic_fetch_sub_explicit(&s->senders, 1, memory_order_release);
}

unsigned
fdt_senders(int fd)
{
	struct fdt_slot *s = fdt_slot(fd);

	return s == NULL ? 0 : atomic_load(&s->senders);
}
