/*
 * hooks_mmsg_linux.c - sendmmsg, which exists on Linux only: each message
 * with a destination gets its own decision, and batches stay batches,
 * rebuilt on the stack CHUNK messages at a time; and recvmmsg, for the
 * replies of redirected DNS sockets.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "egress.h"
#include "../fdtable.h"
#include "../hooks.h"
#include "../dns/hooks_dnsown.h"
#include "../state.h"
#include "../uaccess.h"

int bindif_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);

#define CHUNK 32
#define SLOT 256 /* control bytes per message rebuilt on the stack */

/* Sends vec[0..n) as one batch, after rewriting controls where needed. */
static int
send_chunk(int fd, struct mmsghdr *vec, unsigned n, int flags, int *err)
{
	const struct plat_real *r = state_real();
	struct mmsghdr copy[CHUNK];
	_Alignas(struct cmsghdr) unsigned char ctl[CHUNK][SLOT];
	union dnsredir_addr to[CHUNK];
	struct hook_egress eg;
	enum hook_plan plan;
	unsigned i;
	int rc;

	if (!ua_readable(vec, n * sizeof(*vec))) {
		*err = EFAULT;
		return -1;
	}
	for (i = 0; i < n; i++) {
		struct msghdr *m = &vec[i].msg_hdr;
		ssize_t len;

		copy[i] = vec[i];
		if (m->msg_name == NULL && m->msg_controllen == 0)
			continue;
		plan = hook_prepare(fd, m->msg_name, m->msg_namelen,
		    HOOK_SENDMMSG, &eg);
		if (eg.tolen > 0) {
			to[i] = eg.to;
			copy[i].msg_hdr.msg_name = &to[i];
			copy[i].msg_hdr.msg_namelen = eg.tolen;
		}
		switch (plan) {
		case PLAN_AS_IS:
			continue;
		case PLAN_FAIL:
			*err = eg.err;
			n = i; /* send what came before, as the kernel would */
			break;
		case PLAN_PKTINFO:
			if (!ua_readable(m->msg_control, m->msg_controllen)) {
				*err = EFAULT;
				n = i;
				break;
			}
			len = eg.append ?
			    egress_control(eg.family, eg.ifindex,
			        m->msg_control, m->msg_controllen, ctl[i],
			        SLOT) :
			    egress_rewrite(eg.ifindex, m->msg_control,
			        m->msg_controllen, ctl[i], SLOT);
			if (len == 0)
				continue;
			if (len < 0) {
				*err = ENOBUFS;
				n = i;
				break;
			}
			copy[i].msg_hdr.msg_control = ctl[i];
			copy[i].msg_hdr.msg_controllen = (size_t)len;
			continue;
		}
		break;
	}
	if (n == 0)
		return -1;
	rc = r->sendmmsg(fd, copy, n, flags);
	if (rc < 0) {
		*err = errno;
		return -1;
	}
	for (i = 0; i < (unsigned)rc; i++)
		vec[i].msg_len = copy[i].msg_len;
	return rc;
}

int
bindif_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	const struct plat_real *r = state_real();
	unsigned done = 0;
	int err = 0;

	if (r->sendmmsg == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (vec == NULL || state_busy() || FDT_STATE(fdt_get(fd)) == FDT_SKIP)
		return r->sendmmsg(fd, vec, vlen, flags);
	while (done < vlen) {
		unsigned n = vlen - done < CHUNK ? vlen - done : CHUNK;
		int rc = send_chunk(fd, vec + done, n, flags, &err);

		if (rc < 0)
			break;
		done += (unsigned)rc;
		if ((unsigned)rc < n)
			break; /* short send or a refused message */
	}
	if (done == 0 && err != 0) {
		errno = err;
		return -1;
	}
	return (int)done;
}

int bindif_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
    struct timespec *timeout);

/* Replies to redirected DNS sockets (hooks_dnsown.c): each message's
 * source, for as many messages as their rooms were noted. */
int
bindif_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
    struct timespec *timeout)
{
	const struct plat_real *r = state_real();
	socklen_t room[CHUNK];
	unsigned i, noted = 0;
	int rc;

	if (r->recvmmsg == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (vec != NULL && (fdt_get(fd) & FDT_DNSREDIR)) {
		noted = vlen < CHUNK ? vlen : CHUNK;
		if (!ua_readable(vec, noted * sizeof(*vec)))
			noted = 0;
		for (i = 0; i < noted; i++)
			room[i] = vec[i].msg_hdr.msg_name != NULL ?
			    vec[i].msg_hdr.msg_namelen :
			    0;
	}
	rc = r->recvmmsg(fd, vec, vlen, flags, timeout);
	for (i = 0; rc > 0 && i < (unsigned)rc && i < noted; i++)
		if (room[i] > 0)
			dnsown_source(fd, vec[i].msg_hdr.msg_name, room[i],
			    &vec[i].msg_hdr.msg_namelen);
	return rc;
}
