/*
 * select.c - which files apply to a program: a program = name against
 * the program's exe and argv0, and rules_select, which compiles a set's
 * files for one program in their order of precedence. Pure: no I/O.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_impl.h"

static const char *
base_name(const char *path)
{
	const char *slash = path ? strrchr(path, '/') : NULL;

	return slash ? slash + 1 : path;
}

bool
rules_name_matches(const char *want, const char *exe, const char *argv0)
{
	const char *cands[2] = { exe, argv0 };
	int c;

	for (c = 0; c < 2; c++) {
		if (cands[c] == NULL || cands[c][0] == '\0')
			continue;
		if (strchr(want, '/') ? strcmp(want, cands[c]) == 0 :
		                        strcmp(want, base_name(cands[c])) == 0)
			return true;
	}
	return false;
}

bool
rules_file_matches(const struct rules_file *f, const char *exe,
    const char *argv0)
{
	size_t i;

	for (i = 0; i < f->nprograms; i++)
		if (rules_name_matches(f->programs[i], exe, argv0))
			return true;
	return false;
}

struct rules_policy *
rules_select(const struct rules_set *set, const char *exe, const char *argv0,
    const char *default_iface, char *why, size_t whylen)
{
	const struct rules_file **files = NULL;
	size_t i, nfiles = 0, nsets = set ? set->nfiles : 0;
	struct rules_policy *p;
	int pass;

	if (nsets > 0 && (files = malloc(nsets * sizeof(*files))) == NULL) {
		snprintf(why, whylen, "out of memory compiling the rules");
		return NULL;
	}
	/* Per-app files first, then the general ones, each in name order. */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < nsets; i++) {
			const struct rules_file *f = &set->files[i];

			if (pass == 0 ? f->nprograms > 0 &&
			            rules_file_matches(f, exe, argv0) :
			                f->nprograms == 0)
				files[nfiles++] = f;
		}
	p = rules_compile(files, nfiles, default_iface, why, whylen);
	free(files);
	return p;
}
