/*
 * hooks_dnsown.c - replies to a program's own DNS queries that were sent
 * to bindif's server instead of the system resolver it aimed at: their
 * source, and the socket's peer, are rewritten back to that resolver, as
 * clients check (c-ares drops a reply from any other address). Only
 * sockets marked FDT_DNSREDIR are touched; any other pays one table load.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>

#include "../fdtable.h"
#include "../../common/plat.h"
#include "hooks_dnsown.h"
#include "../state.h"
#include "../uaccess.h"

/* What each redirected descriptor aimed at, and where its queries go.
 * A static array: the receive hooks may run in a signal handler, and its
 * untouched pages cost nothing. Descriptors beyond it are redirected, but
 * their replies are shown as they come. */
#define DNSOWN_FDS 4096

struct dnsown_slot {
	union dnsredir_addr orig, to;
	socklen_t origlen, tolen;
};

static struct dnsown_slot slots[DNSOWN_FDS];
static atomic_bool reported;

bool
dnsown_mark(int fd, const struct sockaddr *orig, socklen_t origlen,
    const union dnsredir_addr *to, socklen_t tolen)
{
	struct dnsown_slot *s;

	if (fd < 0 || fd >= DNSOWN_FDS)
		return false;
	s = &slots[fd];
	if (origlen > sizeof(s->orig))
		origlen = sizeof(s->orig);
	memcpy(&s->orig, orig, origlen);
	s->origlen = origlen;
	s->to = *to;
	s->tolen = tolen;
	/* The slot is complete before the entry's mark can be seen. */
	atomic_thread_fence(memory_order_release);
	return true;
}

void
dnsown_report(const struct shim_cfg *c, const struct dns_redirect *r,
    const struct sockaddr *orig, const struct sockaddr *to)
{
	char a[64], b[64];

	if (!c->verbose || atomic_exchange(&reported, true))
		return;
	dnsredir_format(orig, a, sizeof(a));
	if (to == NULL) {
		state_log(c,
		    "DNS to %s was not sent: no server of its family "
		    "for %s (%s)",
		    a, r->ifname ? r->ifname : "?",
		    r->servers->n ? r->servers_text : "none usable");
		return;
	}
	dnsredir_format(to, b, sizeof(b));
	state_log(c, "DNS to %s was sent to %s through %s", a, b, r->ifname);
}

void
dnsown_source(int fd, struct sockaddr *sa, socklen_t room, socklen_t *len)
{
	const struct dnsown_slot *s;
	socklen_t n;

	if (fd < 0 || fd >= DNSOWN_FDS || sa == NULL)
		return;
	atomic_thread_fence(memory_order_acquire);
	s = &slots[fd];
	/* Only a whole address from the server we sent to, as the kernel
	 * wrote it (room: the caller's buffer). */
	if (*len > room || !dnsredir_same(sa, *len, &s->to.sa, s->tolen))
		return;
	n = s->origlen < room ? s->origlen : room;
	memcpy(sa, &s->orig, n);
	*len = s->origlen;
}

/*
 * Whether [p, p + len) can be read, for the receive hooks: the page found
 * readable is remembered apart from uaccess.c's, which a redirected
 * lookup's connect or send has just set to its destination's page; one
 * shared page alternating between the two asked the kernel twice a lookup
 * (measured: 3.5 us, 13 %, on bench figure 7b). The same caveat as
 * uaccess.h's: a page unmapped after it was found readable is not seen.
 */
static __thread uintptr_t recv_good_page;

static bool
recv_readable(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, page = a & ~(uintptr_t)(UA_PAGE_SIZE - 1);

	if (page != 0 && page == recv_good_page &&
	    len <= UA_PAGE_SIZE - (a - page))
		return true;
	if (len > UA_PAGE_SIZE - (a - page) || page == 0)
		return ua_readable(p, len); /* across pages: rare */
	if (plat_probe_read(p) < 0)
		return false;
	recv_good_page = page;
	return true;
}

/* The room the caller gave for an address, when the socket is marked;
 * 0: nothing to rewrite. */
static socklen_t
room_of(int fd, const void *sa, const socklen_t *len)
{
	if (sa == NULL || len == NULL || !(fdt_get(fd) & FDT_DNSREDIR) ||
	    !recv_readable(len, sizeof(*len)))
		return 0;
	return *len;
}

ssize_t
bindif_recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *from,
    socklen_t *fromlen)
{
	const struct plat_real *r = state_real();
	socklen_t room = room_of(fd, from, fromlen);
	ssize_t rc = r->recvfrom(fd, buf, n, flags, from, fromlen);

	if (rc >= 0 && room > 0)
		dnsown_source(fd, from, room, fromlen);
	return rc;
}

ssize_t
bindif_recvmsg(int fd, struct msghdr *msg, int flags)
{
	const struct plat_real *r = state_real();
	socklen_t room = 0;
	ssize_t rc;

	if (msg != NULL && (fdt_get(fd) & FDT_DNSREDIR) &&
	    recv_readable(msg, sizeof(*msg)) && msg->msg_name != NULL)
		room = msg->msg_namelen;
	rc = r->recvmsg(fd, msg, flags);
	if (rc >= 0 && room > 0)
		dnsown_source(fd, msg->msg_name, room, &msg->msg_namelen);
	return rc;
}

int
bindif_getpeername(int fd, struct sockaddr *sa, socklen_t *len)
{
	const struct plat_real *r = state_real();
	socklen_t room = room_of(fd, sa, len);
	int rc = r->getpeername(fd, sa, len);

	if (rc == 0 && room > 0)
		dnsown_source(fd, sa, room, len);
	return rc;
}
