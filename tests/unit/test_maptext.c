/*
 * test_maptext.c - rules files mapped by the launcher (launcher/plat_*.c):
 * the text and its NUL, what is read instead, and a file cut while it is
 * mapped, which must end the guarded work with -1 rather than the process.
 * Linux only (the macOS launcher reads its files).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "launcher.h"
#include "tmpdir.h"

static char path[sizeof(tmpdir) + 32];

/* name in tmpdir, n bytes of fill in lines of 64; path names it. */
static void
write_bytes(const char *name, size_t n, char fill)
{
	char *text = malloc(n + 1);
	size_t i;

	assert_non_null(text);
	for (i = 0; i < n; i++)
		text[i] = i % 64 == 63 ? '\n' : fill;
	text[n] = '\0';
	write_file(name, text);
	free(text);
	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
}

struct job {
	size_t len;
	const char *text;
	int cut; /* truncate the file, then read where it was */
	int sum;
};

static void
map_and_read(void *arg)
{
	struct job *j = arg;
	size_t i;

	j->text = lplat_map_text(path, &j->len);
	if (j->text == NULL)
		return;
	if (j->cut)
		assert_int_equal(truncate(path, 0), 0);
	for (i = 0; i <= j->len; i++)
		j->sum += j->text[i];
	lplat_unmap_text(j->text, j->len);
}

static void
test_mapped_text(void **state)
{
	struct job j = { 0 };

	(void)state;
	write_bytes("a.conf", 10000, 'a');
	assert_int_equal(lplat_guarded(map_and_read, &j), 0);
	assert_non_null(j.text);
	assert_int_equal(j.len, 10000);
	/* Every byte, and the NUL after them (summed with it). */
	assert_int_equal(j.sum, (10000 - 10000 / 64) * 'a' + 10000 / 64 * '\n');
	/* Outside a guard: read instead. */
	assert_null(lplat_map_text(path, &j.len));
	/* A file filling its last page has no NUL after it: read instead. */
	write_bytes("b.conf", (size_t)sysconf(_SC_PAGESIZE), 'b');
	memset(&j, 0, sizeof(j));
	assert_int_equal(lplat_guarded(map_and_read, &j), 0);
	assert_null(j.text);
	/* Nor a directory, nor a missing file. */
	memset(&j, 0, sizeof(j));
	snprintf(path, sizeof(path), "%s", tmpdir);
	assert_int_equal(lplat_guarded(map_and_read, &j), 0);
	assert_null(j.text);
	snprintf(path, sizeof(path), "%s/none", tmpdir);
	assert_int_equal(lplat_guarded(map_and_read, &j), 0);
	assert_null(j.text);
}

/* Cut while mapped: the guard returns -1, the mapping is gone, and the
 * next file maps again. */
static void
test_cut_while_mapped(void **state)
{
	struct job j = { 0 };

	(void)state;
	write_bytes("cut.conf", 3 * 4096 + 100, 'c');
	j.cut = 1;
	assert_int_equal(lplat_guarded(map_and_read, &j), -1);
	assert_non_null(j.text);
	write_bytes("d.conf", 5000, 'd');
	memset(&j, 0, sizeof(j));
	assert_int_equal(lplat_guarded(map_and_read, &j), 0);
	assert_non_null(j.text);
	assert_int_equal(j.len, 5000);
}

static void
raise_bus(void *arg)
{
	(void)arg;
	raise(SIGBUS);
}

/* A SIGBUS that is not a mapped file's kills as it would have. */
static void
test_other_sigbus_kills(void **state)
{
	int status;
	pid_t pid;

	(void)state;
	if ((pid = fork()) == 0) {
		(void)lplat_guarded(raise_bus, NULL);
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGBUS);
}

static int
setup(void **state)
{
	(void)state;
	make_tmpdir("maptext");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	remove_tmpdir();
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mapped_text),
		cmocka_unit_test(test_cut_while_mapped),
		cmocka_unit_test(test_other_sigbus_kills),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
