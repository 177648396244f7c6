/*
 * plat_linux.c - the shim's Linux layer: SO_BINDTOIFINDEX (falling back to
 * SO_BINDTODEVICE before Linux 5.0), the socket's own facts via getsockopt,
 * dlsym(RTLD_NEXT) for the real functions, secure mode from AT_SECURE.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "plat.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

/*
 * RTLD_NEXT from inside the library that defines a hook must not find that
 * hook again (a second copy of the shim preloaded, a linker quirk), or every
 * call would recurse: refuse anything that lives in our own object.
 */
/* Our own object's address range, found once: dladdr per symbol scans
 * libc's symbol table each time, a tenth of a millisecond at start-up. */
struct self_range {
	const char *start, *end; /* end NULL: unknown, ask dladdr */
};

static void
self_range(struct self_range *r)
{
	r->start = r->end = NULL;
#ifdef DLFO_STRUCT_HAS_EH_DBASE /* glibc 2.35 and later */
	struct dl_find_object o;

	if (_dl_find_object((void *)plat_bind_real, &o) == 0) {
		r->start = o.dlfo_map_start;
		r->end = o.dlfo_map_end;
	}
#endif
}

static bool
is_self(const struct self_range *r, const void *p)
{
	Dl_info mine, found;

	if (r->end != NULL)
		return (const char *)p >= r->start && (const char *)p < r->end;
	return dladdr((void *)plat_bind_real, &mine) && dladdr(p, &found) &&
	    mine.dli_fbase == found.dli_fbase;
}

static void *
next_sym(const struct self_range *self, const char *name, int required,
    int *err)
{
	void *p = dlsym(RTLD_NEXT, name);

	if (p == NULL) {
		if (required)
			*err = -ENOSYS;
		return NULL;
	}
	if (is_self(self, p)) {
		*err = -ELOOP;
		return NULL;
	}
	return p;
}

int
plat_bind_real(struct plat_real *r)
{
	struct self_range self;
	int err = 0;

	self_range(&self);
	r->socket = (int (*)(int, int, int))next_sym(&self, "socket", 1, &err);
	r->connect = (int (*)(int, const struct sockaddr *, socklen_t))
	    next_sym(&self, "connect", 1, &err);
	r->sendto = (ssize_t(*)(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t))next_sym(&self, "sendto", 1, &err);
	r->sendmsg = (ssize_t(*)(int, const struct msghdr *, int))next_sym(&self,
	    "sendmsg", 1, &err);
	r->close = (int (*)(int))next_sym(&self, "close", 1, &err);
	r->dup2 = (int (*)(int, int))next_sym(&self, "dup2", 1, &err);
	r->sendmmsg = (int (*)(int, void *, unsigned int, int))next_sym(&self,
	    "sendmmsg", 0, &err);
	r->dup3 = (int (*)(int, int, int))next_sym(&self, "dup3", 0, &err);
	r->close_range = (int (*)(unsigned int, unsigned int, int))next_sym(&self,
	    "close_range", 0, &err);
	r->dup = (int (*)(int))next_sym(&self, "dup", 1, &err);
	r->accept = (int (*)(int, struct sockaddr *, socklen_t *))next_sym(&self,
	    "accept", 1, &err);
	r->accept4 = (int (*)(int, struct sockaddr *, socklen_t *, int))
	    next_sym(&self, "accept4", 0, &err);
	r->fcntl = (int (*)(int, int, ...))next_sym(&self, "fcntl", 1, &err);
	r->fcntl64 = (int (*)(int, int, ...))next_sym(&self, "fcntl64", 0, &err);
	return err;
}

#define NEXT(field, name) \
	(r->field = (__typeof__(r->field))next_sym(&self, name, 0, &err))

int
plat_bind_dns_real(struct plat_dns_real *r)
{
	struct self_range self;
	int err = 0;

	self_range(&self);
	NEXT(getaddrinfo, "getaddrinfo");
	NEXT(getnameinfo, "getnameinfo");
	NEXT(gethostbyname, "gethostbyname");
	NEXT(gethostbyname2, "gethostbyname2");
	NEXT(gethostbyname_r, "gethostbyname_r");
	NEXT(gethostbyname2_r, "gethostbyname2_r");
	NEXT(res_query, "res_query");
	NEXT(res_search, "res_search");
	NEXT(res_querydomain, "res_querydomain");
	NEXT(res_nquery, "res_nquery");
	NEXT(res_nsearch, "res_nsearch");
	NEXT(res_nquerydomain, "res_nquerydomain");
	return err;
}

