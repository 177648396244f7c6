/*
 * plat_linux.c - the shim's Linux layer: SO_BINDTOIFINDEX (falling back to
 * SO_BINDTODEVICE before Linux 5.0), IP(V6)_UNICAST_IF for unconnected
 * datagrams, the socket's own facts via getsockopt,
 * dlsym(RTLD_NEXT) for the real functions, secure mode from AT_SECURE.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <malloc.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "decide.h"
#include "plat.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif
#ifndef IP_UNICAST_IF
#define IP_UNICAST_IF 50
#endif
#ifndef IPV6_UNICAST_IF
#define IPV6_UNICAST_IF 76
#endif
/* <linux/membarrier.h>'s, since Linux 4.14 */
#define BARRIER_PRIVATE_EXPEDITED (1 << 3)
#define BARRIER_REGISTER_PRIVATE_EXPEDITED (1 << 4)

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
	r->connect = (int (*)(int, const struct sockaddr *,
	    socklen_t))next_sym(&self, "connect", 1, &err);
	r->sendto =
	    (ssize_t(*)(int, const void *, size_t, int, const struct sockaddr *,
	        socklen_t))next_sym(&self, "sendto", 1, &err);
	r->sendmsg = (ssize_t(*)(int, const struct msghdr *,
	    int))next_sym(&self, "sendmsg", 1, &err);
	r->close = (int (*)(int))next_sym(&self, "close", 1, &err);
	r->dup2 = (int (*)(int, int))next_sym(&self, "dup2", 1, &err);
	r->sendmmsg = (int (*)(int, void *, unsigned int, int))next_sym(&self,
	    "sendmmsg", 0, &err);
	r->dup3 = (int (*)(int, int, int))next_sym(&self, "dup3", 0, &err);
	r->close_range = (int (*)(unsigned int, unsigned int,
	    int))next_sym(&self, "close_range", 0, &err);
	r->dup = (int (*)(int))next_sym(&self, "dup", 1, &err);
	r->accept = (int (*)(int, struct sockaddr *,
	    socklen_t *))next_sym(&self, "accept", 1, &err);
	r->accept4 = (int (*)(int, struct sockaddr *, socklen_t *,
	    int))next_sym(&self, "accept4", 0, &err);
	r->fcntl = (int (*)(int, int, ...))next_sym(&self, "fcntl", 1, &err);
	r->fcntl64 =
	    (int (*)(int, int, ...))next_sym(&self, "fcntl64", 0, &err);
	r->setsockopt = (int (*)(int, int, int, const void *,
	    socklen_t))next_sym(&self, "setsockopt", 1, &err);
	r->recvfrom = (ssize_t(*)(int, void *, size_t, int, struct sockaddr *,
	    socklen_t *))next_sym(&self, "recvfrom", 1, &err);
	r->recvmsg = (ssize_t(*)(int, struct msghdr *, int))next_sym(&self,
	    "recvmsg", 1, &err);
	r->recvmmsg = (int (*)(int, void *, unsigned int, int,
	    struct timespec *))next_sym(&self, "recvmmsg", 0, &err);
	r->getpeername = (int (*)(int, struct sockaddr *,
	    socklen_t *))next_sym(&self, "getpeername", 1, &err);
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

/* The system call itself: glibc has no wrapper for membarrier, and one
 * for gettid only since 2.30. errno is kept. */
static long
raw_call(long nr, long a, long b, long c)
{
	int saved = errno;
	long r = syscall(nr, a, b, c);

	if (r < 0) {
		r = -errno;
		errno = saved;
	}
	return r;
}

int
plat_barrier_setup(void)
{
	return (int)raw_call(SYS_membarrier, BARRIER_REGISTER_PRIVATE_EXPEDITED,
	    0, 0);
}

int
plat_barrier(void)
{
	return (int)raw_call(SYS_membarrier, BARRIER_PRIVATE_EXPEDITED, 0, 0);
}

int
plat_thread_id(void)
{
	return (int)raw_call(SYS_gettid, 0, 0, 0);
}

bool
plat_thread_alive(int tid)
{
	/* Signal 0 delivers nothing; a thread of ours that exited is
	 * ESRCH, and so, after fork, is every thread of the parent. */
	return raw_call(SYS_tgkill, getpid(), tid, 0) != -ESRCH;
}

/* One message's address, IFA_LOCAL before IFA_ADDRESS (on a point-to-point
 * link IFA_ADDRESS is the peer's), as getifaddrs takes it. */
