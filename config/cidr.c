/*
 * cidr.c - CIDRs from rules files. A 100,000-CIDR list is read at every
 * cold start, so the plain forms are read in one pass over the bytes;
 * everything else, and every mistake, goes through inet_pton and gets
 * its message there. Pure: no I/O.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cidr.h"

/*
 * "198.51.100.0/24", "2001:db8::/32", or a bare address for one host.
 * Numeric only: a name here would need DNS at load time, and string
 * prefixes ("10.1" covering "10.10.x.x") are the classic mistake.
 */
int
cidr_parse_slow(const char *text, struct rules_cidr *c, char *why, size_t whylen)
{
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	int max, i;
	long len;

	if (strlen(text) >= sizeof(buf)) {
		snprintf(why, whylen, "'%s' is not an address or CIDR", text);
		return -1;
	}
	strcpy(buf, text);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(c->addr, 0, sizeof(c->addr));
	if (inet_pton(AF_INET, buf, c->addr) == 1) {
		c->family = 4;
		max = 32;
	} else if (inet_pton(AF_INET6, buf, c->addr) == 1) {
		c->family = 6;
		max = 128;
	} else {
		snprintf(why, whylen, "'%s' is not an IPv4 or IPv6 address%s",
		    buf, slash ? "" : " or CIDR");
		return -1;
	}
	len = max;
	if (slash != NULL) {
		errno = 0;
		len = strtol(slash, &end, 10);
		if (*slash < '0' || *slash > '9' || *end != '\0' || errno ||
		    len > max) {
			snprintf(why, whylen, "'%s': prefix length must be 0 to %d",
			    text, max);
			return -1;
		}
	}
	c->len = (int)len;
	for (i = c->len; i < max; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			struct rules_cidr fixed = *c;
			char shown[INET6_ADDRSTRLEN];

			for (; i < max; i++)
				fixed.addr[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
			inet_ntop(c->family == 4 ? AF_INET : AF_INET6, fixed.addr,
			    shown, sizeof(shown));
			snprintf(why, whylen, "'%s' has host bits set (did you mean "
			    "'%s/%d'?)", text, shown, c->len);
			return -1;
		}
	return 0;
}


/* A hex digit's value plus one; 0 for any other byte. */
static const unsigned char hex1[256] = {
	['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6,
	['6'] = 7, ['7'] = 8, ['8'] = 9, ['9'] = 10,
	['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15, ['f'] = 16,
	['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};
#define HEXVAL(ch) ((unsigned)hex1[(unsigned char)(ch)] - 1) /* > 15: none */

/* Four decimal octets with no leading zero; past them, or NULL. */
static const char *
quad(const char *p, uint8_t *out)
{
	unsigned v;
	int i, n;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *p++ != '.')
			return NULL;
		if (*p < '0' || *p > '9')
			return NULL;
		v = (unsigned)(*p++ - '0');
		for (n = 1; v != 0 && n < 3 && *p >= '0' && *p <= '9'; n++)
			v = v * 10 + (unsigned)(*p++ - '0');
		if (v > 255 || (*p >= '0' && *p <= '9'))
			return NULL;
		out[i] = (uint8_t)v;
	}
	return p;
}

/*
 * Groups of one to four hex digits, at most one "::" standing for at
 * least one group of zeros; no dotted quad at the end (inet_pton's). Past
 * them, or NULL. out is zero.
 */
static const char *
six(const char *p, const char *end, uint8_t *out)
{
	unsigned v, h;
	int n = 0, gap = -1, d;

	if (*p == ':') {
		if (*++p != ':')
			return NULL;
		gap = 0;
		if (++p == end || *p == '/')
			return p;
	}
	for (;;) {
		for (v = 0, d = 0; d < 4 && (h = HEXVAL(*p)) < 16; d++, p++)
			v = v << 4 | h;
		if (d == 0 || n == 8)
			return NULL;
		out[2 * n] = (uint8_t)(v >> 8);
		out[2 * n + 1] = (uint8_t)v;
		n++;
		if (*p != ':')
			break;
		if (*++p == ':') {
			if (gap >= 0)
				return NULL;
			gap = n;
			if (++p == end || *p == '/')
				break;
		}
	}
	/* A fifth digit, or a dotted quad: inet_pton's to judge. */
	if (HEXVAL(*p) < 16 || *p == '.' || (gap < 0 ? n != 8 : n > 7))
		return NULL;
	if (gap >= 0) {
		/* The groups after the gap go to the end. */
		memmove(out + 16 - 2 * (n - gap), out + 2 * gap,
		    (size_t)(2 * (n - gap)));
		memset(out + 2 * gap, 0, (size_t)(2 * (8 - n)));
	}
	return p;
}

int
cidr_parse_quick(const char *text, struct rules_cidr *c)
{
	return cidr_parse_quick_n(text, strlen(text), c);
}

/* Every loop below stops at a byte that is not an address's, so none
 * reads past text[n]. */
int
cidr_parse_quick_n(const char *text, size_t n, struct rules_cidr *c)
{
	const char *p;
	int max, len, i, d;

	memset(c->addr, 0, sizeof(c->addr));
	/* A colon among the first five bytes: IPv6 (a quad has none). */
	for (i = 0; i < 5 && (size_t)i < n && text[i] != ':'; i++)
		;
	if (i < 5 && (size_t)i < n && text[i] == ':') {
		if ((p = six(text, text + n, c->addr)) == NULL)
			return 0;
		c->family = 6;
		max = 128;
	} else if ((p = quad(text, c->addr)) != NULL) {
		c->family = 4;
		max = 32;
	} else
		return 0;
	len = max;
	if (*p == '/') {
		for (p++, len = 0, d = 0; d < 3 && *p >= '0' && *p <= '9'; d++)
			len = len * 10 + (*p++ - '0');
		if (d == 0 || len > max)
			return 0;
	}
	if (p != text + n)
		return 0;
	c->len = len;
	/* No host bits: the rest of the prefix's last byte, then whole
	 * bytes. */
	i = len / 8;
	if (len % 8 != 0 && (c->addr[i++] & (0xff >> (len % 8))) != 0)
		return 0;
	for (; i < max / 8; i++)
		if (c->addr[i] != 0)
			return 0;
	return 1;
}

int
cidr_parse(const char *text, struct rules_cidr *c, char *why, size_t whylen)
{
	if (cidr_parse_quick(text, c))
		return 0;
	return cidr_parse_slow(text, c, why, whylen);
}
