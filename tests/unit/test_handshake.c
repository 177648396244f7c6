/*
 * test_handshake.c - the handshake (launcher/handshake*.c, shim/announce.c):
 * reading an auxiliary vector and the shim's variable, then the real thing
 * on this machine, unprivileged: a child stopped at its entry point goes on
 * when the real shim, preloaded, announced itself, and is killed before it
 * runs when nothing was preloaded. Also the parent's part: exit statuses,
 * signals, exec failures (child.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../shim/announce.h"
#include "child.h"
#include "handshake.h"
#include "launcher.h"

/* ---- auxv ---- */

static size_t
put(unsigned char *buf, size_t off, size_t wordsize, uint64_t type,
    uint64_t val)
{
	if (wordsize == 4) {
		uint32_t t = (uint32_t)type, v = (uint32_t)val;

		memcpy(buf + off, &t, 4);
		memcpy(buf + off + 4, &v, 4);
		return off + 8;
	}
	memcpy(buf + off, &type, 8);
	memcpy(buf + off + 8, &val, 8);
	return off + 16;
}

static void
auxv_finds_entry_and_secure(void **state)
{
	unsigned char buf[256];
	uint64_t entry;
	bool secure;
	size_t ws, off;

	(void)state;
	for (ws = 4; ws <= 8; ws += 4) {
		off = put(buf, 0, ws, 6, 4096);       /* AT_PAGESZ */
		off = put(buf, off, ws, 23, 1);       /* AT_SECURE */
		off = put(buf, off, ws, 9, 0x401020); /* AT_ENTRY */
		off = put(buf, off, ws, 0, 0);        /* AT_NULL */
		assert_int_equal(handshake_auxv(buf, off, ws, &entry, &secure),
		    0);
		assert_int_equal(entry, 0x401020);
		assert_true(secure);

		off = put(buf, 0, ws, 9,
		    0x5555deadbeef & (ws == 4 ? 0xffffffff : ~0ull));
		off = put(buf, off, ws, 23, 0);
		off = put(buf, off, ws, 0, 0);
		assert_int_equal(handshake_auxv(buf, off, ws, &entry, &secure),
		    0);
		assert_false(secure);
	}
}

static void
auxv_without_entry_fails(void **state)
{
	unsigned char buf[64];
	uint64_t entry;
	bool secure;
	size_t off;

	(void)state;
	off = put(buf, 0, 8, 6, 4096);
	off = put(buf, off, 8, 0, 0);
	/* AT_ENTRY after AT_NULL does not count. */
	off = put(buf, off, 8, 9, 0x401000);
	assert_int_equal(handshake_auxv(buf, off, 8, &entry, &secure), -1);
	/* A truncated pair is not read. */
	assert_int_equal(handshake_auxv(buf, 12, 8, &entry, &secure), -1);
	assert_int_equal(handshake_auxv(buf, 0, 8, &entry, &secure), -1);
	assert_int_equal(handshake_auxv(buf, off, 3, &entry, &secure), -1);
}

static void
auxv_of_this_process(void **state)
{
	unsigned char buf[4096];
	uint64_t entry;
	bool secure;
	FILE *f = fopen("/proc/self/auxv", "rb");
	size_t n;

	(void)state;
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	assert_int_equal(handshake_auxv(buf, n, sizeof(long), &entry, &secure),
	    0);
	assert_true(entry != 0);
	assert_false(secure);
}

/* ---- the shim's variable ---- */

static void
announce_value_parses(void **state)
{
	unsigned long long ino = 0;
	int fd = -1;

	(void)state;
	assert_int_equal(announce_parse("7:123456789012", &fd, &ino), 0);
	assert_int_equal(fd, 7);
	assert_true(ino == 123456789012ull);
	assert_int_equal(announce_parse(NULL, &fd, &ino), -1);
	assert_int_equal(announce_parse("", &fd, &ino), -1);
	assert_int_equal(announce_parse("7", &fd, &ino), -1);
	assert_int_equal(announce_parse("7:", &fd, &ino), -1);
	assert_int_equal(announce_parse("-1:5", &fd, &ino), -1);
	assert_int_equal(announce_parse("7:5x", &fd, &ino), -1);
	assert_int_equal(announce_parse("7:-5", &fd, &ino), -1);
	assert_int_equal(announce_parse("99999999999:5", &fd, &ino), -1);
}

/* ---- the real thing ---- */

/* The shim as the launcher would preload it (after make sanitize's ASan
 * runtime, which must come first). */
