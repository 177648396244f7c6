/*
 * plat_linux.c - what the launcher needs from Linux: its own executable
 * (to find the shim next to it), a sealed memfd to hand the compiled rules
 * to the shim, and rules files mapped rather than copied. File
 * capabilities, the preload variable and the shim's file name are the
 * shim's plat layer's (common/plat.h).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

/*
 * bindif's mark (common/judge.h): bindif is linked static where it can be,
 * and a static program is what the shim's exec judgement, an outer bindif's
 * prediction and its handshake refuse; this note, in the file's first
 * page like the other notes, tells them it is bindif itself.
 */
__asm__(".pushsection .note.bindif, \"a\", %note\n"
        ".balign 4\n"
        ".long 7\n"          /* namesz: "bindif" and its NUL */
        ".long 0\n"          /* descsz */
        ".long 0x62646966\n" /* JUDGE_MARK_TYPE */
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

void *
lplat_policy_resize(int fd, void *old, size_t oldlen, size_t len)
{
	void *p;

	if (len == 0) {
		if (old != NULL)
			(void)munmap(old, oldlen);
		return NULL;
	}
	if (ftruncate(fd, (off_t)len) < 0)
		return NULL;
	/* mremap keeps the pages already written in place. */
	p = old != NULL ?
	    mremap(old, oldlen, len, MREMAP_MAYMOVE) :
	    mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int
lplat_policy_fill(int fd, int src, off_t off, size_t len)
{
	ssize_t n;

	/* Page cache to the memfd's pages, no copy through ours. */
	while (len > 0) {
		if ((n = sendfile(fd, src, &off, len)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		len -= (size_t)n;
	}
	return 0;
}

int
lplat_policy_seal(int fd, char *why, size_t whylen)
{
	if (fcntl(fd, F_ADD_SEALS,
	        F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
		snprintf(why, whylen, "sealing the policy: %s",
		    strerror(errno));
		return -1;
	}
	return 0;
}

void
lplat_file_id(FILE *to, const struct stat *st)
{
	fprintf(to, "%ju %ju %jd %lld.%09ld %lld.%09ld", (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    (long long)st->st_mtim.tv_sec, st->st_mtim.tv_nsec,
	    (long long)st->st_ctim.tv_sec, st->st_ctim.tv_nsec);
}

/*
 * Rules files, mapped: a 100,000-CIDR list is 3 MB that reading would copy
 * into as many fresh pages at every cold start (1.5 ms here, against 0.15
 * ms mapped and populated at once). A mapped file that shrinks while it is
 * parsed faults (SIGBUS) where it was cut: lplat_guarded turns that into an
 * error. This state is for that signal handler, and one file is mapped at
 * a time.
 */
static const char *mapped;
static size_t mapped_len;
static sigjmp_buf *guard;

/* What is mapped for a file of size bytes: its pages and one more, so a
 * scan that ran past the NUL ending it (a writer's bytes in its last page)
 * faults there instead of reading whatever lies beyond. */
static size_t
map_size(size_t size)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);

	return (size + page - 1) / page * page + page;
}

const char *
lplat_map_text(const char *path, size_t *len)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	struct stat st;
	void *p;
	int fd;

	/* Only inside a guard, and only a regular file whose last page has
	 * room for the NUL the kernel fills it with; else it is read. */
	if (guard == NULL || mapped != NULL ||
	    (fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size <= 0 ||
	    (size_t)st.st_size % page == 0 || st.st_size > (64 << 20)) {
		close(fd);
		return NULL;
	}
	p = mmap(NULL, map_size((size_t)st.st_size), PROT_READ,
	    MAP_PRIVATE | MAP_POPULATE, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return NULL;
	mapped = p;
	mapped_len = map_size((size_t)st.st_size);
	*len = (size_t)st.st_size;
	return p;
}

void
lplat_unmap_text(const char *text, size_t len)
{
	(void)munmap((void *)text, map_size(len));
	if (text == mapped)
		mapped = NULL;
}

static void
on_sigbus(int sig, siginfo_t *si, void *uc)
{
	const char *at = si->si_addr;

	(void)uc;
	if (guard != NULL && mapped != NULL && at >= mapped &&
	    at < mapped + mapped_len)
		siglongjmp(*guard, 1);
	/* Not a mapped file's: die of it, as without this handler (raised
	 * again, it is delivered as the handler returns). */
	signal(sig, SIG_DFL);
	raise(sig);
}

int
lplat_guarded(void (*fn)(void *), void *arg)
{
	struct sigaction sa, old;
	sigjmp_buf env;
	int rc = 0;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &old) < 0) {
		fn(arg); /* unguarded, so nothing is mapped */
		return 0;
	}
	if (sigsetjmp(env, 1) == 0) {
		guard = &env;
		fn(arg);
	} else {
		/* What fn had built is left behind: the caller reports the
		 * file and exits. */
		(void)munmap((void *)mapped, mapped_len);
		mapped = NULL;
		rc = -1;
	}
	guard = NULL;
	(void)sigaction(SIGBUS, &old, NULL);
	return rc;
}
