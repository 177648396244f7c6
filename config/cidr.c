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
cidr_parse_slow(const char *text, struct rules_cidr *c, char *why,
    size_t whylen)
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
			snprintf(why, whylen,
			    "'%s': prefix length must be 0 to %d", text, max);
			return -1;
		}
	}
	c->len = (int)len;
	for (i = c->len; i < max; i++)
		if (c->addr[i / 8] & (0x80 >> (i % 8))) {
			struct rules_cidr fixed = *c;
			char shown[INET6_ADDRSTRLEN];

			for (; i < max; i++)
				fixed.addr[i / 8] &=
				    (uint8_t) ~(0x80 >> (i % 8));
			inet_ntop(c->family == 4 ? AF_INET : AF_INET6,
			    fixed.addr, shown, sizeof(shown));
			snprintf(why, whylen,
			    "'%s' has host bits set (did you mean "
			    "'%s/%d'?)",
			    text, shown, c->len);
			return -1;
		}
	return 0;
}

/* A hex digit's value plus one; 0 for any other byte. */
static const unsigned char hex1[256] = {
	['0'] = 1,
	['1'] = 2,
	['2'] = 3,
	['3'] = 4,
	['4'] = 5,
	['5'] = 6,
	['6'] = 7,
	['7'] = 8,
	['8'] = 9,
	['9'] = 10,
	['a'] = 11,
	['b'] = 12,
	['c'] = 13,
	['d'] = 14,
	['e'] = 15,
	['f'] = 16,
	['A'] = 11,
	['B'] = 12,
	['C'] = 13,
	['D'] = 14,
	['E'] = 15,
	['F'] = 16,
};
#define HEX1(ch) hex1[(unsigned char)(ch)]
#define DIGIT(ch) ((unsigned)(unsigned char)(ch) - '0') /* > 9: none */

/* Four decimal octets with no leading zero; past them, or NULL. */
static const char *
quad(const char *p, uint32_t *out)
{
	uint32_t a = 0;
	unsigned v, d;
	int i;

	for (i = 0; i < 4; i++) {
		if (i > 0 && *p++ != '.')
			return NULL;
		if ((v = DIGIT(*p++)) > 9)
			return NULL;
		if ((d = DIGIT(*p)) <= 9) {
			if (v == 0)
				return NULL;
			v = v * 10 + d;
			if ((d = DIGIT(*++p)) <= 9) {
				v = v * 10 + d;
				if (v > 255 || DIGIT(*++p) <= 9)
					return NULL;
			}
		}
		a = a << 8 | v;
	}
	*out = a;
	return p;
}

/*
 * Groups of one to four hex digits, at most one "::" standing for at
 * least one group of zeros; no dotted quad at the end (inet_pton's). Into
 * *hi and *lo; past them, or NULL.
 */
static const char *
six(const char *p, uint64_t *hi, uint64_t *lo)
{
	/* Every group shifts in from the right; at the gap, those before
	 * it move to (h0, l0), to be shifted into place at the end. */
	uint64_t h = 0, l = 0, h0 = 0, l0 = 0;
	unsigned v, x, s;
	int n = 0, gap = -1;

	if (p[0] == ':') {
		if (p[1] != ':')
			return NULL;
		gap = 0;
		p += 2;
	}
	/* Only "::" may end the groups without one after it. */
	while (gap != n || HEX1(*p) != 0) {
		/* Digits plus one each, taken off once per group. */
		if ((v = HEX1(*p)) == 0)
			return NULL;
		if ((x = HEX1(*++p)) == 0)
			v -= 0x1;
		else if (v = v * 16 + x, (x = HEX1(*++p)) == 0)
			v -= 0x11;
		else if (v = v * 16 + x, (x = HEX1(*++p)) == 0)
			v -= 0x111;
		else if (v = v * 16 + x, HEX1(*++p) == 0)
			v -= 0x1111;
		else
			return NULL;
		h = h << 16 | l >> 48;
		l = l << 16 | v;
		n++;
		if (*p != ':')
			break;
		if (*++p == ':') {
			if (gap >= 0)
				return NULL;
			gap = n;
			h0 = h;
			l0 = l;
			h = l = 0;
			p++;
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return NULL;
	if (gap > 0) {
		/* gap is 1 to 7 here: no shift below is by 64 or more. */
		s = 16 * (unsigned)(8 - gap);
		if (s >= 64) {
			h0 = l0 << (s - 64);
			l0 = 0;
		} else {
			h0 = h0 << s | l0 >> (64 - s);
			l0 <<= s;
		}
	}
	*hi = h0 | h;
	*lo = l0 | l;
	return p;
}

/* A word at a time (the shifts fold to one bswap): byte by byte, gcc 12
 * spent 85 instructions on an address's two words. */
static inline void
put64(uint8_t *b, uint64_t v)
{
	static const union {
		uint16_t u;
		uint8_t b[2];
	} little = { 1 };

	if (little.b[0])
		v = v >> 56 | (v >> 40 & 0xff00) | (v >> 24 & 0xff0000) |
		    (v >> 8 & 0xff000000) | (v << 8 & 0xff00000000) |
		    (v << 24 & 0xff0000000000) | (v << 40 & 0xff000000000000) |
		    v << 56;
	memcpy(b, &v, 8);
}

int
cidr_parse_quick(const char *text, struct rules_cidr *c)
{
	return cidr_parse_quick_n(text, strlen(text), c);
}

/* Every loop below stops at a byte that is not an address's, and the
 * dots are looked for below n, so nothing is read past text[n]. */
int
cidr_parse_quick_n(const char *text, size_t n, struct rules_cidr *c)
{
	const char *p;
	uint64_t hi, lo = 0;
	uint32_t a;
	unsigned max, len, d;

	/* A quad has its first dot among these, and IPv6 in the plain forms
	 * has none. */
	if (n > 3 && (text[1] == '.' || text[2] == '.' || text[3] == '.')) {
		if ((p = quad(text, &a)) == NULL)
			return 0;
		hi = (uint64_t)a << 32;
		c->family = 4;
		max = 32;
	} else {
		if ((p = six(text, &hi, &lo)) == NULL)
			return 0;
		c->family = 6;
		max = 128;
	}
	len = max;
	if (*p == '/') {
		if ((len = DIGIT(*++p)) > 9)
			return 0;
		if ((d = DIGIT(*++p)) <= 9) {
			len = len * 10 + d;
			if ((d = DIGIT(*++p)) <= 9) {
				len = len * 10 + d;
				p++;
			}
		}
		if (len > max)
			return 0;
	}
	if (p != text + n)
		return 0;
	/* No host bits; a quad's are in the top of hi. */
	if ((len < 64 && (hi & UINT64_MAX >> len) != 0) ||
	    (len < 128 &&
	        (lo & (len <= 64 ? UINT64_MAX : UINT64_MAX >> (len - 64))) !=
	            0))
		return 0;
	c->len = (uint8_t)len;
	put64(c->addr, hi);
	put64(c->addr + 8, lo);
	return 1;
}

int
cidr_parse(const char *text, struct rules_cidr *c, char *why, size_t whylen)
{
	if (cidr_parse_quick(text, c))
		return 0;
	return cidr_parse_slow(text, c, why, whylen);
}
