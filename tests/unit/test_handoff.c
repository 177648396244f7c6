/*
 * test_handoff.c - shim/state.c with BINDIF_POLICY: the launcher's bundle
 * in a sealed memfd is matched on in place; a wrong token, a closed or
 * reused descriptor, an unsealed file, a malformed value, a group of
 * per-app files the bundle lacks, or secure mode (getauxval is wrapped)
 * each fall back to parsing BINDIF_RULES. The two sources disagree on
 * purpose, so each verdict says which one was used. Each case runs in a
 * child: the settings are built once a process. Also the launcher's side:
 * handoff() leaves an inherited, sealed memfd under the token it names.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../common/decide.h"
#include "launcher.h"
#include "../../common/plat.h"
#include "state.h"
#include "tmpdir.h"

unsigned long __real_getauxval(unsigned long);
unsigned long __wrap_getauxval(unsigned long);

static int secure;

unsigned long
__wrap_getauxval(unsigned long type)
{
	if (type == AT_SECURE)
		return (unsigned long)secure;
	return __real_getauxval(type);
}

/* What BINDIF_RULES names: 198.51.100.7 passes by "parsed.conf". */
static const char parsed[] = "interface = \"lo\";\n"
                             "exclude = [\"198.51.100.7\"];\n";
/* What the bundle holds: 198.51.100.7 rejected by "handed.conf", unless
 * this very program's per-app file binds it. */
static const char handed[] =
    "interface = \"lo\";\n"
    "rules = ({ dst = \"198.51.100.7\"; action = \"reject\"; });\n";
static const char handed_app[] =
    "program = \"test_handoff\";\n"
    "rules = ({ dst = \"198.51.100.7\"; interface = \"lo\"; });\n";
static const char other_app[] =
    "program = \"foo\";\n"
    "rules = ({ dst = \"198.51.100.7\"; action = \"pass\"; });\n";

static uint8_t token[RULES_TOKEN_LEN] = { 0xde, 0xad, 0xbe, 0xef, 1, 2 };
static char rules_path[128];

/* A sealed memfd holding the bundle of the handed files (dir/). */
static int
sealed_bundle(bool with_apps, bool seal)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	char dir[128], why[256];
	void *bundle;
	size_t len;
	int fd;

	snprintf(dir, sizeof(dir), "%s/handed", tmpdir);
	mkdir(dir, 0755);
	write_file("handed/50-handed.conf", handed);
	if (with_apps) {
		write_file("handed/10-app.conf", handed_app);
		write_file("handed/20-foo.conf", other_app);
	}
	set = rules_load(dir, &errs);
	assert_non_null(set);
	assert_int_equal(errs.n, 0);
	assert_int_equal(rules_bundle_build(set, NULL, NULL, 0, &bundle, &len,
	                     why, sizeof(why)),
	    0);
	rules_set_free(set);
	rules_bundle_set_token(bundle, len, token);
	if (seal) {
		fd = memfd_create("t", MFD_ALLOW_SEALING);
		assert_true(fd >= 0);
	} else {
		write_file("unsealed", "");
		snprintf(dir, sizeof(dir), "%s/unsealed", tmpdir);
		fd = open(dir, O_RDWR);
	}
	assert_int_equal(write(fd, bundle, len), (ssize_t)len);
	if (seal)
		assert_int_equal(fcntl(fd, F_ADD_SEALS,
		                     F_SEAL_WRITE | F_SEAL_SHRINK |
		                         F_SEAL_GROW | F_SEAL_SEAL),
		    0);
	free(bundle);
	return fd;
}

static void
policy_env(int fd, const uint8_t *tok)
{
	char v[64];
	int i, n = snprintf(v, sizeof(v), "%d:", fd);

	for (i = 0; i < RULES_TOKEN_LEN; i++)
		n += snprintf(v + n, sizeof(v) - (size_t)n, "%02x", tok[i]);
	setenv("BINDIF_POLICY", v, 1);
}

struct seen {
	int action, reason, line, broken;
	char file[64];
};

