/*
 * errors.c - the problems loading finds: collected one by one with where
 * they are, shown in line order within a file, and written out as
 * "file:line: reason".
 */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

void
errs_push(struct rules_errors *errs, bool *oom, const char *file, int line,
    const char *fmt, ...)
{
	struct rules_error *v;
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	v = realloc(errs->v, (errs->n + 1) * sizeof(*v));
	if (v == NULL) {
		*oom = true;
		return;
	}
	errs->v = v;
	v[errs->n].file = file ? strdup(file) : NULL;
	v[errs->n].line = line;
	v[errs->n].msg = strdup(msg);
	if (v[errs->n].msg == NULL ||
	    (file != NULL && v[errs->n].file == NULL)) {
		free(v[errs->n].file);
		free(v[errs->n].msg);
		*oom = true;
		return;
	}
	errs->n++;
}

struct numbered {
	struct rules_error e;
	size_t i;
};

static int
by_line(const void *a, const void *b)
{
	const struct numbered *x = a, *y = b;

	if (x->e.line != y->e.line)
		return x->e.line < y->e.line ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

/* A file's problems are found setting by setting (rules before exclude);
 * they are shown in line order. */
void
sort_errors(struct rules_errors *errs, size_t from, bool *oom)
{
	size_t n = errs->n - from, i;
	struct numbered *v;

	if (n < 2)
		return;
	if ((v = malloc(n * sizeof(*v))) == NULL) {
		*oom = true;
		return;
	}
	for (i = 0; i < n; i++)
		v[i] = (struct numbered){ errs->v[from + i], i };
	qsort(v, n, sizeof(*v), by_line);
	for (i = 0; i < n; i++)
		errs->v[from + i] = v[i].e;
	free(v);
}

void
rules_error_text(const struct rules_error *e, char *buf, size_t len)
{
	if (e->file && e->line > 0)
		snprintf(buf, len, "%s:%d: %s", e->file, e->line, e->msg);
	else if (e->file)
		snprintf(buf, len, "%s: %s", e->file, e->msg);
	else
		snprintf(buf, len, "%s", e->msg);
}

void
rules_errors_free(struct rules_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++) {
		free(errs->v[i].file);
		free(errs->v[i].msg);
	}
	free(errs->v);
	errs->v = NULL;
	errs->n = 0;
}
