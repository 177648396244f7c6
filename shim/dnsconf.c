/*
 * dnsconf.c - the DNS servers of one interface, read from the places where
 * systems record them. TUN proxies capture DNS and answer with fake
 * addresses, so the shim resolves names itself through the bound interface
 * and must find servers reachable there. Parsers only: every input is
 * treated as hostile, and nothing here touches the network.
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

/* What an address may carry besides itself. */
#define ALLOW_PORT 0x1 /* "[v6]:port", "v4:port" */
#define ALLOW_NAME 0x2 /* systemd's "#tls-name" and "%ifindex" after a port */

/* "[" INET6_ADDRSTRLEN "]:65535" */
#define SERVER_TEXT (INET6_ADDRSTRLEN + 8)

/* A bounded text being written: never overruns, remembers overflow. */
struct sbuf {
	char *p;
	size_t len, off;
	bool overflow;
};

static void
sb_init(struct sbuf *b, char *p, size_t len)
{
	b->p = p;
	b->len = len;
	b->off = 0;
	b->overflow = len == 0;
	if (len > 0)
		p[0] = '\0';
}

/* Appends all of the text or nothing, so a cut never leaves half an
 * address behind. */
static bool
sb_add(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return false;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->off, b->len - b->off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->len - b->off) {
		b->p[b->off] = '\0';
		b->overflow = true;
		return false;
	}
	b->off += (size_t)n;
	return true;
}

static bool
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The next line of *p (without its newline), advancing *p past it;
 * false at the end of the text. */
static bool
next_line(const char **p, const char **line, size_t *len)
{
	const char *s = *p, *e;

	if (*s == '\0')
		return false;
	e = strchr(s, '\n');
	if (e == NULL)
		e = s + strlen(s);
	*line = s;
	*len = (size_t)(e - s);
	*p = *e == '\n' ? e + 1 : e;
	return true;
}

