/*
 * plat_darwin.c - what the launcher needs from macOS: its own executable
 * (to find the shim next to it) and the name of the preload variable.
 */
#include <mach-o/dyld.h>
#include <malloc/malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"
#include "preload.h"

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

void
lplat_release_memory(void)
{
	(void)malloc_zone_pressure_relief(NULL, 0);
}

bool
lplat_file_caps(const char *path)
{
	(void)path;
	return false;
}

/*
 * dyld strips DYLD_* for binaries under these paths while System
 * Integrity Protection is on, which is the default; /usr/local is not
 * protected. Asking csrutil costs a process per launch, so a protected
 * path counts as protected.
 */
bool
lplat_sip_protected(const char *path)
{
	static const char *const prefixes[] = { "/System/", "/bin/", "/sbin/",
		"/usr/bin/", "/usr/sbin/", "/usr/libexec/", NULL };
	size_t i;

	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(path, prefixes[i], strlen(prefixes[i])) == 0)
			return true;
	return false;
}

bool
lplat_is_darwin(void)
{
	return true;
}
