/*
 * dnsconf_formats.c - the servers in each record systems keep of them:
 * resolv.conf, systemd-resolved's and networkd's link files,
 * NetworkManager's, dhclient's leases, macOS's scutil --dns and ipconfig
 * getpacket. Every input is hostile: bounded, and never trusted to end.
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnsconf.h"
#include "dnsconf_impl.h"

void
dnsconf_from_resolv_conf(const char *text, struct dns_servers *out)
{
	const char *line, *a;
	size_t len, n;
	struct dns_server d;

	if (text == NULL)
		return;
	while (dc_next_line(&text, &line, &len)) {
		/* As the libc reads it: the keyword at the start of the line,
		 * the address up to a blank or a comment. */
		if (len <= 10 || memcmp(line, "nameserver", 10) != 0 ||
		    !dc_is_blank(line[10]))
			continue;
		a = line + 10;
		len -= 10;
		while (len > 0 && dc_is_blank(*a)) {
			a++;
			len--;
		}
		for (n = 0; n < len && !dc_is_blank(a[n]) && a[n] != '#' &&
		     a[n] != ';';
		     n++)
			;
		if (n > 0 && dc_parse_server(a, n, 0, &d))
			dc_add_server(out, &d);
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
	while (dc_next_line(&text, &line, &len)) {
		if (len >= klen && memcmp(line, key, klen) == 0) {
			val = line + klen;
			vlen = len - klen;
		}
	}
	if (val == NULL)
		return;
	dc_trim(&val, &vlen);
	if (vlen >= 2 && (val[0] == '"' || val[0] == '\'') &&
	    val[vlen - 1] == val[0]) {
		val++;
		vlen -= 2;
	}
	dc_add_items(val, vlen, " \t", ALLOW_PORT | ALLOW_NAME, out);
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
enum tok {
	T_END,
	T_WORD,
	T_STR,
	T_OPEN,
	T_CLOSE,
	T_SEMI
};

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
		while (dc_is_blank(*p) || *p == '\n' || *p == ',')
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
	while (*p != '\0' && !dc_is_blank(*p) && *p != '\n' && *p != ',' &&
	    *p != '{' && *p != '}' && *p != ';' && *p != '"' && *p != '#')
		p++;
	lx->len = (size_t)(p - lx->s);
	lx->p = p;
	return T_WORD;
}

static bool
is_word(const struct lexer *lx, enum tok t, const char *word)
{
	return t == T_WORD && dc_span_eq(lx->s, lx->len, word);
}

void
dnsconf_from_dhclient_leases(const char *text, const char *ifname,
    struct dns_servers *out)
{
	struct lexer lx = { text, NULL, 0 };
	struct dns_servers cur = { .n = 0 }, last = { .n = 0 };
	enum {
		NONE,
		LEASE,
		INTERFACE,
		OPTION,
		SERVERS,
		OTHER
	} st = NONE;
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
				        is_word(&lx, t, "lease6") ?
				    LEASE :
				    OTHER;
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
				ours = dc_span_eq(lx.s, lx.len, ifname);
			break;
		case OPTION:
			st = word == 2 &&
			        (is_word(&lx, t, "domain-name-servers") ||
			            is_word(&lx, t, "dhcp6.name-servers")) ?
			    SERVERS :
			    OTHER;
			break;
		case SERVERS:
			if (t == T_WORD && dc_parse_server(lx.s, lx.len, 0, &d))
				dc_add_server(&cur, &d);
			break;
		default:
			break;
		}
	}
	/* An unterminated last block is a file cut short: not a lease. */
	if (found)
		dc_add_all(out, &last);
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
		dc_add_all(out, &b->servers);
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
	return dc_span_eq(open + 1, (size_t)(close - open - 1), ifname);
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
	while (dc_next_line(&text, &line, &len)) {
		dc_trim(&line, &len);
		if (dc_starts(line, len, "DNS configuration") ||
		    dc_starts(line, len, "resolver #")) {
			scutil_commit(&b, out);
			b.open = dc_starts(line, len, "resolver #");
			continue;
		}
		if (!b.open || (colon = memchr(line, ':', len)) == NULL)
			continue;
		klen = (size_t)(colon - line);
		v = colon + 1;
		vlen = len - klen - 1;
		dc_trim(&line, &klen);
		dc_trim(&v, &vlen);
		if (dc_span_eq(line, klen, "domain"))
			b.domain = true;
		else if (dc_span_eq(line, klen, "if_index"))
			b.ours = scutil_names(v, vlen, ifname);
		else if (dc_starts(line, klen, "nameserver[") &&
		    dc_parse_server(v, vlen, 0, &d))
			dc_add_server(&b.servers, &d);
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
	while (dc_next_line(&text, &line, &len)) {
		dc_trim(&line, &len);
		if (!dc_starts(line, len, key) ||
		    (len > sizeof(key) - 1 &&
		        !dc_is_blank(line[sizeof(key) - 1]) &&
		        line[sizeof(key) - 1] != '('))
			continue;
		if ((open = memchr(line, '{', len)) == NULL ||
		    (close = memchr(open, '}', len - (size_t)(open - line))) ==
		        NULL)
			continue;
		dc_add_items(open + 1, (size_t)(close - open - 1), ", \t", 0,
		    out);
	}
}
