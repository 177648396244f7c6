/*
 * target.c - finds the command as execvp(3) would, so that "not found"
 * (127) and "not executable" (126) are told apart before anything runs,
 * and asks whether the loader will take the shim into it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"
#include "../common/judge.h"

/* 0 when path is a runnable regular file, else an exit status. */
static int
runnable(const char *path, int *err)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		*err = errno;
		return errno == ENOENT || errno == ENOTDIR ? EXIT_NOT_FOUND :
		                                             EXIT_CANNOT_RUN;
	}
	if (S_ISDIR(st.st_mode)) {
		*err = EISDIR;
		return EXIT_CANNOT_RUN;
	}
	if (access(path, X_OK) < 0) {
		*err = errno;
		return EXIT_CANNOT_RUN;
	}
	return 0;
}

int
target_resolve(const char *cmd, const char *path_env, char *out, size_t outlen,
    char *why, size_t whylen)
{
	const char *p, *end;
	int err = 0, rc, best = EXIT_NOT_FOUND, best_err = ENOENT;

	if (cmd[0] == '\0') {
		snprintf(why, whylen, "empty command name");
		return EXIT_NOT_FOUND;
	}
	if (strchr(cmd, '/') != NULL) {
		if ((size_t)snprintf(out, outlen, "%s", cmd) >= outlen) {
			snprintf(why, whylen, "%s: path too long", cmd);
			return EXIT_NOT_FOUND;
		}
		if ((rc = runnable(cmd, &err)) != 0)
			snprintf(why, whylen, "%s: %s", cmd, strerror(err));
		return rc;
	}
	if (path_env == NULL)
		path_env = "/usr/local/bin:/usr/bin:/bin";
	for (p = path_env;; p = end + 1) {
		size_t dirlen;

		end = strchr(p, ':');
		dirlen = end ? (size_t)(end - p) : strlen(p);
		/* An empty PATH element means the current directory. */
		if ((size_t)snprintf(out, outlen, "%.*s%s%s", (int)dirlen, p,
		        dirlen ? "/" : "", cmd) < outlen) {
			rc = runnable(out, &err);
			if (rc == 0)
				return 0;
			/* As execvp: a found but unusable file beats "not
			 * found" for the message. */
			if (rc == EXIT_CANNOT_RUN && best == EXIT_NOT_FOUND) {
				best = rc;
				best_err = err;
			}
		}
		if (end == NULL)
			break;
	}
	if (best == EXIT_NOT_FOUND)
		snprintf(why, whylen, "%s: command not found", cmd);
	else
		snprintf(why, whylen, "%s: %s", cmd, strerror(best_err));
	return best;
}

enum judge_verdict
judge_check(const char *exe, char *judged, size_t judgedlen)
{
	struct elf_facts self;
	char me[4096];

	/* The launcher is built like the shim (same compiler, libc and
	 * architecture), so its own header stands for the shim's. */
	memset(&self, 0, sizeof(self));
	if (lplat_self_exe(me, sizeof(me)) == 0)
		(void)judge_self(me, &self);
	return judge_program_file(exe, &self, judged, judgedlen);
}
