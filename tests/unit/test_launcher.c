/*
 * test_launcher.c - the launcher's pure parts: options (launcher/opts.c),
 * the preload variable (env.c), finding the command as execvp would
 * (target.c) and where the rules are looked for (checks.c). Files are made
 * in a fresh temporary directory, removed at the end.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <arpa/inet.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"

#define WHY 256

/* ---- opts_parse ---- */

/* argv as main gets it: writable pointers, NULL-terminated. */
#define ARGV(...) ((char *[]){ "bindif", __VA_ARGS__, NULL })

static int
parse(char **argv, struct opts *o, char *why)
{
	int argc = 0;

	while (argv[argc] != NULL)
		argc++;
	optind = 0; /* glibc: a full reset, as for a first call */
	memset(why, 0, WHY);
	return opts_parse(argc, argv, o, why, WHY);
}

static void
assert_command(const struct opts *o, int argc, const char *a0, const char *a1)
{
	assert_int_equal(o->argc, argc);
	assert_string_equal(o->argv[0], a0);
	if (a1 != NULL)
		assert_string_equal(o->argv[1], a1);
	assert_null(o->argv[argc]);
}

static void
test_opts_command_keeps_its_options(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-i", "phy0", "--", "curl", "-v"), &o, why),
	    0);
	assert_string_equal(o.iface, "phy0");
	assert_false(o.verbose);
	assert_command(&o, 2, "curl", "-v");

	/* Without "--": parsing stops at the command all the same. */
	assert_int_equal(parse(ARGV("-i", "phy0", "curl", "-v", "-i", "x"), &o,
	                     why),
	    0);
	assert_string_equal(o.iface, "phy0");
	assert_false(o.verbose);
	assert_command(&o, 4, "curl", "-v");
	assert_string_equal(o.argv[3], "x");
}

static void
test_opts_mark(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("--mark", "0x2024", "-i", "phy0", "true"),
	                     &o, why),
	    0);
	assert_int_equal(o.mark, 0x2024);
	assert_int_equal(parse(ARGV("--mark=8228", "true"), &o, why), 0);
	assert_int_equal(o.mark, 8228);
	assert_int_equal(parse(ARGV("-i", "phy0", "true"), &o, why), 0);
	assert_int_equal(o.mark, 0);
	assert_int_equal(parse(ARGV("--mark", "0", "true"), &o, why), -1);
	assert_string_equal(why, "--mark: '0' is not a mark (1 to 0xffffffff)");
	assert_int_equal(parse(ARGV("--mark", "0x1g", "true"), &o, why), -1);
	assert_int_equal(parse(ARGV("--mark", "-1", "true"), &o, why), -1);
	assert_int_equal(parse(ARGV("--mark", "0x100000000", "true"), &o, why),
	    -1);
	assert_string_equal(why,
	    "--mark: '0x100000000' is not a mark (1 to "
	    "0xffffffff)");
}

static void
test_opts_forms(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-c", "/r/x.conf", "curl"), &o, why), 0);
	assert_string_equal(o.rules, "/r/x.conf");
	assert_null(o.iface);
	assert_command(&o, 1, "curl", NULL);

	assert_int_equal(parse(ARGV("--interface=x", "curl"), &o, why), 0);
	assert_string_equal(o.iface, "x");
	assert_null(o.rules);

	assert_int_equal(parse(ARGV("--interface", "y", "--config=d/", "sh"),
	                     &o, why),
	    0);
	assert_string_equal(o.iface, "y");
	assert_string_equal(o.rules, "d/");
	assert_command(&o, 1, "sh", NULL);

	assert_int_equal(parse(ARGV("-v", "-i", "phy0", "curl"), &o, why), 0);
	assert_true(o.verbose);
	assert_string_equal(o.iface, "phy0");

	assert_int_equal(parse(ARGV("-vi", "phy0", "curl"), &o, why), 0);
	assert_true(o.verbose);
	assert_string_equal(o.iface, "phy0");

	assert_int_equal(parse(ARGV("--verbose", "-iphy1", "curl"), &o, why),
	    0);
	assert_true(o.verbose);
	assert_string_equal(o.iface, "phy1");

	/* Fields of an earlier parse do not survive. */
	assert_int_equal(parse(ARGV("curl"), &o, why), 0);
	assert_false(o.verbose);
	assert_null(o.iface);
	assert_null(o.rules);
	assert_command(&o, 1, "curl", NULL);
}

