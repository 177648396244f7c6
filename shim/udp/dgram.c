/*
 * dgram.c - the sticky egress of unconnected datagram sockets. Steering
 * every datagram with IP(V6)_PKTINFO makes each a sendmsg with a control
 * message, 7-10 % dearer in the kernel than sendto (BENCHMARKS.md, 1 and
 * 6). So at the first datagram decided "bind", the socket's own egress is
 * set (plat_set_egress), and later datagrams to a destination known to
 * decide the same go by the real sendto. The first one that decides
 * otherwise clears it for good: the socket goes back to PKTINFO steering.
 *
 * Threads share sockets, so the egress is only changed when no sender
 * relies on it: a sender holds it against the entry it read - on the hot
 * path in its thread's flight record (flight.h), elsewhere by a count in
 * the fd table (fdt_enter) - and a changer flags the entry first, then
 * waits until no hold is left. A datagram never leaves by an egress it
 * was not decided for.
 */
#include <sched.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <netinet/in.h>

#include "dgram.h"
#include "../../common/plat.h"
#include "../uaccess.h"

/* Waiting for senders: spins, then yields, then gives up. A signal
 * handler that interrupted its own thread's send waits for a count that
 * cannot drain until it returns; it must not hang. */
#define SPINS 64
#define YIELDS 2000

/*
 * The last destination this thread saw decide "bind to ifindex" for a
 * protocol class. A decision depends on the destination's bytes, the
 * protocol and the rules, which never change in a process, so a match
 * is that decision. A signal handler may send between any two lines of
 * ours: seq is odd while the entry is written, and a reader that saw it
 * change misses, so no handler ever reads a half-written destination.
 */
static __thread struct {
	unsigned seq;
	socklen_t len; /* 0: empty */
	unsigned proto, ifindex;
	unsigned char sa[sizeof(struct sockaddr_in6)];
} last;

/* memcmp of at most 28 bytes, inlined: a call per datagram showed in perf. */
static bool
same_bytes(const unsigned char *a, const unsigned char *b, socklen_t len)
{
	uint64_t x, y;
	socklen_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&x, a + i, 8);
		memcpy(&y, b + i, 8);
		if (x != y)
			return false;
	}
	for (; i < len; i++)
		if (a[i] != b[i])
			return false;
	return true;
}

static bool
last_is(const struct sockaddr *sa, socklen_t len, unsigned proto,
    unsigned ifindex)
{
	unsigned seq = last.seq;
	bool same;

	if ((seq & 1) || len != last.len || len == 0)
		return false;
	atomic_signal_fence(memory_order_seq_cst);
	same = last.proto == proto && last.ifindex == ifindex &&
	    same_bytes(last.sa, (const unsigned char *)sa, len);
	atomic_signal_fence(memory_order_seq_cst);
	return same && last.seq == seq;
}

static void
remember(const struct sockaddr *sa, socklen_t len, unsigned proto,
    unsigned ifindex)
{
	if ((last.seq & 1) || len > sizeof(last.sa))
		return; /* we interrupted a write: leave it to finish */
	last.seq++;
	atomic_signal_fence(memory_order_seq_cst);
	last.len = len;
	last.proto = proto;
	last.ifindex = ifindex;
	memcpy(last.sa, sa, len);
	atomic_signal_fence(memory_order_seq_cst);
	last.seq++;
}

/* Counted in the fd table: the slow paths' hold, and a thread's without
 * a flight record. */
static bool
count_in(int fd, fdt_entry e, struct dgram_hold *h)
{
	if (!fdt_enter(fd, e))
		return false;
	h->how = DGRAM_COUNTED;
	return true;
}

bool
dgram_hit(int fd, fdt_entry e, const struct sockaddr *sa, socklen_t len,
    struct dgram_hold *h)
{
	if ((e & (FDT_STUCK | FDT_PER_DGRAM)) != FDT_STUCK)
		return false;
	/* The caller's bytes are read only once known readable. */
	if (len > sizeof(last.sa) || !ua_readable(sa, len))
		return false;
	if (!last_is(sa, len, FDT_PROTO(e), FDT_IFINDEX(e)))
		return false;
	if (flight_enter(fd, e, &h->flight)) {
		h->how = DGRAM_FLIGHT;
		return true;
	}
	return count_in(fd, e, h);
}

/*
 * Until no sender holds the egress and no other thread changes it.
 * flights: the entry was stuck before the caller flagged it, so hot-path
 * senders may hold it in their flight records.
 */
static bool
wait_alone(int fd, fdt_entry busy, bool flights)
{
	int i;

	if (flights && flight_settle() < 0)
		return false;
	for (i = 0; i < SPINS + YIELDS; i++) {
		if (fdt_senders(fd) == 0 && (fdt_get(fd) & busy) == 0 &&
		    !(flights && flight_held(fd)))
			return true;
		if (i >= SPINS)
			sched_yield();
	}
	return false;
}

