/*
 * rules_impl.h - what the loader hands the compiler: the parsed files,
 * still in the shape of the text. Private to config/; the rest sees
 * rules.h only.
 */
#ifndef BINDIF_RULES_IMPL_H
#define BINDIF_RULES_IMPL_H

#include "rules.h"

/* 24 bytes: a 100,000-CIDR list is 2.4 MB of these at every cold start. */
struct rules_cidr {
	uint8_t addr[16];
	int line;
	uint8_t family; /* 4 or 6 */
	uint8_t len;    /* prefix length */
};

struct rules_ports {
	uint16_t lo, hi; /* inclusive, 1..65535 */
};

/* One rule, or a whole exclude list (reason RULES_BY_EXCLUDE). */
struct rules_entry {
	struct rules_cidr *dst; /* ndst == 0: every destination */
	size_t ndst;
	/* Per family (0: IPv4, 1: IPv6), noted while loading: how many of
	 * dst, and whether those ascend in the compiler's order (address,
	 * then prefix length), so it can read a sorted list in place. */
	size_t nfam[2];
	bool sorted[2];
	struct rules_ports *ports; /* nports == 0: every port */
	size_t nports;
	unsigned proto; /* RULES_PROTO_* mask */
	enum rules_action action;
	enum rules_reason reason;
	char *iface; /* BIND to this one; NULL: the default interface */
	int iface_line;
	int err; /* REJECT */
	int line;
};

struct rules_file {
	char *name;
	char **programs; /* nprograms == 0: applies to every program */
	size_t nprograms;
	char *iface; /* interface =, or NULL */
	int iface_line;
	char *dns; /* dns =, as "addr,addr", or NULL */
	int dns_line;
	uint32_t mark; /* mark =, or 0 */
	int mark_line;
	struct rules_entry *entries; /* rules in order, then exclude */
	size_t nentries;
};

struct rules_set {
	struct rules_file *files; /* in name order */
	size_t nfiles;
};

/* select.c: whether a program = name (want) names the program exe/argv0
 * (a base name matches base names, a path matches exactly); whether any of
 * a file's names does. */
bool rules_name_matches(const char *want, const char *exe, const char *argv0);
bool rules_file_matches(const struct rules_file *f, const char *exe,
    const char *argv0);

/* compile.c: compiles exactly these files, in this order (rules_select's
 * choice): those with program = first, as their interface = is asked right
 * after them. */
struct rules_policy *rules_compile(const struct rules_file *const *files,
    size_t nfiles, const char *default_iface, char *why, size_t whylen);
/*
 * The same, as an image written where room(arg, size) says (8-aligned;
 * NULL: out of memory), unopened: the bundle takes it in place. Its size,
 * or 0 with why.
 */
size_t rules_compile_to(const struct rules_file *const *files, size_t nfiles,
    const char *default_iface, void *(*room)(void *arg, size_t len), void *arg,
    char *why, size_t whylen);

#endif
