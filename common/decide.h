/*
 * decide.h - destination -> decision, for one socket or one datagram.
 * Pure given a shim_cfg: no socket calls, so it is tested without a network.
 */
#ifndef BINDIF_DECIDE_H
#define BINDIF_DECIDE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

#include "../config/rules.h"

/* A host address of this machine, compared as the rules query does. */
struct local_addr {
	int family; /* 4 or 6 */
	unsigned char addr[16];
};

/* Everything a decision needs; built once per process, then read-only. */
struct shim_cfg {
	bool inert; /* no BINDIF_* settings: the shim changes nothing */
	bool verbose;
	int broken; /* errno every decision fails with when settings were bad */
	const struct rules_policy *policy;
	const unsigned *ifindex; /* per interface slot of the policy */
	const struct local_addr *local;
	size_t nlocal;
	char prog[64];        /* for log lines */
	const char *log_path; /* BINDIF_LOG: lines go there, not to stderr */
	unsigned mark; /* BINDIF_MARK: SO_MARK of every bound socket, or 0 */
};

struct decision {
	enum rules_action action;
	unsigned ifindex;   /* BIND */
	const char *ifname; /* BIND, for kernels that bind by name */
	int err;            /* REJECT, or BIND that cannot be done */
	bool host_address;  /* passed because it is this machine's own */
	struct rules_verdict v;
};

/* RULES_PROTO_* class of a socket; 0 for sockets the rules never see. */
unsigned decide_proto_class(int family, int type, int protocol);

/*
 * Decides for a destination. Returns false when sa is not an inet address
 * (AF_UNSPEC, AF_UNIX...): nothing to decide, the call goes through as is.
 */
bool decide(const struct shim_cfg *, const struct sockaddr *sa, socklen_t len,
    unsigned proto, struct decision *d);

/* AF_INET for IPv4 and v4-mapped IPv6 destinations, else AF_INET6: the
 * kernel sends mapped ones by its IPv4 path. sa is an inet address. */
int decide_egress_family(const struct sockaddr *sa, socklen_t len);

/* "198.51.100.10:443/tcp -> phy0 (rules.conf:4)" into buf. */
void decide_describe(const struct shim_cfg *, const struct sockaddr *sa,
    unsigned proto, const struct decision *d, char *buf, size_t len);

#endif
