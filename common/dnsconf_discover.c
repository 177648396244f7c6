/*
 * dnsconf_discover.c - where an interface's servers are recorded, asked in
 * order (systemd-resolved, networkd, NetworkManager, dhclient, then
 * resolv.conf), through an I/O table the tests replace; and the list the
 * launcher hands down where only it can read them (macOS).
 */
#define _DEFAULT_SOURCE
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsconf.h"
#include "dnsconf_impl.h"

/* Discovery. Paths are fixed by the systems that write them. */
#define RESOLVED_NETIF "/run/systemd/resolve/netif/"
#define NETWORKD_LINKS "/run/systemd/netif/links/"
#define NM_DIR "/var/lib/NetworkManager"
#define DHCP_DIR "/var/lib/dhcp"
#define RESOLV_CONF "/etc/resolv.conf"

typedef void (
    *parse_fn)(const char *text, const char *ifname, struct dns_servers *out);

static void
read_parse(const struct dnsconf_io *io, const char *path, parse_fn parse,
    const char *ifname, struct dns_servers *out)
{
	char *text;

	if (io->read_file == NULL ||
	    (text = io->read_file(io->arg, path)) == NULL)
		return;
	parse(text, ifname, out);
	free(text);
}

static void
p_resolved(const char *text, const char *ifname, struct dns_servers *out)
{
	(void)ifname;
	dnsconf_from_resolved_link(text, out);
}

static void
p_networkd(const char *text, const char *ifname, struct dns_servers *out)
{
	(void)ifname;
	dnsconf_from_networkd_link(text, out);
}

static void
p_nm(const char *text, const char *ifname, struct dns_servers *out)
{
	(void)ifname;
	dnsconf_from_networkmanager(text, out);
}

static void
p_resolv_conf(const char *text, const char *ifname, struct dns_servers *out)
{
	(void)ifname;
	dnsconf_from_resolv_conf(text, out);
}

/*
 * NetworkManager keeps one lease per connection and interface,
 * "<client>-<uuid>-<ifname>.lease", and keeps them after the connection
 * goes: a laptop's wlan0 has one per network it ever joined, so only the
 * newest of each kind speaks for the present.
 */
#define NM_NAME_MAX 128

struct nm_pick {
	const char *ifname;
	char name[2][NM_NAME_MAX]; /* [0] IPv4 lease, [1] IPv6 lease */
	int64_t mtime[2];
	bool dhclient[2];
};

static bool
is_uuid(const char *s)
{
	size_t i;

	for (i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!dc_is_hex(s[i]))
			return false;
	}
	return true;
}

static int
nm_consider(void *arg, const char *name, int64_t mtime)
{
	static const struct {
		const char *prefix;
		int slot;
		bool dhclient;
	} kinds[] = {
		{ "internal-", 0, false },
		{ "internal6-", 1, false },
		{ "dhclient-", 0, true },
		{ "dhclient6-", 1, true },
	};
	struct nm_pick *pk = arg;
	size_t i, nlen = strlen(name), ilen = strlen(pk->ifname), plen;
	const char *tail;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		plen = strlen(kinds[i].prefix);
		if (nlen != plen + 36 + 1 + ilen + 6 || nlen >= NM_NAME_MAX ||
		    memcmp(name, kinds[i].prefix, plen) != 0 ||
		    !is_uuid(name + plen))
			continue;
		tail = name + plen + 36;
		if (tail[0] != '-' || memcmp(tail + 1, pk->ifname, ilen) != 0 ||
		    strcmp(tail + 1 + ilen, ".lease") != 0)
			continue;
		/* Ties go to the greater name, so the pick is stable. */
		if (pk->name[kinds[i].slot][0] == '\0' ||
		    mtime > pk->mtime[kinds[i].slot] ||
		    (mtime == pk->mtime[kinds[i].slot] &&
		        strcmp(name, pk->name[kinds[i].slot]) > 0)) {
			memcpy(pk->name[kinds[i].slot], name, nlen + 1);
			pk->mtime[kinds[i].slot] = mtime;
			pk->dhclient[kinds[i].slot] = kinds[i].dhclient;
		}
		break;
	}
	return 0;
}

static void
from_networkmanager_dir(const struct dnsconf_io *io, const char *ifname,
    struct dns_servers *out)
{
	struct nm_pick pk;
	char path[sizeof(NM_DIR) + 1 + NM_NAME_MAX];
	int i;

