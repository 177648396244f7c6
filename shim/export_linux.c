/*
 * export_linux.c - the libc-named entry points of libbindif.so. Everything
 * else in the library is hidden, so these are its only exported symbols.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <spawn.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fdtable.h"
#include "hooks.h"
#include "dns/hooks_dns.h"
#include "dns/hooks_dnsown.h"
#include "exec/hooks_exec.h"
#include "state.h"

#define EXPORT __attribute__((visibility("default")))

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

int bindif_sendmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags);
int bindif_recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
    struct timespec *timeout);

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

/* Replies and peers of redirected DNS sockets; others pay one load. */
EXPORT ssize_t
recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
    socklen_t *fromlen)
{
	return bindif_recvfrom(fd, buf, n, flags, from, fromlen);
}

EXPORT ssize_t
recvmsg(int fd, struct msghdr *msg, int flags)
{
	return bindif_recvmsg(fd, msg, flags);
}

EXPORT int
recvmmsg(int fd, struct mmsghdr *vec, unsigned int vlen, int flags,
    struct timespec *timeout)
{
	return bindif_recvmmsg(fd, vec, vlen, flags, timeout);
}

EXPORT int
getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	return bindif_getpeername(fd, sa, len);
}

EXPORT int
setsockopt(int fd, int level, int name, const void *val, socklen_t len)
{
	return bindif_setsockopt(fd, level, name, val, len);
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
dup(int oldfd)
{
	return bindif_dup(oldfd);
}

EXPORT int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	return bindif_accept(fd, sa, len);
}

EXPORT int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	return bindif_accept4(fd, sa, len, flags);
}

/* Variadic: the third argument is read as glibc's own wrapper reads it. */
EXPORT int
fcntl(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return bindif_fcntl(fd, cmd, arg, false);
}

/* Programs built with 64-bit file offsets call this name (glibc 2.28+). */
int fcntl64(int fd, int cmd, ...);
EXPORT int
fcntl64(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return bindif_fcntl(fd, cmd, arg, true);
}

