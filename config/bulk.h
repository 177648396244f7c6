/*
 * bulk.h - the arrays of plain strings in a rules file's text, read
 * without libconfig. A 100,000-CIDR exclude list costs libconfig a setting,
 * two allocations and a scanner match per element (most of a cold start);
 * here it is one pass over the bytes. libconfig still parses the rest of
 * the file, with each such array's body replaced by a marker string and
 * at most one newline; bulk_line() turns the lines libconfig reports back
 * into the file's. Private to config/.
 */
#ifndef BINDIF_BULK_H
#define BINDIF_BULK_H

#include <stdbool.h>
#include <stddef.h>

struct bulk_array {
	size_t open, close; /* offsets of its '[' and ']' */
	int line;           /* of the '[' */
	int lines;          /* newlines between '[' and ']' */
	size_t count;       /* elements */
	int cfg_close;      /* the ']''s line in the text libconfig reads */
	int shift;          /* what that line and later ones add to be real */
};

struct bulk {
	struct bulk_array *v;
	size_t n;
	char *cfg; /* the text for libconfig; NULL when no array was taken */
};

/*
 * Finds the arrays of text (len bytes, NUL-terminated) that hold only
 * plain strings: [ "a", "b" ] with blanks and comments between, no escape,
 * no control character, no adjacent strings, no trailing comma. Anything
 * else stays libconfig's to parse and to report. -1 when out of memory.
 */
int bulk_find(const char *text, size_t len, struct bulk *b);
void bulk_free(struct bulk *b);

/* Which array a string value libconfig read from b->cfg stands for, or
 * -1 when it is an ordinary string. */
long bulk_marker(const struct bulk *b, const char *value);

/* The file's line for a line of b->cfg (what libconfig reports). */
int bulk_line(const struct bulk *b, int cfg_line);

/* Walks one array's elements in order. */
struct bulk_iter {
	const char *p, *end;
	int line;
};
void bulk_iter_init(struct bulk_iter *it, const char *text,
    const struct bulk_array *a);
/* The next element (its bytes without quotes, not NUL-terminated, and its
 * line), or false after the last. */
bool bulk_next(struct bulk_iter *it, const char **s, size_t *len, int *line);

#endif
