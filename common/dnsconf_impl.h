/*
 * dnsconf_impl.h - what dnsconf.c shares with the parsers of each system's
 * records (dnsconf_formats.c) and the discovery (dnsconf_discover.c):
 * bounded text, lines, and server lists. Private to those three files.
 */
#ifndef BINDIF_DNSCONF_IMPL_H
#define BINDIF_DNSCONF_IMPL_H

#include <stdbool.h>
#include <stddef.h>

#include "dnsconf.h"
/* What an address may carry besides itself. */
#define ALLOW_PORT 0x1 /* "[v6]:port", "v4:port" */
#define ALLOW_NAME 0x2 /* systemd's "#tls-name" and "%ifindex" after a port */

/* A bounded text being written: never overruns, remembers overflow. */
struct sbuf {
	char *p;
	size_t len, off;
	bool overflow;
};

void dc_sb_init(struct sbuf *b, char *p, size_t len);
bool dc_sb_add(struct sbuf *b, const char *fmt, ...);
bool dc_is_blank(char c);
bool dc_is_hex(char c);
bool dc_next_line(const char **p, const char **line, size_t *len);
void dc_trim(const char **s, size_t *len);
bool dc_starts(const char *line, size_t len, const char *word);
bool dc_span_eq(const char *s, size_t len, const char *word);
bool dc_parse_server(const char *s, size_t len, int flags,
    struct dns_server *d);
bool dc_add_server(struct dns_servers *out, const struct dns_server *d);
void dc_add_all(struct dns_servers *out, const struct dns_servers *in);
void dc_add_items(const char *s, size_t len, const char *seps, int flags,
    struct dns_servers *out);
void dc_note_skips(struct sbuf *b, const struct dns_servers *gone);
void dc_split_useless(const struct dns_servers *in, struct dns_servers *keep,
    struct dns_servers *gone);

#endif
