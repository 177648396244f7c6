/*
 * plat_darwin.c - what the launcher needs from macOS: its own executable
 * (to find the shim next to it) and the name of the preload variable.
 */
#include <mach-o/dyld.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

const char lplat_preload_var[] = "DYLD_INSERT_LIBRARIES";
const char lplat_shim_name[] = "libbindif.dylib";

int
lplat_self_exe(char *buf, size_t len)
{
	char raw[4096];
	uint32_t size = sizeof(raw);

	if (_NSGetExecutablePath(raw, &size) != 0)
		return -1;
	/* The path may hold symlinks; the shim lies next to the real file. */
	if (realpath(raw, buf) == NULL || len < 2)
		return -1;
	return 0;
}
