/*
 * egress.c - builds the control messages that steer one datagram.
 * An interface index in IP(V6)_PKTINFO routes that datagram out of that
 * interface and picks its source address, without privilege and without
 * binding the socket, which may still talk to loopback afterwards.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#include "egress.h"
#include "plat.h"

static void
set_ifindex(int family, unsigned char *data, unsigned ifindex)
{
	if (family == AF_INET6) {
		struct in6_pktinfo pi;

		memcpy(&pi, data, sizeof(pi));
		pi.ipi6_ifindex = ifindex;
		memcpy(data, &pi, sizeof(pi));
	} else {
		struct in_pktinfo pi;

		memcpy(&pi, data, sizeof(pi));
		pi.ipi_ifindex = (int)ifindex;
		memcpy(data, &pi, sizeof(pi));
	}
}

ssize_t
egress_control(int family, unsigned ifindex, const void *ctl, size_t ctllen,
    void *out, size_t outlen)
{
	struct plat_pktinfo_opt opt = plat_pktinfo_opt(family);
	size_t pilen = family == AF_INET6 ? sizeof(struct in6_pktinfo)
					  : sizeof(struct in_pktinfo);
	struct msghdr m = { 0 };
	struct cmsghdr *c;
	int found = 0;

	if (ctllen > outlen)
		return -1;
	if (ctllen > 0)
		memcpy(out, ctl, ctllen);
	m.msg_control = out;
	m.msg_controllen = ctllen;
	/* The caller's own interface index would override ours silently. */
	for (c = ctllen ? CMSG_FIRSTHDR(&m) : NULL; c != NULL;
	     c = CMSG_NXTHDR(&m, c)) {
		if (c->cmsg_level == opt.level && c->cmsg_type == opt.type &&
		    c->cmsg_len >= CMSG_LEN(pilen)) {
			set_ifindex(family, CMSG_DATA(c), ifindex);
			found = 1;
		}
	}
	if (found)
		return (ssize_t)ctllen;
	/* Append after the caller's last message, padded as the OS aligns
	 * them: CMSG_SPACE(n) - CMSG_SPACE(0) is n rounded up, portably. */
	ctllen = CMSG_SPACE(ctllen) - CMSG_SPACE(0);
	if (ctllen + CMSG_SPACE(pilen) > outlen)
		return -1;
	c = (struct cmsghdr *)((unsigned char *)out + ctllen);
	memset(c, 0, CMSG_SPACE(pilen));
	c->cmsg_level = opt.level;
	c->cmsg_type = opt.type;
	c->cmsg_len = CMSG_LEN(pilen);
	set_ifindex(family, CMSG_DATA(c), ifindex);
	return (ssize_t)(ctllen + CMSG_SPACE(pilen));
}
