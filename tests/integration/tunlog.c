/*
 * tunlog.c - the lab's stand-in for a VPN or TUN-mode proxy: it owns a tun
 * device and writes one line per packet the kernel routes into it, so a
 * test can tell what was captured from what escaped. It never answers.
 *
 * usage: tunlog [--fake-dns] NAME LOGFILE
 * --fake-dns answers every UDP/53 query with 198.18.0.99 (AAAA: fc00::99),
 * as TUN proxies in fake-ip mode do; the query is logged as well.
 * Line format: FAMILY PROTO SRC DST DPORT [TCPFLAGS], for example
 *   4 tcp 198.18.0.1 198.51.100.10 80 syn
 *   6 udp 2001:db8:ff::1 2001:db8:2::10 9
 *   4 icmp 198.18.0.1 198.18.0.2 8          (ICMP: the type as DPORT)
 * DPORT is "-" when the packet has no such field (a later fragment, an
 * unknown protocol). Linux only: it is a test program for the netns lab.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

/* What one packet says about itself; the transport payload is kept so a
 * later answerer (DNS) can work from the same parse. */
struct packet {
	int family; /* 4 or 6 */
	int proto;  /* the transport protocol, after IPv6 extension headers */
	uint8_t src[16];
	uint8_t dst[16];
	int sport; /* -1 when the packet carries none */
	int dport; /* -1 likewise; ICMP and ICMPv6: the type */
	unsigned tcp_flags;
	const uint8_t *payload; /* transport payload, NULL when not reached */
	size_t payload_len;
};

static volatile sig_atomic_t stopping;

static void
on_signal(int sig)
{
	(void)sig;
	stopping = 1;
}

static unsigned
get16(const uint8_t *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/* Ports, flags and payload of a transport header starting at l4. */
static void
parse_transport(const uint8_t *l4, size_t len, struct packet *p)
{
	size_t hlen;

	switch (p->proto) {
	case IPPROTO_TCP:
		if (len < 20)
			return;
		p->sport = (int)get16(l4);
		p->dport = (int)get16(l4 + 2);
		p->tcp_flags = l4[13];
		hlen = (size_t)(l4[12] >> 4) * 4;
		break;
	case IPPROTO_UDP:
		if (len < 8)
			return;
		p->sport = (int)get16(l4);
		p->dport = (int)get16(l4 + 2);
		hlen = 8;
		break;
	case IPPROTO_ICMP:
	case IPPROTO_ICMPV6:
		if (len < 4)
			return;
		p->dport = l4[0];
		hlen = 4;
		break;
	default:
		return;
	}
	if (hlen <= len) {
		p->payload = l4 + hlen;
		p->payload_len = len - hlen;
	}
}

/* IPv6 extension headers chain to the transport header; a later fragment
 * carries no transport header at all. */
static int
parse_ipv6(const uint8_t *buf, size_t len, struct packet *p)
{
	size_t off = 40, end;
	int next;

	if (len < 40)
		return -1;
	end = 40 + get16(buf + 4);
	if (end > len)
		end = len;
	memcpy(p->src, buf + 8, 16);
	memcpy(p->dst, buf + 24, 16);
	next = buf[6];
	for (;;) {
		if (next == IPPROTO_HOPOPTS || next == IPPROTO_ROUTING ||
		    next == IPPROTO_DSTOPTS) {
			if (off + 2 > end)
				break;
			next = buf[off];
			off += ((size_t)buf[off + 1] + 1) * 8;
		} else if (next == IPPROTO_FRAGMENT) {
			if (off + 8 > end)
				break;
			if ((get16(buf + off + 2) & 0xfff8) != 0) {
				p->proto = buf[off];
				return 0; /* not the first fragment */
			}
			next = buf[off];
			off += 8;
		} else if (next == IPPROTO_AH) {
			if (off + 2 > end)
				break;
			next = buf[off];
			off += ((size_t)buf[off + 1] + 2) * 4;
		} else {
			break;
		}
	}
	p->proto = next;
	if (off <= end)
		parse_transport(buf + off, end - off, p);
	return 0;
}

static int
parse_ipv4(const uint8_t *buf, size_t len, struct packet *p)
{
	size_t ihl, total;

	if (len < 20)
		return -1;
	ihl = (size_t)(buf[0] & 0x0f) * 4;
	total = get16(buf + 2);
	if (ihl < 20 || ihl > len)
		return -1;
	if (total > len || total < ihl)
		total = len;
	memcpy(p->src, buf + 12, 4);
	memcpy(p->dst, buf + 16, 4);
	p->proto = buf[9];
	if ((get16(buf + 6) & 0x1fff) == 0) /* first or only fragment */
		parse_transport(buf + ihl, total - ihl, p);
	return 0;
}

/* Fills p from one raw IP packet (IFF_NO_PI: no header before it).
 * Returns 0, or -1 when it is not an IP packet this can read. */
static int
packet_parse(const uint8_t *buf, size_t len, struct packet *p)
{
	memset(p, 0, sizeof(*p));
	p->sport = p->dport = -1;
	if (len < 1)
		return -1;
	p->family = buf[0] >> 4;
	if (p->family == 4)
		return parse_ipv4(buf, len, p);
	if (p->family == 6)
		return parse_ipv6(buf, len, p);
	return -1;
}

static void
tcp_flags_str(unsigned flags, char *out, size_t len)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { 0x02, "syn" }, { 0x10, "ack" }, { 0x01, "fin" },
		{ 0x04, "rst" }, { 0x08, "psh" } };
	size_t i, used = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(flags & names[i].bit))
			continue;
		used += (size_t)snprintf(out + used, len - used, "%s%s",
		    used ? "," : "", names[i].name);
		if (used >= len)
			break;
	}
	if (out[0] == '\0')
		snprintf(out, len, "none");
}

