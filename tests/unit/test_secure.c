/*
 * test_secure.c - the shim in secure mode (setuid, setgid, file caps):
 * getauxval(AT_SECURE) is wrapped (-Wl,--wrap=getauxval), so the real
 * plat_linux.c and state.c run their secure branch unprivileged. Proves
 * BINDIF_RULES and BINDIF_LOG are ignored there, BINDIF_INTERFACE (a name)
 * still applies, and rules come only from a directory nobody but its owner
 * could write (state_trusted_rules), else the shim fails closed. Each
 * state_cfg() case runs in a child: the settings are built once a process.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <ftw.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/decide.h"
#include "../../common/plat.h"
#include "state.h"

unsigned long __real_getauxval(unsigned long);
unsigned long __wrap_getauxval(unsigned long);

static int secure; /* what AT_SECURE says */

unsigned long
__wrap_getauxval(unsigned long type)
{
	if (type == AT_SECURE)
		return (unsigned long)secure;
	return __real_getauxval(type);
}

static char top[64];       /* scratch: top/etc/bindif, top/user.conf... */
static char sysdir[192];   /* top/etc/bindif, the "administrator's" rules */
static char userconf[192]; /* top/user.conf, what BINDIF_RULES names */
static char logfile[192];  /* top/log, what BINDIF_LOG names */

static void
put(const char *path, const char *text, mode_t mode)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
	assert_int_equal(chmod(path, mode), 0);
}

static int
rm_one(const char *p, const struct stat *st, int flag, struct FTW *f)
{
	(void)st;
	(void)flag;
	(void)f;
	return remove(p);
}

static int
setup(void **state)
{
	char etc[96];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/bindif-secure-XXXXXX");
	assert_non_null(mkdtemp(top));
	snprintf(etc, sizeof(etc), "%s/etc", top);
	assert_int_equal(mkdir(etc, 0755), 0);
	snprintf(sysdir, sizeof(sysdir), "%s/bindif", etc);
	assert_int_equal(mkdir(sysdir, 0755), 0);
	snprintf(userconf, sizeof(userconf), "%s/user.conf", top);
	snprintf(logfile, sizeof(logfile), "%s/log", top);
	/* The user's file rejects everything: if it were read, every
	 * decision below would be a reject with EACCES. */
	put(userconf,
	    "rules = ({ action = \"reject\"; errno = \"EACCES\"; });\n", 0644);
	/* The administrator's passes 198.51.100.7 and binds the rest to lo. */
	{
		char p[256];

		snprintf(p, sizeof(p), "%s/10-admin.conf", sysdir);
		put(p,
		    "interface = \"lo\";\n"
		    "rules = ({ dst = \"198.51.100.7\"; action = \"pass\"; "
		    "});\n",
		    0644);
	}
	state_secure_rules.path = sysdir;
	state_secure_rules.owner = getuid();
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	secure = 0;
	return nftw(top, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* What a child saw of its settings, sent back through a pipe. */
struct seen {
	int inert, broken, verbose, has_log_path;
	int action7, action10; /* decisions for 198.51.100.7 and .10, tcp */
	unsigned ifindex10;
	int err10;
	int log_file; /* did state_log create BINDIF_LOG's file */
	char stderr_text[1024];
};

static void
decide_for(const struct shim_cfg *c, const char *ip, int *action,
    unsigned *ifindex, int *err)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(80) };
	struct decision d;

	inet_pton(AF_INET, ip, &a.sin_addr);
	memset(&d, 0, sizeof(d));
	if (c->inert ||
	    !decide(c, (struct sockaddr *)&a, sizeof(a),
	        decide_proto_class(AF_INET, SOCK_STREAM, 0), &d)) {
		*action = -1;
		return;
	}
	if (c->broken) {
		*action = RULES_REJECT;
		*err = c->broken;
		return;
	}
	*action = (int)d.action;
	if (ifindex)
		*ifindex = d.ifindex;
	if (err)
		*err = d.err;
}

/*
 * Builds the settings in a child with this environment (NULL: unset) and
 * AT_SECURE = sec, and reports what they are.
 */
