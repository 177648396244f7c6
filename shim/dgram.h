/*
 * dgram.h - the sticky egress of unconnected datagram sockets: the
 * socket's own egress carries its datagrams while each decides the same
 * interface, so they go out by the real sendto with no control message.
 */
#ifndef BINDIF_DGRAM_H
#define BINDIF_DGRAM_H

#include <stdbool.h>
#include <sys/socket.h>

#include "fdtable.h"

/*
 * The hot path: whether a datagram to sa on fd (entry e) may go as is,
 * because fd is stuck to an interface and sa is the destination this
 * thread last saw decide that interface for e's protocol. True: counted
 * as a sender, so call dgram_done after the send. One compare, no call.
 */
bool dgram_hit(int fd, fdt_entry e, const struct sockaddr *sa,
    socklen_t len);

/*
 * After a decision to bind a datagram to sa (our copy, of the socket's own
 * family) to ifindex: sticks fd to it if it is not yet, and remembers sa.
 * 1: counted, send as is, then dgram_done; 0: steer this one with PKTINFO
 * (another thread is changing the egress, or it cannot be set: the socket
 * goes on per datagram); -errno: the datagram must fail.
 */
int dgram_stick(int fd, const struct sockaddr *sa, socklen_t len,
    unsigned proto, unsigned ifindex);

/*
 * Before a datagram steered by PKTINFO to ifindex (native: of the socket's
 * own family): a socket stuck to another interface, or a v4-mapped
 * destination on a stuck socket, goes back to per-datagram steering for
 * good. 0 or -errno.
 */
int dgram_steer(int fd, unsigned ifindex, bool native);

/*
 * Before a datagram left to the routing table: the socket's egress must be
 * clear while it is sent. A stuck socket is cleared for good. may_hold:
 * the caller can call dgram_done after its send (not within a batch).
 * 1: counted, 0: nothing to undo, -errno: the datagram must fail.
 */
int dgram_plain(int fd, bool may_hold);

/* Before a connect: the socket is bound or passed as a whole from then. */
int dgram_release(int fd);

/* After the send of a counted datagram: an atomic decrement, no more. */
static inline void
dgram_done(int fd)
{
	fdt_leave(fd);
}

#endif
