/*
 * hooks.h - the shim's intercepted calls, under names of our own; the
 * export_* file of each OS maps the libc names onto them.
 */
#ifndef BINDIF_HOOKS_H
#define BINDIF_HOOKS_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "udp/dgram.h"
#include "../common/dnsredirect.h"

int bindif_socket(int domain, int type, int protocol);
int bindif_connect(int fd, const struct sockaddr *sa, socklen_t len);
ssize_t bindif_sendto(int fd, const void *buf, size_t n, int flags,
    const struct sockaddr *sa, socklen_t len);
ssize_t bindif_sendmsg(int fd, const struct msghdr *msg, int flags);
int bindif_close(int fd);
int bindif_setsockopt(int fd, int level, int name, const void *val,
    socklen_t len);
void hook_unborn(int fd);
int bindif_dup2(int oldfd, int newfd);
int bindif_dup(int oldfd);
int bindif_accept(int fd, struct sockaddr *sa, socklen_t *len);
int bindif_accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags);
/* fcntl's third argument as glibc reads it; large: fcntl64. */
int bindif_fcntl(int fd, int cmd, void *arg, bool large);

/* Shared with the OS-specific hooks (sendmmsg, connectx). */

/* The hook a decision is made for: a connect decides for the whole
 * socket, a datagram send for its datagrams (sendmmsg's never held). */
enum hook_call {
	HOOK_CONNECT,
	HOOK_SENDTO,
	HOOK_SENDMSG,
	HOOK_SENDMMSG
};

enum hook_plan {
	PLAN_AS_IS,   /* call the real function unchanged */
	PLAN_PKTINFO, /* send with our interface index in IP(V6)_PKTINFO */
	PLAN_FAIL     /* fail the call with *err */
};

/* How to make the call: for PLAN_PKTINFO, the index to put in every
 * PKTINFO, and whether to add one (of family) when there is none; hold:
 * the datagram relies on the socket's own egress (dgram.c) and the caller
 * calls hook_done once it is sent. */
struct hook_egress {
	int family;
	unsigned ifindex;
	bool append;
	struct dgram_hold hold;
	int err; /* PLAN_FAIL */
	/* tolen > 0: a DNS query redirected; the call goes to "to" instead
	 * of the program's destination. */
	union dnsredir_addr to;
	socklen_t tolen;
};

/*
 * Prepares fd for a call toward sa (NULL: the connected peer): decides,
 * binds when the socket is to be bound, and says how to make the call.
 * HOOK_SENDMMSG never holds (a batch is one call).
 */
enum hook_plan hook_prepare(int fd, const struct sockaddr *sa, socklen_t len,
    enum hook_call call, struct hook_egress *eg);
void hook_done(int fd, struct hook_egress *eg);

#endif