EXPORT int
dup3(int oldfd, int newfd, int flags)
{
	const struct plat_real *r = state_real();

	if (r->dup3 == NULL) {
		errno = ENOSYS;
		return -1;
	}
	/* As dup2. */
	if (oldfd != newfd) {
		fdt_clear(newfd);
		hook_unborn(oldfd);
	}
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

/* ---- name resolution (hooks_dns.c) ---- */

EXPORT int
getaddrinfo(const char *node, const char *service, const struct addrinfo *hints,
    struct addrinfo **res)
{
	return bindif_getaddrinfo(node, service, hints, res);
}

EXPORT int
getnameinfo(const struct sockaddr *sa, socklen_t salen, char *host,
    socklen_t hostlen, char *serv, socklen_t servlen, int flags)
{
	return bindif_getnameinfo(sa, salen, host, hostlen, serv, servlen,
	    flags);
}

EXPORT struct hostent *
gethostbyname(const char *name)
{
	return bindif_gethostbyname(name);
}

EXPORT struct hostent *
gethostbyname2(const char *name, int af)
{
	return bindif_gethostbyname2(name, af);
}

EXPORT int
gethostbyname_r(const char *name, struct hostent *he, char *buf, size_t buflen,
    struct hostent **result, int *herr)
{
	return bindif_gethostbyname_r(name, he, buf, buflen, result, herr);
}

EXPORT int
gethostbyname2_r(const char *name, int af, struct hostent *he, char *buf,
    size_t buflen, struct hostent **result, int *herr)
{
	return bindif_gethostbyname2_r(name, af, he, buf, buflen, result, herr);
}

/*
 * The res_* family: glibc 2.34 exports res_query and friends, older
 * binaries link __res_query; both names lead here. The res_n* forms also
 * report through their state's res_h_errno.
 */
static int
res_answer(res_state st, const char *name, const char *domain, int dnsclass,
    int type, bool search, unsigned char *answer, int anslen)
{
	int rc, herr = 0;

	if (!bindif_res(name, domain, dnsclass, type, search, answer, anslen,
	        &rc, &herr))
		return INT32_MIN; /* not ours: the caller asks the libc */
	if (rc < 0) {
		h_errno = herr;
		if (st != NULL)
			st->res_h_errno = herr;
	}
	return rc;
}

EXPORT int
res_query(const char *name, int dnsclass, int type, unsigned char *answer,
    int anslen)
{
	int rc =
	    res_answer(NULL, name, NULL, dnsclass, type, false, answer, anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	if (r->res_query == NULL) {
		h_errno = NO_RECOVERY;
		return -1;
	}
	return r->res_query(name, dnsclass, type, answer, anslen);
}

EXPORT int
res_search(const char *name, int dnsclass, int type, unsigned char *answer,
    int anslen)
{
	int rc =
	    res_answer(NULL, name, NULL, dnsclass, type, true, answer, anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	return r->res_search ?
	    r->res_search(name, dnsclass, type, answer, anslen) :
	    -1;
}

EXPORT int
res_querydomain(const char *name, const char *domain, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	int rc = res_answer(NULL, name, domain, dnsclass, type, false, answer,
	    anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	return r->res_querydomain ?
	    r->res_querydomain(name, domain, dnsclass, type, answer, anslen) :
	    -1;
}

EXPORT int
res_nquery(res_state st, const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	int rc =
	    res_answer(st, name, NULL, dnsclass, type, false, answer, anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	return r->res_nquery ?
	    r->res_nquery(st, name, dnsclass, type, answer, anslen) :
	    -1;
}

EXPORT int
res_nsearch(res_state st, const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	int rc =
	    res_answer(st, name, NULL, dnsclass, type, true, answer, anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	return r->res_nsearch ?
	    r->res_nsearch(st, name, dnsclass, type, answer, anslen) :
	    -1;
}

EXPORT int
res_nquerydomain(res_state st, const char *name, const char *domain,
    int dnsclass, int type, unsigned char *answer, int anslen)
{
	int rc =
	    res_answer(st, name, domain, dnsclass, type, false, answer, anslen);
	const struct plat_dns_real *r = dns_real();

	if (rc != INT32_MIN)
		return rc;
	return r->res_nquerydomain ? r->res_nquerydomain(st, name, domain,
	                                 dnsclass, type, answer, anslen) :
	                             -1;
}

/* Binaries linked before glibc 2.34 ask for these names. */
int __res_query(const char *, int, int, unsigned char *, int);
int __res_search(const char *, int, int, unsigned char *, int);
int __res_querydomain(const char *, const char *, int, int, unsigned char *,
    int);
int __res_nquery(res_state, const char *, int, int, unsigned char *, int);
int __res_nsearch(res_state, const char *, int, int, unsigned char *, int);
int __res_nquerydomain(res_state, const char *, const char *, int, int,
    unsigned char *, int);

EXPORT int
__res_query(const char *name, int dnsclass, int type, unsigned char *answer,
    int anslen)
{
	return res_query(name, dnsclass, type, answer, anslen);
}

EXPORT int
__res_search(const char *name, int dnsclass, int type, unsigned char *answer,
    int anslen)
{
	return res_search(name, dnsclass, type, answer, anslen);
}

EXPORT int
__res_querydomain(const char *name, const char *domain, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	return res_querydomain(name, domain, dnsclass, type, answer, anslen);
}

EXPORT int
__res_nquery(res_state st, const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	return res_nquery(st, name, dnsclass, type, answer, anslen);
}

EXPORT int
__res_nsearch(res_state st, const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	return res_nsearch(st, name, dnsclass, type, answer, anslen);
}

EXPORT int
__res_nquerydomain(res_state st, const char *name, const char *domain,
    int dnsclass, int type, unsigned char *answer, int anslen)
{
	return res_nquerydomain(st, name, domain, dnsclass, type, answer,
	    anslen);
}

/* ---- programs started (hooks_exec.c) ---- */

EXPORT int
execve(const char *path, char *const argv[], char *const envp[])
{
	return bindif_execve(path, argv, envp);
}

EXPORT int
execv(const char *path, char *const argv[])
{
	return bindif_execv(path, argv);
}

EXPORT int
execvp(const char *file, char *const argv[])
{
	return bindif_execvp(file, argv);
}

EXPORT int
execvpe(const char *file, char *const argv[], char *const envp[])
{
	return bindif_execvpe(file, argv, envp);
}

EXPORT int
fexecve(int fd, char *const argv[], char *const envp[])
{
	return bindif_fexecve(fd, argv, envp);
}

EXPORT int
execveat(int dirfd, const char *path, char *const argv[], char *const envp[],
    int flags)
{
	return bindif_execveat(dirfd, path, argv, envp, flags);
}

HOOK_EXECL(EXPORT int execl, EXECL_PLAIN)
HOOK_EXECL(EXPORT int execle, EXECL_ENV)
HOOK_EXECL(EXPORT int execlp, EXECL_SEARCH)

EXPORT int
posix_spawn(pid_t *pid, const char *path, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return bindif_posix_spawn(pid, path, fa, attr, argv, envp);
}

EXPORT int
posix_spawnp(pid_t *pid, const char *file, const posix_spawn_file_actions_t *fa,
    const posix_spawnattr_t *attr, char *const argv[], char *const envp[])
{
	return bindif_posix_spawnp(pid, file, fa, attr, argv, envp);
}
