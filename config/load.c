/*
 * load.c - rules files (libconfig syntax) into a rules_set: a file, a
 * string or every *.conf of a directory, read and handed to libconfig, its
 * settings to parse.c. Every problem is collected as file:line: reason, so
 * one run of --check or of the launcher shows them all.
 */
#define _DEFAULT_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "loader.h"

/* About 400,000 CIDRs, several times what real lists hold. */
#define RULES_MAX_FILE (16 << 20)

/* libconfig's own wording, with the fix for the mistake people make most. */
static void
syntax_problem(struct loader *ld, const config_t *cfg)
{
	const char *text = config_error_text(cfg);
	const char *file = config_error_file(cfg);
	const char *hint = "";

	if (text == NULL)
		text = "cannot be parsed";
	if (strstr(text, "mismatched element type") != NULL)
		hint =
		    " (an array [ ] holds one type; mix numbers and \"lo-hi\" "
		    "strings in a list ( ))";
	errs_push(ld->errs, &ld->oom, file ? file : ld->name,
	    bulk_line(&ld->bulk, config_error_line(cfg)), "%s%s", text, hint);
}

static struct rules_file *
new_file(struct rules_set *set, const char *name)
{
	struct rules_file *v =
	    realloc(set->files, (set->nfiles + 1) * sizeof(*v));

	if (v == NULL)
		return NULL;
	set->files = v;
	memset(&v[set->nfiles], 0, sizeof(v[0]));
	if ((v[set->nfiles].name = strdup(name)) == NULL)
		return NULL;
	return &v[set->nfiles++];
}

/*
 * libconfig 1.5's scanner exit()s on an @include of a directory ("input in
 * flex scanner failed"), blocks on a FIFO and reads /dev/zero forever; in
 * the shim that is someone else's process, and an included file would also
 * escape every check made on the rules path. libconfig takes a line
 * starting with blanks then "@include" as one; so do we, and refuse it.
 */
static bool
has_include(struct loader *ld)
{
	const char *text = ld->text, *end = text + ld->len, *p, *q;
	bool found = false;
	int line = 1;

	/* A search for the '@', then each hit's line: a large list has
	 * none. */
	for (p = text; (p = memchr(p, '@', (size_t)(end - p))) != NULL; p++) {
		if (end - p < 8 || memcmp(p, "@include", 8) != 0)
			continue;
		for (q = p; q > text && (q[-1] == ' ' || q[-1] == '\t'); q--)
			;
		if (q != text && q[-1] != '\n')
			continue;
		for (; text < q; text++)
			line += *text == '\n';
		errs_push(ld->errs, &ld->oom, ld->name, line,
		    "@include is not supported (put the files in one "
		    "directory and give that to -c)");
		found = true;
	}
	return found;
}

/* Every wrapped program parses the file again, and libconfig does not
 * survive running out of memory (it crashes): a bound keeps that from
 * happening. */
static void
too_large(struct rules_errors *errs, bool *oom, const char *name)
{
	errs_push(errs, oom, name, 0,
	    "larger than %d MB; rules files are "
	    "read by every wrapped program, so they are kept smaller",
	    RULES_MAX_FILE >> 20);
}

/* Reads one file (fp) or one string (text) into a new rules_file. */
static bool
load_one(struct rules_set *set, const char *name, FILE *fp, const char *text,
    struct rules_errors *errs)
{
	struct loader ld = { NULL, name, errs, false, text, 0, NULL, 0 };
	struct rules_file *f;
	config_t cfg;
	char dir[PATH_MAX], why[300], *slash, *buf = NULL;
	size_t first = errs->n, len = 0, cap = 0, got;
	bool ok;

	if ((f = new_file(set, name)) == NULL)
		return false;
	if ((ld.lib = cfglib(why, sizeof(why))) == NULL) {
		errs_push(errs, &ld.oom, name, 0, "%s", why);
		return !ld.oom;
	}
	if (fp != NULL) {
		struct stat st;

		/* Sized once for a regular file (a big list is not copied
		 * as it grows); read to the end in any case. */
		if (fstat(fileno(fp), &st) == 0 && S_ISREG(st.st_mode) &&
		    st.st_size <= RULES_MAX_FILE)
			cap = (size_t)st.st_size + 4096 + 2;
		if (cap > 0 && (buf = malloc(cap)) == NULL)
			return false;
		/* Read as a string: the text also serves elem_line(). */
		do {
			char *grown;

			if (cap - len < 4096 + 1) {
				cap = cap ? cap * 2 : 8192;
				if ((grown = realloc(buf, cap)) == NULL) {
					free(buf);
					return false;
				}
				buf = grown;
			}
			got = fread(buf + len, 1, cap - len - 1, fp);
			len += got;
			if (len > RULES_MAX_FILE) {
				too_large(errs, &ld.oom, name);
				free(buf);
				return !ld.oom;
			}
		} while (got > 0);
		buf[len] = '\0';
		if (ferror(fp)) {
			errs_push(errs, &ld.oom, name, 0, "cannot read: %s",
			    strerror(errno));
			free(buf);
			return !ld.oom;
		}
		ld.text = text = buf;
	}
	/* Once: the scans after this one stop where libconfig does. */
	ld.len = fp ? strnlen(text, len) : strlen(text);
	ld.lib->init(&cfg);
	/* @include is relative to the including file, not to the cwd of
	 * whatever program the shim happens to live in. */
	if (strlen(name) < sizeof(dir) &&
	    (slash = strrchr(name, '/')) != NULL) {
		memcpy(dir, name, (size_t)(slash - name));
		dir[slash - name] = '\0';
		ld.lib->set_include_dir(&cfg, dir[0] ? dir : "/");
	}
	if (has_include(&ld))
		ok = false;
	else if (bulk_find(text, ld.len, &ld.bulk) < 0)
		ld.oom = true;
	else if (!(ok = ld.lib->read_string(&cfg,
	               ld.bulk.cfg ? ld.bulk.cfg : text)))
		syntax_problem(&ld, &cfg);
	else
		load_config(&ld, &cfg, f);
	ld.lib->destroy(&cfg);
	bulk_free(&ld.bulk);
	sort_errors(errs, first, &ld.oom);
	free(ld.lines);
	free(buf);
	return !ld.oom;
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

bool
rules_is_conf_name(const char *n)
{
	size_t len = strlen(n);

	return n[0] != '.' && len > 5 && strcmp(n + len - 5, ".conf") == 0;
}

static bool
load_file(struct rules_set *set, const char *path, const struct rules_mapper *m,
    struct rules_errors *errs)
{
	bool oom = false, ok;
	const char *text;
	size_t len;
	FILE *fp;

