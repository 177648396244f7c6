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
#include "../../common/plat.h"

static size_t
pktinfo_len(int family)
{
	return family == AF_INET6 ? sizeof(struct in6_pktinfo) :
	                            sizeof(struct in_pktinfo);
}

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

/* The family whose PKTINFO c is, or 0. */
static int
pktinfo_family(const struct cmsghdr *c)
{
	static const int families[] = { AF_INET, AF_INET6 };
	size_t i;

	for (i = 0; i < sizeof(families) / sizeof(families[0]); i++) {
		struct plat_pktinfo_opt o = plat_pktinfo_opt(families[i]);

		if (c->cmsg_level == o.level && c->cmsg_type == o.type &&
		    c->cmsg_len >= CMSG_LEN(pktinfo_len(families[i])))
			return families[i];
	}
	return 0;
}

/* Copies ctl to out and rewrites every PKTINFO; -1 if out is too small,
 * else how many it rewrote. */
static int
copy_rewrite(unsigned ifindex, const void *ctl, size_t ctllen, void *out,
    size_t outlen)
{
	struct msghdr m = { 0 };
	struct cmsghdr *c;
	int found = 0, family;

	if (ctllen > outlen)
		return -1;
	if (ctllen == 0)
		return 0;
	memcpy(out, ctl, ctllen);
	m.msg_control = out;
	m.msg_controllen = ctllen;
	for (c = CMSG_FIRSTHDR(&m); c != NULL; c = CMSG_NXTHDR(&m, c)) {
		size_t room = ctllen -
		    (size_t)((unsigned char *)c - (unsigned char *)out);

		/* A message claiming more than the buffer holds is the
		 * kernel's to refuse; we must not write past it. */
		if (c->cmsg_len > room)
			break;
		if ((family = pktinfo_family(c)) != 0) {
			set_ifindex(family, CMSG_DATA(c), ifindex);
			found++;
		}
	}
	return found;
}

ssize_t
egress_rewrite(unsigned ifindex, const void *ctl, size_t ctllen, void *out,
    size_t outlen)
{
	int found = copy_rewrite(ifindex, ctl, ctllen, out, outlen);

	if (found < 0)
		return -1;
	return found ? (ssize_t)ctllen : 0;
}

ssize_t
egress_control(int family, unsigned ifindex, const void *ctl, size_t ctllen,
    void *out, size_t outlen)
{
	struct plat_pktinfo_opt opt = plat_pktinfo_opt(family);
	size_t pilen = pktinfo_len(family), start;
	struct cmsghdr *c;
	int found = copy_rewrite(ifindex, ctl, ctllen, out, outlen);

	if (found < 0)
		return -1;
	if (found > 0)
		return (ssize_t)ctllen;
	/* Append after the caller's last message, padded as the OS aligns
	 * them: CMSG_SPACE(n) - CMSG_SPACE(0) is n rounded up, portably. */
	start = CMSG_SPACE(ctllen) - CMSG_SPACE(0);
	if (start + CMSG_SPACE(pilen) > outlen)
		return -1;
	memset((unsigned char *)out + ctllen, 0,
	    start - ctllen + CMSG_SPACE(pilen));
	c = (struct cmsghdr *)((unsigned char *)out + start);
	c->cmsg_level = opt.level;
	c->cmsg_type = opt.type;
	c->cmsg_len = CMSG_LEN(pilen);
	set_ifindex(family, CMSG_DATA(c), ifindex);
	return (ssize_t)(start + CMSG_SPACE(pilen));
}
