/*
 * dnsconf.c - the DNS servers of one interface: lists of servers as
 * written in --dns, dns = and the systems' records, their text, and which
 * of them are of no use through the interface (a local stub, a fake-ip
 * server). Parsers only: every input is treated as hostile, and nothing
 * here touches the network. The records themselves: dnsconf_formats.c;
 * where they are found: dnsconf_discover.c.
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

/* "[" INET6_ADDRSTRLEN "]:65535" */
#define SERVER_TEXT (INET6_ADDRSTRLEN + 8)

void
dc_sb_init(struct sbuf *b, char *p, size_t len)
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
bool
dc_sb_add(struct sbuf *b, const char *fmt, ...)
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

bool
dc_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool
dc_is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* The next line of *p (without its newline), advancing *p past it;
 * false at the end of the text. */
bool
dc_next_line(const char **p, const char **line, size_t *len)
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

void
dc_trim(const char **s, size_t *len)
{
	while (*len > 0 && dc_is_blank(**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len > 0 && dc_is_blank((*s)[*len - 1]))
		(*len)--;
}

/* Whether line[0..len) dc_starts with the NUL-terminated word. */
bool
dc_starts(const char *line, size_t len, const char *word)
{
	size_t n = strlen(word);

	return len >= n && memcmp(line, word, n) == 0;
}

bool
dc_span_eq(const char *s, size_t len, const char *word)
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
bool
dc_parse_server(const char *s, size_t len, int flags, struct dns_server *d)
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
bool
dc_add_server(struct dns_servers *out, const struct dns_server *d)
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

void
dc_add_all(struct dns_servers *out, const struct dns_servers *in)
{
	size_t i;

	for (i = 0; i < in->n && i < DNSCONF_MAX; i++)
		dc_add_server(out, &in->v[i]);
}

static bool
is_sep(char c, const char *seps)
{
	return c != '\0' && strchr(seps, c) != NULL;
}

/* Adds each parsable item of s[0..len), split at any of seps. */
void
dc_add_items(const char *s, size_t len, const char *seps, int flags,
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
		if (s > item &&
		    dc_parse_server(item, (size_t)(s - item), flags, &d))
			dc_add_server(out, &d);
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
		if (!dc_parse_server(item, (size_t)(s - item), ALLOW_PORT,
		        &d)) {
			quote_item(item, (size_t)(s - item), q, sizeof(q));
			set_why(why, whylen, "'%s' is not a DNS server address",
			    q);
			out->n = 0;
			return -1;
		}
		if (!dc_add_server(out, &d)) {
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

	dc_sb_init(&b, buf, len);
	for (i = 0; i < l->n && i < DNSCONF_MAX; i++) {
		format_server(&l->v[i], one, sizeof(one));
		if (!dc_sb_add(&b, "%s%s", i > 0 ? "," : "", one))
			return -1;
	}
	return b.overflow ? -1 : (int)b.off;
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
void
dc_split_useless(const struct dns_servers *in, struct dns_servers *keep,
    struct dns_servers *gone)
{
	size_t i;

	for (i = 0; i < in->n && i < DNSCONF_MAX; i++) {
		if (dnsconf_useless(&in->v[i], NULL))
			dc_add_server(gone, &in->v[i]);
		else
			dc_add_server(keep, &in->v[i]);
	}
}

/* "skipped 127.0.0.53 (local), 198.18.0.2 (fake-ip)" */
void
dc_note_skips(struct sbuf *b, const struct dns_servers *gone)
{
	char one[SERVER_TEXT];
	const char *kind;
	size_t i;

	for (i = 0; i < gone->n; i++) {
		dnsconf_useless(&gone->v[i], &kind);
		format_server(&gone->v[i], one, sizeof(one));
		dc_sb_add(b, "%s%s (%s)", i == 0 ? "skipped " : ", ", one,
		    kind);
	}
}

void
dnsconf_filter(struct dns_servers *l, char *note, size_t notelen)
{
	struct dns_servers keep = { .n = 0 }, gone = { .n = 0 };
	struct sbuf b;

	dc_split_useless(l, &keep, &gone);
	*l = keep;
	dc_sb_init(&b, note, notelen);
	dc_note_skips(&b, &gone);
}