/* The settings, built in a child with argv[0] argv0 (NULL: as is). */
static struct seen
run_child(int sec, const char *argv0)
{
	struct seen s;
	int out[2], status;
	pid_t pid;

	memset(&s, 0, sizeof(s));
	assert_int_equal(pipe(out), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_in a = { .sin_family = AF_INET,
			.sin_port = htons(80) };
		const struct shim_cfg *c;
		struct decision d;
		struct seen r;

		memset(&r, 0, sizeof(r));
		secure = sec;
		if (argv0 != NULL)
			program_invocation_name = (char *)argv0;
		setenv("BINDIF_RULES", rules_path, 1);
		unsetenv("BINDIF_INTERFACE");
		c = state_cfg();
		inet_pton(AF_INET, "198.51.100.7", &a.sin_addr);
		memset(&d, 0, sizeof(d));
		(void)decide(c, (struct sockaddr *)&a, sizeof(a),
		    decide_proto_class(AF_INET, SOCK_STREAM, 0), &d);
		r.action = (int)d.action;
		r.reason = (int)d.v.reason;
		r.line = d.v.line;
		r.broken = c->broken;
		if (d.v.file != NULL) {
			const char *slash = strrchr(d.v.file, '/');

			snprintf(r.file, sizeof(r.file), "%s",
			    slash ? slash + 1 : d.v.file);
		}
		(void)!write(out[1], &r, sizeof(r));
		_exit(0);
	}
	close(out[1]);
	assert_int_equal(read(out[0], &s, sizeof(s)), (ssize_t)sizeof(s));
	close(out[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return s;
}

static int
setup(void **state)
{
	(void)state;
	make_tmpdir("handoff");
	write_file("parsed.conf", parsed);
	snprintf(rules_path, sizeof(rules_path), "%s/parsed.conf", tmpdir);
	return 0;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	unsetenv("BINDIF_POLICY");
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd);
}

static void
expect_parsed(struct seen s)
{
	assert_int_equal(s.broken, 0);
	assert_int_equal(s.action, RULES_PASS);
	assert_int_equal(s.reason, RULES_BY_EXCLUDE);
	assert_string_equal(s.file, "parsed.conf");
}

static void
test_handed_policy_used(void **state)
{
	int fd = sealed_bundle(false, true);
	struct seen s;

	(void)state;
	policy_env(fd, token);
	s = run_child(0, NULL);
	assert_int_equal(s.action, RULES_REJECT);
	assert_string_equal(s.file, "50-handed.conf");
	assert_int_equal(s.line, 2);
	close(fd);
}

static void
test_per_app_group(void **state)
{
	int fd = sealed_bundle(true, true);
	struct seen s;

	(void)state;
	policy_env(fd, token);
	/* This program's own file. */
	s = run_child(0, NULL);
	assert_int_equal(s.action, RULES_BIND);
	assert_string_equal(s.file, "10-app.conf");
	/* Run as "foo", its exe still test_handoff: both files apply, a
	 * group the bundle does not hold, so the files are parsed. */
	s = run_child(0, "foo");
	expect_parsed(s);
	close(fd);
}

static void
test_wrong_token(void **state)
{
	int fd = sealed_bundle(false, true);
	uint8_t other[RULES_TOKEN_LEN];

	(void)state;
	memcpy(other, token, sizeof(other));
	other[7] ^= 0x40;
	policy_env(fd, other);
	expect_parsed(run_child(0, NULL));
	close(fd);
}

static void
test_closed_or_reused(void **state)
{
	int fd = sealed_bundle(false, true), unsealed;

	(void)state;
	policy_env(fd, token);
	close(fd);
	expect_parsed(run_child(0, NULL));
	/* The number reused by a file with the very same bytes, but not
	 * sealed: anyone could change it under the shim. */
	unsealed = sealed_bundle(false, false);
	if (unsealed != fd) {
		assert_int_equal(dup2(unsealed, fd), fd);
		close(unsealed);
	}
	expect_parsed(run_child(0, NULL));
	close(fd);
	/* A pipe on it. */
	{
		int p[2];

		assert_int_equal(pipe(p), 0);
		if (p[0] != fd) {
			assert_int_equal(dup2(p[0], fd), fd);
			close(p[0]);
		}
		expect_parsed(run_child(0, NULL));
		close(fd);
		close(p[1]);
	}
}

static void
test_malformed(void **state)
{
	static const char *const bad[] = { "", "x", "3", "3:", "-1:00",
		"99999999999:deadbeef01020000000000000000000000",
		"3:DEADBEEF010200000000000000000000",
		"3:deadbeef0102000000000000000000000",
		"3:deadbeef01020000000000000000000g" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		setenv("BINDIF_POLICY", bad[i], 1);
		expect_parsed(run_child(0, NULL));
	}
}

/* Secure mode takes nothing from the environment: the administrator's
 * trusted rules are parsed, not the bundle the environment names. */
static void
test_secure_ignores_it(void **state)
{
	int fd = sealed_bundle(false, true);
	char etc[160], sys[192];
	struct seen s;

	(void)state;
	snprintf(etc, sizeof(etc), "%s/etc", tmpdir);
	snprintf(sys, sizeof(sys), "%s/bindif", etc);
	assert_int_equal(mkdir(etc, 0755), 0);
	assert_int_equal(mkdir(sys, 0755), 0);
	write_file("etc/bindif/parsed.conf", parsed);
	assert_int_equal(chmod(sys, 0755), 0);
	state_secure_rules.path = sys;
	state_secure_rules.owner = getuid();
	policy_env(fd, token);
	s = run_child(1, NULL);
	expect_parsed(s);
	/* The control: the same outside secure mode takes the bundle. */
	s = run_child(0, NULL);
	assert_string_equal(s.file, "50-handed.conf");
	close(fd);
}

/* The launcher's side, handoff(): a sealed descriptor, inherited, holding
 * the bundle with the token the value names. */
static void
report(const char *line)
{
	print_message("%s\n", line);
}

static void
test_launcher_handoff_sealed(void **state)
{
	const struct rules_prog progs[2] = { { "/usr/bin/curl", "curl" },
		{ "/usr/bin/curl", "curl" } };
	struct lrules r;
	struct rules_policy *p;
	struct stat st;
	void *heap;
	size_t heaplen;
	char env[64], why[256], hex[3], dir[128];
	uint8_t tok[RULES_TOKEN_LEN];
	unsigned char *back;
	int problems, fd, i;

	(void)state;
	close(sealed_bundle(false, true)); /* writes handed/ */
	snprintf(dir, sizeof(dir), "%s/handed", tmpdir);
	assert_int_equal(lrules_load(&r, dir, NULL, NULL, report, &problems),
	    0);
	p = lrules_policy(&r, "/usr/bin/curl", "curl", why, sizeof(why));
	assert_non_null(p);
	rules_policy_free(p);
	assert_int_equal(handoff(&r, env, sizeof(env), why, sizeof(why)), 0);
	fd = atoi(env);
	assert_true(fd > 2);
	assert_int_equal(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0);
	assert_int_equal(fcntl(fd, F_GET_SEALS),
	    F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(write(fd, "x", 1), -1);
	assert_int_equal(strlen(strchr(env, ':') + 1), 2 * RULES_TOKEN_LEN);
	for (i = 0; i < RULES_TOKEN_LEN; i++) {
		memcpy(hex, strchr(env, ':') + 1 + 2 * i, 2);
		hex[2] = '\0';
		tok[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	back = aligned_alloc(8, (r.bundle_len + 7) & ~(size_t)7);
	assert_int_equal(pread(fd, back, r.bundle_len, 0),
	    (ssize_t)r.bundle_len);
	p = rules_bundle_select(back, r.bundle_len, tok, "/usr/bin/curl",
	    "curl", NULL, why, sizeof(why));
	assert_non_null(p);
	rules_policy_free(p);
	/* Compiled in the descriptor itself: its exact size, and the very
	 * bytes the heap would have held. */
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (off_t)r.bundle_len);
	assert_int_equal(rules_bundle_build(r.set, NULL, progs, 2, &heap,
	                     &heaplen, why, sizeof(why)),
	    0);
	rules_bundle_set_token(heap, heaplen, tok);
	assert_int_equal(heaplen, r.bundle_len);
	assert_memory_equal(heap, back, heaplen);
	free(heap);
	tok[0] ^= 1;
	assert_null(rules_bundle_select(back, r.bundle_len, tok,
	    "/usr/bin/curl", "curl", NULL, why, sizeof(why)));
	free(back);
	/* And the shim takes it, as the launcher's child would. */
	setenv("BINDIF_POLICY", env, 1);
	assert_string_equal(run_child(0, NULL).file, "50-handed.conf");
	close(fd);
	lrules_free(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_handed_policy_used, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_per_app_group, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_wrong_token, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_closed_or_reused, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_secure_ignores_it, setup,
		    teardown),
		cmocka_unit_test_setup_teardown(test_launcher_handoff_sealed,
		    setup, teardown),
	};

	(void)remove_tmpdir;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