int
plat_probe_read(const void *p)
{
	char byte;
	struct iovec local = { &byte, 1 }, remote = { (void *)p, 1 };
	int saved = errno;

	/* getpid() each time: a cached pid would, after fork, name the
	 * parent and probe its memory instead of ours. */
	if (process_vm_readv(getpid(), &local, 1, &remote, 1, 0) == 1)
		return 0;
	if (errno == EFAULT) {
		errno = saved;
		return -EFAULT;
	}
	errno = saved;
	return 0;
}

void
plat_release_memory(void)
{
	(void)malloc_trim(0);
}

const void *
plat_map_policy(int fd, size_t *len)
{
	const int sealed = F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL;
	int saved = errno, seals;
	struct stat st;
	void *p = NULL;

	/* Sealed, so what was checked once stays true: the launcher (or
	 * anyone holding the descriptor) cannot change a byte under us. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= PLAT_POLICY_MAX &&
	    (seals = fcntl(fd, F_GET_SEALS)) >= 0 &&
	    (seals & sealed) == sealed) {
		/* Populated: opening the image reads all of it anyway. */
		p = mmap(NULL, (size_t)st.st_size, PROT_READ,
		    MAP_SHARED | MAP_POPULATE, fd, 0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			*len = (size_t)st.st_size;
	}
	errno = saved;
	return p;
}

void
plat_unmap_policy(const void *p, size_t len)
{
	int saved = errno;

	(void)munmap((void *)p, len);
	errno = saved;
}

int
plat_sockinfo(int fd, struct plat_sockinfo *si)
{
	socklen_t len = sizeof(int);

	if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &si->family, &len) < 0)
		return -errno;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &si->type, &len) < 0)
		return -errno;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_PROTOCOL, &si->protocol, &len) < 0)
		si->protocol = 0;
	return 0;
}

int
plat_bound_ifindex(int fd, int family, unsigned *ifindex)
{
	char name[IF_NAMESIZE + 1] = "";
	socklen_t len = sizeof(int);
	int idx = 0;

	(void)family;
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, &len) == 0) {
		*ifindex = idx > 0 ? (unsigned)idx : 0;
		return 0;
	}
	if (errno != ENOPROTOOPT)
		return -errno;
	len = sizeof(name) - 1;
	if (getsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, name, &len) < 0)
		return -errno;
	name[len < sizeof(name) ? len : sizeof(name) - 1] = '\0';
	*ifindex = name[0] ? if_nametoindex(name) : 0;
	return 0;
}

int
plat_bind_ifindex(int fd, int family, unsigned ifindex, const char *ifname)
{
	int idx = (int)ifindex;

	(void)family;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof(idx)) == 0)
		return 0;
	if (errno != ENOPROTOOPT)
		return -errno;
	/* Linux < 5.0 binds by name only; the name was checked at start-up. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifindex ? ifname : "",
		ifindex ? (socklen_t)strlen(ifname) + 1 : 0) == 0)
		return 0;
	return -errno;
}

/*
 * The one secure-mode test of the shim. AT_SECURE is what the kernel says
 * (setuid, setgid, file capabilities, an LSM's say); glibc's own
 * secure_getenv reads the same bit through a private variable that a unit
 * test cannot reach, so both functions here go through getauxval, which
 * tests/unit/test_secure.c wraps (-Wl,--wrap=getauxval).
 */
bool
plat_secure_mode(void)
{
	return getauxval(AT_SECURE) != 0;
}

const char *
plat_getenv(const char *name)
{
	return plat_secure_mode() ? NULL : getenv(name);
}

void
plat_program(char *exe, size_t len, const char **argv0)
{
	ssize_t n = len > 0 ? readlink("/proc/self/exe", exe, len - 1) : -1;

	if (n < 0)
		n = 0;
	if (len > 0)
		exe[n] = '\0';
	*argv0 = program_invocation_name;
}

struct plat_pktinfo_opt
plat_pktinfo_opt(int family)
{
	struct plat_pktinfo_opt o;

	if (family == AF_INET6) {
		o.level = IPPROTO_IPV6;
		o.type = IPV6_PKTINFO;
	} else {
		o.level = IPPROTO_IP;
		o.type = IP_PKTINFO;
	}
	return o;
}