static int
setup_preload(void **state)
{
	const char *first = getenv("BINDIF_TEST_PRELOAD");
	char value[8192];

	(void)state;
	snprintf(value, sizeof(value), "%s%s%s", first ? first : "",
	    first ? ":" : "", SHIM_PATH);
	return setenv("LD_PRELOAD", value, 1);
}

static void
no_preload(void)
{
	const char *first = getenv("BINDIF_TEST_PRELOAD");

	if (first != NULL)
		setenv("LD_PRELOAD", first, 1);
	else
		unsetenv("LD_PRELOAD");
}

static int
hs(char **argv, int *status, char *why, size_t len)
{
	bool unchecked = true;
	int rc = handshake_exec(argv[0], argv, status, &unchecked, why, len);

	if (rc == HANDSHAKE_RAN)
		assert_false(unchecked);
	return rc;
}

static void
mapped_shim_lets_it_run(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "exit 3", NULL };
	char why[1024];
	int status = -1;

	(void)state;
	assert_int_equal(hs(argv, &status, why, sizeof(why)), HANDSHAKE_RAN);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 3);
	assert_int_equal(child_exit_code(status), 3);
}

static void
absent_shim_stops_it_before_it_runs(void **state)
{
	char marker[] = "/tmp/bindif-hs-XXXXXX", cmd[128];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	char why[1024];
	int status = -1, fd = mkstemp(marker);

	(void)state;
	assert_true(fd >= 0);
	close(fd);
	unlink(marker);
	snprintf(cmd, sizeof(cmd), "echo ran >%s", marker);
	no_preload();
	assert_int_equal(hs(argv, &status, why, sizeof(why)),
	    HANDSHAKE_STOPPED);
	assert_int_equal(setup_preload(NULL), 0);
	assert_non_null(strstr(why, "/bin/sh: the loader left the shim out"));
	assert_int_equal(access(marker, F_OK), -1);
	/* The same command with the shim: it runs. */
	assert_int_equal(hs(argv, &status, why, sizeof(why)), HANDSHAKE_RAN);
	assert_int_equal(access(marker, F_OK), 0);
	unlink(marker);
}

static void
signals_come_back(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	char why[1024];
	int status = -1;

	(void)state;
	assert_int_equal(hs(argv, &status, why, sizeof(why)), HANDSHAKE_RAN);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGUSR1);
	assert_int_equal(child_exit_code(status), 128 + SIGUSR1);
}

static void
exec_failures_are_126_127(void **state)
{
	char *missing[] = { "/nonexistent/bdf-prog", NULL };
	char *notexec[] = { "/etc/passwd", NULL };
	char why[1024];
	int status;

	(void)state;
	assert_int_equal(hs(missing, &status, why, sizeof(why)),
	    EXIT_NOT_FOUND);
	assert_non_null(strstr(why, "/nonexistent/bdf-prog: No such file"));
	assert_int_equal(hs(notexec, &status, why, sizeof(why)),
	    EXIT_CANNOT_RUN);
	assert_non_null(strstr(why, "Permission denied"));
}

/* The shim closes the pipe and removes the variable: the program itself
 * sees neither (its children would find a stale number in it). */
static void
the_pipe_does_not_reach_the_program(void **state)
{
	char cmd[256];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };
	char why[1024];
	int probe[2], status = -1;

	(void)state;
	/* handshake_exec's pipe gets the numbers this one had. */
	assert_int_equal(pipe(probe), 0);
	close(probe[0]);
	close(probe[1]);
	snprintf(cmd, sizeof(cmd),
	    "test -z \"${BINDIF_HANDSHAKE+x}\" && "
	    "test ! -e /proc/$$/fd/%d",
	    probe[1]);
	assert_int_equal(hs(argv, &status, why, sizeof(why)), HANDSHAKE_RAN);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_null(getenv("BINDIF_HANDSHAKE"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auxv_finds_entry_and_secure),
		cmocka_unit_test(auxv_without_entry_fails),
		cmocka_unit_test(auxv_of_this_process),
		cmocka_unit_test(announce_value_parses),
		cmocka_unit_test(mapped_shim_lets_it_run),
		cmocka_unit_test(absent_shim_stops_it_before_it_runs),
		cmocka_unit_test(signals_come_back),
		cmocka_unit_test(exec_failures_are_126_127),
		cmocka_unit_test(the_pipe_does_not_reach_the_program),
	};

	return cmocka_run_group_tests(tests, setup_preload, NULL);
}