static void
trim(const char **s, size_t *len)
{
	while (*len > 0 && is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Whether line[0..len) starts with the NUL-terminated word. */
static bool
starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0;
}

static bool
span_eq(const char *s, size_t len, const char *word)
{
	return strlen(word) == len && memcmp(s, word, len) == 0;
}

static bool
parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return false;
	for (i = 0; i < len; i++) {
		if (!is_digit(s[i]))
			return false;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return false;
	*port = (uint16_t)v;
	return true;
}

/* host[0..len) as an address of family 4 or 6 (6 when v6only). */
static bool
parse_host(const char *host, size_t len, bool v6only, struct dns_server *d)
{
	char buf[64];
	const char *zone;

	/* A zone names the interface, which the bound socket implies. */
	if ((zone = memchr(host, '%', len)) != NULL)
		len = (size_t)(zone - host);
	if (len == 0 || len >= sizeof(buf))
		return false;
	memcpy(buf, host, len);
	buf[len] = '\0';
	memset(d->addr, 0, sizeof(d->addr));
	if (memchr(buf, ':', len) != NULL) {
		if (inet_pton(AF_INET6, buf, d->addr) != 1)
			return false;
		d->family = 6;
		return true;
	}
	if (v6only || inet_pton(AF_INET, buf, d->addr) != 1)
		return false;
	d->family = 4;
	return true;
}

/*
 * One server written as s[0..len): "v4", "v6", "v6%zone", and with
 * ALLOW_PORT "v4:port", "[v6]:port", with ALLOW_NAME systemd's
 * "[v6]:port%ifindex#name" and kin.
 */
static bool
parse_server(const char *s, size_t len, int flags, struct dns_server *d)
{
	const char *end, *p, *rb, *colon;

	memset(d, 0, sizeof(*d));
	d->port = 53;
	if ((flags & ALLOW_NAME) && (p = memchr(s, '#', len)) != NULL)
		len = (size_t)(p - s);
	end = s + len;
	if (len > 0 && s[0] == '[') {
		if ((rb = memchr(s, ']', len)) == NULL)
			return false;
		p = rb + 1;
		if (p < end && *p == ':') {
			const char *q = ++p;

			if (!(flags & ALLOW_PORT))
				return false;
			while (p < end && *p != '%')
				p++;
			if (!parse_port(q, (size_t)(p - q), &d->port))
				return false;
		}
		/* systemd writes the ifindex after the port. */
		if (p < end && *p == '%' && (flags & ALLOW_NAME))
			p = end;
		if (p != end)
			return false;
		return parse_host(s + 1, (size_t)(rb - s - 1), true, d);
	}
	/* One colon: IPv4 with a port; more: IPv6, which has no port unless
	 * bracketed. The zone goes first, as it may follow the port. */
	if ((p = memchr(s, '%', len)) != NULL)
		end = p;
	colon = memchr(s, ':', (size_t)(end - s));
	if (colon != NULL &&
	    memchr(colon + 1, ':', (size_t)(end - colon - 1)) == NULL) {
		if (!(flags & ALLOW_PORT) ||
		    !parse_port(colon + 1, (size_t)(end - colon - 1), &d->port))
			return false;
		if (p != NULL && !(flags & ALLOW_NAME))
			return false;
		return parse_host(s, (size_t)(colon - s), false, d) &&
		    d->family == 4;
	}
	return parse_host(s, len, false, d);
}

static bool
same_server(const struct dns_server *a, const struct dns_server *b)
{
	return a->family == b->family && a->port == b->port &&
	    memcmp(a->addr, b->addr, a->family == 6 ? 16 : 4) == 0;
}

/* Appends d unless out already has it; false when out is full. */
static bool
add_server(struct dns_servers *out, const struct dns_server *d)
{
	size_t i;

	if (out->n > DNSCONF_MAX)
		out->n = DNSCONF_MAX;
	for (i = 0; i < out->n; i++)
		if (same_server(&out->v[i], d))
			return true;
	if (out->n == DNSCONF_MAX)
		return false;
	out->v[out->n++] = *d;
	return true;
}

static void
add_all(struct dns_servers *out, const struct dns_servers *in)
{
	size_t i;

	for (i = 0; i < in->n && i < DNSCONF_MAX; i++)
		add_server(out, &in->v[i]);
}

static bool
is_sep(char c, const char *seps)
{
	return c != '\0' && strchr(seps, c) != NULL;
}

/* Adds each parsable item of s[0..len), split at any of seps. */
static void
add_items(const char *s, size_t len, const char *seps, int flags,
    struct dns_servers *out)
{
	const char *end = s + len, *item;
	struct dns_server d;

	while (s < end) {
		while (s < end && is_sep(*s, seps))
			s++;
		item = s;
		while (s < end && !is_sep(*s, seps))
			s++;
		if (s > item && parse_server(item, (size_t)(s - item), flags, &d))
			add_server(out, &d);
	}
}

/* Writes one server as dnsconf_parse_list reads it. */
static void
format_server(const struct dns_server *d, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	if (inet_ntop(d->family == 6 ? AF_INET6 : AF_INET, d->addr, a,
		sizeof(a)) == NULL)
		snprintf(a, sizeof(a), "?");
	if (d->port == 53 || d->port == 0)
		snprintf(out, len, "%s", a);
	else if (d->family == 6)
		snprintf(out, len, "[%s]:%u", a, (unsigned)d->port);
	else
		snprintf(out, len, "%s:%u", a, (unsigned)d->port);
}

/* An item of the user's text for a message: bounded, printable. */
static void
quote_item(const char *s, size_t len, char *out, size_t outlen)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 4 < outlen; i++) {
		unsigned char c = (unsigned char)s[i];

		out[n++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	if (i < len && n + 3 < outlen) {
		memcpy(out + n, "...", 3);
		n += 3;
	}
	if (outlen > 0)
		out[n < outlen ? n : outlen - 1] = '\0';
}

static void
set_why(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	if (why == NULL || whylen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
}

int
dnsconf_parse_list(const char *text, struct dns_servers *out, char *why,
    size_t whylen)
{
	static const char seps[] = ", \t\r\n";
	const char *s = text, *item;
	struct dns_server d;
	char q[48];

	out->n = 0;
	if (why != NULL && whylen > 0)
		why[0] = '\0';
	if (text == NULL)
		text = s = "";
	for (;;) {
		while (is_sep(*s, seps))
			s++;
		if (*s == '\0')
			break;
		item = s;
		while (*s != '\0' && !is_sep(*s, seps))
			s++;
		if (!parse_server(item, (size_t)(s - item), ALLOW_PORT, &d)) {
			quote_item(item, (size_t)(s - item), q, sizeof(q));
			set_why(why, whylen, "'%s' is not a DNS server address",
			    q);
			out->n = 0;
			return -1;
		}
		if (!add_server(out, &d)) {
			set_why(why, whylen,
			    "too many DNS servers (at most %d)", DNSCONF_MAX);
			out->n = 0;
			return -1;
		}
	}
	if (out->n == 0) {
		set_why(why, whylen, "no DNS server address in the list");
		return -1;
	}
	return 0;
}

int
dnsconf_format(const struct dns_servers *l, char *buf, size_t len)
{
	struct sbuf b;
	char one[SERVER_TEXT];
	size_t i;

	sb_init(&b, buf, len);
	for (i = 0; i < l->n && i < DNSCONF_MAX; i++) {
		format_server(&l->v[i], one, sizeof(one));
		if (!sb_add(&b, "%s%s", i > 0 ? "," : "", one))
			return -1;
	}
	return b.overflow ? -1 : (int)b.off;
}

void
dnsconf_from_resolv_conf(const char *text, struct dns_servers *out)
{
	const char *line, *a;
	size_t len, n;
	struct dns_server d;

	if (text == NULL)
		return;
	while (next_line(&text, &line, &len)) {
		/* As the libc reads it: the keyword at the start of the line,
		 * the address up to a blank or a comment. */
		if (len <= 10 || memcmp(line, "nameserver", 10) != 0 ||
		    !is_blank(line[10]))
			continue;
		a = line + 10;
		len -= 10;
		while (len > 0 && is_blank(*a)) {
			a++;
			len--;
		}
		for (n = 0; n < len && !is_blank(a[n]) && a[n] != '#' &&
		     a[n] != ';';
		     n++)
			;
		if (n > 0 && parse_server(a, n, 0, &d))
			add_server(out, &d);
	}
}

/* "KEY=value" files (systemd's and NetworkManager's): the items of the
 * last line for key, as systemd's own parse_env_file takes the last. */
static void
from_env_file(const char *text, const char *key, struct dns_servers *out)
{
	const char *line, *val = NULL;
	size_t len, vlen = 0, klen = strlen(key);

	if (text == NULL)
		return;
	while (next_line(&text, &line, &len)) {
		if (len >= klen && memcmp(line, key, klen) == 0) {
			val = line + klen;
			vlen = len - klen;
		}
	}
	if (val == NULL)
		return;
	trim(&val, &vlen);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vlen - 1] == val[0]) {
		val++;
		vlen -= 2;
	}
	add_items(val, vlen, " \t", ALLOW_PORT | ALLOW_NAME, out);
}

