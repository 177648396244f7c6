/*
 * plat_darwin.c - the shim's macOS layer: IP_BOUND_IF on AF_INET sockets,
 * IPV6_BOUND_IF on AF_INET6 ones (which also covers v4-mapped peers). Both
 * need no privilege, may be changed later, work on raw and ICMP datagram
 * sockets and pick the source address. Inside an interposing library a
 * call by name reaches the original function, so no dlsym is needed.
 * Also built on Linux for unit tests: constants fall back to macOS values
 * and the macOS-only functions come from the test.
 */
/* On macOS the Makefile defines __APPLE_USE_RFC_3542 (IPV6_PKTINFO) for
 * every file, so all of them see the same value: not again here. */
#ifndef __APPLE__
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat.h"

#ifndef IP_BOUND_IF
#define IP_BOUND_IF 25 /* <netinet/in.h> on macOS */
#endif
#ifndef IPV6_BOUND_IF
#define IPV6_BOUND_IF 125 /* <netinet6/in6.h> on macOS */
#endif
#ifndef IPV6_PKTINFO
#define IPV6_PKTINFO 46
#endif

#ifndef __APPLE__
/* macOS libc functions; the unit tests on Linux provide them. */
int issetugid(void);
const char *getprogname(void);
#endif
int _NSGetExecutablePath(char *buf, uint32_t *bufsize);
char ***_NSGetEnviron(void); /* <crt_externs.h>: a library has no environ */

int
plat_bind_real(struct plat_real *r)
{
	memset(r, 0, sizeof(*r));
	r->socket = socket;
	r->connect = connect;
	r->sendto = sendto;
	r->sendmsg = sendmsg;
	r->close = close;
	r->dup2 = dup2;
	r->dup = dup;
	r->accept = accept;
	r->fcntl = fcntl;
	r->setsockopt = setsockopt;
	r->recvfrom = recvfrom;
	r->recvmsg = recvmsg;
	r->getpeername = getpeername;
	return 0;
}

/*
 * No probe yet: mach_vm_read_overwrite() would do it, but it needs the
 * Mach headers and cannot be exercised here, so the pointer is trusted as
 * the program trusted it.
 */
int
plat_probe_read(const void *p)
{
	(void)p;
	return 0;
}

/* No membarrier: senders count themselves in the fd table (flight.h). */
int
plat_barrier_setup(void)
{
	return -ENOSYS;
}

int
plat_barrier(void)
{
	return -ENOSYS;
}

int
plat_thread_id(void)
{
	return 1; /* unused while there is no barrier */
}

bool
plat_thread_alive(int tid)
{
	(void)tid;
	return true;
}

/* getifaddrs answers from the routing socket already. */
int
plat_local_addrs(struct local_addr **v, size_t *n)
{
	*v = NULL;
	*n = 0;
	return -1;
}

void
plat_release_memory(void)
{
	/* macOS's allocator returns large blocks by itself. */
}

/* macOS has no memfd and no seals: the launcher hands over an unlinked
 * file of its own, so a regular file of the right size is all to check. */
const void *
plat_map_policy(int fd, size_t *len)
{
	int saved = errno;
	struct stat st;
	void *p = NULL;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
	    (uint64_t)st.st_size <= PLAT_POLICY_MAX) {
		p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_SHARED, fd,
		    0);
		if (p == MAP_FAILED)
			p = NULL;
		else
			*len = (size_t)st.st_size;
	}
	errno = saved;
	return p;
}

int
plat_bind_dns_real(struct plat_dns_real *r)
{
	memset(r, 0, sizeof(*r));
	r->getaddrinfo = getaddrinfo;
	r->getnameinfo = getnameinfo;
	r->gethostbyname = gethostbyname;
	r->gethostbyname2 = gethostbyname2;
	return 0; /* no _r variants, and res_* live in libresolv */
}

static int
bound_if_opt(int family, int *level, int *name)
{
	if (family == AF_INET) {
		*level = IPPROTO_IP;
		*name = IP_BOUND_IF;
	} else if (family == AF_INET6) {
		*level = IPPROTO_IPV6;
		*name = IPV6_BOUND_IF;
	} else
		return -EAFNOSUPPORT;
	return 0;
}

