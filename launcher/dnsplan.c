/*
 * dnsplan.c - see dnsplan.h. The same choices as the shim's, in the
 * same order: the interface from the policy, the servers named or the
 * interface's own (dnsconf.c), the system's resolvers from resolv.conf.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsplan.h"
#include "launcher.h"

/* The servers text names (--dns, dns =), parsed; none when it is NULL or
 * empty, when the interface's own are read. */
static void
parse_named(const char *text, struct dnsplan *d)
{
	char bad[200];

	if (text != NULL && text[0] != '\0') {
		d->explicit = true;
		if (dnsconf_parse_list(text, &d->servers, bad, sizeof(bad)) < 0)
			d->servers.n = 0;
	}
}

/* The rest, once the interface is known: the servers named, filtered, or
 * the interface's own; then resolv.conf's resolvers. */
static void
complete(struct dnsplan *d, char *note, size_t notelen)
{
	char *conf;

	if (d->explicit)
		dnsconf_filter(&d->servers, note, notelen);
	else
		dnsconf_discover(d->ifname, d->ifindex, &dnsconf_posix_io,
		    &d->servers, note, notelen);
	conf = dnsconf_posix_io.read_file(dnsconf_posix_io.arg,
	    "/etc/resolv.conf");
	dnsredir_system_parse(conf, &d->sys);
	free(conf);
}

bool
dnsplan_make(const struct rules_policy *p, const unsigned *idx,
    const char *text, struct dnsplan *d, char *note, size_t notelen)
{
	char real[RULES_IFNAMSIZ];
	unsigned slot;

	memset(d, 0, sizeof(*d));
	note[0] = '\0';
	parse_named(text, d);
	if (!dnsredir_iface_slot(p, d->explicit ? &d->servers : NULL, &slot))
		return false;
	snprintf(d->ifname, sizeof(d->ifname), "%s",
	    iface_real_name(rules_policy_iface(p, slot), real, sizeof(real)));
	d->ifindex = idx[slot];
	complete(d, note, notelen);
	return true;
}

void
dnsplan_iface(const char *text, const char *ifname, unsigned ifindex,
    struct dnsplan *d, char *note, size_t notelen)
{
	memset(d, 0, sizeof(*d));
	note[0] = '\0';
	parse_named(text, d);
	snprintf(d->ifname, sizeof(d->ifname), "%s", ifname);
	d->ifindex = ifindex;
	complete(d, note, notelen);
}