void
dnsconf_from_resolved_link(const char *text, struct dns_servers *out)
{
	from_env_file(text, "SERVERS=", out);
}

void
dnsconf_from_networkd_link(const char *text, struct dns_servers *out)
{
	from_env_file(text, "DNS=", out);
}

void
dnsconf_from_networkmanager(const char *text, struct dns_servers *out)
{
	from_env_file(text, "DNS=", out);
}

/* dhclient's lease database: words, "strings", { } ; and # comments. */
enum tok { T_END, T_WORD, T_STR, T_OPEN, T_CLOSE, T_SEMI };

struct lexer {
	const char *p;
	const char *s; /* the token's text (a string's, without quotes) */
	size_t len;
};

static enum tok
lex(struct lexer *lx)
{
	const char *p = lx->p;

	for (;;) {
		while (is_blank(*p) || *p == '\n' || *p == ',')
			p++;
		if (*p != '#')
			break;
		while (*p != '\0' && *p != '\n')
			p++;
	}
	lx->s = p;
	lx->len = 0;
	switch (*p) {
	case '\0':
		lx->p = p;
		return T_END;
	case '{':
		lx->p = p + 1;
		return T_OPEN;
	case '}':
		lx->p = p + 1;
		return T_CLOSE;
	case ';':
		lx->p = p + 1;
		return T_SEMI;
	case '"':
		lx->s = ++p;
		while (*p != '\0' && *p != '"') {
			if (*p == '\\' && p[1] != '\0')
				p++;
			p++;
		}
		lx->len = (size_t)(p - lx->s);
		lx->p = *p == '"' ? p + 1 : p;
		return T_STR;
	}
	while (*p != '\0' && !is_blank(*p) && *p != '\n' && *p != ',' &&
	    *p != '{' && *p != '}' && *p != ';' && *p != '"' && *p != '#')
		p++;
	lx->len = (size_t)(p - lx->s);
	lx->p = p;
	return T_WORD;
}

