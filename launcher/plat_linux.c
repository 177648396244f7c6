/*
 * plat_linux.c - what the launcher needs from Linux: its own executable
 * (to find the shim next to it), the name of the preload variable, and
 * file capabilities, which put the loader in secure mode.
 */
#define _GNU_SOURCE
#include <malloc.h>
#include <stdio.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "launcher.h"
#include "preload.h"

const char lplat_preload_var[] = "LD_PRELOAD";
const char lplat_shim_name[] = "libbindif.so";

int
lplat_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0 || (size_t)n >= len - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

void
lplat_release_memory(void)
{
	(void)malloc_trim(0);
}

/* The loader's secure mode for non-root users; what is in the capability
 * set does not matter, only that there is one. */
bool
lplat_file_caps(const char *path)
{
	return getxattr(path, "security.capability", NULL, 0) > 0;
}

bool
lplat_sip_protected(const char *path)
{
	(void)path;
	return false;
}

bool
lplat_is_darwin(void)
{
	return false;
}
