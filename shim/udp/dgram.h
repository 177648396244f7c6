/*
 * dgram.h - the sticky egress of unconnected datagram sockets: the
 * socket's own egress carries its datagrams while each decides the same
 * interface, so they go out by the real sendto with no control message.
 */
#ifndef BINDIF_DGRAM_H
#define BINDIF_DGRAM_H

#include <stdbool.h>
#include <sys/socket.h>

#include "../fdtable.h"
#include "flight.h"

/* A sender's hold on a socket's egress, taken by dgram_hit, dgram_stick
 * or dgram_plain and let go by dgram_done after its send: while any is
 * held, no thread changes that egress. */
struct dgram_hold {
	enum {
		DGRAM_FREE,
		DGRAM_COUNTED,
		DGRAM_FLIGHT
	} how;
	struct flight_hold flight;
};

/*
 * The hot path: whether a datagram to sa on fd (entry e) may go as is,
 * because fd is stuck to an interface and sa is the destination this
 * thread last saw decide that interface for e's protocol. True: held
 * (h), so call dgram_done after the send. A few compares and plain
 * stores: no system call, no locked instruction (flight.h).
 */
bool dgram_hit(int fd, fdt_entry e, const struct sockaddr *sa, socklen_t len,
    struct dgram_hold *h);

/*
 * After a decision to bind a datagram to sa (our copy, of the socket's own
 * family) to ifindex: sticks fd to it if it is not yet, and remembers sa.
 * 1: held (h), send as is, then dgram_done; DGRAM_BOUND: the program
 * bound the socket to an interface itself, and that stands (the entry is
 * FDT_BOUND now); 0: steer this one with PKTINFO (another thread is
 * changing the egress, or it cannot be set: the socket goes on per
 * datagram); -errno: the datagram must fail.
 */
#define DGRAM_BOUND 2
int dgram_stick(int fd, const struct sockaddr *sa, socklen_t len,
    unsigned proto, unsigned ifindex, struct dgram_hold *h);

/*
 * Before a datagram steered by PKTINFO to ifindex (native: of the socket's
 * own family): a socket stuck to another interface, or a v4-mapped
 * destination on a stuck socket, goes back to per-datagram steering for
 * good. 0 or -errno.
 */
int dgram_steer(int fd, unsigned ifindex, bool native);

/*
 * Before a datagram left to the routing table: the socket's egress must be
 * clear while it is sent. A stuck socket is cleared for good. h, unless
 * NULL (a batch is one call: nothing can be held across it), takes a hold
 * for dgram_done after the send. 1: held, 0: nothing to undo, -errno: the
 * datagram must fail.
 */
int dgram_plain(int fd, struct dgram_hold *h);

/* Before a connect: the socket is bound or passed as a whole from then. */
int dgram_release(int fd);

/* After the send of a held datagram (any other: nothing). */
static inline void
dgram_done(int fd, struct dgram_hold *h)
{
	if (h->how == DGRAM_FLIGHT)
		flight_leave(h->flight);
	else if (h->how == DGRAM_COUNTED)
		fdt_leave(fd);
	h->how = DGRAM_FREE;
}

#endif
