/*
 * names.c - the words messages use for actions, protocols and reasons:
 * --check, --explain and the shim's log print them.
 */
#include "rules.h"

const char *
rules_action_name(enum rules_action a)
{
	switch (a) {
	case RULES_BIND:
		return "bind";
	case RULES_REJECT:
		return "reject";
	default:
		return "pass";
	}
}

const char *
rules_proto_name(unsigned proto)
{
	static const char *const names[16] = { "none", "tcp", "udp", "tcp,udp",
		"icmp", "tcp,icmp", "udp,icmp", "tcp,udp,icmp", "raw",
		"tcp,raw", "udp,raw", "tcp,udp,raw", "icmp,raw", "tcp,icmp,raw",
		"udp,icmp,raw", "any" };

	return names[proto & RULES_PROTO_ANY];
}

const char *
rules_reason_name(enum rules_reason r)
{
	switch (r) {
	case RULES_BY_RULE:
		return "rule";
	case RULES_BY_EXCLUDE:
		return "exclude";
	case RULES_BY_DEFAULT:
		return "default";
	case RULES_BY_LOOPBACK:
		return "loopback";
	case RULES_BY_SPECIAL:
		return "link-local or multicast";
	default:
		return "no rule";
	}
}
