/*
 * capture_linux.c - the running system's nftables ruleset for capture.c.
 * First a cheap look through nfnetlink (one chain dump, ~0.1 ms): only when
 * a nat or route chain sits on the output hook is the ruleset read, as
 * JSON, by libnftables' own front end, nft -j: the launcher is static,
 * where glibc does not support loading a shared library (dlopen would need
 * the very glibc it was built with), and a dynamic launcher cost every
 * start 0.17 ms. The JSON is nftables' stable interface (iptables-nft's
 * rules show there too); reading it costs milliseconds, paid only then.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <endian.h>
#include <linux/netlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "capture.h"

#define NFT_MAX_OUTPUT (64u << 20)

/* Whether a chain dump message names a base chain on the output hook of
 * type nat or route (or, with any_type, any type). */
static bool
output_chain(const struct nlmsghdr *nh, bool any_type)
{
	const struct nfgenmsg *g = NLMSG_DATA(nh);
	const struct nlattr *a;
	size_t off = NLMSG_ALIGN(sizeof(*g));
	size_t len = nh->nlmsg_len - NLMSG_HDRLEN;
	bool hook_out = false, type_ok = any_type;

	if (g->nfgen_family != NFPROTO_IPV4 &&
	    g->nfgen_family != NFPROTO_IPV6 && g->nfgen_family != NFPROTO_INET)
		return false;
	while (off + NLA_HDRLEN <= len) {
		a = (const struct nlattr *)((const char *)g + off);
		if (a->nla_len < NLA_HDRLEN || off + a->nla_len > len)
			break;
		if ((a->nla_type & NLA_TYPE_MASK) == NFTA_CHAIN_HOOK) {
			size_t o = NLA_HDRLEN;

			while (o + NLA_HDRLEN + 4 <= a->nla_len) {
				const struct nlattr *h =
				    (const void *)((const char *)a + o);
				uint32_t v;

				if (h->nla_len < NLA_HDRLEN)
					break;
				if ((h->nla_type & NLA_TYPE_MASK) ==
				        NFTA_HOOK_HOOKNUM &&
				    h->nla_len >= NLA_HDRLEN + 4) {
					memcpy(&v, (const char *)h + NLA_HDRLEN,
					    4);
					hook_out =
					    be32toh(v) == NF_INET_LOCAL_OUT;
				}
				o += NLA_ALIGN(h->nla_len);
			}
		} else if ((a->nla_type & NLA_TYPE_MASK) == NFTA_CHAIN_TYPE) {
			const char *t = (const char *)a + NLA_HDRLEN;
			size_t tl = a->nla_len - NLA_HDRLEN;

			if ((tl >= 4 && memcmp(t, "nat", 4) == 0) ||
			    (tl >= 6 && memcmp(t, "route", 6) == 0))
				type_ok = true;
		}
		off += NLA_ALIGN(a->nla_len);
	}
	return hook_out && type_ok;
}

/* 1: some output-hook chain to read; 0: none; 2: not allowed to look;
 * -1 with why. */
static int
probe(bool any_type, char *why, size_t whylen)
{
	struct {
		struct nlmsghdr nh;
		struct nfgenmsg g;
	} req = { 0 };
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	char buf[16384];
	int fd, found = 0;
	unsigned rounds;

	fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
	if (fd < 0) {
		/* No nfnetlink at all: no nftables rules either. */
		if (errno == EPROTONOSUPPORT)
			return 0;
		snprintf(why, whylen, "netfilter netlink: %s", strerror(errno));
		return -1;
	}
	req.nh.nlmsg_len = sizeof(req);
	req.nh.nlmsg_type = (NFNL_SUBSYS_NFTABLES << 8) | NFT_MSG_GETCHAIN;
	req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
	req.nh.nlmsg_seq = 1;
	req.g.nfgen_family = NFPROTO_UNSPEC;
	req.g.version = NFNETLINK_V0;
	if (sendto(fd, &req, sizeof(req), 0, (struct sockaddr *)&sa,
	        sizeof(sa)) < 0) {
		snprintf(why, whylen, "netfilter netlink: %s", strerror(errno));
		close(fd);
		return -1;
	}
	/* Bounded: a dump ends with NLMSG_DONE long before this. */
	for (rounds = 0; rounds < 4096; rounds++) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		struct nlmsghdr *nh;
		size_t left;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		left = (size_t)n;
		for (nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, left);
		     nh = NLMSG_NEXT(nh, left)) {
			if (nh->nlmsg_type == NLMSG_DONE) {
				close(fd);
				return found;
			}
			if (nh->nlmsg_type == NLMSG_ERROR) {
				const struct nlmsgerr *e = NLMSG_DATA(nh);

				close(fd);
				if (e->error == -EPERM)
					return 2;
				if (e->error == 0)
					return found;
				snprintf(why, whylen, "chain dump: %s",
				    strerror(-e->error));
				return -1;
			}
			if (output_chain(nh, any_type))
				found = 1;
		}
	}
	close(fd);
	snprintf(why, whylen, "chain dump: no end");
	return -1;
}

