/*
 * kernel_darwin.c - kernel mode is a Linux facility (cgroup BPF); macOS
 * has no equivalent a launcher can attach to one process tree.
 */
#include <stdio.h>

#include "kernel.h"

int
kernel_exec(const char *ifname, unsigned ifindex, const struct kernel_dns *dns,
    char **argv, const char *exe, int *wstatus, char *why, size_t whylen)
{
	*wstatus = -1;
	(void)dns;
	(void)ifname;
	(void)ifindex;
	(void)argv;
	(void)exe;
	snprintf(why, whylen, "kernel mode is Linux-only");
	return -1;
}

void
kernel_set_mark(unsigned mark)
{
	(void)mark;
}
