/*
 * egress.h - per-datagram egress: a copy of the caller's control messages
 * with our interface index in IP_PKTINFO / IPV6_PKTINFO, for unconnected
 * datagram sockets that talk to destinations with different decisions.
 */
#ifndef BINDIF_EGRESS_H
#define BINDIF_EGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Enough for the pktinfo we add to a control buffer. */
#define EGRESS_EXTRA 64

/*
 * Writes into out (outlen bytes, aligned for struct cmsghdr) the caller's
 * control messages (ctl, ctllen; may be NULL/0) with the interface index of
 * every IP_PKTINFO and IPV6_PKTINFO set to ifindex (a program's own index
 * would override ours). When there is none and append is set, adds one
 * for family: AF_INET for IPv4 and v4-mapped destinations (the kernel's
 * IPv4 path refuses an IPV6_PKTINFO with an unmapped address), AF_INET6
 * otherwise. Returns the length to pass as msg_controllen (0: nothing
 * to send with), or -1 when out is too small.
 */
ssize_t egress_control(int family, unsigned ifindex, const void *ctl,
    size_t ctllen, void *out, size_t outlen);
ssize_t egress_rewrite(unsigned ifindex, const void *ctl, size_t ctllen,
    void *out, size_t outlen);

#endif
