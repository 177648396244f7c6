/*
 * fdtable.c - fd-indexed, lock-free table of per-socket decisions.
 * Two levels so descriptors above 65,536 are covered without a large
 * up-front allocation; a block, once installed, is never freed.
 */
#include <stdatomic.h>
#include <stdlib.h>

#include "fdtable.h"

#define BLOCK_BITS 12
#define BLOCK_SIZE (1u << BLOCK_BITS)
#define NBLOCKS (FDT_MAX >> BLOCK_BITS)

struct block {
	_Atomic fdt_entry e[BLOCK_SIZE];
};

/* The one table of the process: fds are process-wide, so is this. */
static _Atomic(struct block *) blocks[NBLOCKS];

static struct block *
block_of(int fd)
{
	if (fd < 0 || fd >= FDT_MAX)
		return NULL;
	return atomic_load_explicit(&blocks[fd >> BLOCK_BITS],
	    memory_order_acquire);
}

fdt_entry
fdt_get(int fd)
{
	struct block *b = block_of(fd);

	if (b == NULL)
		return 0;
	return atomic_load_explicit(&b->e[fd & (BLOCK_SIZE - 1)],
	    memory_order_relaxed);
}

int
fdt_set(int fd, fdt_entry v)
{
	struct block *b, *fresh, *expected = NULL;

	if (fd < 0 || fd >= FDT_MAX)
		return -1;
	b = block_of(fd);
	if (b == NULL) {
		if ((fresh = calloc(1, sizeof(*fresh))) == NULL)
			return -1;
		if (atomic_compare_exchange_strong(&blocks[fd >> BLOCK_BITS],
			&expected, fresh))
			b = fresh;
		else {
			free(fresh); /* another thread installed it first */
			b = expected;
		}
	}
	atomic_store_explicit(&b->e[fd & (BLOCK_SIZE - 1)], v,
	    memory_order_relaxed);
	return 0;
}

void
fdt_clear(int fd)
{
	struct block *b = block_of(fd);

	if (b != NULL)
		atomic_store_explicit(&b->e[fd & (BLOCK_SIZE - 1)], 0,
		    memory_order_relaxed);
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
		if ((fd & (BLOCK_SIZE - 1)) == 0 && block_of((int)fd) == NULL) {
			if (fd + BLOCK_SIZE - 1 >= hi)
				break;
			fd += BLOCK_SIZE - 1;
			continue;
		}
		fdt_clear((int)fd);
	}
}
