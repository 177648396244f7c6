/*
 * plat.h - the whole operating-system contract of the shim.
 * plat_linux.c and plat_darwin.c implement it; nothing else in shim/ may
 * include OS-specific headers or test __linux__/__APPLE__.
 */
#ifndef BINDIF_PLAT_H
#define BINDIF_PLAT_H

#include <spawn.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/*
 * Calling the real functions. Inside the shim, a function the shim also
 * hooks (socket, connect, close, dup...) is called through this table,
 * bound once at init (state_real()), or, from code the launcher links too
 * (common/), through a plat_ function such as plat_close: never by name,
 * which would enter our own hook first. Two calls are made by name on
 * purpose, both through hooks that only take note and pass them on:
 * setsockopt inside this layer's binding functions (plat_bind_ifindex,
 * plat_set_egress; the hook notes the socket is bound, and the unit tests
 * stand in for the kernel at that name, --wrap=setsockopt), and close in
 * dnsconf's file reading (the hook forgets the number), which its fuzz
 * target builds without this layer.
 */

/* The libc functions the hooks wrap, bound once. */
struct timespec;
struct plat_real {
	int (*socket)(int, int, int);
	int (*connect)(int, const struct sockaddr *, socklen_t);
	ssize_t (*sendto)(int, const void *, size_t, int,
	    const struct sockaddr *, socklen_t);
	ssize_t (*sendmsg)(int, const struct msghdr *, int);
	int (*close)(int);
	int (*dup2)(int, int);
	/* Linux only; NULL elsewhere. Typed loosely so this header needs no
	 * struct mmsghdr, which macOS lacks. */
	int (*sendmmsg)(int, void *, unsigned int, int);
	int (*dup3)(int, int, int);
	int (*close_range)(unsigned int, unsigned int, int);
	/* Calls that hand out descriptor numbers a close we never saw may
	 * have left an entry for; accept4 and fcntl64 are Linux only. */
	int (*dup)(int);
	int (*accept)(int, struct sockaddr *, socklen_t *);
	int (*accept4)(int, struct sockaddr *, socklen_t *, int);
	int (*fcntl)(int, int, ...);
	int (*fcntl64)(int, int, ...);
	int (*setsockopt)(int, int, int, const void *, socklen_t);
	/* Replies and peers of redirected DNS sockets (hooks_dnsown.c);
	 * recvmmsg is Linux only, typed loosely as sendmmsg. */
	ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *,
	    socklen_t *);
	ssize_t (*recvmsg)(int, struct msghdr *, int);
	int (*recvmmsg)(int, void *, unsigned int, int, struct timespec *);
	int (*getpeername)(int, struct sockaddr *, socklen_t *);
};

/* The resolver functions, bound on the first lookup. Only the Linux libc
 * has the res_* family in it; elsewhere those are NULL. res_state is typed
 * loosely so this header needs no <resolv.h>. */
struct addrinfo;
struct hostent;
struct plat_dns_real {
	int (*getaddrinfo)(const char *, const char *, const struct addrinfo *,
	    struct addrinfo **);
	int (*getnameinfo)(const struct sockaddr *, socklen_t, char *,
	    socklen_t, char *, socklen_t, int);
	struct hostent *(*gethostbyname)(const char *);
	struct hostent *(*gethostbyname2)(const char *, int);
	int (*gethostbyname_r)(const char *, struct hostent *, char *, size_t,
	    struct hostent **, int *);
	int (*gethostbyname2_r)(const char *, int, struct hostent *, char *,
	    size_t, struct hostent **, int *);
	int (*res_query)(const char *, int, int, unsigned char *, int);
	int (*res_search)(const char *, int, int, unsigned char *, int);
	int (*res_querydomain)(const char *, const char *, int, int,
	    unsigned char *, int);
	int (*res_nquery)(void *, const char *, int, int, unsigned char *, int);
	int (
	    *res_nsearch)(void *, const char *, int, int, unsigned char *, int);
	int (*res_nquerydomain)(void *, const char *, const char *, int, int,
	    unsigned char *, int);
};
int plat_bind_dns_real(struct plat_dns_real *r);

/*
 * Fills r with the next definitions of the hooked functions. Returns 0, or
 * -errno when one that must exist is missing or resolves to our own hook.
 */
int plat_bind_real(struct plat_real *r);

/* What the first decision on a socket we did not see created needs. */
struct plat_sockinfo {
	int family;   /* AF_INET, AF_INET6, or other */
	int type;     /* SOCK_STREAM, SOCK_DGRAM, SOCK_RAW... (flags masked) */
	int protocol; /* IPPROTO_*, 0 when the OS cannot tell */
};
int plat_sockinfo(int fd, struct plat_sockinfo *si);

/* The interface index the socket is bound to (0: none). 0 or -errno. */
int plat_bound_ifindex(int fd, int family, unsigned *ifindex);

/* Whether a setsockopt of level/name binds a socket to an interface (what
 * plat_bound_ifindex reads back). */
bool plat_binds_iface(int level, int name);

/*
 * Binds the socket's egress to an interface, by index; ifname is for
 * kernels that only bind by name. 0 or -errno. ifindex 0 unbinds.
 */
int plat_bind_ifindex(int fd, int family, unsigned ifindex, const char *ifname);

