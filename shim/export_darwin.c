/*
 * export_darwin.c - the __DATA,__interpose table of libbindif.dylib: dyld
 * points every other image's calls at our hooks, while calls by name from
 * inside this library still reach the originals. This replaces a flat
 * namespace, which macOS 12 and later no longer offer
 * (DYLD_FORCE_FLAT_NAMESPACE is gone).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <netdb.h>
#include <spawn.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hooks.h"
#include "dns/hooks_dns.h"
#include "exec/hooks_exec.h"
#include "dns/hooks_dnsown.h"
#include "../common/plat.h"

struct interpose {
	const void *replacement;
	const void *original;
};

/*
 * connectx: a non-zero sae_srcif would override IP_BOUND_IF silently, so
 * the endpoints are copied with the interface the decision chose.
 */
static int
bindif_connectx(int fd, const sa_endpoints_t *ep, sae_associd_t aid,
    unsigned int flags, const struct iovec *iov, unsigned int iovcnt,
    size_t *len, sae_connid_t *cid)
{
	sa_endpoints_t copy;
	struct hook_egress eg;
	unsigned ifindex = 0;
	int family;

	if (ep == NULL || ep->sae_dstaddr == NULL)
		return connectx(fd, ep, aid, flags, iov, iovcnt, len, cid);
	copy = *ep;
	if (hook_prepare(fd, ep->sae_dstaddr, ep->sae_dstaddrlen, HOOK_CONNECT,
	        &eg) == PLAN_FAIL) {
		errno = eg.err;
		return -1;
	}
	family = ep->sae_dstaddr->sa_family;
	/* Bound by the decision (or by the program): keep sae_srcif in line. */
	if (plat_bound_ifindex(fd, family, &ifindex) == 0 && ifindex != 0)
		copy.sae_srcif = ifindex;
	return connectx(fd, &copy, aid, flags, iov, iovcnt, len, cid);
}

#define INTERPOSE(ours, theirs)                                                \
	__attribute__((used)) static const struct interpose interpose_##theirs \
	    __attribute__((section("__DATA,__interpose"))) = {                 \
		    (const void *)(ours), (const void *)(theirs)               \
	    }

INTERPOSE(bindif_socket, socket);
INTERPOSE(bindif_connect, connect);
INTERPOSE(bindif_connectx, connectx);
INTERPOSE(bindif_sendto, sendto);
INTERPOSE(bindif_sendmsg, sendmsg);
INTERPOSE(bindif_close, close);
INTERPOSE(bindif_setsockopt, setsockopt);
INTERPOSE(bindif_dup2, dup2);
INTERPOSE(bindif_dup, dup);
INTERPOSE(bindif_accept, accept);
INTERPOSE(bindif_recvfrom, recvfrom);
INTERPOSE(bindif_recvmsg, recvmsg);
INTERPOSE(bindif_getpeername, getpeername);

static int
bindif_fcntl_varargs(int fd, int cmd, ...)
{
	va_list ap;
	void *arg;

	va_start(ap, cmd);
	arg = va_arg(ap, void *);
	va_end(ap);
	return bindif_fcntl(fd, cmd, arg, false);
}
INTERPOSE(bindif_fcntl_varargs, fcntl);
/* getaddrinfo and kin: macOS answers them in mDNSResponder, out of our
 * process, so without these no lookup would leave by the interface. The
 * _r forms do not exist in libSystem. */
INTERPOSE(bindif_getaddrinfo, getaddrinfo);
INTERPOSE(bindif_getnameinfo, getnameinfo);
INTERPOSE(bindif_gethostbyname, gethostbyname);
INTERPOSE(bindif_gethostbyname2, gethostbyname2);

/*
 * res_query and res_search: libSystem keeps these two (libsystem_info),
 * which programs built without <resolv.h>'s renaming call. Declared by
 * hand, as that header renames them to libresolv's res_9_* forms, which
 * are another library's and not interposed here.
 */
int res_query(const char *, int, int, unsigned char *, int);
int res_search(const char *, int, int, unsigned char *, int);

static int
res_answer(const char *name, int dnsclass, int type, bool search,
    unsigned char *answer, int anslen)
{
	int rc, herr = 0;

	if (!bindif_res(name, NULL, dnsclass, type, search, answer, anslen, &rc,
	        &herr))
		return (search ? res_search : res_query)(name, dnsclass, type,
		    answer, anslen);
	if (rc < 0)
		h_errno = herr;
	return rc;
}

static int
bindif_res_query(const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	return res_answer(name, dnsclass, type, false, answer, anslen);
}
INTERPOSE(bindif_res_query, res_query);

static int
bindif_res_search(const char *name, int dnsclass, int type,
    unsigned char *answer, int anslen)
{
	return res_answer(name, dnsclass, type, true, answer, anslen);
}
INTERPOSE(bindif_res_search, res_search);

/* Programs started (hooks_exec.c). execl and kin are variadic: these
 * unpack them. macOS has no execvpe or fexecve. */
static HOOK_EXECL(int bindif_execl_plain,
    EXECL_PLAIN) static HOOK_EXECL(int bindif_execle,
    EXECL_ENV) static HOOK_EXECL(int bindif_execlp, EXECL_SEARCH)

    INTERPOSE(bindif_execve, execve);
INTERPOSE(bindif_execv, execv);
INTERPOSE(bindif_execvp, execvp);
INTERPOSE(bindif_execl_plain, execl);
INTERPOSE(bindif_execle, execle);
INTERPOSE(bindif_execlp, execlp);
INTERPOSE(bindif_posix_spawn, posix_spawn);
INTERPOSE(bindif_posix_spawnp, posix_spawnp);
