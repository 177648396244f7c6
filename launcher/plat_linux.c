/*
 * plat_linux.c - what the launcher needs from Linux: its own executable
 * (to find the shim next to it) and a sealed memfd to hand the compiled
 * rules to the shim. File capabilities, the preload variable and the
 * shim's file name are the shim's plat layer's (shim/plat.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/*
 * bindif's mark (shim/preload.h): bindif is linked static where it can be,
 * and a static program is what the shim's exec judgement, an outer bindif's
 * prediction and its handshake refuse; this note, in the file's first
 * page like the other notes, tells them it is bindif itself.
 */
__asm__(".pushsection .note.bindif, \"a\", %note\n"
	".balign 4\n"
	".long 7\n"	       /* namesz: "bindif" and its NUL */
	".long 0\n"	       /* descsz */
	".long 0x62646966\n" /* PRELOAD_MARK_TYPE */
	".asciz \"bindif\"\n"
	".balign 4\n"
	".popsection\n");

int
lplat_self_exe(char *buf, size_t len)
{
	ssize_t n = readlink("/proc/self/exe", buf, len - 1);

	if (n < 0 || (size_t)n >= len - 1)
		return -1;
	buf[n] = '\0';
	return 0;
}

int
lplat_random(void *buf, size_t len)
{
	return getrandom(buf, len, 0) == (ssize_t)len ? 0 : -1;
}

/*
 * A memfd, not close-on-exec so the command inherits it; sealed once
 * written, so neither the launcher nor the command (nor anyone it passes
 * the descriptor to) can change what the shim checked once.
 */
int
lplat_policy_fd(char *why, size_t whylen)
{
	int fd = memfd_create("bindif-policy", MFD_ALLOW_SEALING), hi;

	if (fd < 0) {
		snprintf(why, whylen, "memfd_create: %s", strerror(errno));
		return -1;
	}
	/* Never on 0, 1 or 2, which the command takes for its stdio. */
	if (fd <= STDERR_FILENO) {
		hi = fcntl(fd, F_DUPFD, STDERR_FILENO + 1);
		close(fd);
		if ((fd = hi) < 0)
			snprintf(why, whylen, "F_DUPFD: %s", strerror(errno));
	}
	return fd;
}

int
lplat_policy_seal(int fd, char *why, size_t whylen)
{
	if (fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW |
	    F_SEAL_SEAL) < 0) {
		snprintf(why, whylen, "sealing the policy: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void
lplat_file_id(FILE *to, const struct stat *st)
{
	fprintf(to, "%ju %ju %jd %lld.%09ld %lld.%09ld",
	    (uintmax_t)st->st_dev, (uintmax_t)st->st_ino,
	    (intmax_t)st->st_size, (long long)st->st_mtim.tv_sec,
	    st->st_mtim.tv_nsec, (long long)st->st_ctim.tv_sec,
	    st->st_ctim.tv_nsec);
}
