/*
 * dnsresult.h - turning resolver answers into what libc callers expect;
 * pure, so it is unit-tested without a network.
 */
#ifndef BINDIF_DNSRESULT_H
#define BINDIF_DNSRESULT_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/decide.h"
#include "resolve.h"

struct hostent;

/* A name the libc resolves without DNS: dotted quads (also inet_aton's
 * short forms), IPv6, IPv6 with a %scope. */
bool dnsresult_numeric(const char *name);

/* The address of ss (AF_INET or AF_INET6) as text. */
void dnsresult_ntop(const struct sockaddr_storage *ss, char *buf, size_t len);

/* AI_ADDRCONFIG: the family to ask for, given the host's addresses (only
 * one of IPv4/IPv6 configured beyond loopback and link-local narrows
 * AF_UNSPEC to it). */
int dnsresult_addrconfig(int family, const struct local_addr *local,
    size_t nlocal);

/* h_errno for an EAI_* code. */
int dnsresult_herrno(int eai);

/* The af addresses of ans as a hostent in buf (names, pointers and
 * addresses all inside it). 0, or ERANGE when buflen is too short. */
int dnsresult_hostent(const struct resolve_answer *ans, const char *name,
    int af, struct hostent *he, char *buf, size_t buflen);

#endif
