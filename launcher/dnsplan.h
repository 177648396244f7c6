/*
 * dnsplan.h - where a command's own DNS queries to the system's resolvers
 * go instead, as the shim would send them (shim/dns/hooks_dns.c): for
 * --explain, supervisor mode and kernel mode, which see a program's
 * connect without the shim in it.
 */
#ifndef BINDIF_DNSPLAN_H
#define BINDIF_DNSPLAN_H

#include <stdbool.h>
#include <stddef.h>

#include "../config/rules.h"
#include "../common/dnsredirect.h"

struct dnsplan {
	bool explicit;               /* servers from --dns or dns = */
	struct dnsredir_system sys;  /* resolv.conf's nameservers */
	struct dns_servers servers;  /* where queries go; empty: they fail */
	char ifname[RULES_IFNAMSIZ]; /* through this interface */
	unsigned ifindex;            /* 0: it is gone */
};

/*
 * Fills *d for the policy p (idx: its interfaces' indexes) and the servers
 * named by text (--dns, else the rules' dns =; NULL or "" for none, when
 * the interface's own are read). false when the command's DNS is none of
 * bindif's business: it has no default interface and names no server.
 * note gets what dnsconf said of the servers (skipped fake-ip ones...).
 */
bool dnsplan_make(const struct rules_policy *p, const unsigned *idx,
    const char *text, struct dnsplan *d, char *note, size_t notelen);

/* The same for an interface already chosen (kernel mode's default). */
void dnsplan_iface(const char *text, const char *ifname, unsigned ifindex,
    struct dnsplan *d, char *note, size_t notelen);

#endif
