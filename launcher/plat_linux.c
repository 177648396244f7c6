/*
 * plat_linux.c - what the launcher needs from Linux: its own executable
 * (to find the shim next to it) and the name of the preload variable.
 * File capabilities are the shim's plat layer's (shim/preload.c asks).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <unistd.h>

#include "launcher.h"

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