	if (m != NULL && (text = m->map(path, &len)) != NULL) {
		if (len > RULES_MAX_FILE) {
			too_large(errs, &oom, path);
			ok = !oom;
		} else
			ok = load_one(set, path, NULL, text, errs);
		m->unmap(text, len);
		return ok;
	}
	if ((fp = fopen(path, "re")) == NULL) {
		errs_push(errs, &oom, path, 0, "cannot read: %s",
		    strerror(errno));
		return !oom;
	}
	ok = load_one(set, path, fp, NULL, errs);
	fclose(fp);
	return ok;
}

static bool
load_dir(struct rules_set *set, const char *path, const struct rules_mapper *m,
    struct rules_errors *errs)
{
	char **names = NULL, **grown, *full;
	size_t n = 0, i;
	struct dirent *d;
	bool ok = true, oom = false;
	DIR *dir = opendir(path);

	if (dir == NULL) {
		errs_push(errs, &oom, path, 0, "cannot read: %s",
		    strerror(errno));
		return !oom;
	}
	while ((d = readdir(dir)) != NULL) {
		if (!rules_is_conf_name(d->d_name))
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) ==
		        NULL ||
		    (names = grown, names[n] = strdup(d->d_name)) == NULL) {
			ok = false;
			break;
		}
		n++;
	}
	closedir(dir);
	if (ok && n == 0)
		errs_push(errs, &oom, path, 0,
		    "no *.conf files in this "
		    "directory");
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && ok; i++) {
		size_t len = strlen(path) + strlen(names[i]) + 2;

		if ((full = malloc(len)) == NULL) {
			ok = false;
			break;
		}
		snprintf(full, len, "%s%s%s", path,
		    path[strlen(path) - 1] == '/' ? "" : "/", names[i]);
		ok = load_file(set, full, m, errs);
		free(full);
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok && !oom;
}

struct rules_set *
rules_load(const char *path, struct rules_errors *errs)
{
	return rules_load_mapped(path, NULL, errs);
}

struct rules_set *
rules_load_mapped(const char *path, const struct rules_mapper *m,
    struct rules_errors *errs)
{
	struct rules_set *set = calloc(1, sizeof(*set));
	struct stat st;
	bool ok, oom = false;

	if (set == NULL)
		return NULL;
	if (stat(path, &st) < 0) {
		errs_push(errs, &oom, path, 0, "%s", strerror(errno));
		ok = !oom;
	} else if (S_ISDIR(st.st_mode))
		ok = load_dir(set, path, m, errs);
	else
		ok = load_file(set, path, m, errs);
	if (!ok) {
		rules_set_free(set);
		return NULL;
	}
	return set;
}

struct rules_set *
rules_load_string(const char *text, const char *name, struct rules_errors *errs)
{
	struct rules_set *set = calloc(1, sizeof(*set));

	if (set == NULL)
		return NULL;
	if (!load_one(set, name, NULL, text, errs)) {
		rules_set_free(set);
		return NULL;
	}
	return set;
}

void
rules_set_free(struct rules_set *set)
{
	size_t i;

	if (set == NULL)
		return;
	for (i = 0; i < set->nfiles; i++)
		file_free(&set->files[i]);
	free(set->files);
	free(set);
}

int
rules_set_each_iface(const struct rules_set *set,
    int (*fn)(void *arg, const char *ifname, const char *file, int line),
    void *arg)
{
	size_t i, j;
	int rc;

	for (i = 0; set != NULL && i < set->nfiles; i++) {
		const struct rules_file *f = &set->files[i];

		if (f->iface != NULL &&
		    (rc = fn(arg, f->iface, f->name, f->iface_line)) != 0)
			return rc;
		for (j = 0; j < f->nentries; j++)
			if (f->entries[j].iface != NULL &&
			    (rc = fn(arg, f->entries[j].iface, f->name,
			         f->entries[j].iface_line)) != 0)
				return rc;
	}
	return 0;
}