/* Back to per-datagram steering for good: no thread sticks it again. */
static int
degrade(int fd)
{
	fdt_entry cur = fdt_or(fd, FDT_PER_DGRAM);
	int saved = errno, rc;

	if ((cur & (FDT_STUCK | FDT_STICKING)) == 0)
		return 0;
	if (!wait_alone(fd, FDT_STICKING, (cur & FDT_STUCK) != 0))
		return -EAGAIN; /* fail this datagram rather than misroute it */
	cur = fdt_get(fd);
	if (cur & FDT_STUCK) {
		rc = plat_set_egress(fd, FDT_FAMILY(cur), 0);
		errno = saved;
		/* Still stuck: the datagram must fail. But an unknown egress
		 * on a socket that has no such option was never set. */
		if (rc < 0 && FDT_IFINDEX(cur) != 0)
			return rc;
		(void)fdt_and(fd, ~FDT_STUCK);
	}
	return 0;
}

/*
 * After the egress could not be set: a socket the program bound to an
 * interface itself (IP_UNICAST_IF is EINVAL on it) keeps that binding, as
 * at connect - PKTINFO on every datagram would be dearer (x1.2 with 32
 * threads, bench lab) and would override the program's choice. cur: the
 * entry, flagged FDT_STICKING by us.
 */
static bool
bound_by_program(int fd, fdt_entry cur)
{
	unsigned bound = 0;
	int saved = errno;
	fdt_entry next;

	if (plat_bound_ifindex(fd, FDT_FAMILY(cur), &bound) < 0 || bound == 0) {
		errno = saved;
		return false;
	}
	errno = saved;
	do {
		if (!(cur & FDT_STICKING))
			return true; /* closed under us: not ours any more */
		next = FDT_WITH(cur & ~(FDT_STICKING | FDT_STUCK), FDT_BOUND,
		    bound);
	} while (!fdt_cas(fd, &cur, next));
	return true;
}

/* Sets the egress; false when this socket stays per datagram. */
static bool
stick(int fd, fdt_entry cur, unsigned ifindex)
{
	fdt_entry stuck;
	int saved = errno, rc;

	if (!fdt_cas(fd, &cur, cur | FDT_STICKING))
		return true; /* changed under us: look again */
	cur |= FDT_STICKING;
	/* Datagrams sent plain right now count on no egress. If they do
	 * not drain (a handler over its own thread's send), this one goes
	 * by PKTINFO instead of waiting again. */
	if (!wait_alone(fd, 0, (cur & FDT_STUCK) != 0)) {
		(void)fdt_and(fd, ~FDT_STICKING);
		return false;
	}
	rc = plat_set_egress(fd, FDT_FAMILY(cur), ifindex);
	errno = saved;
	if (rc < 0 && bound_by_program(fd, cur))
		return true; /* look again: it is FDT_BOUND now */
	if (rc < 0) {
		/* An old kernel: every datagram by PKTINFO, as before. */
		(void)fdt_or(fd, FDT_PER_DGRAM);
		(void)fdt_and(fd, ~FDT_STICKING);
		return false;
	}
	do {
		if (!(cur & FDT_STICKING))
			return true; /* closed under us: not ours any more */
		stuck =
		    (cur & ~(FDT_STICKING | ((fdt_entry)0xffffffffu << 32))) |
		    FDT_STUCK | ((fdt_entry)ifindex << 32);
	} while (!fdt_cas(fd, &cur, stuck));
	return true;
}

int
dgram_stick(int fd, const struct sockaddr *sa, socklen_t len, unsigned proto,
    unsigned ifindex, struct dgram_hold *h)
{
	fdt_entry cur;
	int tries;

	for (tries = 0; tries < 4; tries++) {
		cur = fdt_get(fd);
		if (FDT_STATE(cur) == FDT_BOUND)
			return DGRAM_BOUND;
		if (cur & (FDT_PER_DGRAM | FDT_STICKING))
			return 0;
		/* Index 0: stuck to what a socket we did not see made is. */
		if (!(cur & FDT_STUCK) || FDT_IFINDEX(cur) == 0) {
			if (!stick(fd, cur, ifindex))
				return 0;
			continue;
		}
		if (FDT_IFINDEX(cur) != ifindex) {
			int rc = degrade(fd);

			return rc < 0 ? rc : 0;
		}
		if (count_in(fd, cur, h)) {
			remember(sa, len, proto, ifindex);
			return 1;
		}
	}
	return 0; /* contended: PKTINFO is right whatever the egress is */
}

int
dgram_steer(int fd, unsigned ifindex, bool native)
{
	fdt_entry cur = fdt_get(fd);

	/* PKTINFO would override the egress on Linux; on other systems that
	 * is not known, and a socket that mixes interfaces gains nothing. */
	if ((cur & FDT_STUCK) && (!native || FDT_IFINDEX(cur) != ifindex))
		return degrade(fd);
	return 0;
}

int
dgram_plain(int fd, struct dgram_hold *h)
{
	fdt_entry cur;
	int tries, rc;

	for (tries = 0; tries < 4; tries++) {
		cur = fdt_get(fd);
		if ((cur & (FDT_STUCK | FDT_STICKING | FDT_PER_DGRAM)) ==
		    FDT_PER_DGRAM)
			return 0; /* clear for good */
		if (h != NULL && !(cur & (FDT_STUCK | FDT_STICKING))) {
			/* Never stuck: keep it so while this one is sent. */
			if (count_in(fd, cur, h))
				return 1;
			continue;
		}
		if ((rc = degrade(fd)) < 0)
			return rc;
	}
	return -EAGAIN;
}

int
dgram_release(int fd)
{
	return degrade(fd);
}
