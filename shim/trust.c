/*
 * trust.c - which rules a secure-mode process may read: only a directory
 * nobody but its owner (root) could have written, checked entry by entry
 * without following a symlink.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "state.h"

/*
 * Secure mode (setuid, setgid, file capabilities): whoever set the
 * environment may be the attacker, so BINDIF_RULES and BINDIF_LOG are not
 * read. Rules then come only from the administrator's directory, and only
 * when nobody but root could have written it. Not const so the unit test
 * can point it at a scratch directory of its own.
 */
struct state_trust state_secure_rules = { "/etc/bindif", 0 };

/* lstat, never stat: a symlink's target could be anywhere. A parent
 * directory (parent) may be root's as well as owner's. */
static int
trusted_node(const char *path, uid_t owner, bool dir, bool parent, char *why,
    size_t len)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		snprintf(why, len, "%s: %s", path, strerror(errno));
		return -errno;
	}
	if (dir ? !S_ISDIR(st.st_mode) : !S_ISREG(st.st_mode)) {
		snprintf(why, len, "%s: not a %s", path,
		    dir ? "directory" : "regular file");
		return -EPERM;
	}
	if (st.st_uid != owner && !(parent && st.st_uid == 0)) {
		snprintf(why, len, "%s: owned by uid %ld, not %ld", path,
		    (long)st.st_uid, (long)owner);
		return -EPERM;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		snprintf(why, len, "%s: writable by group or others", path);
		return -EPERM;
	}
	return 0;
}

int
state_trusted_rules(const char *path, uid_t owner, char *why, size_t len)
{
	char *buf;
	const char *slash = strrchr(path, '/');
	size_t n = strlen(path);
	struct stat st;
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (path[0] != '/' || slash == NULL) {
		snprintf(why, len, "%s: not an absolute path", path);
		return -EINVAL;
	}
	/* The parent: whoever can write it can swap the directory. */
	if ((buf = malloc(n + NAME_MAX + 2)) == NULL) {
		snprintf(why, len, "out of memory");
		return -ENOMEM;
	}
	snprintf(buf, n + 1, "%.*s", slash == path ? 1 : (int)(slash - path),
	    path);
	rc = trusted_node(buf, owner, true, true, why, len);
	if (rc == 0 && lstat(path, &st) == 0 && S_ISREG(st.st_mode))
		rc = trusted_node(path, owner, false, false, why, len);
	else if (rc == 0 &&
	    (rc = trusted_node(path, owner, true, false, why, len)) == 0) {
		/* Every entry, not only the *.conf rules_load reads: simpler
		 * to state, and nothing else belongs there. */
		if ((dir = opendir(path)) == NULL) {
			snprintf(why, len, "%s: %s", path, strerror(errno));
			rc = -errno;
		}
		while (rc == 0 && (d = readdir(dir)) != NULL) {
			if (strcmp(d->d_name, ".") == 0 ||
			    strcmp(d->d_name, "..") == 0)
				continue;
			snprintf(buf, n + NAME_MAX + 2, "%s/%s", path,
			    d->d_name);
			rc = trusted_node(buf, owner, false, false, why, len);
		}
		if (dir != NULL)
			closedir(dir);
	}
	free(buf);
	return rc;
}