	memset(&pk, 0, sizeof(pk));
	pk.ifname = ifname;
	if (io->list_dir == NULL ||
	    io->list_dir(io->arg, NM_DIR, nm_consider, &pk) < 0)
		return;
	for (i = 0; i < 2; i++) {
		if (pk.name[i][0] == '\0')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s", NM_DIR, pk.name[i]) >=
		    (int)sizeof(path))
			continue;
		read_parse(io, path,
		    pk.dhclient[i] ? dnsconf_from_dhclient_leases : p_nm,
		    ifname, out);
	}
}

/* One source of discovery: what it found, and where. */
static void
from_source(int source, const char *ifname, unsigned ifindex,
    const struct dnsconf_io *io, struct dns_servers *out)
{
	char path[128];

	switch (source) {
	case 0:
		if (ifindex == 0)
			return;
		snprintf(path, sizeof(path), RESOLVED_NETIF "%u", ifindex);
		read_parse(io, path, p_resolved, ifname, out);
		return;
	case 1:
		if (ifindex == 0)
			return;
		snprintf(path, sizeof(path), NETWORKD_LINKS "%u", ifindex);
		read_parse(io, path, p_networkd, ifname, out);
		return;
	case 2:
		from_networkmanager_dir(io, ifname, out);
		return;
	case 3:
		/* Debian's ifupdown names a file per interface; a bare
		 * dhclient run shares one file between interfaces. */
		if (snprintf(path, sizeof(path), DHCP_DIR "/dhclient.%s.leases",
		        ifname) < (int)sizeof(path))
			read_parse(io, path, dnsconf_from_dhclient_leases,
			    ifname, out);
		if (snprintf(path, sizeof(path),
		        DHCP_DIR "/dhclient6.%s.leases",
		        ifname) < (int)sizeof(path))
			read_parse(io, path, dnsconf_from_dhclient_leases,
			    ifname, out);
		read_parse(io, DHCP_DIR "/dhclient.leases",
		    dnsconf_from_dhclient_leases, ifname, out);
		return;
	case 4:
		read_parse(io, RESOLV_CONF, p_resolv_conf, ifname, out);
		return;
	}
}

#define N_SOURCES 5

/* What one source of an interface's servers found (its number, from 0),
 * appended to out. */
typedef void (*source_fn)(void *arg, int source, const char *ifname,
    struct dns_servers *out);

/*
 * The usable servers of the first of nsources that has one, and a note
 * of what was skipped, or that nothing is usable and how to name a server.
 */
static void
discover(const char *ifname, int nsources, source_fn fn, void *arg,
    struct dns_servers *out, struct sbuf *b)
{
	struct dns_servers found, keep, gone, skipped = { .n = 0 };
	int s;

	for (s = 0; s < nsources; s++) {
		found.n = keep.n = gone.n = 0;
		fn(arg, s, ifname, &found);
		dc_split_useless(&found, &keep, &gone);
		if (keep.n > 0) {
			*out = keep;
			dc_note_skips(b, &gone);
			return;
		}
		dc_add_all(&skipped, &gone);
	}
	dc_sb_add(b, "no usable DNS server for %s", ifname);
	if (skipped.n > 0) {
		dc_sb_add(b, " (");
		dc_note_skips(b, &skipped);
		dc_sb_add(b, ")");
	}
	dc_sb_add(b,
	    "; set one with --dns ADDR or dns = [...] in a rules file");
}

struct file_sources {
	unsigned ifindex;
	const struct dnsconf_io *io;
};

static void
file_source(void *arg, int source, const char *ifname, struct dns_servers *out)
{
	const struct file_sources *fs = arg;

	from_source(source, ifname, fs->ifindex, fs->io, out);
}

void
dnsconf_discover(const char *ifname, unsigned ifindex,
    const struct dnsconf_io *io, struct dns_servers *out, char *note,
    size_t notelen)
{
	struct file_sources fs = { ifindex, io };
	struct sbuf b;

	out->n = 0;
	dc_sb_init(&b, note, notelen);
	if (ifname == NULL)
		ifname = "";
	/* An interface name is short and plain; anything else would only
	 * make paths no system writes. */
	discover(ifname,
	    io != NULL && strlen(ifname) < 64 && strchr(ifname, '/') == NULL &&
	            strcmp(ifname, "..") != 0 ?
	        N_SOURCES :
	        0,
	    file_source, &fs, out, &b);
}

