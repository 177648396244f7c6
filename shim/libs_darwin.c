/*
 * libs_darwin.c - where the shim's own libraries are opened on macOS.
 * Two-level namespaces already bound each library's calls into itself
 * when it was linked, whatever the program exports; RTLD_LOCAL keeps its
 * names out of the program's own dlsym lookups.
 */
#include <dlfcn.h>
#include <stdio.h>

#include "libs.h"

void *
libs_open_private(const char *file, char *why, size_t whylen)
{
	void *h;

	if ((h = dlopen(file, RTLD_NOW | RTLD_LOCAL)) == NULL)
		snprintf(why, whylen, "cannot load %s (%s)", file, dlerror());
	return h;
}

/* The libraries share the program's allocator, which returns large blocks
 * by itself. */
void
libs_release_private(void)
{
}
