/*
 * loader.h - what the loader's files share, private to config/: the state
 * of reading one file, the values it yields, and who does what: load.c
 * reads files and directories, parse.c the settings, values.c their
 * values and lines, errors.c collects the problems.
 */
#ifndef BINDIF_LOADER_H
#define BINDIF_LOADER_H

#include "bulk.h"
#include "cfglib.h"
#include "rules_impl.h"

/* Where problems go while one file is read. */
struct loader {
	const struct cfglib *lib;
	const char *name; /* the file, as the user named it */
	struct rules_errors *errs;
	bool oom;
	const char *text; /* the file's text, for values.c's lines */
	size_t len;       /* its length, to the first NUL */
	size_t *lines;    /* offset of each line's start (line 1 first) */
	size_t nlines;
	struct bulk bulk; /* the arrays libconfig did not read */
};

/* One value: read by libconfig (s), or an element of an array bulk.c
 * read (s NULL). */
struct elem {
	const config_setting_t *s;
	const char *str; /* NULL when the value is not a string */
	int line;
};

typedef void each_fn(struct loader *, const struct elem *, void *);

/* errors.c: a problem at file:line (file NULL: none, line 0: the whole
 * file), formatted; *oom set when it cannot be kept. */
void errs_push(struct rules_errors *errs, bool *oom, const char *file, int line,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A problem in the file being read. */
#define problem(ld, line, ...) \
	errs_push((ld)->errs, &(ld)->oom, (ld)->name, (line), __VA_ARGS__)
/* Sorts the problems from index from on (one file's) into line order. */
void sort_errors(struct rules_errors *errs, size_t from, bool *oom);

/* values.c: a setting's line; one value with its line; each value of a
 * setting that may be one or a list (fn on each); the arrays bulk.c read. */
int line_of(const struct loader *ld, const config_setting_t *s);
struct elem elem_of(struct loader *ld, const config_setting_t *s);
/* Whether s is named in keys; else reports it, with a near one if any. */
bool known_key(struct loader *ld, const config_setting_t *s,
    const char *const *keys, const char *where);
const char *string_of(struct loader *ld, const struct elem *el,
    const char *what);
void each_value(struct loader *ld, config_setting_t *s, const char *what,
    each_fn *fn, void *arg);
size_t values_count(const struct loader *ld, const config_setting_t *s);
const struct bulk_array *bulk_of(const struct loader *ld,
    const config_setting_t *s);
char *bulk_buf(struct loader *ld, const struct bulk_array *a);
void bulk_elem(struct loader *ld, const char *v, size_t len, int line,
    char *buf, each_fn *fn, void *arg);

/* parse.c: the settings of a file libconfig read into f; freeing one. */
void load_config(struct loader *ld, config_t *cfg, struct rules_file *f);
void file_free(struct rules_file *f);

#endif
