/*
 * hooks_dnsown.h - a program's own DNS queries sent to bindif's server
 * instead of a system resolver (the decision is dnsredirect.c, the
 * redirection hooks.c): what each redirected socket aimed at, so that its
 * replies and its peer look as the program expects.
 */
#ifndef BINDIF_HOOKS_DNSOWN_H
#define BINDIF_HOOKS_DNSOWN_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "../../common/decide.h"
#include "../../common/dnsredirect.h"
#include "hooks_dns.h"

/*
 * Remembers that fd's queries to orig now go to "to". Returns false when
 * fd is beyond the descriptors this can remember (its replies are then
 * shown as they come).
 */
bool dnsown_mark(int fd, const struct sockaddr *orig, socklen_t origlen,
    const union dnsredir_addr *to, socklen_t tolen);

/* -v: "DNS to X was sent to Y through IFACE", once per process; to NULL:
 * there was no server of the socket's family to send it to. */
void dnsown_report(const struct shim_cfg *, const struct dns_redirect *,
    const struct sockaddr *orig, const struct sockaddr *to);

ssize_t bindif_recvfrom(int fd, void *buf, size_t n, int flags,
    struct sockaddr *from, socklen_t *fromlen);
ssize_t bindif_recvmsg(int fd, struct msghdr *msg, int flags);
int bindif_getpeername(int fd, struct sockaddr *sa, socklen_t *len);
/* recvmmsg exists on Linux only: hooks_mmsg.c. The rewrite of one
 * message's source, given the room its buffer had. */
void dnsown_source(int fd, struct sockaddr *sa, socklen_t room, socklen_t *len);

#endif