static bool
is_word(const struct lexer *lx, enum tok t, const char *word)
{
	return t == T_WORD && span_eq(lx->s, lx->len, word);
}

void
dnsconf_from_dhclient_leases(const char *text, const char *ifname,
    struct dns_servers *out)
{
	struct lexer lx = { text, NULL, 0 };
	struct dns_servers cur = { .n = 0 }, last = { .n = 0 };
	enum { NONE, LEASE, INTERFACE, OPTION, SERVERS, OTHER } st = NONE;
	bool in_lease = false, ours = false, found = false;
	unsigned long depth = 0;
	size_t word = 0; /* position in the current statement */
	struct dns_server d;
	enum tok t;

	if (text == NULL || ifname == NULL)
		return;
	while ((t = lex(&lx)) != T_END) {
		switch (t) {
		case T_OPEN:
			if (depth == 0 && st == LEASE) {
				in_lease = true;
				ours = false;
				cur.n = 0;
			}
			depth++;
			st = NONE;
			word = 0;
			continue;
		case T_CLOSE:
			/* A stray brace closes nothing: a file cut or
			 * joined mid-block must not unbalance the rest. */
			if (depth > 0 && --depth == 0 && in_lease) {
				in_lease = false;
				if (ours) {
					last = cur;
					found = true;
				}
			}
			st = NONE;
			word = 0;
			continue;
		case T_SEMI:
			st = NONE;
			word = 0;
			continue;
		default:
			break;
		}
		if (word++ == 0) {
			if (depth == 0)
				st = is_word(&lx, t, "lease") ||
					is_word(&lx, t, "lease6")
				    ? LEASE
				    : OTHER;
			else if (in_lease && is_word(&lx, t, "interface"))
				st = INTERFACE;
			else if (in_lease && is_word(&lx, t, "option"))
				st = OPTION;
			else
				st = OTHER;
			continue;
		}
		switch (st) {
		case INTERFACE:
			if (word == 2 && t == T_STR)
				ours = span_eq(lx.s, lx.len, ifname);
			break;
		case OPTION:
			st = word == 2 &&
				(is_word(&lx, t, "domain-name-servers") ||
				    is_word(&lx, t, "dhcp6.name-servers"))
			    ? SERVERS
			    : OTHER;
			break;
		case SERVERS:
			if (t == T_WORD && parse_server(lx.s, lx.len, 0, &d))
				add_server(&cur, &d);
			break;
		default:
			break;
		}
	}
	/* An unterminated last block is a file cut short: not a lease. */
	if (found)
		add_all(out, &last);
}

/* scutil --dns: "resolver #n" blocks of "key : value" lines. */
struct scutil_block {
	bool open, ours, domain;
	struct dns_servers servers;
};

static void
scutil_commit(struct scutil_block *b, struct dns_servers *out)
{
	if (b->open && b->ours && !b->domain)
		add_all(out, &b->servers);
	b->open = b->ours = b->domain = false;
	b->servers.n = 0;
}

