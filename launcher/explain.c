/*
 * explain.c - --explain DEST: the decision the shim would make for one
 * destination, with the rule behind it. It runs the shim's own decide()
 * on the same compiled rules, so the answer cannot drift from the shim.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"
#include "../common/decide.h"
#include "dnsplan.h"
#include "../common/localaddr.h"

static int
parse_proto(const char *s, unsigned *proto)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = { { "tcp", RULES_PROTO_TCP }, { "udp", RULES_PROTO_UDP },
		{ "icmp", RULES_PROTO_ICMP }, { "raw", RULES_PROTO_RAW } };
	size_t i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*proto = names[i].bit;
			return 0;
		}
	return -1;
}

int
explain_parse(const char *text, struct sockaddr_storage *ss, socklen_t *sslen,
    unsigned *proto, char *why, size_t whylen)
{
	char buf[128], *addr = buf, *port = NULL, *slash, *end;
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
	long n = 0;

	*proto = RULES_PROTO_TCP;
	if (strlen(text) >= sizeof(buf))
		goto bad;
	strcpy(buf, text);
	if ((slash = strrchr(buf, '/')) != NULL) {
		*slash = '\0';
		if (parse_proto(slash + 1, proto) < 0) {
			snprintf(why, whylen,
			    "--explain: unknown protocol '%s' "
			    "(tcp, udp, icmp or raw)",
			    slash + 1);
			return -1;
		}
	}
	if (buf[0] == '[') {
		char *close = strchr(buf, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':'))
			goto bad;
		*close = '\0';
		addr = buf + 1;
		if (close[1] == ':')
			port = close + 2;
	} else if (strchr(buf, ':') == strrchr(buf, ':') &&
	    strchr(buf, ':') != NULL) {
		port = strchr(buf, ':'); /* one colon: IPv4 with a port */
		*port++ = '\0';
	}
	if (port != NULL) {
		n = strtol(port, &end, 10);
		if (port[0] < '0' || port[0] > '9' || *end != '\0' || n < 1 ||
		    n > 65535) {
			snprintf(why, whylen,
			    "--explain: '%s' is not a port "
			    "(1 to 65535)",
			    port);
			return -1;
		}
		if (*proto != RULES_PROTO_TCP && *proto != RULES_PROTO_UDP) {
			snprintf(why, whylen, "--explain: %s has no ports",
			    rules_proto_name(*proto));
			return -1;
		}
	}
	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, addr, &s4->sin_addr) == 1 && buf[0] != '[') {
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)n);
		*sslen = sizeof(*s4);
		return 0;
	}
	if (inet_pton(AF_INET6, addr, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)n);
		*sslen = sizeof(*s6);
		return 0;
	}
bad:
	snprintf(why, whylen,
	    "--explain: '%s' is not an address "
	    "(198.51.100.7, 198.51.100.7:443/tcp, [2001:db8::1]:53/udp)",
	    text);
	return -1;
}

/*
 * A query to a system resolver: where the shim sends it instead, from the
 * same servers in the same order (--dns, dns =, the interface's own).
 */
static void
explain_dns(const struct rules_policy *p, const unsigned *idx, const char *dns,
    const struct sockaddr *sa, socklen_t len, unsigned proto, FILE *out)
{
	struct dnsplan plan;
	union dnsredir_addr to;
	enum dnsredir_kind kind;
	char note[400], a[64], b[64];

	if (proto != RULES_PROTO_TCP && proto != RULES_PROTO_UDP)
		return;
	if (!dnsplan_make(p, idx,
	        dns != NULL && dns[0] ? dns : rules_policy_dns(p), &plan, note,
	        sizeof(note)))
		return;
	if ((kind = dnsredir_classify(&plan.sys, sa, len)) == DNSREDIR_NONE)
		return;
	dnsredir_format(sa, a, sizeof(a));
	if (dnsredir_target(&plan.servers, sa->sa_family, sa, len, &to) == 0) {
		fprintf(out,
		    "  DNS to %s (%s) is not sent: no usable server "
		    "for %s%s%s\n",
		    a, dnsredir_kind_name(kind), plan.ifname,
		    note[0] ? "; " : "", note);
		return;
	}
	dnsredir_format(&to.sa, b, sizeof(b));
	fprintf(out, "  DNS to %s (%s) is sent to %s through %s instead (%s)\n",
	    a, dnsredir_kind_name(kind), b, plan.ifname,
	    dns != NULL && dns[0] ? "--dns" :
	        plan.explicit     ? "dns =" :
	                            "the interface's own");
}

int
explain(const struct rules_set *set, const char *program, const char *iface,
    const char *dns, const char *dest, FILE *out, char *why, size_t whylen)
{
	struct rules_policy *p;
	struct sockaddr_storage ss;
	struct shim_cfg cfg;
	struct decision d;
	unsigned proto, *idx;
	socklen_t len;
	char line[600], real[RULES_IFNAMSIZ];
	size_t i, n;

	if (explain_parse(dest, &ss, &len, &proto, why, whylen) < 0)
		return -1;
	p = rules_select(set, program, program, iface, why, whylen);
	if (p == NULL)
		return -1;
	n = rules_policy_nifaces(p);
	if ((idx = calloc(n ? n : 1, sizeof(*idx))) == NULL) {
		rules_policy_free(p);
		snprintf(why, whylen, "out of memory");
		return -1;
	}
	for (i = 0; i < n; i++) {
		const char *name =
		    iface_real_name(rules_policy_iface(p, (unsigned)i), real,
		        sizeof(real));

		idx[i] = name[0] ? if_nametoindex(name) : 0;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.policy = p;
	cfg.ifindex = idx;
	local_addrs(&cfg.local, &cfg.nlocal);
	snprintf(cfg.prog, sizeof(cfg.prog), "%s", program ? program : "");
	(void)decide(&cfg, (struct sockaddr *)&ss, len, proto, &d);
	if (d.ifname != NULL && strcmp(d.ifname, "auto") == 0)
		d.ifname = iface_real_name(d.ifname, real, sizeof(real));
	decide_describe(&cfg, (struct sockaddr *)&ss, proto, &d, line,
	    sizeof(line));
	fprintf(out, "%s\n", line);
	explain_dns(p, idx, dns, (struct sockaddr *)&ss, len, proto, out);
	free((void *)cfg.local);
	free(idx);
	rules_policy_free(p);
	return 0;
}
