/*
 * localaddr.h - the machine's own addresses, which a socket bound to the
 * NIC cannot reach, so decisions leave them to the routing table. Used by
 * the shim and by the launcher's --explain.
 */
#ifndef BINDIF_LOCALADDR_H
#define BINDIF_LOCALADDR_H

#include <stddef.h>

#include "decide.h"

/* Every IPv4 and IPv6 address of every interface, in a calloc'ed array
 * (free it). On failure *v is NULL and *n 0: nothing counts as local. */
void local_addrs(const struct local_addr **v, size_t *n);

#endif