/* nft, from the nftables package, root's only: never a PATH lookup. */
static const char *const nft_paths[] = { "/usr/sbin/nft", "/sbin/nft",
	"/usr/local/sbin/nft" };

/* nft's output, NUL-terminated, in *out (malloc'd). 0 or -1 with why. */
static int
run_nft(char **out, char *why, size_t whylen)
{
	char *argv[] = { "nft", "-j", "list", "ruleset", NULL };
	posix_spawn_file_actions_t fa;
	const char *nft = NULL;
	size_t len = 0, cap = 0, i;
	struct stat st;
	int p[2], status;
	pid_t pid;
	char *buf = NULL;

	for (i = 0; i < sizeof(nft_paths) / sizeof(nft_paths[0]); i++)
		if (stat(nft_paths[i], &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_uid == 0 && !(st.st_mode & 022)) {
			nft = nft_paths[i];
			break;
		}
	if (nft == NULL) {
		snprintf(why, whylen,
		    "no nft to read the ruleset with "
		    "(install nftables)");
		return -1;
	}
	if (pipe2(p, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, p[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	errno = posix_spawn(&pid, nft, &fa, NULL, argv,
	    (char *[]){ "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C",
	        NULL });
	posix_spawn_file_actions_destroy(&fa);
	close(p[1]);
	if (errno != 0) {
		snprintf(why, whylen, "%s: %s", nft, strerror(errno));
		close(p[0]);
		return -1;
	}
	for (;;) {
		ssize_t n;

		if (cap - len < 4096) {
			char *nb = cap < NFT_MAX_OUTPUT ?
			    realloc(buf, cap + 65536) :
			    NULL;

			if (nb == NULL)
				break;
			buf = nb;
			cap += 65536;
		}
		n = read(p[0], buf + len, cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (buf == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(why, whylen, "%s -j list ruleset failed%s", nft,
		    buf == NULL ? " (out of memory)" : "");
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

static int
read_json(struct capture_set *s, char *why, size_t whylen)
{
	char *text = NULL;
	int rc;

	if (run_nft(&text, why, whylen) < 0)
		return -1;
	rc = capture_parse_json(s, text, why, whylen);
	free(text);
	return rc;
}

int
capture_os_read(struct capture_set *s, bool all, bool *denied, char *why,
    size_t whylen)
{
	int p = probe(all, why, whylen);

	*denied = p == 2;
	if (p == 2)
		snprintf(why, whylen,
		    "reading the firewall takes "
		    "CAP_NET_ADMIN");
	if (p != 1)
		return p == 0 ? 0 : -1;
	return read_json(s, why, whylen);
}

/* /sys/module/M/refcnt counts the rules that use the expression, in every
 * namespace: a hint only. */
int
capture_os_hint(char *name, size_t len)
{
	static const char *const mods[] = { "nft_redir", "xt_REDIRECT",
		"nft_tproxy", "xt_TPROXY" };
	char path[96], buf[32];
	size_t i;

	for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++) {
		FILE *f;
		long n = 0;

		snprintf(path, sizeof(path), "/sys/module/%s/refcnt", mods[i]);
		if ((f = fopen(path, "re")) == NULL)
			continue;
		if (fgets(buf, sizeof(buf), f) != NULL)
			n = strtol(buf, NULL, 10);
		fclose(f);
		if (n > 0) {
			snprintf(name, len, "%s", mods[i]);
			return 0;
		}
	}
	return -1;
}

/* /proc/net/ip_tables_names lists the tables iptables-legacy set up (root
 * only, mode 0440). Reading their rules takes the x_tables blob format of
 * every match and target; knowing they are there is what matters: a
 * bound socket does not escape their OUTPUT chains either. */
int
capture_os_legacy(char *names, size_t len)
{
	static const char *const files[] = { "/proc/net/ip_tables_names",
		"/proc/net/ip6_tables_names" };
	char line[64];
	size_t i, used = 0;

	names[0] = '\0';
	for (i = 0; i < 2; i++) {
		FILE *f = fopen(files[i], "re");

		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\n")] = '\0';
			if (strcmp(line, "nat") && strcmp(line, "mangle"))
				continue;
			used += (size_t)snprintf(names + used,
			    used < len ? len - used : 0, "%s%s%s",
			    used ? ", " : "", line, i ? "6" : "");
		}
		fclose(f);
	}
	return names[0] != '\0';
}

/* Asked of the kernel itself: capabilities alone do not tell (a user
 * namespace's CAP_NET_ADMIN does not reach this one's sockets). */
bool
capture_os_can_mark(void)
{
	unsigned m = 1;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	ok = setsockopt(fd, SOL_SOCKET, SO_MARK, &m, sizeof(m)) == 0;
	close(fd);
	return ok;
}