/* A call by name from inside an interposing library reaches the
 * original function, not our hook. */
void
plat_close(int fd)
{
	int saved = errno;

	(void)close(fd);
	errno = saved;
}

int
plat_sockinfo(int fd, struct plat_sockinfo *si)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	memset(&ss, 0, sizeof(ss));
	/* macOS has no SO_DOMAIN; an unbound socket still reports its family.
	 */
	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -errno;
	si->family = ss.ss_family;
	len = sizeof(int);
	if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &si->type, &len) < 0)
		return -errno;
	si->protocol = 0;
	return 0;
}

int
plat_bound_ifindex(int fd, int family, unsigned *ifindex)
{
	int level, name, idx = 0;
	socklen_t len = sizeof(idx);
	int rc = bound_if_opt(family, &level, &name);

	if (rc < 0)
		return rc;
	if (getsockopt(fd, level, name, &idx, &len) < 0)
		return -errno;
	*ifindex = idx > 0 ? (unsigned)idx : 0;
	return 0;
}

bool
plat_binds_iface(int level, int name)
{
	return (level == IPPROTO_IP && name == IP_BOUND_IF) ||
	    (level == IPPROTO_IPV6 && name == IPV6_BOUND_IF);
}

int
plat_bind_ifindex(int fd, int family, unsigned ifindex, const char *ifname)
{
	int level, name, idx = (int)ifindex;
	int rc = bound_if_opt(family, &level, &name);

	(void)ifname;
	if (rc < 0)
		return rc;
	if (setsockopt(fd, level, name, &idx, sizeof(idx)) < 0)
		return -errno;
	return 0;
}

/* macOS sockets carry no firewall mark (pf tags packets, not sockets). */
int
plat_set_mark(unsigned mark)
{
	return mark ? -ENOTSUP : 0;
}

/* IP_BOUND_IF and IPV6_BOUND_IF are settable again and clearable (0) at
 * any time and unprivileged: the same options as the binding. */
int
plat_set_egress(int fd, int family, unsigned ifindex)
{
	return plat_bind_ifindex(fd, family, ifindex, NULL);
}

bool
plat_secure_mode(void)
{
	return issetugid() != 0;
}

const char *
plat_getenv(const char *name)
{
	return plat_secure_mode() ? NULL : getenv(name);
}

void
plat_program(char *exe, size_t len, const char **argv0)
{
	uint32_t size = (uint32_t)len;

	if (len == 0 || _NSGetExecutablePath(exe, &size) != 0) {
		if (len > 0)
			exe[0] = '\0';
	}
	*argv0 = getprogname();
}

bool
plat_file_caps(const char *path)
{
	(void)path;
	return false;
}

/*
 * dyld strips DYLD_* for binaries under these paths while System
 * Integrity Protection is on, which is the default; /usr/local is not
 * protected. Asking csrutil costs a process per launch, so a protected
 * path counts as protected.
 */
bool
plat_sip_protected(const char *path)
{
	static const char *const prefixes[] = { "/System/", "/bin/", "/sbin/",
		"/usr/bin/", "/usr/sbin/", "/usr/libexec/", NULL };
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

bool
plat_is_darwin(void)
{
	return true;
}

const char *
plat_loader_name(void)
{
	return ""; /* Mach-O: dyld is implied, never named */
}

const char plat_preload_var[] = "DYLD_INSERT_LIBRARIES";
const char plat_shim_name[] = "libbindif.dylib";

/* By name: inside an interposing library these are the originals. */
int
plat_bind_exec_real(struct plat_exec_real *r)
{
	r->execve = execve;
	r->fexecve = NULL;
	r->execveat = NULL;
	r->posix_spawn = posix_spawn;
	r->posix_spawnp = posix_spawnp;
	return 0;
}

char **
plat_environ(void)
{
	return *_NSGetEnviron();
}

int
plat_fd_path(int fd, char *buf, size_t len)
{
	(void)fd;
	(void)buf;
	(void)len;
	return -1;
}

int
plat_at_path(int dirfd, const char *path, int flags, char *buf, size_t len)
{
	(void)dirfd;
	(void)path;
	(void)flags;
	(void)buf;
	(void)len;
	return -1;
}
