/*
 * announce.c - the shim's half of the launcher's handshake (launcher/
 * handshake.h): the loader runs this constructor before the program's
 * entry point, where the launcher holds the program stopped, so one byte
 * in the launcher's pipe proves the loader took the shim. No byte: the
 * launcher kills the program before it runs.
 */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "announce.h"
#include "../common/plat.h"

int
announce_parse(const char *v, int *fd, unsigned long long *ino)
{
	char *end;
	unsigned long n;

	if (v == NULL || *v < '0' || *v > '9')
		return -1;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != ':' || n > 1u << 30)
		return -1;
	v = end + 1;
	if (*v < '0' || *v > '9')
		return -1;
	*ino = strtoull(v, &end, 10);
	if (errno != 0 || *end != '\0')
		return -1;
	*fd = (int)n;
	return 0;
}

__attribute__((constructor)) static void
announce(void)
{
	const char *v = getenv(ANNOUNCE_VAR);
	unsigned long long ino;
	struct stat st;
	int fd, saved = errno;

	if (v == NULL)
		return;
	/* The number may be anything by now in a process the launcher did
	 * not start: write only into the very pipe it names. */
	if (announce_parse(v, &fd, &ino) == 0 && fstat(fd, &st) == 0 &&
	    S_ISFIFO(st.st_mode) && (unsigned long long)st.st_ino == ino) {
		(void)!write(fd, "1", 1);
		plat_close(fd);
	}
	/* Children are checked by nobody: the number means nothing there. */
	(void)unsetenv(ANNOUNCE_VAR);
	errno = saved;
}
