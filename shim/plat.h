/*
 * plat.h - the whole operating-system contract of the shim.
 * plat_linux.c and plat_darwin.c implement it; nothing else in shim/ may
 * include OS-specific headers or test __linux__/__APPLE__.
 */
#ifndef BINDIF_PLAT_H
#define BINDIF_PLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

/* The libc functions the hooks wrap, bound once. */
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
};

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

/*
 * Binds the socket's egress to an interface, by index; ifname is for
 * kernels that only bind by name. 0 or -errno. ifindex 0 unbinds.
 */
int plat_bind_ifindex(int fd, int family, unsigned ifindex,
    const char *ifname);

/* True when the process runs setuid/setgid/with file capabilities. */
bool plat_secure_mode(void);

/* getenv that returns NULL in secure mode. */
const char *plat_getenv(const char *name);

/* The running executable's path (may fail: then exe[0] = 0) and argv[0]. */
void plat_program(char *exe, size_t len, const char **argv0);

/* Same name on both OSes: IP_PKTINFO/IPV6_PKTINFO option levels and names. */
struct plat_pktinfo_opt {
	int level, type;
};
struct plat_pktinfo_opt plat_pktinfo_opt(int family);

#endif
