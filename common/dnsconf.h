/*
 * dnsconf.h - which DNS servers to ask for one interface: parsed from the
 * user's list or from the files where systems record an interface's
 * servers, minus local stubs and the fake-ip servers of TUN proxies, which
 * are useless through a physical interface. Text in, addresses out.
 */
#ifndef BINDIF_DNSCONF_H
#define BINDIF_DNSCONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DNSCONF_MAX 8
/* Room for dnsconf_format of a full list: "[v6]:port," is at most 54. */
#define DNSCONF_TEXT_MAX (DNSCONF_MAX * 54)

struct dns_server {
	int family;       /* 4 or 6 */
	uint8_t addr[16]; /* network order; IPv4 in the first 4 bytes */
	uint16_t port;    /* host order; 53 unless the text named one */
};

struct dns_servers {
	struct dns_server v[DNSCONF_MAX];
	size_t n;
};

/*
 * Replaces out with a user's list: "192.0.2.53", "2001:db8::53",
 * "[2001:db8::53]:5353", "192.0.2.53:5353", separated by commas or spaces
 * (a zone, "fe80::1%eth0", is accepted and dropped: the socket is bound to
 * the interface anyway). Duplicates are dropped. Returns 0, or -1 with
 * out->n == 0 and why naming the first bad item, as in
 * "'x' is not a DNS server address", or saying the list is empty or holds
 * more than DNSCONF_MAX servers.
 */
int dnsconf_parse_list(const char *text, struct dns_servers *out, char *why,
    size_t whylen);

/*
 * The list as dnsconf_parse_list reads it back, comma separated, the port
 * written only when it is not 53. Returns the length, or -1 when buf is
 * too small; buf then holds as many whole items as fit (for log lines;
 * DNSCONF_TEXT_MAX always suffices).
 */
int dnsconf_format(const struct dns_servers *, char *buf, size_t len);

/*
 * Parsers of the places where systems record an interface's servers. Each
 * appends what it finds to out, skipping duplicates, up to DNSCONF_MAX.
 * Any text is safe to pass: what does not parse is ignored.
 */
/* resolv.conf: "nameserver X" lines. */
void dnsconf_from_resolv_conf(const char *text, struct dns_servers *out);
/* systemd-resolved's /run/systemd/resolve/netif/<ifindex>, "SERVERS=",
 * in any of its forms: "192.0.2.53", "192.0.2.53#dns.example",
 * "[2001:db8::1]:53%3#name". */
void dnsconf_from_resolved_link(const char *text, struct dns_servers *out);
/* systemd-networkd's /run/systemd/netif/links/<ifindex>, "DNS=": resolved
 * keeps no file of its own for links networkd manages. */
void dnsconf_from_networkd_link(const char *text, struct dns_servers *out);
/* dhclient leases (also NetworkManager's dhclient-*.lease): the last
 * complete lease block for ifname, its domain-name-servers or
 * dhcp6.name-servers. */
void dnsconf_from_dhclient_leases(const char *text, const char *ifname,
    struct dns_servers *out);
/* NetworkManager's internal DHCP client lease, "DNS=a b". */
void dnsconf_from_networkmanager(const char *text, struct dns_servers *out);
/* macOS `scutil --dns`: the resolvers whose if_index names ifname, except
 * those for one domain ("domain : corp.example", split DNS). */
void dnsconf_from_scutil(const char *text, const char *ifname,
    struct dns_servers *out);
/* macOS `ipconfig getpacket IFACE`: the DHCP answer's domain_name_server
 * option, "domain_name_server (ip_mult): {192.0.2.53, 192.0.2.54}". */
void dnsconf_from_ipconfig(const char *text, struct dns_servers *out);

/*
 * Whether a server is useless through a physical interface: a local stub
 * (127/8, ::1, 0.0.0.0, ::), *kind "local", or a TUN proxy's fake-ip
 * server (198.18.0.0/15, fc00::/18), *kind "fake-ip". kind may be NULL.
 */
bool dnsconf_useless(const struct dns_server *, const char **kind);

/* Removes the useless servers; note says which ("skipped 127.0.0.53
 * (local), 198.18.0.2 (fake-ip)"), "" when none. */
void dnsconf_filter(struct dns_servers *, char *note, size_t notelen);

/* Whether an answer address (network order, family 4 or 6) is from a
 * fake-ip range: 198.18.0.0/15 or fc00::/18. */
bool dnsconf_fake_answer(int family, const uint8_t *addr);

/*
 * How discovery reads the system. read_file returns the file's text,
 * NUL-terminated, in memory dnsconf_discover frees with free(), or NULL.
 * list_dir calls fn for each regular file of dir with its name and
 * modification time (seconds), stopping early when fn returns nonzero;
 * it returns 0, or -1 when dir cannot be read.
 */
struct dnsconf_io {
	char *(*read_file)(void *arg, const char *path);
	int (*list_dir)(void *arg, const char *dir,
	    int (*fn)(void *fnarg, const char *name, int64_t mtime),
	    void *fnarg);
	void *arg;
};

/*
 * Replaces out with the usable servers of one interface, from the first
 * of these that yields one: systemd-resolved's link file, networkd's link
 * file, NetworkManager's newest lease for ifname, dhclient's leases, then
 * /etc/resolv.conf. note says what was skipped, and when nothing usable
 * remains, that and how to name a server; "" when there is nothing to say.
 */
void dnsconf_discover(const char *ifname, unsigned ifindex,
    const struct dnsconf_io *io, struct dns_servers *out, char *note,
    size_t notelen);

/*
 * Where the servers live in no file the shim can read (macOS: in the
 * system configuration, read by running its tools), the launcher reads
 * them and hands them down as "IFACE=LIST;LIST...", one list per source
 * in the order they are asked, unfiltered: BINDIF_IFACE_DNS.
 */
#define DNSCONF_SOURCES_MAX 4
/* Room for the longest such text (a name is under 16 bytes). */
#define DNSCONF_HAND_MAX (16 + DNSCONF_SOURCES_MAX * (DNSCONF_TEXT_MAX + 1))

/* That text for up to DNSCONF_SOURCES_MAX lists. Returns its length, or
 * -1 when buf is too small or ifname cannot be written there. */
int dnsconf_hand_format(const char *ifname, const struct dns_servers *lists,
    size_t n, char *buf, size_t len);

/*
 * When text was handed down for ifname: out and note as dnsconf_discover
 * makes them, from those lists, and true. false when text is NULL,
 * malformed or for another interface (then out is empty and note "").
 */
bool dnsconf_discover_handed(const char *text, const char *ifname,
    struct dns_servers *out, char *note, size_t notelen);

/* The dnsconf_io of a POSIX system (open/read, opendir/stat). */
extern const struct dnsconf_io dnsconf_posix_io;

#endif