static void
packet_format(const struct packet *p, char *line, size_t len)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], proto[24], dport[12],
	    flags[32] = "";
	int af = p->family == 4 ? AF_INET : AF_INET6;

	inet_ntop(af, p->src, src, sizeof(src));
	inet_ntop(af, p->dst, dst, sizeof(dst));
	if (p->proto == IPPROTO_TCP)
		snprintf(proto, sizeof(proto), "tcp");
	else if (p->proto == IPPROTO_UDP)
		snprintf(proto, sizeof(proto), "udp");
	else if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6)
		snprintf(proto, sizeof(proto), "icmp");
	else
		snprintf(proto, sizeof(proto), "proto%d", p->proto);
	if (p->dport >= 0)
		snprintf(dport, sizeof(dport), "%d", p->dport);
	else
		snprintf(dport, sizeof(dport), "-");
	if (p->proto == IPPROTO_TCP && p->dport >= 0) {
		flags[0] = ' ';
		tcp_flags_str(p->tcp_flags, flags + 1, sizeof(flags) - 1);
	}
	snprintf(line, len, "%d %s %s %s %s%s\n", p->family, proto, src, dst,
	    dport, flags);
}

/* ---- fake-ip DNS, as TUN proxies answer every port-53 query ---- */

static uint32_t
sum16(const uint8_t *p, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (len & 1)
		sum += (uint32_t)p[len - 1] << 8;
	return sum;
}

static uint16_t
fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void
put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/*
 * The DNS answer to a query (payload of a UDP packet to port 53): A
 * queries get 198.18.0.99, AAAA queries fc00::99, anything else an empty
 * answer. Returns the answer's length, or 0 when q is not a query.
 */
static size_t
fake_answer(const uint8_t *q, size_t qlen, uint8_t *out, size_t outlen)
{
	static const uint8_t a4[4] = { 198, 18, 0, 99 };
	static const uint8_t a6[16] = { 0xfc, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
		0, 0, 0, 0x99 };
	size_t off = 12, end;
	unsigned type;

	if (qlen < 12 || (q[2] & 0x80) || get16(q + 4) != 1)
		return 0;
	while (off < qlen && q[off] != 0) {
		if (q[off] & 0xc0)
			return 0;
		off += (size_t)q[off] + 1;
	}
	end = off + 5; /* root label, type, class */
	if (end > qlen || end + 16 + 12 > outlen)
		return 0;
	type = get16(q + off + 1);
	memcpy(out, q, end);
	out[2] = 0x81; /* QR, RD */
	out[3] = 0x80; /* RA, NOERROR */
	put16(out + 6, 0);
	put16(out + 8, 0);
	put16(out + 10, 0);
	if (type != 1 && type != 28)
		return end;
	put16(out + 6, 1);
	put16(out + end, 0xc00c); /* the question's name */
	put16(out + end + 2, type);
	put16(out + end + 4, 1); /* IN */
	put16(out + end + 6, 0);
	put16(out + end + 8, 1); /* TTL 1 s */
	put16(out + end + 10, type == 1 ? 4 : 16);
	memcpy(out + end + 12, type == 1 ? a4 : a6, type == 1 ? 4 : 16);
	return end + 12 + (type == 1 ? 4 : 16);
}

