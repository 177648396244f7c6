/*
 * log.c - the shim's one line on stderr, "bindif[prog:pid]: ...", or in
 * BINDIF_LOG's file: written whole with write(2), errno kept, no stdio
 * (the program's stderr buffer is not ours).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "state.h"

void
state_log(const struct shim_cfg *c, const char *fmt, ...)
{
	char line[768];
	int n, m, saved = errno;
	va_list ap;

	n = snprintf(line, sizeof(line), "bindif[%s:%ld]: ", c->prog,
	    (long)getpid());
	if (n < 0 || (size_t)n >= sizeof(line)) {
		errno = saved;
		return;
	}
	va_start(ap, fmt);
	m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (m < 0) {
		errno = saved;
		return;
	}
	n += m;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	/* write(2), not stdio: the program's stderr buffer is not ours. The
	 * log file is opened per line: a descriptor kept open could be
	 * closed by the program and its number reused for one of its own
	 * sockets. Only ever done when logging was asked for. */
	if (c->log_path != NULL) {
		int fd = open(c->log_path,
		    O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		    0600);

		if (fd >= 0) {
			(void)!write(fd, line, (size_t)n);
			(void)state_real()->close(fd);
			errno = saved;
			return;
		}
	}
	(void)!write(STDERR_FILENO, line, (size_t)n);
	errno = saved;
}
