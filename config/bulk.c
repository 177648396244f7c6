/*
 * bulk.c - finds the arrays of plain strings in a rules file and reads
 * their elements, as libconfig's scanner would (blanks, the three comment
 * forms, strings); everything it is not sure of it leaves to libconfig.
 * Pure: no I/O.
 */
#define _POSIX_C_SOURCE 200809L /* strnlen */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bulk.h"

/*
 * What stands for an array's body in the text libconfig reads: one string,
 * MARKER and the array's number, then one newline if the body had any, so
 * the '[' and the ']' keep lines of their own and each maps back to the
 * file's (bulk_line). No string of a file whose arrays are taken can hold
 * \001, so no string of the user's can pass for a marker.
 */
#define MARKER "\001bindif:"
#define MARKER_ROOM 32 /* ' "' MARKER digits '" ' */

/*
 * Bytes the scans stop at, so the bytes between cost one load each:
 * STOP_TEXT outside strings, STOP_STRING inside one (where a backslash
 * or a control character, NUL included, makes an array libconfig's).
 */
enum {
	STOP_TEXT = 1,
	STOP_STRING = 2
};
static const unsigned char stops[256] = {
	[0] = STOP_TEXT | STOP_STRING,
	[1] = STOP_STRING,
	[2] = STOP_STRING,
	[3] = STOP_STRING,
	[4] = STOP_STRING,
	[5] = STOP_STRING,
	[6] = STOP_STRING,
	[7] = STOP_STRING,
	[8] = STOP_STRING,
	[9] = STOP_STRING,
	['\n'] = STOP_TEXT | STOP_STRING,
	[11] = STOP_STRING,
	[12] = STOP_STRING,
	[13] = STOP_STRING,
	[14] = STOP_STRING,
	[15] = STOP_STRING,
	[16] = STOP_STRING,
	[17] = STOP_STRING,
	[18] = STOP_STRING,
	[19] = STOP_STRING,
	[20] = STOP_STRING,
	[21] = STOP_STRING,
	[22] = STOP_STRING,
	[23] = STOP_STRING,
	[24] = STOP_STRING,
	[25] = STOP_STRING,
	[26] = STOP_STRING,
	[27] = STOP_STRING,
	[28] = STOP_STRING,
	[29] = STOP_STRING,
	[30] = STOP_STRING,
	[31] = STOP_STRING,
	['"'] = STOP_TEXT | STOP_STRING,
	['\\'] = STOP_STRING,
	['#'] = STOP_TEXT,
	['/'] = STOP_TEXT,
	['['] = STOP_TEXT,
};

/*
 * Whether any of the eight bytes at p is a STOP_STRING: a quote, a
 * backslash or a control character. Eight at a time, as a 100,000-CIDR
 * list is mostly string bytes (a loop over them, a table load each, was
 * the scan's whole cost). Each test is exact as a yes or no, which is all
 * it is asked: the first match is then found a byte at a time.
 */
static inline bool
has_string_stop(const char *p)
{
	const uint64_t ones = 0x0101010101010101u, high = 0x8080808080808080u;
	uint64_t w, q, b;

	memcpy(&w, p, sizeof(w));
	q = w ^ (ones * '"');
	b = w ^ (ones * '\\');
	return (((q - ones) & ~q) | ((b - ones) & ~b) |
	           ((w - ones * 0x20) & ~w)) &
	    high;
}

/*
 * Skips blanks, newlines (counted) and comments from p; NULL when a
 * comment never ends. libconfig's blanks are space, tab, CR, FF and
 * newline; its comments "#..." and "//..." to the end of the line and
 * "/ * ... * /".
 */
