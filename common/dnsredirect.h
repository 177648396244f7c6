/*
 * dnsredirect.h - a program's own DNS query (dig, node's c-ares): whether
 * it is aimed at one of the system's resolvers, which a TUN proxy
 * captures, and so goes to bindif's server for the interface instead, and
 * to which one. Pure: addresses in, addresses out; shared by the shim's
 * hooks and --explain, and meant for any other mode that sees a
 * program's connect or sendto (a supervisor, the kernel programs).
 */
#ifndef BINDIF_DNSREDIRECT_H
#define BINDIF_DNSREDIRECT_H

#include <netinet/in.h>
#include <stdbool.h>
#include <sys/socket.h>

#include "../config/rules.h"
#include "dnsconf.h"

/* The resolvers a program finds by itself: resolv.conf's nameservers. */
struct dnsredir_system {
	struct dns_servers conf;
};

/* An IPv4 or IPv6 socket address, as passed to connect or sendto. */
union dnsredir_addr {
	struct sockaddr sa;
	struct sockaddr_in in;
	struct sockaddr_in6 in6;
};

enum dnsredir_kind {
	DNSREDIR_NONE = 0, /* not a system resolver: goes where aimed */
	DNSREDIR_CONF,     /* a nameserver of resolv.conf */
	DNSREDIR_STUB,     /* systemd-resolved's stub, 127.0.0.53/54 */
	DNSREDIR_FAKEIP    /* a TUN proxy's fake-ip range */
};

/*
 * The interface a program's DNS leaves by, as a slot of the policy: the
 * default one; without a default, the one the rules send the first of
 * the explicit servers (--dns, dns =; NULL when none) to. false: the
 * program's DNS is none of bindif's business (lookups and queries alike).
 */
bool dnsredir_iface_slot(const struct rules_policy *,
    const struct dns_servers *explicit_servers, unsigned *slot);

/* The system's resolvers from resolv.conf's text (NULL: none). */
void dnsredir_system_parse(const char *resolv_conf, struct dnsredir_system *);

/*
 * Whether a query to sa (TCP or UDP) is aimed at a system resolver: port
 * 53, and a nameserver of sys, resolved's stub, or an address of a fake-ip
 * range (198.18.0.0/15, fc00::/18); v4-mapped addresses as IPv4. Anything
 * else, dig @192.0.2.53 among them, is DNSREDIR_NONE.
 */
enum dnsredir_kind dnsredir_classify(const struct dnsredir_system *sys,
    const struct sockaddr *sa, socklen_t len);

/*
 * Where that query goes instead: the first of servers that a socket of
 * sock_family (AF_INET, AF_INET6) can reach, of the family of the
 * original destination orig if there is one (an IPv4 server is v4-mapped
 * for an AF_INET6 socket). Returns the length of *out, 0 when no server
 * fits (the query then fails: it must not go where it was aimed).
 */
socklen_t dnsredir_target(const struct dns_servers *servers, int sock_family,
    const struct sockaddr *orig, socklen_t origlen, union dnsredir_addr *out);

/* "resolv.conf", "resolved's stub", "fake-ip"; "" for DNSREDIR_NONE. */
const char *dnsredir_kind_name(enum dnsredir_kind);

/* Whether a and b are the same address and port (v4-mapped as IPv4). */
bool dnsredir_same(const struct sockaddr *a, socklen_t alen,
    const struct sockaddr *b, socklen_t blen);

/* "198.18.0.2" (no port when 53, "[v6]:port" otherwise) into buf. */
void dnsredir_format(const struct sockaddr *sa, char *buf, size_t len);

#endif
