/*
 * test_ifdns_darwin.c - launcher/ifdns_darwin.c with stand-ins for macOS's
 * scutil and ipconfig (shell scripts printing fixtures/macos/): which
 * tool is asked and when, what is handed to the shim, and tools that
 * fail, hang (killed at the time limit) or write too much.
 */
#include "ifdns_darwin.c" /* first: it sets the feature macros */

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>
#include <sys/stat.h>

#include "tmpdir.h"

#define LIMIT_MS 300 /* the tools' time limit here: a hang costs this */

static char scutil[sizeof(tmpdir) + 16], ipconfig[sizeof(tmpdir) + 16];
static char fixtures[PATH_MAX];

/* A stand-in tool: a script of body, executable. */
static void
tool(char *path, size_t len, const char *name, const char *body)
{
	char text[sizeof(fixtures) + sizeof(tmpdir) + 1024];

	assert_true(
	    snprintf(text, sizeof(text), "#!/bin/sh\nF='%s'\nD='%s'\n%s\n",
	        fixtures, tmpdir, body) < (int)sizeof(text));
	write_file(name, text);
	snprintf(path, len, "%s/%s", tmpdir, name);
	assert_int_equal(chmod(path, 0755), 0);
}

static int
setup(void **state)
{
	(void)state;
	assert_non_null(realpath(FIXTURES_DIR "/macos", fixtures));
	make_tmpdir("ifdns");
	/* What the real ipconfig does: only the named interface's packet. */
	tool(ipconfig, sizeof(ipconfig), "ipconfig",
	    "touch \"$D/ipconfig-ran\"\n"
	    "[ \"$1 $2\" = 'getpacket en0' ] || exit 1\n"
	    "exec cat \"$F/ipconfig-getpacket-en0.txt\"");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	remove_tmpdir();
	return 0;
}

static int
collect(const char *ifname, char *buf, size_t len)
{
	char ran[sizeof(tmpdir) + 16];

	snprintf(ran, sizeof(ran), "%s/ipconfig-ran", tmpdir);
	unlink(ran);
	return ifdns_collect_from(ifname, scutil, ipconfig, LIMIT_MS, buf, len);
}

static bool
ipconfig_ran(void)
{
	char ran[sizeof(tmpdir) + 16];

	snprintf(ran, sizeof(ran), "%s/ipconfig-ran", tmpdir);
	return access(ran, F_OK) == 0;
}

/* ClashX: en0's service DNS is the fake-ip server, so the DHCP answer is
 * asked too, and the shim takes the network's own servers from it. */
static void
test_clashx(void **state)
{
	char buf[DNSCONF_HAND_MAX], note[256];
	struct dns_servers l;

	(void)state;
	tool(scutil, sizeof(scutil), "scutil",
	    "[ \"$1\" = --dns ] || exit 1\n"
	    "exec cat \"$F/scutil-dns-clashx.txt\"");
	assert_int_equal(collect("en0", buf, sizeof(buf)), 0);
	assert_true(ipconfig_ran());
	assert_string_equal(buf, "en0=198.18.0.2;192.168.1.1,192.0.2.53");
	assert_true(
	    dnsconf_discover_handed(buf, "en0", &l, note, sizeof(note)));
	assert_int_equal(l.n, 2);
	/* utun4 has no DHCP packet: only the fake-ip server, handed down so
	 * the shim can say it skipped it. */
	assert_int_equal(collect("utun4", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "utun4=198.18.0.2;");
	/* An interface neither tool knows: nothing to hand down. */
	assert_int_equal(collect("en7", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
}

/* A usable scoped server: the DHCP answer could not change the shim's
 * choice, so ipconfig is not run. */
static void
test_scoped_enough(void **state)
{
	char buf[DNSCONF_HAND_MAX];

	(void)state;
	tool(scutil, sizeof(scutil), "scutil",
	    "printf 'DNS configuration (for scoped queries)\\n\\n"
	    "resolver #1\\n  nameserver[0] : 192.0.2.1\\n"
	    "  if_index : 6 (en0)\\n'");
	assert_int_equal(collect("en0", buf, sizeof(buf)), 0);
	assert_false(ipconfig_ran());
	assert_string_equal(buf, "en0=192.0.2.1;");
}

/* The tools run with an environment of their own: nothing preloaded. */
static void
test_clean_environment(void **state)
{
	char buf[DNSCONF_HAND_MAX];

	(void)state;
	setenv("LD_PRELOAD", "/nonexistent/libbindif.so", 1);
	setenv("DYLD_INSERT_LIBRARIES", "/nonexistent/libbindif.dylib", 1);
	tool(scutil, sizeof(scutil), "scutil",
	    "[ -z \"$LD_PRELOAD$DYLD_INSERT_LIBRARIES\" ] || exit 1\n"
	    "[ \"$LC_ALL\" = C ] || exit 1\n"
	    "exec cat \"$F/scutil-dns-clashx.txt\"");
	assert_int_equal(collect("en0", buf, sizeof(buf)), 0);
	unsetenv("LD_PRELOAD");
	unsetenv("DYLD_INSERT_LIBRARIES");
	assert_string_equal(buf, "en0=198.18.0.2;192.168.1.1,192.0.2.53");
}

/* A tool that is missing, fails, hangs or floods counts as silent; the
 * other still answers. */
static void
test_tools_misbehaving(void **state)
{
	static const char *const bodies[] = {
		"cat \"$F/scutil-dns-clashx.txt\"; exit 1",
		"exec sleep 30",
		"cat \"$F/scutil-dns-clashx.txt\"; exec sleep 30",
		"head -c 300000 /dev/zero | tr '\\0' a",
		"kill -9 $$",
	};
	char buf[DNSCONF_HAND_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		tool(scutil, sizeof(scutil), "scutil", bodies[i]);
		assert_int_equal(collect("en0", buf, sizeof(buf)), 0);
		assert_string_equal(buf, "en0=;192.168.1.1,192.0.2.53");
	}
	snprintf(scutil, sizeof(scutil), "%s/none", tmpdir);
	assert_int_equal(collect("en0", buf, sizeof(buf)), 0);
	assert_string_equal(buf, "en0=;192.168.1.1,192.0.2.53");
	snprintf(ipconfig, sizeof(ipconfig), "%s/none", tmpdir);
	assert_int_equal(collect("en0", buf, sizeof(buf)), -1);
	assert_string_equal(buf, "");
	/* A buffer too small: nothing rather than a cut list. */
	tool(ipconfig, sizeof(ipconfig), "ipconfig",
	    "exec cat \"$F/ipconfig-getpacket-en0.txt\"");
	assert_int_equal(collect("en0", buf, 12), -1);
	assert_string_equal(buf, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clashx),
		cmocka_unit_test(test_scoped_enough),
		cmocka_unit_test(test_clean_environment),
		cmocka_unit_test(test_tools_misbehaving),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