static bool
nl_local_addr(const struct nlmsghdr *h, struct local_addr *out)
{
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	const struct rtattr *a, *local = NULL, *address = NULL;
	unsigned len;
	size_t need;

	if (h->nlmsg_len < NLMSG_LENGTH(sizeof(*ifa)) ||
	    (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6))
		return false;
	need = ifa->ifa_family == AF_INET ? 4 : 16;
	len = h->nlmsg_len - NLMSG_LENGTH(sizeof(*ifa));
	for (a = IFA_RTA(ifa); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == IFA_LOCAL)
			local = a;
		else if (a->rta_type == IFA_ADDRESS)
			address = a;
	}
	if ((a = local ? local : address) == NULL || RTA_PAYLOAD(a) < need)
		return false;
	memset(out, 0, sizeof(*out));
	out->family = ifa->ifa_family == AF_INET ? 4 : 6;
	memcpy(out->addr, RTA_DATA(a), need);
	return true;
}

/* Appends buf's addresses to *v; 1 at the dump's end, 0 for more, -1. */
static int
nl_addrs(const char *buf, size_t n, struct local_addr **v, size_t *nv,
    size_t *cap)
{
	const struct nlmsghdr *h = (const void *)buf;
	unsigned left = (unsigned)n;

	for (; NLMSG_OK(h, left); h = NLMSG_NEXT(h, left)) {
		if (h->nlmsg_seq != 1)
			continue;
		if (h->nlmsg_type == NLMSG_DONE)
			return 1;
		if (h->nlmsg_type == NLMSG_ERROR)
			return -1;
		if (h->nlmsg_type != RTM_NEWADDR)
			continue;
		if (*nv == *cap) {
			size_t c = *cap ? 2 * *cap : 16;
			struct local_addr *g = realloc(*v, c * sizeof(**v));

			if (g == NULL)
				return -1;
			*v = g;
			*cap = c;
		}
		if (nl_local_addr(h, &(*v)[*nv]))
			(*nv)++;
	}
	return left == 0 ? 0 : -1;
}

/*
 * One RTM_GETADDR dump: getifaddrs dumps every link with its statistics
 * first, which made a wrapped program's first network call 1-3 ms dearer
 * with 100 links (a container host). Raw system calls: the socket is none
 * of the program's, and the shim's own hooks must not see it (this runs
 * while the first of them builds the settings).
 */
int
plat_local_addrs(struct local_addr **v, size_t *n)
{
	struct {
		struct nlmsghdr h;
		struct ifaddrmsg ifa;
	} req;
	struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
	enum {
		BUF = 32768
	}; /* a dump part is at most 32 KiB */
	char *buf = malloc(BUF);
	size_t cap = 0;
	int saved = errno, rc = -1;
	long fd;

	*v = NULL;
	*n = 0;
	fd = buf ? syscall(SYS_socket, AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC,
	               NETLINK_ROUTE) :
	           -1;
	memset(&req, 0, sizeof(req));
	req.h.nlmsg_len = sizeof(req);
	req.h.nlmsg_type = RTM_GETADDR;
	req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.h.nlmsg_seq = 1;
	req.ifa.ifa_family = AF_UNSPEC;
	if (fd >= 0 &&
	    syscall(SYS_sendto, fd, &req, sizeof(req), 0, &kernel,
	        sizeof(kernel)) == (long)sizeof(req)) {
		do {
			long got = syscall(SYS_recvfrom, fd, buf, BUF,
			    MSG_TRUNC, NULL, NULL);

			if (got < 0 && errno == EINTR)
				continue;
			rc = got <= 0 || got > BUF ?
			    -1 :
			    nl_addrs(buf, (size_t)got, v, n, &cap);
		} while (rc == 0);
	}
	if (fd >= 0)
		(void)syscall(SYS_close, fd);
	free(buf);
	if (rc < 0) {
		free(*v);
		*v = NULL;
		*n = 0;
	}
	errno = saved;
	return rc < 0 ? -1 : 0;
}

void
plat_release_memory(void)
{
	(void)malloc_trim(0);
}