/*
 * Handed down: "IFACE=LIST;LIST..." (dnsconf_hand_format). A name is at
 * most this long, as elsewhere in bindif (IFNAMSIZ with its NUL).
 */
#define HANDED_NAME_MAX 16

/* The sources of a handed value, the text after "IFACE=". */
static void
handed_source(void *arg, int source, const char *ifname,
    struct dns_servers *out)
{
	const char *s = arg, *end;
	int i;

	(void)ifname;
	for (i = 0; i < source && s != NULL; i++)
		if ((s = strchr(s, ';')) != NULL)
			s++;
	if (s == NULL)
		return;
	end = strchr(s, ';');
	dc_add_items(s, end ? (size_t)(end - s) : strlen(s), ", \t", ALLOW_PORT,
	    out);
}

bool
dnsconf_discover_handed(const char *text, const char *ifname,
    struct dns_servers *out, char *note, size_t notelen)
{
	const char *eq, *p;
	struct sbuf b;
	int n = 1;

	out->n = 0;
	dc_sb_init(&b, note, notelen);
	if (text == NULL || ifname == NULL ||
	    (eq = strchr(text, '=')) == NULL ||
	    (size_t)(eq - text) >= HANDED_NAME_MAX ||
	    !dc_span_eq(text, (size_t)(eq - text), ifname))
		return false;
	for (p = eq + 1;
	     n < DNSCONF_SOURCES_MAX && (p = strchr(p, ';')) != NULL; p++)
		n++;
	discover(ifname, n, handed_source, (void *)(eq + 1), out, &b);
	return true;
}

int
dnsconf_hand_format(const char *ifname, const struct dns_servers *lists,
    size_t n, char *buf, size_t len)
{
	char one[DNSCONF_TEXT_MAX];
	struct sbuf b;
	size_t i;

	dc_sb_init(&b, buf, len);
	if (ifname == NULL || ifname[0] == '\0' ||
	    strlen(ifname) >= HANDED_NAME_MAX ||
	    strpbrk(ifname, "=;") != NULL || n > DNSCONF_SOURCES_MAX)
		return -1;
	dc_sb_add(&b, "%s=", ifname);
	for (i = 0; i < n; i++) {
		if (dnsconf_format(&lists[i], one, sizeof(one)) < 0 ||
		    !dc_sb_add(&b, "%s%s", i > 0 ? ";" : "", one))
			return -1;
	}
	return b.overflow ? -1 : (int)b.off;
}

/* The POSIX reader. Files larger than this are read from their end, where
 * a dhclient database keeps its newest leases. */
#define READ_MAX (1024 * 1024)

static char *
posix_read_file(void *arg, const char *path)
{
	struct stat st;
	char *buf;
	size_t want, got = 0;
	ssize_t n;
	int fd, saved = errno;

	(void)arg;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0)
		goto fail;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto close;
	want = st.st_size > READ_MAX ? READ_MAX : (size_t)st.st_size;
	if (st.st_size > READ_MAX &&
	    lseek(fd, st.st_size - READ_MAX, SEEK_SET) < 0)
		goto close;
	if ((buf = malloc(want + 1)) == NULL)
		goto close;
	while (got < want) {
		n = read(fd, buf + got, want - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break; /* shrank while we read: keep what we have */
		got += (size_t)n;
	}
	close(fd);
	/* A NUL inside would end the text early, never overrun it. */
	buf[got] = '\0';
	errno = saved;
	return buf;
close:
	close(fd);
fail:
	errno = saved;
	return NULL;
}

static int
posix_list_dir(void *arg, const char *dir,
    int (*fn)(void *fnarg, const char *name, int64_t mtime), void *fnarg)
{
	struct dirent *e;
	struct stat st;
	DIR *d;
	int saved = errno;

	(void)arg;
	if ((d = opendir(dir)) == NULL) {
		errno = saved;
		return -1;
	}
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), e->d_name, &st, 0) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		if (fn(fnarg, e->d_name, (int64_t)st.st_mtime) != 0)
			break;
	}
	closedir(d);
	errno = saved;
	return 0;
}

const struct dnsconf_io dnsconf_posix_io = {
	posix_read_file,
	posix_list_dir,
	NULL,
};
