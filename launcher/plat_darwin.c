/*
 * plat_darwin.c - what the launcher needs from macOS: its own executable
 * (to find the shim next to it) and an unlinked file to hand the compiled
 * rules to the shim (no memfd here). The preload variable and the shim's
 * file name are the shim's plat layer's (common/plat.h).
 */
#include <mach-o/dyld.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

int
lplat_self_exe(char *buf, size_t len)
{
	char raw[4096];
	uint32_t size = sizeof(raw);

	if (_NSGetExecutablePath(raw, &size) != 0)
		return -1;
	/* The path may hold symlinks; the shim lies next to the real file. */
	if (realpath(raw, buf) == NULL || len < 2)
		return -1;
	return 0;
}

int
lplat_random(void *buf, size_t len)
{
	arc4random_buf(buf, len);
	return 0;
}

/*
 * macOS has no memfd and no seals: a file of our own, unlinked at once and
 * opened a second time read-only; once written, that read-only descriptor
 * takes the writable one's number, so the command inherits no way to
 * change what the shim checked once.
 */
static int policy_ro = -1;

int
lplat_policy_fd(char *why, size_t whylen)
{
	const char *dir = getenv("TMPDIR");
	char path[1024];
	int fd;

	if (dir == NULL || dir[0] != '/')
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/bindif-policy-XXXXXX", dir);
	if ((fd = mkstemp(path)) < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		return -1;
	}
	policy_ro = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	(void)unlink(path);
	if (policy_ro < 0) {
		snprintf(why, whylen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

void *
lplat_policy_resize(int fd, void *old, size_t oldlen, size_t len)
{
	void *p;

	/* No mremap: the file keeps what was written, mapped again. */
	if (old != NULL)
		(void)munmap(old, oldlen);
	if (len == 0)
		return NULL;
	if (ftruncate(fd, (off_t)len) < 0)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	return p == MAP_FAILED ? NULL : p;
}

int
lplat_policy_fill(int fd, int src, off_t off, size_t len)
{
	char buf[65536];
	ssize_t n, w;

	while (len > 0) {
		n = pread(src, buf, len < sizeof(buf) ? len : sizeof(buf), off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		for (w = 0; w < n;) {
			ssize_t k = write(fd, buf + w, (size_t)(n - w));

			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				return -1;
			w += k;
		}
		off += n;
		len -= (size_t)n;
	}
	return 0;
}

int
lplat_policy_seal(int fd, char *why, size_t whylen)
{
	/* dup2 leaves the new descriptor open across exec. */
	int rc = dup2(policy_ro, fd);

	if (rc < 0)
		snprintf(why, whylen, "dup2: %s", strerror(errno));
	close(policy_ro);
	policy_ro = -1;
	return rc < 0 ? -1 : 0;
}

void
lplat_file_id(FILE *to, const struct stat *st)
{
	fprintf(to, "%ju %ju %jd %lld.%09ld %lld.%09ld", (uintmax_t)st->st_dev,
	    (uintmax_t)st->st_ino, (intmax_t)st->st_size,
	    (long long)st->st_mtimespec.tv_sec, st->st_mtimespec.tv_nsec,
	    (long long)st->st_ctimespec.tv_sec, st->st_ctimespec.tv_nsec);
}

/* Rules files are read, not mapped, here: nothing to guard. */
const char *
lplat_map_text(const char *path, size_t *len)
{
	(void)path;
	(void)len;
	return NULL;
}

void
lplat_unmap_text(const char *text, size_t len)
{
	(void)text;
	(void)len;
}

int
lplat_guarded(void (*fn)(void *), void *arg)
{
	fn(arg);
	return 0;
}