/* "4 (en0)": whether the name in parentheses is ifname. */
static bool
scutil_names(const char *v, size_t len, const char *ifname)
{
	const char *open = memchr(v, '(', len), *close;

	if (open == NULL)
		return false;
	len -= (size_t)(open + 1 - v);
	if ((close = memchr(open + 1, ')', len)) == NULL)
		return false;
	return span_eq(open + 1, (size_t)(close - open - 1), ifname);
}

void
dnsconf_from_scutil(const char *text, const char *ifname,
    struct dns_servers *out)
{
	struct scutil_block b = { false, false, false, { .n = 0 } };
	const char *line, *colon, *v;
	size_t len, klen, vlen;
	struct dns_server d;

	if (text == NULL || ifname == NULL)
		return;
	while (next_line(&text, &line, &len)) {
		trim(&line, &len);
		if (starts(line, len, "DNS configuration") ||
		    starts(line, len, "resolver #")) {
			scutil_commit(&b, out);
			b.open = starts(line, len, "resolver #");
			continue;
		}
		if (!b.open || (colon = memchr(line, ':', len)) == NULL)
			continue;
		klen = (size_t)(colon - line);
		v = colon + 1;
		vlen = len - klen - 1;
		trim(&line, &klen);
		trim(&v, &vlen);
		if (span_eq(line, klen, "domain"))
			b.domain = true;
		else if (span_eq(line, klen, "if_index"))
			b.ours = scutil_names(v, vlen, ifname);
		else if (starts(line, klen, "nameserver[") &&
		    parse_server(v, vlen, 0, &d))
			add_server(&b.servers, &d);
	}
	scutil_commit(&b, out);
}

/* ipconfig getpacket IFACE: the DHCP server's answer, one option a
 * line, as in "domain_name_server (ip_mult): {192.0.2.53, 192.0.2.54}". */
void
dnsconf_from_ipconfig(const char *text, struct dns_servers *out)
{
	static const char key[] = "domain_name_server";
	const char *line, *open, *close;
	size_t len;

	if (text == NULL)
		return;
	while (next_line(&text, &line, &len)) {
		trim(&line, &len);
		if (!starts(line, len, key) || (len > sizeof(key) - 1 &&
		    !is_blank(line[sizeof(key) - 1]) &&
		    line[sizeof(key) - 1] != '('))
			continue;
		if ((open = memchr(line, '{', len)) == NULL ||
		    (close = memchr(open, '}', len - (size_t)(open - line))) ==
			NULL)
			continue;
		add_items(open + 1, (size_t)(close - open - 1), ", \t", 0, out);
	}
}

/* 198.18.0.0/15 and fc00::/18: the ranges TUN proxies (Clash, sing-box)
 * hand out as fake answers, and where their own DNS server sits. */
static bool
fake4(const uint8_t *a)
{
	return a[0] == 198 && (a[1] & 0xfe) == 18;
}

static bool
fake6(const uint8_t *a)
{
	return a[0] == 0xfc && a[1] == 0x00 && (a[2] & 0xc0) == 0;
}

bool
dnsconf_fake_answer(int family, const uint8_t *addr)
{
	if (addr == NULL)
		return false;
	return family == 4 ? fake4(addr) : family == 6 ? fake6(addr) : false;
}

static const uint8_t v4mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff,
	0xff };

bool
dnsconf_useless(const struct dns_server *d, const char **kind)
{
	static const uint8_t zero[16];
	const uint8_t *a = d->addr;
	const char *k = NULL;

	if (d->family == 6 && memcmp(a, v4mapped, 12) == 0)
		a += 12; /* judged as the IPv4 address it is */
	else if (d->family == 6) {
		if (memcmp(a, zero, 16) == 0 ||
		    (memcmp(a, zero, 15) == 0 && a[15] == 1))
			k = "local";
		else if (fake6(a))
			k = "fake-ip";
		goto out;
	}
	if (a[0] == 127 || memcmp(a, zero, 4) == 0)
		k = "local";
	else if (fake4(a))
		k = "fake-ip";
out:
	if (kind != NULL)
		*kind = k != NULL ? k : "";
	return k != NULL;
}

