/*
 * cidr.h - "198.51.100.0/24", "2001:db8::/32" or a bare address, as the
 * rules files write them. Private to config/.
 */
#ifndef BINDIF_CIDR_H
#define BINDIF_CIDR_H

#include <stddef.h>

#include "rules_impl.h"

/*
 * Fills c (family, len, addr; not line) from text; -1 with the reason in
 * why when text is not an address or CIDR, or has host bits set.
 */
int cidr_parse(const char *text, struct rules_cidr *c, char *why,
    size_t whylen);

/* inet_pton's reading, and the messages: what cidr_parse falls back to,
 * and what the quick reading is held to. */
int cidr_parse_slow(const char *text, struct rules_cidr *c, char *why,
    size_t whylen);

/*
 * The quick reading cidr_parse tries first: 1 when text is a CIDR in the
 * plain forms lists are written in, with c filled exactly as inet_pton
 * would; 0 when it is not sure (anything else, errors included), and then
 * c is garbage. For the tests, which hold it to inet_pton.
 */
int cidr_parse_quick(const char *text, struct rules_cidr *c);
/* The same for the len bytes at text, where text[len] is readable and is
 * none of an address's bytes (a NUL, or the quote that ends a string). */
int cidr_parse_quick_n(const char *text, size_t len, struct rules_cidr *c);

#endif
