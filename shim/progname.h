/*
 * progname.h - what the settings (state.c) and the exec hooks
 * (hooks_exec.c) both read at start, the same way: the program's name
 * for log lines, and whether BINDIF_VERBOSE asks for them. Inline: the
 * exec hooks run in vfork children and keep to what they link.
 */
#ifndef BINDIF_PROGNAME_H
#define BINDIF_PROGNAME_H

#include <stdbool.h>
#include <string.h>

/* argv[0]'s base name, else the executable's. */
static inline const char *
progname_of(const char *exe, const char *argv0)
{
	const char *p = argv0 != NULL && argv0[0] != '\0' ? argv0 : exe;
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* BINDIF_VERBOSE's value: set, not empty and not "0". */
static inline bool
progname_verbose(const char *v)
{
	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

#endif