/* Splits in into keep and gone (both may not alias in). */
static void
split_useless(const struct dns_servers *in, struct dns_servers *keep,
    struct dns_servers *gone)
{
	size_t i;

	for (i = 0; i < in->n && i < DNSCONF_MAX; i++) {
		if (dnsconf_useless(&in->v[i], NULL))
			add_server(gone, &in->v[i]);
		else
			add_server(keep, &in->v[i]);
	}
}

/* "skipped 127.0.0.53 (local), 198.18.0.2 (fake-ip)" */
static void
note_skips(struct sbuf *b, const struct dns_servers *gone)
{
	char one[SERVER_TEXT];
	const char *kind;
	size_t i;

	for (i = 0; i < gone->n; i++) {
		dnsconf_useless(&gone->v[i], &kind);
		format_server(&gone->v[i], one, sizeof(one));
		sb_add(b, "%s%s (%s)", i == 0 ? "skipped " : ", ", one, kind);
	}
}

void
dnsconf_filter(struct dns_servers *l, char *note, size_t notelen)
{
	struct dns_servers keep = { .n = 0 }, gone = { .n = 0 };
	struct sbuf b;

	split_useless(l, &keep, &gone);
	*l = keep;
	sb_init(&b, note, notelen);
	note_skips(&b, &gone);
}

/* Discovery. Paths are fixed by the systems that write them. */
#define RESOLVED_NETIF "/run/systemd/resolve/netif/"
#define NETWORKD_LINKS "/run/systemd/netif/links/"
#define NM_DIR "/var/lib/NetworkManager"
#define DHCP_DIR "/var/lib/dhcp"
#define RESOLV_CONF "/etc/resolv.conf"

typedef void (*parse_fn)(const char *text, const char *ifname,
    struct dns_servers *out);

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
		} else if (!is_hex(s[i]))
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
		split_useless(&found, &keep, &gone);
		if (keep.n > 0) {
			*out = keep;
			note_skips(b, &gone);
			return;
		}
		add_all(&skipped, &gone);
	}
	sb_add(b, "no usable DNS server for %s", ifname);
	if (skipped.n > 0) {
		sb_add(b, " (");
		note_skips(b, &skipped);
		sb_add(b, ")");
	}
	sb_add(b, "; set one with --dns ADDR or dns = [...] in a rules file");
}

struct file_sources {
	unsigned ifindex;
	const struct dnsconf_io *io;
};

static void
file_source(void *arg, int source, const char *ifname,
    struct dns_servers *out)
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
	sb_init(&b, note, notelen);
	if (ifname == NULL)
		ifname = "";
	/* An interface name is short and plain; anything else would only
	 * make paths no system writes. */
	discover(ifname,
	    io != NULL && strlen(ifname) < 64 && strchr(ifname, '/') == NULL &&
		    strcmp(ifname, "..") != 0
		? N_SOURCES
		: 0,
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
	add_items(s, end ? (size_t)(end - s) : strlen(s), ", \t", ALLOW_PORT,
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
	sb_init(&b, note, notelen);
	if (text == NULL || ifname == NULL ||
	    (eq = strchr(text, '=')) == NULL ||
	    (size_t)(eq - text) >= HANDED_NAME_MAX ||
	    !span_eq(text, (size_t)(eq - text), ifname))
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

	sb_init(&b, buf, len);
	if (ifname == NULL || ifname[0] == '\0' ||
	    strlen(ifname) >= HANDED_NAME_MAX ||
	    strpbrk(ifname, "=;") != NULL || n > DNSCONF_SOURCES_MAX)
		return -1;
	sb_add(&b, "%s=", ifname);
	for (i = 0; i < n; i++) {
		if (dnsconf_format(&lists[i], one, sizeof(one)) < 0 ||
		    !sb_add(&b, "%s%s", i > 0 ? ";" : "", one))
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