static void
test_opts_help_version(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("--help"), &o, why), 0);
	assert_true(o.help);
	assert_false(o.version);
	assert_int_equal(parse(ARGV("-h"), &o, why), 0);
	assert_true(o.help);
	assert_int_equal(parse(ARGV("--version"), &o, why), 0);
	assert_true(o.version);
	assert_false(o.help);
	assert_int_equal(parse(ARGV("-V"), &o, why), 0);
	assert_true(o.version);
}

static void
test_opts_no_command(void **state)
{
	char *only[] = { "bindif", NULL };
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-i", "phy0"), &o, why), -1);
	assert_string_equal(why, "no command given");
	assert_int_equal(parse(only, &o, why), -1);
	assert_string_equal(why, "no command given");
	assert_int_equal(parse(ARGV("-i", "phy0", "--"), &o, why), -1);
	assert_string_equal(why, "no command given");
}

static void
test_opts_unknown_option(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-x", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "unknown option"));
	assert_non_null(strstr(why, "-x"));
	assert_int_equal(parse(ARGV("--bogus", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "unknown option"));
	assert_non_null(strstr(why, "--bogus"));
	assert_int_equal(parse(ARGV("-vq", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "-q"));
}

static void
test_opts_empty_values(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-i", "", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "-i"));
	assert_int_equal(parse(ARGV("--interface=", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "-i"));
	assert_int_equal(parse(ARGV("-c", "", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "-c"));
}

/*
 * "-i" at the end of the line is a known option without its value, and the
 * message must say so: calling it unknown sends the user looking for a typo.
 */
static void
test_opts_missing_value(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("-i"), &o, why), -1);
	assert_non_null(strstr(why, "-i"));
	if (strstr(why, "unknown") != NULL)
		fail_msg("-i without a value reported as \"%s\"", why);
	assert_int_equal(parse(ARGV("-v", "--interface"), &o, why), -1);
	assert_non_null(strstr(why, "interface"));
	if (strstr(why, "unknown") != NULL)
		fail_msg("--interface without a value reported as \"%s\"", why);
	assert_int_equal(parse(ARGV("-c"), &o, why), -1);
	assert_non_null(strstr(why, "-c"));
	if (strstr(why, "unknown") != NULL)
		fail_msg("-c without a value reported as \"%s\"", why);
}

/* ---- env_preload ---- */

static void
check_preload(const char *existing, const char *shim, const char *want)
{
	char *v = env_preload(existing, shim);

	assert_non_null(v);
	assert_string_equal(v, want);
	free(v);
}

static void
test_preload_empty(void **state)
{
	(void)state;
	check_preload(NULL, "/l/shim.so", "/l/shim.so");
	check_preload("", "/l/shim.so", "/l/shim.so");
}

/* A sanitizer runtime the user preloads must stay first. */
static void
test_preload_appended(void **state)
{
	(void)state;
	check_preload("/a.so", "/l/shim.so", "/a.so:/l/shim.so");
	check_preload("/usr/lib/libasan.so.8:/b.so", "/l/shim.so",
	    "/usr/lib/libasan.so.8:/b.so:/l/shim.so");
}

static void
test_preload_already_present(void **state)
{
	(void)state;
	check_preload("/l/shim.so", "/l/shim.so", "/l/shim.so");
	check_preload("/a.so:/l/shim.so", "/l/shim.so", "/a.so:/l/shim.so");
	check_preload("/l/shim.so:/a.so", "/l/shim.so", "/l/shim.so:/a.so");
	check_preload("/a.so /l/shim.so", "/l/shim.so", "/a.so /l/shim.so");
	check_preload("/a.so /l/shim.so /b.so", "/l/shim.so",
	    "/a.so /l/shim.so /b.so");
	/* A near miss first, the real entry after it. */
	check_preload("/l/shim.so.bak:/l/shim.so", "/l/shim.so",
	    "/l/shim.so.bak:/l/shim.so");
}

/* Substrings of other entries are not the shim. */
static void
test_preload_substring_traps(void **state)
{
	(void)state;
	check_preload("/l/shim.so.bak", "/l/shim.so",
	    "/l/shim.so.bak:/l/shim.so");
	check_preload("/x/l/shim.so", "/l/shim.so", "/x/l/shim.so:/l/shim.so");
	check_preload("/a.so:/x/l/shim.so.1 /b.so", "/l/shim.so",
	    "/a.so:/x/l/shim.so.1 /b.so:/l/shim.so");
}

/* ---- a scratch directory ---- */

static char tmp[PATH_MAX];

static int
make_tmp(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "%s/bindif-test-XXXXXX",
	    getenv("TMPDIR") && getenv("TMPDIR")[0] ? getenv("TMPDIR") :
	                                              "/tmp");
	return mkdtemp(tmp) == NULL ? -1 : 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(path);
}

static int
remove_tmp(void **state)
{
	(void)state;
	/* Depth first, never following a link out of the directory. */
	return nftw(tmp, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* tmp/rel, into buf. */
static const char *
at(char *buf, const char *rel)
{
	int n = snprintf(buf, PATH_MAX, "%s/%s", tmp, rel);

	assert_true(n > 0 && n < PATH_MAX);
	return buf;
}

static void
make_dir(const char *rel)
{
	char p[PATH_MAX];

	assert_int_equal(mkdir(at(p, rel), 0755), 0);
}

static void
make_file(const char *rel, mode_t mode)
{
	char p[PATH_MAX];
	int fd = open(at(p, rel), O_WRONLY | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, "#!/bin/sh\n", 10), 10);
	close(fd);
	/* Explicitly: the umask must not decide the test. */
	assert_int_equal(chmod(p, mode), 0);
}

/* ---- target_resolve ---- */

/* why is "<object>: <strerror(err)>". */
static void
assert_why(const char *why, const char *object, int err)
{
	size_t n = strlen(object);

	if (strncmp(why, object, n) != 0 || strncmp(why + n, ": ", 2) != 0 ||
	    strcmp(why + n + 2, strerror(err)) != 0)
		fail_msg("why is \"%s\", not \"%s: %s\"", why, object,
		    strerror(err));
}

static int
resolve(const char *cmd, const char *path, char *out, char *why)
{
	memset(out, 0, PATH_MAX);
	memset(why, 0, WHY);
	return target_resolve(cmd, path, out, PATH_MAX, why, WHY);
}

static void
test_target_absolute(void **state)
{
	char p[PATH_MAX], out[PATH_MAX], why[WHY];

	(void)state;
	make_file("run", 0755);
	assert_int_equal(resolve(at(p, "run"), "/nonexistent", out, why), 0);
	assert_string_equal(out, p);

	assert_int_equal(resolve(at(p, "missing"), NULL, out, why), 127);
	assert_why(why, p, ENOENT);

	/* A path through a missing directory is "not found" too. */
	assert_int_equal(resolve(at(p, "nodir/run"), NULL, out, why), 127);
}

/* 0644 even for root, who passes access(X_OK) on any file with an x bit. */
static void
test_target_not_executable(void **state)
{
	char p[PATH_MAX], out[PATH_MAX], why[WHY];

	(void)state;
	make_file("data", 0644);
	assert_int_equal(resolve(at(p, "data"), NULL, out, why), 126);
	assert_why(why, p, EACCES);

	make_dir("adir");
	assert_int_equal(resolve(at(p, "adir"), NULL, out, why), 126);
	assert_why(why, p, EISDIR);
}

static void
test_target_bare_name_missing(void **state)
{
	char p[PATH_MAX], out[PATH_MAX], why[WHY];

	(void)state;
	make_dir("empty");
	assert_int_equal(resolve("bindif-no-such-cmd", at(p, "empty"), out,
	                     why),
	    127);
	assert_string_equal(why, "bindif-no-such-cmd: command not found");
	assert_int_equal(resolve("", at(p, "empty"), out, why), 127);
}

static void
test_target_path_order(void **state)
{
	char d1[PATH_MAX], d2[PATH_MAX], path[2 * PATH_MAX + 2];
	char out[PATH_MAX], why[WHY], want[PATH_MAX];

	(void)state;
	make_dir("d1");
	make_dir("d2");
	make_file("d1/tool", 0755);
	make_file("d2/tool", 0755);
	at(d1, "d1");
	at(d2, "d2");

	snprintf(path, sizeof(path), "%s:%s", d1, d2);
	assert_int_equal(resolve("tool", path, out, why), 0);
	assert_string_equal(out, at(want, "d1/tool"));

	snprintf(path, sizeof(path), "%s:%s", d2, d1);
	assert_int_equal(resolve("tool", path, out, why), 0);
	assert_string_equal(out, at(want, "d2/tool"));
}

/* As execvp: an unusable file earlier in PATH does not hide a runnable
 * one later, and is only reported when nothing runnable exists. */
static void
test_target_skips_unusable(void **state)
{
	char d1[PATH_MAX], d2[PATH_MAX], path[2 * PATH_MAX + 2];
	char out[PATH_MAX], why[WHY], want[PATH_MAX];

	(void)state;
	make_dir("u1");
	make_dir("u2");
	make_file("u1/tool", 0644);
	make_dir("u1/sub");
	make_file("u2/tool", 0755);
	make_file("u2/sub", 0755);
	make_file("u1/only", 0644);
	at(d1, "u1");
	at(d2, "u2");
	snprintf(path, sizeof(path), "%s:%s", d1, d2);

	assert_int_equal(resolve("tool", path, out, why), 0);
	assert_string_equal(out, at(want, "u2/tool"));

	assert_int_equal(resolve("sub", path, out, why), 0);
	assert_string_equal(out, at(want, "u2/sub"));

	assert_int_equal(resolve("only", path, out, why), 126);
	assert_why(why, "only", EACCES);
}

/* No PATH at all: execvp's default list, where sh always is. */
static void
test_target_default_path(void **state)
{
	char out[PATH_MAX], why[WHY];
	size_t n;

	(void)state;
	assert_int_equal(resolve("sh", NULL, out, why), 0);
	n = strlen(out);
	assert_true(n > 3 && out[0] == '/' && strcmp(out + n - 3, "/sh") == 0);
}

/* An empty PATH element is the current directory. */
static void
test_target_empty_path_element(void **state)
{
	char out[PATH_MAX], why[WHY], p[PATH_MAX];
	int here = open(".", O_RDONLY | O_DIRECTORY), rc;

	(void)state;
	assert_true(here >= 0);
	make_dir("cwd");
	make_file("cwd/local", 0755);
	assert_int_equal(chdir(at(p, "cwd")), 0);
	rc = resolve("local", "/nonexistent:", out, why);
	assert_int_equal(fchdir(here), 0);
	close(here);
	assert_int_equal(rc, 0);
	assert_string_equal(out, "local");
}

/* ---- checks_rules_path ---- */

static const char *
rules_path(const struct opts *o, const char *xdg, const char *home, char *buf,
    char *why)
{
	memset(why, 0, WHY);
	return checks_rules_path(o, xdg, home, buf, PATH_MAX, why, WHY);
}

static bool
etc_bindif_exists(void)
{
	struct stat st;

	return stat("/etc/bindif", &st) == 0;
}

static void
test_rules_path_given(void **state)
{
	struct opts o;
	char buf[PATH_MAX], why[WHY];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.rules = "/nonexistent/rules.conf"; /* as given, checked later */
	assert_ptr_equal(rules_path(&o, NULL, NULL, buf, why), o.rules);
	o.iface = "phy0";
	assert_ptr_equal(rules_path(&o, NULL, NULL, buf, why), o.rules);
	/* -i alone needs no rules, even where default ones exist. */
	o.rules = NULL;
	assert_null(rules_path(&o, "/", "/", buf, why));
}

static void
test_rules_path_xdg(void **state)
{
	struct opts o;
	char buf[PATH_MAX], why[WHY], xdg[PATH_MAX], home[PATH_MAX];
	char want[PATH_MAX];

	(void)state;
	memset(&o, 0, sizeof(o));
	make_dir("xdg");
	make_dir("xdg/bindif");
	make_dir("home");
	make_dir("home/.config");
	make_dir("home/.config/bindif");
	at(xdg, "xdg");
	at(home, "home");

	assert_string_equal(rules_path(&o, xdg, home, buf, why),
	    at(want, "xdg/bindif"));
	/* Without XDG_CONFIG_HOME, or with a relative or empty one (the XDG
	 * spec says to ignore those): HOME/.config. */
	assert_string_equal(rules_path(&o, NULL, home, buf, why),
	    at(want, "home/.config/bindif"));
	assert_string_equal(rules_path(&o, "", home, buf, why), want);
	assert_string_equal(rules_path(&o, "xdg", home, buf, why), want);
}

static void
test_rules_path_nothing(void **state)
{
	struct opts o;
	char buf[PATH_MAX], why[WHY], xdg[PATH_MAX], home[PATH_MAX];
	char want[PATH_MAX];

	(void)state;
	if (etc_bindif_exists())
		skip();
	memset(&o, 0, sizeof(o));
	make_dir("noxdg");
	make_dir("nohome");
	at(xdg, "noxdg");
	at(home, "nohome");
	assert_null(rules_path(&o, xdg, home, buf, why));
	assert_non_null(strstr(why, "nothing to do"));
	assert_non_null(strstr(why, at(want, "noxdg/bindif")));
	assert_non_null(strstr(why, "/etc/bindif"));

	assert_null(rules_path(&o, NULL, home, buf, why));
	assert_non_null(strstr(why, at(want, "nohome/.config/bindif")));

	assert_null(rules_path(&o, NULL, NULL, buf, why));
	assert_non_null(strstr(why, "nothing to do"));
	assert_non_null(strstr(why, "~/.config/bindif"));
}

/*
 * A buffer too small for HOME/.config/bindif: the cut-off path must not be
 * taken for the rules (STYLE: size from the input or reject, never
 * truncate silently). Here the cut falls on an existing directory.
 */
static void
test_rules_path_not_truncated(void **state)
{
	struct opts o;
	char home[PATH_MAX], cut[PATH_MAX], why[WHY];
	char *buf;
	const char *r;
	size_t len;

	(void)state;
	memset(&o, 0, sizeof(o));
	make_dir("h");
	make_dir("h/.co");
	at(home, "h");
	at(cut, "h/.co");
	len = strlen(cut) + 1;
	buf = malloc(len);
	assert_non_null(buf);
	r = checks_rules_path(&o, NULL, home, buf, len, why, sizeof(why));
	if (r != NULL && strcmp(r, cut) == 0) {
		free(buf);
		fail_msg("rules path cut to %s, an unrelated directory", cut);
	}
	free(buf);
}

static void
test_opts_modes_without_command(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("--list"), &o, why), 0);
	assert_true(o.list);
	assert_int_equal(o.argc, 0);
	assert_int_equal(parse(ARGV("-c", "d/", "--check"), &o, why), 0);
	assert_true(o.check);
	assert_string_equal(o.rules, "d/");
	assert_int_equal(parse(ARGV("-i", "phy0", "--explain",
	                           "198.51.100.7:443/tcp", "--program", "curl"),
	                     &o, why),
	    0);
	assert_string_equal(o.explain, "198.51.100.7:443/tcp");
	assert_string_equal(o.program, "curl");
	assert_string_equal(o.iface, "phy0");

	/* A mode runs nothing: a command after it is a mistake. */
	assert_int_equal(parse(ARGV("--check", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "--check runs no command (got 'curl')"));
	/* Modes go alone, --program only with --explain. */
	assert_int_equal(parse(ARGV("--check", "--list"), &o, why), -1);
	assert_int_equal(parse(ARGV("--program", "curl", "curl"), &o, why), -1);
	assert_non_null(strstr(why, "--program goes with --explain"));
	assert_int_equal(parse(ARGV("--explain"), &o, why), -1);
}

static void
test_opts_dns(void **state)
{
	struct opts o;
	char why[WHY];

	(void)state;
	assert_int_equal(parse(ARGV("--dns", "192.0.2.53", "--dns=2001:db8::53",
	                           "curl"),
	                     &o, why),
	    0);
	assert_string_equal(o.dns, "192.0.2.53,2001:db8::53");
	assert_int_equal(parse(ARGV("curl"), &o, why), 0);
	assert_string_equal(o.dns, "");
}

static void
test_explain_parse(void **state)
{
	struct sockaddr_storage ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	socklen_t len;
	unsigned proto;
	char why[WHY];

	(void)state;
	assert_int_equal(explain_parse("198.51.100.7:443/udp", &ss, &len,
	                     &proto, why, WHY),
	    0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(ntohs(s4->sin_port), 443);
	assert_int_equal(proto, RULES_PROTO_UDP);
	assert_int_equal(explain_parse("198.51.100.7", &ss, &len, &proto, why,
	                     WHY),
	    0);
	assert_int_equal(s4->sin_port, 0);
	assert_int_equal(proto, RULES_PROTO_TCP);
	assert_int_equal(explain_parse("[2001:db8::1]:53/udp", &ss, &len,
	                     &proto, why, WHY),
	    0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(ntohs(s6->sin6_port), 53);
	assert_int_equal(explain_parse("2001:db8::1/icmp", &ss, &len, &proto,
	                     why, WHY),
	    0);
	assert_int_equal(proto, RULES_PROTO_ICMP);
	assert_int_equal(explain_parse("[2001:db8::1]", &ss, &len, &proto, why,
	                     WHY),
	    0);

	assert_int_equal(explain_parse("example.com:443", &ss, &len, &proto,
	                     why, WHY),
	    -1);
	assert_non_null(strstr(why, "'example.com:443' is not an address"));
	assert_int_equal(explain_parse("198.51.100.7:0", &ss, &len, &proto, why,
	                     WHY),
	    -1);
	assert_int_equal(explain_parse("198.51.100.7:65536", &ss, &len, &proto,
	                     why, WHY),
	    -1);
	assert_int_equal(explain_parse("198.51.100.7:80/sctp", &ss, &len,
	                     &proto, why, WHY),
	    -1);
	assert_non_null(strstr(why, "unknown protocol 'sctp'"));
	assert_int_equal(explain_parse("198.51.100.7:80/icmp", &ss, &len,
	                     &proto, why, WHY),
	    -1);
	assert_int_equal(explain_parse("[198.51.100.7]:80", &ss, &len, &proto,
	                     why, WHY),
	    -1);
	assert_int_equal(explain_parse("[2001:db8::1:80", &ss, &len, &proto,
	                     why, WHY),
	    -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_opts_modes_without_command),
		cmocka_unit_test(test_opts_dns),
		cmocka_unit_test(test_opts_mark),
		cmocka_unit_test(test_explain_parse),
		cmocka_unit_test(test_opts_command_keeps_its_options),
		cmocka_unit_test(test_opts_forms),
		cmocka_unit_test(test_opts_help_version),
		cmocka_unit_test(test_opts_no_command),
		cmocka_unit_test(test_opts_unknown_option),
		cmocka_unit_test(test_opts_empty_values),
		cmocka_unit_test(test_opts_missing_value),
		cmocka_unit_test(test_preload_empty),
		cmocka_unit_test(test_preload_appended),
		cmocka_unit_test(test_preload_already_present),
		cmocka_unit_test(test_preload_substring_traps),
		cmocka_unit_test_setup_teardown(test_target_absolute, make_tmp,
		    remove_tmp),
		cmocka_unit_test_setup_teardown(test_target_not_executable,
		    make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_target_bare_name_missing,
		    make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_target_path_order,
		    make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_target_skips_unusable,
		    make_tmp, remove_tmp),
		cmocka_unit_test(test_target_default_path),
		cmocka_unit_test_setup_teardown(test_target_empty_path_element,
		    make_tmp, remove_tmp),
		cmocka_unit_test(test_rules_path_given),
		cmocka_unit_test_setup_teardown(test_rules_path_xdg, make_tmp,
		    remove_tmp),
		cmocka_unit_test_setup_teardown(test_rules_path_nothing,
		    make_tmp, remove_tmp),
		cmocka_unit_test_setup_teardown(test_rules_path_not_truncated,
		    make_tmp, remove_tmp),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
