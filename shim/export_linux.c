/*
 * export_linux.c - the libc-named entry points of libbindif.so. Everything
 * else in the library is hidden, so these are its only exported symbols.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdtable.h"
#include "hooks.h"
#include "state.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int bindif_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen,
    int flags);

EXPORT int
socket(int domain, int type, int protocol)
{
	return bindif_socket(domain, type, protocol);
}

EXPORT int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	return bindif_connect(fd, sa, len);
}

EXPORT ssize_t
sendto(int fd, const void *buf, size_t n, int flags, const struct sockaddr *sa,
    socklen_t len)
{
	return bindif_sendto(fd, buf, n, flags, sa, len);
}

EXPORT ssize_t
sendmsg(int fd, const struct msghdr *msg, int flags)
{
	return bindif_sendmsg(fd, msg, flags);
}

EXPORT int
sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags)
{
	return bindif_sendmmsg(fd, vec, vlen, flags);
}

EXPORT int
close(int fd)
{
	return bindif_close(fd);
}

EXPORT int
dup2(int oldfd, int newfd)
{
	return bindif_dup2(oldfd, newfd);
}

EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	const struct plat_real *r = state_real();

	if (r->dup3 == NULL) {
		errno = ENOSYS;
		return -1;
	}
	if (oldfd != newfd)
		fdt_clear(newfd);
	return r->dup3(oldfd, newfd, flags);
}

EXPORT int
close_range(unsigned int lo, unsigned int hi, int flags)
{
	const struct plat_real *r = state_real();

	if (r->close_range == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* CLOEXEC only marks them; they are closed, if ever, by exec. */
	if (!(flags & CLOSE_RANGE_CLOEXEC) && lo <= hi)
		fdt_clear_range(lo, hi);
	return r->close_range(lo, hi, flags);
}
