/*
 * egress.h - per-datagram egress: a copy of the caller's control messages
 * with our interface index in IP_PKTINFO / IPV6_PKTINFO, for unconnected
 * datagram sockets that talk to destinations with different decisions.
 */
#ifndef BINDIF_EGRESS_H
#define BINDIF_EGRESS_H

#include <stddef.h>
#include <sys/types.h>

/* Enough for the pktinfo we add to a control buffer. */
#define EGRESS_EXTRA 64

/*
 * Writes into out (outlen bytes, aligned for struct cmsghdr) the caller's
 * control messages (ctl, ctllen; may be NULL/0) with the interface index of
 * any IP(V6)_PKTINFO of the socket's family set to ifindex, or such a
 * message appended. Returns the length to pass as msg_controllen, or -1
 * when out is too small.
 */
ssize_t egress_control(int sock_family, unsigned ifindex, const void *ctl,
    size_t ctllen, void *out, size_t outlen);

#endif
