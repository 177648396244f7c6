/*
 * handshake_darwin.c - macOS has no way for an ordinary process to stop a
 * child at its entry point and read its memory map (task_for_pid needs an
 * entitlement), so there the launcher relies on its prediction alone
 * (judge.c: SIP, setuid, file type) and execs the command itself.
 */
#include "handshake.h"

int
handshake_exec(const char *exe, char **argv, int *status, bool *unchecked,
    char *why, size_t whylen)
{
	(void)exe;
	(void)argv;
	(void)status;
	(void)why;
	(void)whylen;
	*unchecked = true;
	return HANDSHAKE_UNAVAILABLE;
}
