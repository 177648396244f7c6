/*
 * values.c - a setting's values as the parser reads them: each with its
 * line (libconfig's, corrected where it is off by one), from libconfig or
 * from an array bulk.c read, and unknown setting names with a "did you
 * mean".
 */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

/* A setting's line in the file (libconfig's, through bulk.c's text). */
int
line_of(const struct loader *ld, const config_setting_t *s)
{
	return bulk_line(&ld->bulk, (int)config_setting_source_line(s));
}

/* Whether line l (1-based) holds text, which is qlen long. */
static bool
line_has(const struct loader *ld, int l, const char *text, size_t qlen)
{
	const char *p = ld->text + ld->lines[l - 1];
	const char *end =
	    (size_t)l < ld->nlines ? ld->text + ld->lines[l] : p + strlen(p);

	for (; p + qlen <= end; p++)
		if (memcmp(p, text, qlen) == 0)
			return true;
	return false;
}

/* Where each line starts, for elem_line(): made at its first question,
 * which the big arrays (bulk.c) never ask. False when it cannot be. */
static bool
index_lines(struct loader *ld)
{
	const char *p, *end;
	size_t n = 1;

	if (ld->lines != NULL || ld->nlines != 0)
		return ld->lines != NULL;
	end = ld->text + ld->len;
	for (p = ld->text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	     p++)
		n++;
	ld->nlines = 1; /* tried */
	if ((ld->lines = malloc(n * sizeof(*ld->lines))) == NULL)
		return false; /* only messages' lines suffer */
	ld->lines[0] = 0;
	for (p = ld->text; (p = memchr(p, '\n', (size_t)(end - p))) != NULL;
	     p++)
		ld->lines[ld->nlines++] = (size_t)(p + 1 - ld->text);
	return true;
}

/*
 * libconfig notes a string element's line when it reads the token after it
 * (adjacent strings concatenate), so in [ "a",<newline> "b"<newline> ] "b"
 * gets the line of the "]". When that line starts with the token after an
 * element (',' ']' ')'), looks back for the quoted value itself, no
 * further than the parent's line; keeps libconfig's line when unsure.
 */
static int
elem_line(struct loader *ld, const config_setting_t *s)
{
	int line = line_of(ld, s), l, lo;
	const char *v = ld->lib->get_string(s), *p;
	char quoted[INET6_ADDRSTRLEN + 16];
	size_t qlen;

	if (v == NULL || config_setting_name(s) != NULL ||
	    config_setting_source_file(s) != NULL || line < 1 ||
	    !index_lines(ld) || (size_t)line > ld->nlines)
		return line;
	for (p = ld->text + ld->lines[line - 1]; *p == ' ' || *p == '\t'; p++)
		;
	/* The usual case, one element a line, needs no search (nor the
	 * quoted copy: it was a tenth of a 100,000-CIDR load). */
	if ((*p != ',' && *p != ']' && *p != ')') ||
	    (qlen = (size_t)snprintf(quoted, sizeof(quoted), "\"%s\"", v)) >=
	        sizeof(quoted) ||
	    (*p == ',' && line_has(ld, line, quoted, qlen)))
		return line;
	lo = config_setting_parent(s) ? line_of(ld, config_setting_parent(s)) :
	                                1;
	for (l = line - 1; l >= lo && l >= 1; l--)
		if (line_has(ld, l, quoted, qlen))
			return l;
	return line;
}

/* Edit distance, for "did you mean": short keys only, so a small table. */
static size_t
distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), i, j;
	size_t row[32], prev, tmp;

	if (la >= 32 || lb >= 32)
		return 99;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		prev = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			tmp = row[j];
			row[j] = prev + (a[i - 1] != b[j - 1]);
			if (row[j - 1] + 1 < row[j])
				row[j] = row[j - 1] + 1;
			if (tmp + 1 < row[j])
				row[j] = tmp + 1;
			prev = tmp;
		}
	}
	return row[lb];
}