/*
 * From now on every socket plat_bind_ifindex and plat_set_egress point at
 * an interface gets this mark too (SO_MARK: root or CAP_NET_ADMIN), and
 * fails when it cannot: a firewall's capture that exempts the mark would
 * take the socket without it. Set once, while the settings are built.
 * 0, or -ENOTSUP where sockets have no mark.
 */
int plat_set_mark(unsigned mark);

/*
 * Sets the interface unconnected datagrams leave by when they name none
 * themselves (no PKTINFO index), picking their source address, without
 * privilege and changeable at any time; ifindex 0 gives them back to the
 * routing table. Not a binding: receiving, and plat_bound_ifindex, are
 * unchanged. Only for datagrams of the socket's own family (an AF_INET6
 * socket's v4-mapped ones are not covered). 0 or -errno.
 */
int plat_set_egress(int fd, int family, unsigned ifindex);

/*
 * Whether one byte at p can be read, asked of the kernel: 0, -EFAULT, or
 * 0 as well when the kernel cannot say (a seccomp filter): then we trust
 * the pointer as the program did.
 */
int plat_probe_read(const void *p);

/*
 * A memory barrier every thread of the process passes before plat_barrier
 * returns (flight.h): plat_barrier_setup once (cheapest while the process
 * has one thread), then plat_barrier; each 0 or -errno. -ENOSYS where the
 * system has none.
 */
int plat_barrier_setup(void);
int plat_barrier(void);

/* The calling thread's id, and whether the thread of that id in this
 * process is still there (true when it cannot be told). */
int plat_thread_id(void);
bool plat_thread_alive(int tid);

/* Every IPv4 and IPv6 address of every interface, as local_addrs wants
 * them, in a malloc'ed array (free it): 0, or -1 when this OS has no
 * cheaper question than getifaddrs or the question failed. errno kept. */
struct local_addr;
int plat_local_addrs(struct local_addr **v, size_t *n);

/* Hands freed heap back to the system: parsing a large rules file leaves
 * megabytes of it behind in every wrapped process. */
void plat_release_memory(void);

/*
 * The launcher's compiled rules, handed over in descriptor fd (see
 * BINDIF_POLICY): mapped read-only and shared when fd is a regular file of
 * at most PLAT_POLICY_MAX bytes that nobody can change any more (on Linux a
 * memfd sealed against writing, growing, shrinking and further seals).
 * NULL when anything is off: the program may have closed the descriptor and
 * reused its number. errno is kept.
 */
#define PLAT_POLICY_MAX ((size_t)1 << 30)
const void *plat_map_policy(int fd, size_t *len);
void plat_unmap_policy(const void *p, size_t len);

/* Closes a descriptor the shim or the launcher opened for itself, past the
 * shim's close hook; errno is kept. Safe in a vfork child. */
void plat_close(int fd);

/* True when the process runs setuid/setgid/with file capabilities. */
bool plat_secure_mode(void);

/* getenv that returns NULL in secure mode. */
const char *plat_getenv(const char *name);

/* The running executable's path (may fail: then exe[0] = 0) and argv[0]. */
void plat_program(char *exe, size_t len, const char **argv0);

/* The exec family, bound once (hooks_exec.c); fexecve and execveat are
 * NULL where the system has none (macOS). */
struct plat_exec_real {
	int (*execve)(const char *, char *const[], char *const[]);
	int (*fexecve)(int, char *const[], char *const[]);
	int (*execveat)(int, const char *, char *const[], char *const[], int);
	int (*posix_spawn)(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const[], char *const[]);
	int (*posix_spawnp)(pid_t *, const char *,
	    const posix_spawn_file_actions_t *, const posix_spawnattr_t *,
	    char *const[], char *const[]);
};
int plat_bind_exec_real(struct plat_exec_real *r);

/* The process's environment as it is now (environ). */
char **plat_environ(void);

/* The variable the loader preloads from, and the shim's file name. */
extern const char plat_preload_var[];
extern const char plat_shim_name[];

/* A path naming fd's file (for fexecve's judgement) into buf, which has
 * room for 32 bytes: 0, or -1 where the system has none. No stdio. */
int plat_fd_path(int fd, char *buf, size_t len);
/* The same for what execveat(dirfd, path, ..., flags) runs: path itself,
 * or through the descriptor (AT_EMPTY_PATH, a relative path); buf has room
 * for strlen(path) + 32. 0, or -1 where the system has none. */
int plat_at_path(int dirfd, const char *path, int flags, char *buf, size_t len);

/* What makes the loader refuse a program (judge.c): file capabilities
 * (Linux), System Integrity Protection (macOS). */
bool plat_file_caps(const char *path);
bool plat_sip_protected(const char *path);
/* Which tools' interface options apply (judge_tool_option). */
bool plat_is_darwin(void);
/* The file name of the C library's dynamic loader ("ld-linux-x86-64.so.2"),
 * "" where programs name none: what a static launcher compares targets'
 * PT_INTERP with, having none of its own. */
const char *plat_loader_name(void);

/* Same name on both OSes: IP_PKTINFO/IPV6_PKTINFO option levels and names. */
struct plat_pktinfo_opt {
	int level, type;
};
struct plat_pktinfo_opt plat_pktinfo_opt(int family);

#endif
