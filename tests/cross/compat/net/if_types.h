/*
 * net/if_types.h for the cross build only (tests/cross/macos.sh): the
 * macOS headers zig ships lack it. What uplink_darwin.c takes from it,
 * with the value of xnu's bsd/net/if_types.h; only a Mac's own header
 * makes its check of that value mean something.
 */
#ifndef BINDIF_COMPAT_NET_IF_TYPES_H
#define BINDIF_COMPAT_NET_IF_TYPES_H

#define IFT_BRIDGE 0xd1 /* Ethernet bridging */

#endif
