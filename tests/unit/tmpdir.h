/*
 * tmpdir.h - a scratch directory for tests that need real files (rules
 * directories, readers). Included by the tests that use it; header-only
 * so each test stays one file plus what it includes.
 */
#ifndef BINDIF_TEST_TMPDIR_H
#define BINDIF_TEST_TMPDIR_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char tmpdir[64];

/* Creates tmpdir as /tmp/bindif-<what>-XXXXXX. */
static void
make_tmpdir(const char *what)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/bindif-%s-XXXXXX", what);
	assert_non_null(mkdtemp(tmpdir));
}

static void
write_file(const char *name, const char *text)
{
	char path[sizeof(tmpdir) + 256];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	assert_non_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

/* Flat: the tests make no subdirectories. */
static void
remove_tmpdir(void)
{
	char path[sizeof(tmpdir) + 300];
	DIR *d = opendir(tmpdir);
	struct dirent *e;

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", tmpdir, e->d_name);
		unlink(path);
	}
	closedir(d);
	rmdir(tmpdir);
}

#endif
