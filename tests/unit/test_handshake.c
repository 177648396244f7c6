/*
 * test_handshake.c - the handshake (launcher/handshake*.c): reading an
 * auxiliary vector and a memory map, then the real thing on this machine,
 * unprivileged: a child stopped at its entry point passes when the file
 * named as the shim is mapped (libc stands in for it, as every program
 * maps it) and is killed before it runs when it is not. Also the
 * parent's part: exit statuses, signals, exec failures (child.c).
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <dlfcn.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

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
		off = put(buf, 0, ws, 6, 4096);		/* AT_PAGESZ */
		off = put(buf, off, ws, 23, 1);		/* AT_SECURE */
		off = put(buf, off, ws, 9, 0x401020);	/* AT_ENTRY */
		off = put(buf, off, ws, 0, 0);		/* AT_NULL */
		assert_int_equal(handshake_auxv(buf, off, ws, &entry, &secure),
		    0);
		assert_int_equal(entry, 0x401020);
		assert_true(secure);

		off = put(buf, 0, ws, 9, 0x5555deadbeef & (ws == 4 ? 0xffffffff
								   : ~0ull));
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

/* ---- maps ---- */

static const char maps[] =
    "55d0c0a00000-55d0c0a02000 r--p 00000000 fe:01 1311 /usr/bin/true\n"
    "7f1e2a000000-7f1e2a022000 r--p 00000000 fe:01 2424 /lib/x86_64-linux-gnu/libc.so.6\n"
    "7f1e2a200000-7f1e2a201000 r-xp 00001000 00:2a 77 /build/lib bindif.so\n"
    "7f1e2a300000-7f1e2a301000 rw-p 00000000 00:00 0 \n"
    "7ffc1e000000-7ffc1e021000 rw-p 00000000 00:00 0                          [stack]";

static void
maps_match_by_path_or_identity(void **state)
{
	(void)state;
	assert_true(handshake_maps_has(maps,
	    "/lib/x86_64-linux-gnu/libc.so.6", 9, 9, 1));
	/* Overlay: another path, but the device and inode of the file. */
	assert_true(handshake_maps_has(maps, "/elsewhere/libc.so.6", 0xfe, 1,
	    2424));
	/* A path with a space in it. */
	assert_true(handshake_maps_has(maps, "/build/lib bindif.so", 1, 1, 5));
	assert_true(handshake_maps_has(maps, "/nowhere", 0, 0x2a, 77));
	assert_false(handshake_maps_has(maps, "/build/libbindif.so", 0xfe, 1,
	    2425));
	assert_false(handshake_maps_has(maps, "/lib/x86_64-linux-gnu/libc.so",
	    0xfe, 2, 2424));
	/* Anonymous mappings have inode 0: never a match by identity. */
	assert_false(handshake_maps_has(maps, "/x", 0, 0, 0));
	assert_false(handshake_maps_has("", "/usr/bin/true", 0xfe, 1, 1311));
	assert_false(handshake_maps_has("garbage\n\n", "garbage", 0, 0, 0));
}

/* ---- the real thing ---- */

static char libc_path[PATH_MAX];

static int
setup_libc(void **state)
{
	Dl_info info;

	(void)state;
	if (dladdr((void *)printf, &info) == 0 || info.dli_fname == NULL ||
	    realpath(info.dli_fname, libc_path) == NULL)
		return -1;
	return 0;
}

static int
hs(char **argv, const char *shim, int *status, char *why, size_t len)
{
	bool unchecked = true;
	int rc = handshake_exec(argv[0], argv, shim, status, &unchecked, why,
	    len);

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
	assert_int_equal(hs(argv, libc_path, &status, why, sizeof(why)),
	    HANDSHAKE_RAN);
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
	/* A real file that no program maps. */
	assert_int_equal(hs(argv, "/etc/passwd", &status, why, sizeof(why)),
	    HANDSHAKE_STOPPED);
	assert_non_null(strstr(why, "/bin/sh: the loader left the shim out"));
	assert_int_equal(access(marker, F_OK), -1);
}

static void
signals_come_back(void **state)
{
	char *argv[] = { "/bin/sh", "-c", "kill -USR1 $$", NULL };
	char why[1024];
	int status = -1;

	(void)state;
	assert_int_equal(hs(argv, libc_path, &status, why, sizeof(why)),
	    HANDSHAKE_RAN);
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
	assert_int_equal(hs(missing, libc_path, &status, why, sizeof(why)),
	    EXIT_NOT_FOUND);
	assert_non_null(strstr(why, "/nonexistent/bdf-prog: No such file"));
	assert_int_equal(hs(notexec, libc_path, &status, why, sizeof(why)),
	    EXIT_CANNOT_RUN);
	assert_non_null(strstr(why, "Permission denied"));
}

static void
missing_shim_file_is_an_error(void **state)
{
	char *argv[] = { "/bin/true", NULL };
	char why[1024];
	int status;

	(void)state;
	assert_int_equal(hs(argv, "/nonexistent/libbindif.so", &status, why,
			     sizeof(why)),
	    HANDSHAKE_STOPPED);
	assert_non_null(strstr(why, "/nonexistent/libbindif.so"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(auxv_finds_entry_and_secure),
		cmocka_unit_test(auxv_without_entry_fails),
		cmocka_unit_test(auxv_of_this_process),
		cmocka_unit_test(maps_match_by_path_or_identity),
		cmocka_unit_test(mapped_shim_lets_it_run),
		cmocka_unit_test(absent_shim_stops_it_before_it_runs),
		cmocka_unit_test(signals_come_back),
		cmocka_unit_test(exec_failures_are_126_127),
		cmocka_unit_test(missing_shim_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, setup_libc, NULL);
}
