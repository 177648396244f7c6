/*
 * capture_darwin.c - macOS has no netfilter: pf's rdr rules are another
 * story, not read here, so there is nothing to report.
 */
#include "capture.h"

int
capture_os_read(struct capture_set *s, bool all, bool *denied, char *why,
    size_t whylen)
{
	(void)s;
	(void)all;
	(void)why;
	(void)whylen;
	*denied = false;
	return 0;
}

int
capture_os_hint(char *name, size_t len)
{
	(void)name;
	(void)len;
	return -1;
}

int
capture_os_legacy(char *names, size_t len)
{
	if (len > 0)
		names[0] = '\0';
	return 0;
}

bool
capture_os_can_mark(void)
{
	return false;
}
