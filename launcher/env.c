/*
 * env.c - the preload variable: the shim is appended to what the user
 * already preloads (a sanitizer runtime must stay first), never twice.
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static bool
has_entry(const char *list, const char *item)
{
	size_t n = strlen(item);
	const char *p = list;

	/* The loader splits on both ':' and spaces. */
	while ((p = strstr(p, item)) != NULL) {
		bool start = p == list || p[-1] == ':' || p[-1] == ' ';
		bool end = p[n] == '\0' || p[n] == ':' || p[n] == ' ';

		if (start && end)
			return true;
		p += n;
	}
	return false;
}

char *
env_preload(const char *existing, const char *shim)
{
	size_t len;
	char *v;

	if (existing == NULL || existing[0] == '\0')
		return strdup(shim);
	if (has_entry(existing, shim))
		return strdup(existing);
	len = strlen(existing) + 1 + strlen(shim) + 1;
	if ((v = malloc(len)) != NULL)
		snprintf(v, len, "%s:%s", existing, shim);
	return v;
}