static struct seen
run_child(int sec, const char *iface, const char *rules, const char *log)
{
	struct seen s;
	int out[2], err[2], status;
	ssize_t n;
	size_t got = 0;
	pid_t pid;

	memset(&s, 0, sizeof(s));
	unlink(logfile);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(pipe(err), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const struct shim_cfg *c;
		struct seen r;
		int a7 = 0, e7 = 0;
		unsigned i7 = 0;

		memset(&r, 0, sizeof(r));
		dup2(err[1], STDERR_FILENO);
		secure = sec;
		iface ? setenv("BINDIF_INTERFACE", iface, 1) :
		        unsetenv("BINDIF_INTERFACE");
		rules ? setenv("BINDIF_RULES", rules, 1) :
		        unsetenv("BINDIF_RULES");
		log ? setenv("BINDIF_LOG", log, 1) : unsetenv("BINDIF_LOG");
		unsetenv("BINDIF_VERBOSE");
		c = state_cfg();
		r.inert = c->inert;
		r.broken = c->broken;
		r.verbose = c->verbose;
		r.has_log_path = c->log_path != NULL;
		decide_for(c, "198.51.100.7", &a7, &i7, &e7);
		r.action7 = a7;
		decide_for(c, "198.51.100.10", &r.action10, &r.ifindex10,
		    &r.err10);
		/* A line as the hooks would log it: must not make a file in
		 * secure mode. */
		state_log(c, "test line");
		r.log_file = access(logfile, F_OK) == 0;
		(void)!write(out[1], &r, sizeof(r));
		_exit(0);
	}
	close(out[1]);
	close(err[1]);
	while (got < sizeof(s) &&
	    (n = read(out[0], (char *)&s + got, sizeof(s) - got)) > 0)
		got += (size_t)n;
	assert_int_equal(got, sizeof(s));
	got = 0;
	while (got < sizeof(s.stderr_text) - 1 &&
	    (n = read(err[0], s.stderr_text + got,
	         sizeof(s.stderr_text) - 1 - got)) > 0)
		got += (size_t)n;
	s.stderr_text[got] = '\0';
	close(out[0]);
	close(err[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return s;
}

static void
test_plat_follows_at_secure(void **state)
{
	(void)state;
	assert_int_equal(setenv("BINDIF_TEST_SECURE", "x", 1), 0);
	secure = 0;
	assert_false(plat_secure_mode());
	assert_string_equal(plat_getenv("BINDIF_TEST_SECURE"), "x");
	secure = 1;
	assert_true(plat_secure_mode());
	assert_null(plat_getenv("BINDIF_TEST_SECURE"));
	secure = 0;
	unsetenv("BINDIF_TEST_SECURE");
}

/* The control: outside secure mode the user's file and log are used, so
 * the secure cases below would notice if they were too. */
static void
test_control_not_secure(void **state)
{
	struct seen s;

	(void)state;
	s = run_child(0, "lo", userconf, logfile);
	assert_int_equal(s.broken, 0);
	assert_true(s.has_log_path);
	assert_int_equal(s.action10, RULES_REJECT);
	assert_int_equal(s.err10, EACCES);
	assert_true(s.log_file);
}

/* BINDIF_INTERFACE is a name: it still applies; BINDIF_RULES and
 * BINDIF_LOG are ignored, and with a trusted system directory its rules
 * stand in for the user's. */
static void
test_secure_uses_trusted_rules_only(void **state)
{
	struct seen s;

	(void)state;
	s = run_child(1, "lo", userconf, logfile);
	assert_int_equal(s.broken, 0);
	assert_false(s.has_log_path);
	assert_false(s.log_file);
	assert_int_equal(s.action10, RULES_BIND);
	assert_int_equal(s.ifindex10, if_nametoindex("lo"));
	assert_int_equal(s.action7, RULES_PASS); /* the admin's rule */
	assert_null(strstr(s.stderr_text, "user.conf"));
	/* The line went to stderr, as the program's own. */
	assert_non_null(strstr(s.stderr_text, "test line"));
}

/* No trusted directory, an interface: the interface alone, said once. */
static void
test_secure_untrusted_dir_interface_only(void **state)
{
	struct seen s;
	char p[256];

	(void)state;
	snprintf(p, sizeof(p), "%s/10-admin.conf", sysdir);
	assert_int_equal(chmod(p, 0666), 0);
	s = run_child(1, "lo", userconf, logfile);
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(s.broken, 0);
	assert_false(s.has_log_path);
	assert_false(s.log_file);
	assert_int_equal(s.action10, RULES_BIND);
	assert_int_equal(s.action7, RULES_BIND); /* admin's pass not read */
	assert_int_equal(s.ifindex10, if_nametoindex("lo"));
	assert_non_null(strstr(s.stderr_text, "BINDIF_RULES ignored"));
	assert_non_null(strstr(s.stderr_text, "writable by group or others"));
}

/* Rules asked for, none trustworthy, no interface: fail closed, not
 * open (inert would send everything into the tunnel). */
static void
test_secure_no_trusted_rules_fails_closed(void **state)
{
	struct seen s;

	(void)state;
	state_secure_rules.path = "/nonexistent/bindif";
	s = run_child(1, NULL, userconf, logfile);
	state_secure_rules.path = sysdir;
	assert_false(s.inert);
	assert_int_equal(s.broken, ENETUNREACH);
	assert_int_equal(s.action10, RULES_REJECT);
	assert_false(s.log_file);
	assert_non_null(strstr(s.stderr_text, "BINDIF_RULES ignored"));
	assert_non_null(strstr(s.stderr_text, "/nonexistent"));
	assert_non_null(strstr(s.stderr_text, "network connections will fail"));
	assert_null(strstr(s.stderr_text, "user.conf"));
}

/* Only BINDIF_LOG set, in secure mode: inert, and no file written. */
static void
test_secure_log_only_writes_nothing(void **state)
{
	struct seen s;

	(void)state;
	s = run_child(1, NULL, NULL, logfile);
	assert_true(s.inert);
	assert_false(s.has_log_path);
	assert_false(s.verbose);
	assert_false(s.log_file);
}

/* A relative BINDIF_RULES, a missing one: the same, the value is never
 * looked at. */
static void
test_secure_rules_value_never_read(void **state)
{
	struct seen s;

	(void)state;
	s = run_child(1, "lo", "/nonexistent/rules.conf", NULL);
	assert_int_equal(s.broken, 0);
	assert_int_equal(s.action7, RULES_PASS);
	assert_null(strstr(s.stderr_text, "/nonexistent/rules.conf"));
}

static void
expect_untrusted(const char *path, uid_t owner, const char *reason)
{
	char why[512] = "";

	assert_true(state_trusted_rules(path, owner, why, sizeof(why)) < 0);
	if (strstr(why, reason) == NULL)
		fail_msg("%s: want \"%s\" in \"%s\"", path, reason, why);
}

static void
test_trusted_rules_checks(void **state)
{
	char why[512], p[256], q[256];
	uid_t me = getuid();

	(void)state;
	assert_int_equal(state_trusted_rules(sysdir, me, why, sizeof(why)), 0);
	snprintf(p, sizeof(p), "%s/10-admin.conf", sysdir);
	assert_int_equal(state_trusted_rules(p, me, why, sizeof(why)), 0);
	/* Someone else's: root's rules are not trusted as the user's, the
	 * user's not as root's. */
	expect_untrusted(sysdir, me + 1, "owned by uid");
	expect_untrusted("/nonexistent/bindif", me, "No such file");
	expect_untrusted("relative/bindif", me, "not an absolute path");
	/* Writable by others: the directory, a file in it. */
	assert_int_equal(chmod(sysdir, 0775), 0);
	expect_untrusted(sysdir, me, "writable by group or others");
	assert_int_equal(chmod(sysdir, 0755), 0);
	assert_int_equal(chmod(p, 0646), 0);
	expect_untrusted(sysdir, me, "writable by group or others");
	expect_untrusted(p, me, "writable by group or others");
	assert_int_equal(chmod(p, 0644), 0);
	/* A symlink, even to a good file, and any other entry. */
	snprintf(q, sizeof(q), "%s/20-link.conf", sysdir);
	assert_int_equal(symlink(p, q), 0);
	expect_untrusted(sysdir, me, "not a regular file");
	assert_int_equal(unlink(q), 0);
	snprintf(q, sizeof(q), "%s/sub", sysdir);
	assert_int_equal(mkdir(q, 0755), 0);
	expect_untrusted(sysdir, me, "not a regular file");
	assert_int_equal(rmdir(q), 0);
	/* The parent: whoever may write it may swap the directory. */
	snprintf(q, sizeof(q), "%s/etc", top);
	assert_int_equal(chmod(q, 0777), 0);
	expect_untrusted(sysdir, me, "writable by group or others");
	assert_int_equal(chmod(q, 0755), 0);
	assert_int_equal(state_trusted_rules(sysdir, me, why, sizeof(why)), 0);
	/* The real default, for information: present or not. */
	if (access("/etc/bindif", F_OK) == 0 &&
	    state_trusted_rules("/etc/bindif", 0, why, sizeof(why)) < 0)
		print_message("note: /etc/bindif here is not trusted: %s\n",
		    why);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plat_follows_at_secure),
		cmocka_unit_test(test_control_not_secure),
		cmocka_unit_test(test_secure_uses_trusted_rules_only),
		cmocka_unit_test(test_secure_untrusted_dir_interface_only),
		cmocka_unit_test(test_secure_no_trusted_rules_fails_closed),
		cmocka_unit_test(test_secure_log_only_writes_nothing),
		cmocka_unit_test(test_secure_rules_value_never_read),
		cmocka_unit_test(test_trusted_rules_checks),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