static const char *
skip_comments(const char *p, const char *end, int *line)
{
	while (p < end) {
		if (*p == '\n') {
			(*line)++;
			p++;
		} else if (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\f')
			p++;
		else if (*p == '#' ||
		    (*p == '/' && p + 1 < end && p[1] == '/')) {
			while (p < end && *p != '\n')
				p++;
		} else if (*p == '/' && p + 1 < end && p[1] == '*') {
			for (p += 2;
			     p + 1 < end && !(p[0] == '*' && p[1] == '/'); p++)
				if (*p == '\n')
					(*line)++;
			if (p + 1 >= end)
				return NULL;
			p += 2;
		} else
			break;
	}
	return p;
}

/* The same, with the blanks between list elements in line: they are
 * what a long list is made of. */
static inline const char *
skip_blank(const char *p, const char *end, int *line)
{
	for (; p < end; p++) {
		if (*p == '\n')
			(*line)++;
		else if (*p != ' ' && *p != '\t')
			break;
	}
	if (p < end && (*p == '#' || *p == '/' || *p == '\r' || *p == '\f'))
		return skip_comments(p, end, line);
	return p;
}

/* The ']' of the array whose '[' is at p when it holds plain strings
 * only, with *line moved to that ']''s line; else NULL. */
static const char *
plain_array(const char *p, const char *end, int *line, size_t *count)
{
	int l = *line;
	const char *q = skip_blank(p + 1, end, &l);

	if (q == NULL || q >= end || *q != '"')
		return NULL; /* empty, or not strings: libconfig's */
	for (;;) {
		/* The text ends in a NUL, a stop. */
		for (q++; end - q >= 8 && !has_string_stop(q); q += 8)
			;
		for (; !(stops[(unsigned char)*q] & STOP_STRING); q++)
			;
		if (q >= end || *q != '"')
			return NULL;
		if ((q = skip_blank(q + 1, end, &l)) == NULL || q >= end)
			return NULL;
		++*count;
		if (*q == ']') {
			*line = l;
			return q;
		}
		if (*q != ',')
			return NULL;
		if ((q = skip_blank(q + 1, end, &l)) == NULL || q >= end ||
		    *q != '"')
			return NULL;
	}
}

/* Past the string whose opening quote is at p, counting its newlines;
 * escapes as libconfig reads them (a backslash takes the next byte). */
static const char *
skip_string(const char *p, const char *end, int *line)
{
	for (p++; p < end && *p != '"'; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		if (*p == '\n')
			(*line)++;
	}
	return p < end ? p + 1 : end;
}

/* Whether "\\x01" occurs: a search for the backslash, which big lists
 * do not hold, rather than for the four bytes. */
static bool
has_escape_x01(const char *p, const char *end)
{
	for (; (p = memchr(p, '\\', (size_t)(end - p))) != NULL; p++)
		if (end - p >= 4 && memcmp(p, "\\x01", 4) == 0)
			return true;
	return false;
}

static int
add_array(struct bulk *b, size_t open, size_t close, int line, int lines,
    size_t count)
{
	struct bulk_array *v;

	/* Doubling from 4: a file may hold many small arrays. */
	if (b->n == 0 || (b->n >= 4 && (b->n & (b->n - 1)) == 0)) {
		size_t cap = b->n ? 2 * b->n : 4;

		if ((v = realloc(b->v, cap * sizeof(*v))) == NULL)
			return -1;
		b->v = v;
	}
	b->v[b->n++] = (struct bulk_array){ open, close, line, lines, count };
	return 0;
}

/* libconfig's text: each array's body becomes its marker and its
 * newlines. */
static int
make_cfg(const char *text, size_t len, struct bulk *b)
{
	size_t i, at = 0, from = 0;
	int shift = 0;
	char *out;

	/* The text grows by at most a marker an array. */
	if (b->n > (((size_t)-1) - len - 1) / MARKER_ROOM ||
	    (out = malloc(len + b->n * MARKER_ROOM + 1)) == NULL)
		return -1;
	for (i = 0; i < b->n; i++) {
		struct bulk_array *a = &b->v[i];

		memcpy(out + at, text + from, a->open + 1 - from);
		at += a->open + 1 - from;
		at += (size_t)snprintf(out + at, MARKER_ROOM,
		    " \"" MARKER "%zu\" %s", i, a->lines > 0 ? "\n" : "");
		/* The ']' is on the '[''s next line here, a->lines below
		 * it in the file. */
		a->cfg_close = a->line - shift + (a->lines > 0);
		if (a->lines > 1)
			shift += a->lines - 1;
		a->shift = shift;
		from = a->close;
	}
	memcpy(out + at, text + from, len - from);
	at += len - from;
	out[at] = '\0';
	b->cfg = out;
	return 0;
}

int
bulk_find(const char *text, size_t len, struct bulk *b)
{
	const char *p = text, *end, *close;
	size_t count;
	int line = 1, l;

	memset(b, 0, sizeof(*b));
	len = strnlen(text, len); /* libconfig stops at a NUL too */
	end = text + len;
	/* The two ways a libconfig string can hold the marker's first byte:
	 * the byte itself, or its escape. */
	if (memchr(text, MARKER[0], len) != NULL || has_escape_x01(text, end))
		return 0;
	while (p < end) {
		switch (*p) {
		case '\n':
			line++;
			p++;
			break;
		case '#':
		case '/':
			if (*p == '/' &&
			    (p + 1 >= end || (p[1] != '/' && p[1] != '*'))) {
				p++;
				break;
			}
			if ((p = skip_comments(p, end, &line)) == NULL)
				p = end; /* an open comment runs to the end */
			break;
		case '"':
			p = skip_string(p, end, &line);
			break;
		case '[':
			l = line;
			count = 0;
			if ((close = plain_array(p, end, &l, &count)) == NULL) {
				p++;
				break;
			}
			if (add_array(b, (size_t)(p - text),
			        (size_t)(close - text), line, l - line,
			        count) < 0)
				goto oom;
			line = l;
			p = close + 1;
			break;
		default:
			for (p++; !(stops[(unsigned char)*p] & STOP_TEXT); p++)
				;
		}
	}
	if (b->n > 0 && make_cfg(text, len, b) < 0)
		goto oom;
	return 0;
oom:
	bulk_free(b);
	return -1;
}

void
bulk_free(struct bulk *b)
{
	free(b->v);
	free(b->cfg);
	memset(b, 0, sizeof(*b));
}

long
bulk_marker(const struct bulk *b, const char *value)
{
	size_t i = 0;
	const char *p;

	if (b->cfg == NULL || value == NULL ||
	    strncmp(value, MARKER, sizeof(MARKER) - 1) != 0)
		return -1;
	p = value + sizeof(MARKER) - 1;
	if (*p < '0' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9' && i <= b->n; p++)
		i = i * 10 + (size_t)(*p - '0');
	return *p == '\0' && i < b->n ? (long)i : -1;
}

int
bulk_line(const struct bulk *b, int cfg_line)
{
	size_t lo = 0, hi = b->n, mid;

	/* The last array whose ']' is on cfg_line or above it. */
	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (b->v[mid].cfg_close <= cfg_line)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo == 0 ? cfg_line : cfg_line + b->v[lo - 1].shift;
}

void
bulk_iter_init(struct bulk_iter *it, const char *text,
    const struct bulk_array *a)
{
	it->p = text + a->open + 1;
	it->end = text + a->close;
	it->line = a->line;
}

bool
bulk_next(struct bulk_iter *it, const char **s, size_t *len, int *line)
{
	const char *p = skip_blank(it->p, it->end, &it->line), *q;

	/* The array was checked whole by plain_array: comments end, every
	 * element is one quoted run. */
	if (p != NULL && p < it->end && *p == ',')
		p = skip_blank(p + 1, it->end, &it->line);
	if (p == NULL || p >= it->end || *p != '"')
		return false;
	q = memchr(p + 1, '"', (size_t)(it->end - p - 1));
	if (q == NULL)
		return false;
	*s = p + 1;
	*len = (size_t)(q - p - 1);
	*line = it->line;
	it->p = q + 1;
	return true;
}
