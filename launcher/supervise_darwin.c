/*
 * supervise_darwin.c - supervisor mode is built on Linux's seccomp user
 * notification; macOS offers no way for a parent to hold its child's
 * system calls, so the mode refuses there.
 */
#include <stdio.h>

#include "supervise.h"

int
supervise_available(char *why, size_t whylen)
{
	snprintf(why, whylen, "supervisor mode is Linux-only");
	return -1;
}

int
supervise_exec(const struct shim_cfg *cfg, const struct dnsplan *dns,
    char **argv, const char *exe, int *wstatus, char *why, size_t whylen)
{
	(void)cfg;
	(void)dns;
	(void)argv;
	(void)exe;
	*wstatus = -1;
	return supervise_available(why, whylen);
}
