/*
 * fdtable.h - what the shim knows about each file descriptor: one atomic
 * word per fd, readable on every call without a lock. Safe from signal
 * handlers and after fork: reads and writes never lock or allocate, except
 * the first write to a block of 4096 fds, which happens on socket creation.
 */
#ifndef BINDIF_FDTABLE_H
#define BINDIF_FDTABLE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

enum fdt_state {
	FDT_UNKNOWN = 0, /* never seen, or closed: ask the kernel */
	FDT_NEW = 1,     /* an inet socket, no decision applied yet */
	FDT_SKIP = 2,    /* not ours to touch (not AF_INET/AF_INET6) */
	FDT_PASS = 3,    /* a stream left to the routing table */
	FDT_BOUND = 4    /* bound to an interface, by us or the program */
};

/* Protocol classes, as the rules' RULES_PROTO_* bits. */
typedef uint64_t fdt_entry;

/* bits 0-3 state, 4-7 protocol class, 8-15 address family, 16 "a
 * decision was logged", 17-19 the sticky egress of an unconnected datagram
 * socket (dgram.c), 20 born here, 21 a DNS socket redirected, 32-63
 * interface index */
#define FDT_STATE(e) ((enum fdt_state)((e)&0xfu))
#define FDT_PROTO(e) ((unsigned)(((e) >> 4) & 0xfu))
#define FDT_FAMILY(e) ((int)(((e) >> 8) & 0xffu))
#define FDT_LOGGED ((fdt_entry)1 << 16)
/* FDT_NEW datagram sockets: the socket's own egress is set to FDT_IFINDEX
 * (0: maybe set, to an unknown one); a thread is changing it; it is never
 * to be set again. */
#define FDT_STUCK ((fdt_entry)1 << 17)
#define FDT_STICKING ((fdt_entry)1 << 18)
#define FDT_PER_DGRAM ((fdt_entry)1 << 19)
/* Made by our socket(), its descriptor never copied: had the program
 * bound it to an interface, our setsockopt would have cleared this, so a
 * connect need not ask the kernel whether it did (one system call, ~1 %
 * of a TCP connect). */
#define FDT_BORN ((fdt_entry)1 << 20)
/* Its DNS queries to a system resolver go to bindif's server instead
 * (hooks_dnsown.c): replies and the peer are shown as from the resolver
 * the program aimed at. The receive hooks test this bit and nothing else,
 * so other sockets pay one load. */
#define FDT_DNSREDIR ((fdt_entry)1 << 21)
#define FDT_IFINDEX(e) ((unsigned)((e) >> 32))
#define FDT_MAKE(state, proto, family, ifindex)                  \
	((fdt_entry)(state) | ((fdt_entry)((proto)&0xfu) << 4) | \
	    ((fdt_entry)((family)&0xffu) << 8) | ((fdt_entry)(ifindex) << 32))
#define FDT_WITH(e, state, ifindex)                                    \
	(((e) & ~((fdt_entry)0xfu | ((fdt_entry)0xffffffffu << 32))) | \
	    (fdt_entry)(state) | ((fdt_entry)(ifindex) << 32))

/* Descriptors at or above this are not tracked; hooks then ask the kernel. */
#define FDT_MAX (1 << 24)

/* Two levels so descriptors above 65,536 are covered without a large
 * up-front allocation; a block, once installed, is never freed. In the
 * header only so that fdt_get, on every hooked send, is in line. */
#define FDT_BLOCK_BITS 12
#define FDT_BLOCK_SIZE (1u << FDT_BLOCK_BITS)
#define FDT_NBLOCKS (FDT_MAX >> FDT_BLOCK_BITS)

/* One cache line per fd: the slow paths' sender count is written per
 * datagram, and 32 threads on 32 sockets must not bounce a shared line
 * between CPUs (measured: bench figure 6). A block is 256 KB of address
 * space; mapped, only the pages of fds in use are ever touched. */
struct fdt_slot {
	_Alignas(64) _Atomic fdt_entry e;
	_Atomic unsigned senders;
};

struct fdt_block {
	struct fdt_slot s[FDT_BLOCK_SIZE];
};

extern _Atomic(struct fdt_block *) fdt_blocks[FDT_NBLOCKS];

/* fd's block, and its slot; NULL when fd is out of range or its block
 * is not there yet. */
static inline struct fdt_block *
fdt_block_of(int fd)
{
	if (fd < 0 || fd >= FDT_MAX)
		return NULL;
	return atomic_load_explicit(&fdt_blocks[fd >> FDT_BLOCK_BITS],
	    memory_order_acquire);
}

static inline struct fdt_slot *
fdt_slot(int fd)
{
	struct fdt_block *b = fdt_block_of(fd);

	return b == NULL ? NULL : &b->s[fd & (FDT_BLOCK_SIZE - 1)];
}

static inline fdt_entry
fdt_get(int fd)
{
	struct fdt_slot *s = fdt_slot(fd);

	return s == NULL ? 0 :
	                   atomic_load_explicit(&s->e, memory_order_relaxed);
}
/* Returns 0, or -1 when fd is out of range or a block can't be allocated. */
int fdt_set(int fd, fdt_entry e);
void fdt_clear(int fd);
void fdt_clear_range(unsigned lo, unsigned hi);

/* Atomic updates of an entry (a set block only): whether *old was still
 * there and became new (else *old is what is); the bits set or cleared,
 * returning the entry from before. */
bool fdt_cas(int fd, fdt_entry *old, fdt_entry new_entry);
fdt_entry fdt_or(int fd, fdt_entry bits);
fdt_entry fdt_and(int fd, fdt_entry bits);

/*
 * Senders in flight on fd that rely on its egress as entry e says it is:
 * fdt_enter counts one and returns true if the entry is still e (false:
 * not counted), fdt_leave uncounts it, and whoever changes the egress
 * waits until fdt_senders is 0. The count is kept apart from the entry
 * (a close may clear the entry under a sender) and on a cache line of its
 * own per fd, so threads on different sockets never share one.
 */
bool fdt_enter(int fd, fdt_entry e);
void fdt_leave(int fd);
unsigned fdt_senders(int fd);

#endif