bool
known_key(struct loader *ld, const config_setting_t *s, const char *const *keys,
    const char *where)
{
	const char *name = config_setting_name(s), *best = NULL;
	size_t i, d, bestd = 3;

	for (i = 0; keys[i] != NULL; i++) {
		if (strcmp(name, keys[i]) == 0)
			return true;
		if ((d = distance(name, keys[i])) < bestd) {
			bestd = d;
			best = keys[i];
		}
	}
	if (best != NULL)
		problem(ld, line_of(ld, s),
		    "unknown setting '%s'%s (did you mean "
		    "'%s'?)",
		    name, where, best);
	else
		problem(ld, line_of(ld, s), "unknown setting '%s'%s", name,
		    where);
	return false;
}

static bool
is_aggregate(const config_setting_t *s)
{
	return config_setting_is_array(s) || config_setting_is_list(s);
}

struct elem
elem_of(struct loader *ld, const config_setting_t *s)
{
	struct elem el = { s, ld->lib->get_string(s), 0 };

	el.line = el.str ? elem_line(ld, s) : line_of(ld, s);
	return el;
}

/* Room for any element of a bulk array as a string: none is longer than
 * the array's body. */
char *
bulk_buf(struct loader *ld, const struct bulk_array *a)
{
	char *buf = malloc(a->close - a->open);

	if (buf == NULL)
		ld->oom = true;
	return buf;
}

/* One element (len bytes at v) to fn, as a string of its own in buf. */
void
bulk_elem(struct loader *ld, const char *v, size_t len, int line, char *buf,
    each_fn *fn, void *arg)
{
	struct elem el = { NULL, buf, line };

	memcpy(buf, v, len);
	buf[len] = '\0';
	fn(ld, &el, arg);
}

/* The elements of an array bulk.c read. */
static void
each_bulk(struct loader *ld, const struct bulk_array *a, each_fn *fn, void *arg)
{
	struct bulk_iter it;
	const char *v;
	size_t len;
	int line;
	char *buf = bulk_buf(ld, a);

	bulk_iter_init(&it, ld->text, a);
	while (buf != NULL && !ld->oom && bulk_next(&it, &v, &len, &line))
		bulk_elem(ld, v, len, line, buf, fn, arg);
	free(buf);
}

/* The array bulk.c read that setting s stands for, or NULL. */
const struct bulk_array *
bulk_of(const struct loader *ld, const config_setting_t *s)
{
	long a;

	if (!config_setting_is_array(s) || ld->lib->length(s) != 1 ||
	    (a = bulk_marker(&ld->bulk,
	         ld->lib->get_string(ld->lib->get_elem(s, 0)))) < 0)
		return NULL;
	return &ld->bulk.v[a];
}

/* How many values each_value() will give fn. */
size_t
values_count(const struct loader *ld, const config_setting_t *s)
{
	const struct bulk_array *a = bulk_of(ld, s);

	if (a != NULL)
		return a->count;
	return is_aggregate(s) ? (size_t)ld->lib->length(s) : 1;
}

/*
 * A setting that may be one value or an array/list of them: calls fn on
 * each element. An empty list is a mistake (a rule that matches nothing).
 */
void
each_value(struct loader *ld, config_setting_t *s, const char *what,
    each_fn *fn, void *arg)
{
	const struct bulk_array *a;
	struct elem el;
	int i, n;

	if (!is_aggregate(s)) {
		el = elem_of(ld, s);
		fn(ld, &el, arg);
		return;
	}
	n = ld->lib->length(s);
	if (n == 0)
		problem(ld, line_of(ld, s), "%s: empty list", what);
	if ((a = bulk_of(ld, s)) != NULL) {
		each_bulk(ld, a, fn, arg);
		return;
	}
	for (i = 0; i < n; i++) {
		el = elem_of(ld, ld->lib->get_elem(s, (unsigned)i));
		fn(ld, &el, arg);
	}
}

const char *
string_of(struct loader *ld, const struct elem *el, const char *what)
{
	if (el->str == NULL)
		problem(ld, el->line, "%s: expected a string in quotes", what);
	return el->str;
}