const void *
plat_map_policy(int fd, size_t *len)
{
	const int sealed =
	    F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;
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
plat_close(int fd)
{
	int saved = errno;

	(void)syscall(SYS_close, fd);
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

bool
plat_binds_iface(int level, int name)
{
	return level == SOL_SOCKET &&
	    (name == SO_BINDTOIFINDEX || name == SO_BINDTODEVICE);
}

/* Written once while the settings are built, before any binding. */
static unsigned bind_mark;

int
plat_set_mark(unsigned mark)
{
	bind_mark = mark;
	return 0;
}

/* An nftables output chain (sing-box's, mihomo's auto_redirect) redirects
 * a bound socket like any other unless it carries the mark it exempts. */
static int
mark_socket(int fd, unsigned ifindex)
{
	if (bind_mark == 0 || ifindex == 0)
		return 0;
	if (setsockopt(fd, SOL_SOCKET, SO_MARK, &bind_mark, sizeof(bind_mark)) <
	    0)
		return -errno;
	return 0;
}

int
plat_bind_ifindex(int fd, int family, unsigned ifindex, const char *ifname)
{
	int idx = (int)ifindex;

	(void)family;
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTOIFINDEX, &idx, sizeof(idx)) ==
	    0)
		return mark_socket(fd, ifindex);
	if (errno != ENOPROTOOPT)
		return -errno;
	/* Linux < 5.0 binds by name only; the name was checked at start-up. */
	if (setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, ifindex ? ifname : "",
	        ifindex ? (socklen_t)strlen(ifname) + 1 : 0) == 0)
		return mark_socket(fd, ifindex);
	return -errno;
}

/*
 * IP_UNICAST_IF and IPV6_UNICAST_IF, not a binding: a bound socket (even
 * by SO_BINDTOIFINDEX, unprivileged) cannot be unbound again, and an IPv6
 * one then refuses every datagram whose PKTINFO names another interface
 * (ip6_datagram_send_ctl: EINVAL), so it could never reach loopback again.
 * These can be cleared; the route lookup gets the same oif as a bound
 * socket's, so they escape split routes and fwmark policy rules alike
 * (tests/integration/test_dgram.sh). Both families take the index in
 * network byte order (do_ip_setsockopt, do_ipv6_setsockopt: ntohl);
 * measured: a host-order IPv6 index is refused with EADDRNOTAVAIL.
 */
int
plat_set_egress(int fd, int family, unsigned ifindex)
{
	uint32_t idx = htonl(ifindex);
	int rc;

	if (family == AF_INET)
		rc = setsockopt(fd, IPPROTO_IP, IP_UNICAST_IF, &idx,
		    sizeof(idx));
	else if (family == AF_INET6)
		rc = setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_IF, &idx,
		    sizeof(idx));
	else
		return -EAFNOSUPPORT;
	return rc < 0 ? -errno : mark_socket(fd, ifindex);
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

/* The loader's secure mode for non-root users; what is in the capability
 * set does not matter, only that there is one. */
bool
plat_file_caps(const char *path)
{
	return getxattr(path, "security.capability", NULL, 0) > 0;
}

bool
plat_sip_protected(const char *path)
{
	(void)path;
	return false;
}

bool
plat_is_darwin(void)
{
	return false;
}

const char *
plat_loader_name(void)
{
	return LD_SO;
}

const char plat_preload_var[] = "LD_PRELOAD";
const char plat_shim_name[] = "libbindif.so";

int
plat_bind_exec_real(struct plat_exec_real *r)
{
	struct self_range self;
	int err = 0;

	self_range(&self);
	NEXT(execve, "execve");
	NEXT(fexecve, "fexecve");
	NEXT(execveat, "execveat"); /* glibc 2.34 and later */
	NEXT(posix_spawn, "posix_spawn");
	NEXT(posix_spawnp, "posix_spawnp");
	return r->execve && r->posix_spawn && r->posix_spawnp ? err : -ENOSYS;
}

char **
plat_environ(void)
{
	return environ;
}

int
plat_fd_path(int fd, char *buf, size_t len)
{
	static const char dir[] = "/proc/self/fd/";
	char digits[16];
	size_t n = 0, d = sizeof(digits);
	unsigned u = fd < 0 ? 0 : (unsigned)fd;

	do
		digits[--d] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && d > 0);
	if (fd < 0 || sizeof(dir) + sizeof(digits) - d > len)
		return -1;
	memcpy(buf, dir, sizeof(dir) - 1);
	n = sizeof(dir) - 1;
	memcpy(buf + n, digits + d, sizeof(digits) - d);
	buf[n + sizeof(digits) - d] = '\0';
	return 0;
}

int
plat_at_path(int dirfd, const char *path, int flags, char *buf, size_t len)
{
	size_t n = strlen(path);

	if (path[0] == '/' || (dirfd == AT_FDCWD && path[0] != '\0')) {
		if (n + 1 > len)
			return -1;
		memcpy(buf, path, n + 1);
		return 0;
	}
	if (plat_fd_path(dirfd, buf, len) < 0)
		return -1;
	if (path[0] == '\0')
		return flags & AT_EMPTY_PATH ? 0 : -1;
	/* /proc/self/fd/N/path: the directory the descriptor names. */
	if (strlen(buf) + 1 + n + 1 > len)
		return -1;
	strcat(buf, "/");
	strcat(buf, path);
	return 0;
}
