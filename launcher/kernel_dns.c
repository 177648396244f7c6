/*
 * kernel_dns.c - what kernel mode's programs need to redirect a command's
 * own DNS queries: the system's resolvers and the server that answers
 * instead, chosen as the shim chooses them (dnsplan.c) so both modes send
 * a query to the same place.
 */
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsplan.h"
#include "kernel.h"

void
kernel_dns_plan(const char *dns, const char *ifname, unsigned ifindex,
    struct kernel_dns *d, char *note, size_t notelen)
{
	struct dnsplan plan;
	union dnsredir_addr orig, to;
	char a[64];
	size_t i;

	memset(d, 0, sizeof(*d));
	d->on = true;
	dnsplan_iface(dns, ifname, ifindex, &plan, note, notelen);
	for (i = 0; i < plan.sys.conf.n; i++) {
		const struct dns_server *s = &plan.sys.conf.v[i];

		if (s->family != 4 || d->nsys4 >= KERNEL_DNS_MAX)
			continue;
		memcpy(&d->sys4[d->nsys4++], s->addr, 4);
		if (!d->has_orig4) {
			d->has_orig4 = true;
			memcpy(&d->orig4, s->addr, 4);
		}
	}
	/* The target as the shim picks it for an IPv4 socket asking an
	 * IPv4 resolver. */
	memset(&orig, 0, sizeof(orig));
	orig.in.sin_family = AF_INET;
	orig.in.sin_port = htons(53);
	if (dnsredir_target(&plan.servers, AF_INET, &orig.sa, sizeof(orig.in),
	        &to) > 0) {
		d->has_to4 = true;
		d->to4 = to.in.sin_addr.s_addr;
		d->port4 = to.in.sin_port;
		if (note[0] == '\0') {
			dnsredir_format(&to.sa, a, sizeof(a));
			snprintf(note, notelen,
			    "kernel mode: DNS to the "
			    "system's resolvers is sent to %s through %s",
			    a, ifname);
		}
	}
}