/* Writes the fake answer to a UDP/53 packet back into the tun, from the
 * address the query was sent to. */
static void
fake_dns(int tunfd, const uint8_t *pkt, const struct packet *p)
{
	static uint8_t out[1500];
	size_t ip = p->family == 4 ? 20 : 40, n, udplen;
	uint32_t sum;

	if (p->proto != IPPROTO_UDP || p->dport != 53 || p->payload == NULL)
		return;
	n = fake_answer(p->payload, p->payload_len, out + ip + 8,
	    sizeof(out) - ip - 8);
	if (n == 0)
		return;
	udplen = 8 + n;
	memset(out, 0, ip + 8);
	if (p->family == 4) {
		out[0] = 0x45;
		put16(out + 2, (unsigned)(ip + udplen));
		out[8] = 64;
		out[9] = IPPROTO_UDP;
		memcpy(out + 12, p->dst, 4);
		memcpy(out + 16, p->src, 4);
		put16(out + 10, fold(sum16(out, 20, 0)));
		sum = sum16(out + 12, 8, 0);
	} else {
		out[0] = 0x60;
		put16(out + 4, (unsigned)udplen);
		out[6] = IPPROTO_UDP;
		out[7] = 64;
		memcpy(out + 8, p->dst, 16);
		memcpy(out + 24, p->src, 16);
		sum = sum16(out + 8, 32, 0);
	}
	put16(out + ip, 53);
	put16(out + ip + 2, (unsigned)p->sport);
	put16(out + ip + 4, (unsigned)udplen);
	sum += IPPROTO_UDP + (uint32_t)udplen;
	sum = sum16(out + ip, udplen, sum);
	put16(out + ip + 6, fold(sum) ? fold(sum) : 0xffff);
	(void)pkt;
	if (write(tunfd, out, ip + udplen) < 0)
		fprintf(stderr, "tunlog: fake dns: %s\n", strerror(errno));
}

static int
tun_open(const char *name)
{
	struct ifreq ifr;
	int fd;

	if ((fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC)) < 0) {
		fprintf(stderr, "tunlog: /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
	memcpy(ifr.ifr_name, name, strlen(name));
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		fprintf(stderr, "tunlog: %s: TUNSETIFF: %s\n", name,
		    strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* The log line goes out in one write(2) on an O_APPEND descriptor, so a
 * test reading the file never sees half a line and nothing sits in a
 * buffer when we are killed. */
static int
log_packet(int logfd, int answerfd, const uint8_t *buf, size_t n)
{
	struct packet p;
	char line[256];

	if (packet_parse(buf, n, &p) == 0) {
		packet_format(&p, line, sizeof(line));
		if (answerfd >= 0)
			fake_dns(answerfd, buf, &p);
	} else
		snprintf(line, sizeof(line), "? unknown - - - len=%zu\n", n);
	if (write(logfd, line, strlen(line)) < 0) {
		fprintf(stderr, "tunlog: write: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static uint8_t buf[65536];
	struct sigaction sa;
	struct pollfd pfd;
	sigset_t block, waitmask;
	ssize_t n;
	int tunfd, logfd, fake = 0;

	if (argc > 1 && strcmp(argv[1], "--fake-dns") == 0) {
		fake = 1;
		argc--;
		argv++;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: tunlog [--fake-dns] NAME LOGFILE\n");
		return 2;
	}
	if (strlen(argv[1]) == 0 || strlen(argv[1]) >= IFNAMSIZ) {
		fprintf(stderr, "tunlog: %s: bad interface name\n", argv[1]);
		return 2;
	}

	/* SIGTERM is only delivered inside ppoll, so it cannot slip in
	 * between the check of `stopping` and a blocking read. */
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);

	if ((tunfd = tun_open(argv[1])) < 0)
		return 1;
	logfd = open(argv[2],
	    O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		fprintf(stderr, "tunlog: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	printf("ready\n");
	fflush(stdout);

	pfd.fd = tunfd;
	pfd.events = POLLIN;
	while (!stopping) {
		if (ppoll(&pfd, 1, NULL, &waitmask) < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tunlog: poll: %s\n", strerror(errno));
			return 1;
		}
		n = read(tunfd, buf, sizeof(buf));
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			fprintf(stderr, "tunlog: read %s: %s\n", argv[1],
			    strerror(errno));
			return 1;
		}
		if (log_packet(logfd, fake ? tunfd : -1, buf, (size_t)n) < 0)
			return 1;
	}
	close(logfd);
	close(tunfd);
	return 0;
}
