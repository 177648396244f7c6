/*
 * test_children.c - shim/exec/children.c, what a wrapped program's children
 * get: the settings captured at start (secure mode keeps no paths), put
 * back into an environment without them, never over a nested bindif's;
 * the preload variable fixed once; translation, refusal, --force and
 * kernel mode; execvp's candidates and the one log line. Then the exec
 * hooks themselves in this process, on calls that never replace it: a
 * file that is not there or not executable, a static program refused (by
 * path, descriptor and directory descriptor), an argv too large to
 * rebuild. Linux only: it reads /proc/self/exe.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../shim/exec/children.h"
#include "elf64.h"
#include "../../shim/exec/hooks_exec.h"
#include "../../common/plat.h"
#include "../../common/judge.h"
#include "tmpdir.h"

#define SHIM "/opt/bindif/libbindif.so"

static char *start_env[] = { "HOME=/root", "BINDIF_INTERFACE=phy0",
	"BINDIF_RULES=/home/u/rules.conf", "BINDIF_LOG=/tmp/log",
	"BINDIF_DEFAULT=phy0", "LD_PRELOAD=/asan.so:" SHIM, NULL };

/* Every capture of the test, released at the end. */
static struct child_start kept[16];
static size_t nkept;

static struct child_start
keep(struct child_start s)
{
	assert_true(nkept < sizeof(kept) / sizeof(*kept));
	kept[nkept++] = s;
	return s;
}

static int
forget_all(void **state)
{
	(void)state;
	while (nkept > 0)
		child_forget(&kept[--nkept]);
	return 0;
}

static struct child_start
started(char **env, bool secure, const char *shim_path)
{
	struct child_start s;

	memset(&s, 0, sizeof(s));
	s.preload_var = "LD_PRELOAD";
	s.shim_name = "libbindif.so";
	assert_int_equal(child_capture(&s, env, secure, shim_path, "sh"), 0);
	return keep(s);
}

static size_t
count(char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

/* How often an entry starting with prefix is in env; *value gets one. */
static int
has(char *const *env, const char *prefix, const char **value)
{
	int n = 0;

	for (; *env != NULL; env++)
		if (strncmp(*env, prefix, strlen(prefix)) == 0) {
			n++;
			if (value != NULL)
				*value = *env + strlen(prefix);
		}
	return n;
}

static void
test_capture(void **state)
{
	struct child_start s = started(start_env, false, "/elsewhere.so");

	(void)state;
	assert_int_equal(count(s.vars), 4);
	assert_string_equal(s.vars[0], "BINDIF_INTERFACE=phy0");
	assert_int_equal(has(s.vars, "BINDIF_RULES=/home/u/rules.conf", NULL),
	    1);
	/* The preload variable as the process got it: the runtime first. */
	assert_string_equal(s.shim_path, SHIM);
	assert_string_equal(s.judge_entry, "LD_PRELOAD=/asan.so:" SHIM);
	assert_string_equal(s.prog, "sh");
}

/* Secure mode: names and flags only, and the shim as loaded. */
static void
test_capture_secure(void **state)
{
	struct child_start s =
	    started(start_env, true, "/usr/lib/libbindif.so");

	(void)state;
	assert_int_equal(has(s.vars, "BINDIF_RULES=", NULL), 0);
	assert_int_equal(has(s.vars, "BINDIF_LOG=", NULL), 0);
	assert_int_equal(has(s.vars, "BINDIF_INTERFACE=", NULL), 1);
	assert_int_equal(has(s.vars, "BINDIF_DEFAULT=", NULL), 1);
	assert_string_equal(s.shim_path, "/usr/lib/libbindif.so");
	assert_string_equal(s.judge_entry, "LD_PRELOAD=/usr/lib/libbindif.so");
	/* Not known as loaded: nothing of the variable is handed on. */
	s = started(start_env, true, NULL);
	assert_null(s.shim_path);
	assert_null(s.judge_entry);
}

/* Preloaded some other way (/etc/ld.so.preload): the variable is left
 * alone; a substring of another name is not the shim. */
static void
test_capture_no_variable(void **state)
{
	char *env[] = { "BINDIF_INTERFACE=phy0",
		"LD_PRELOAD=/x/libbindif.so.old "
		"/y/mylibbindif.so",
		NULL };
	struct child_start s = started(env, false, NULL);

	(void)state;
	assert_null(s.shim_path);
	assert_int_equal(count(s.vars), 1);
	/* dyld: ':' only, and paths with spaces. */
	memset(&s, 0, sizeof(s));
	s.preload_var = "DYLD_INSERT_LIBRARIES";
	s.shim_name = "libbindif.dylib";
	s.darwin = true;
	char *mac[] = { "DYLD_INSERT_LIBRARIES=/Users/a b/libbindif.dylib",
		NULL };
	assert_int_equal(child_capture(&s, mac, false, NULL, "zsh"), 0);
	keep(s);
	assert_string_equal(s.shim_path, "/Users/a b/libbindif.dylib");
}

/* child_plan_env with rooms of the caller's, checked against child_room. */
struct env_result {
	char *ev[32], bytes[512];
	bool bound;
	char *const *envp;
};

static void
plan_env(const struct child_start *s, char **envp, struct env_result *r)
{
	struct child_room room;
	struct child_plan p;

	child_room(s, envp, envp, &room);
	assert_true(room.envp <= 32 && room.bytes <= sizeof(r->bytes));
	r->bound = child_plan_env(s, envp, r->ev, r->bytes, &p);
	r->envp = p.envp;
}

/* env -i: everything the process started with comes back, once. */
static void
test_env_cleared(void **state)
{
	struct child_start s = started(start_env, false, NULL);
	char *envp[] = { NULL };
	struct env_result r;
	const char *v;

	(void)state;
	plan_env(&s, envp, &r);
	assert_true(r.bound);
	assert_int_equal(count(r.envp), 5);
	assert_int_equal(has(r.envp, "LD_PRELOAD=", &v), 1);
	assert_string_equal(v, "/asan.so:" SHIM);
	assert_int_equal(has(r.envp, "BINDIF_RULES=", NULL), 1);
	assert_int_equal(has(r.envp, "HOME=", NULL), 0);
}

/* Nothing missing: the program's own vector goes through untouched. */
static void
test_env_untouched(void **state)
{
	struct child_start s = started(start_env, false, NULL);
	struct env_result r;

	(void)state;
	plan_env(&s, start_env, &r);
	assert_true(r.bound);
	assert_ptr_equal(r.envp, start_env);
}

/* A nested bindif chose its own settings, some unset: they stand. Its
 * preload variable lacks the shim: appended, after what is there. */
static void
test_env_nested_wins(void **state)
{
	struct child_start s = started(start_env, false, NULL);
	char *envp[] = { "BINDIF_INTERFACE=eth9", "LD_PRELOAD=/other.so",
		"PATH=/bin", NULL };
	struct env_result r;
	const char *v;

	(void)state;
	plan_env(&s, envp, &r);
	assert_true(r.bound);
	assert_int_equal(count(r.envp), 3);
	assert_int_equal(has(r.envp, "BINDIF_INTERFACE=", &v), 1);
	assert_string_equal(v, "eth9");
	assert_int_equal(has(r.envp, "BINDIF_RULES=", NULL), 0);
	assert_int_equal(has(r.envp, "LD_PRELOAD=", &v), 1);
	assert_string_equal(v, "/other.so:" SHIM);
	/* Only the preload variable gone (env -u): it alone comes back. */
	char *nopre[] = { "BINDIF_INTERFACE=phy0", "LD_PRELOAD=", NULL };
	struct env_result r2;
	plan_env(&s, nopre, &r2);
	assert_int_equal(has(r2.envp, "LD_PRELOAD=", &v), 1);
	assert_string_equal(v, SHIM);
}

/* A process without settings, or a child whose settings bind nothing:
 * nothing to add, nothing to judge. */
static void
test_env_unbound(void **state)
{
	char *plain[] = { "HOME=/", NULL };
	struct child_start s = started(plain, false, NULL);
	char *envp[] = { NULL };
	char *verbose_only[] = { "BINDIF_VERBOSE=1", NULL };
	struct env_result r;

	(void)state;
	plan_env(&s, envp, &r);
	assert_false(r.bound);
	assert_ptr_equal(r.envp, envp);
	struct child_start t = started(start_env, false, NULL);
	struct env_result r2;
	plan_env(&t, verbose_only, &r2);
	assert_false(r2.bound);
	assert_ptr_equal(r2.envp, verbose_only);
}

/* child_plan_exec on an environment as the child gets it. */
static struct child_plan
plan(const struct child_start *s, const char *path, enum judge_verdict v,
    char **argv, char **env, char **room)
{
	struct child_plan p;

	memset(&p, 0, sizeof(p));
	p.envp = env;
	child_plan_exec(s, path, v, argv, room, &p);
	return p;
}

static void
test_translate(void **state)
{
	struct child_start s = started(start_env, false, NULL);
	char *argv[] = { "ping", "-n", "-c1", "198.51.100.10", NULL };
	char *own[] = { "ping", "-c1", "-Ieth1", "198.51.100.10", NULL };
	char *env[] = { "BINDIF_INTERFACE=phy0", "BINDIF_DEFAULT=wlan0", NULL };
	char *autoenv[] = { "BINDIF_INTERFACE=auto", "BINDIF_AUTO=eth3", NULL };
	char *room[8];
	struct child_plan p;

	(void)state;
	p = plan(&s, "/usr/bin/ping", JUDGE_FCAPS, argv, env, room);
	assert_int_equal(p.action, CHILD_TRANSLATED);
	/* The launcher's resolved default, the user's arguments kept. */
	assert_string_equal(p.argv[1], "-I");
	assert_string_equal(p.argv[2], "wlan0");
	assert_string_equal(p.argv[3], "-n");
	assert_string_equal(p.argv[5], "198.51.100.10");
	assert_null(p.argv[6]);
	assert_non_null(strstr(p.reason, "file capabilities"));
	/* Never twice. */
	p = plan(&s, "/usr/bin/ping", JUDGE_FCAPS, own, env, room);
	assert_int_equal(p.action, CHILD_RUN);
	assert_ptr_equal(p.argv, own);
	p = plan(&s, "/usr/bin/traceroute", JUDGE_SETUID, argv, autoenv, room);
	assert_int_equal(p.action, CHILD_TRANSLATED);
	assert_string_equal(p.argv[1], "-i");
	assert_string_equal(p.argv[2], "eth3");
	/* Entered by the shim: nothing to do. */
	p = plan(&s, "/usr/bin/ping", JUDGE_OK, argv, env, room);
	assert_int_equal(p.action, CHILD_RUN);
	assert_ptr_equal(p.argv, argv);
}

static void
test_refuse_force_kernel(void **state)
{
	struct child_start s = started(start_env, false, NULL);
	char *argv[] = { "touch", "/tmp/m", NULL };
	char *env[] = { "BINDIF_RULES=/r.conf", NULL };
	char *forced[] = { "BINDIF_RULES=/r.conf", "BINDIF_FORCE=1", NULL };
	char *notforced[] = { "BINDIF_RULES=/r.conf", "BINDIF_FORCE=0", NULL };
	char *kernel[] = { "BINDIF_INTERFACE=phy0", "BINDIF_KERNEL=1", NULL };
	char *room[8];
	struct child_plan p;

	(void)state;
	p = plan(&s, "/tmp/suid", JUDGE_SETUID, argv, env, room);
	assert_int_equal(p.action, CHILD_REFUSE);
	assert_non_null(strstr(p.advice, "--force"));
	/* ping without an interface to give it: refused, not guessed. */
	p = plan(&s, "/usr/bin/ping", JUDGE_FCAPS, argv, env, room);
	assert_int_equal(p.action, CHILD_REFUSE);
	p = plan(&s, "/tmp/suid", JUDGE_SETUID, argv, forced, room);
	assert_int_equal(p.action, CHILD_FORCED);
	assert_ptr_equal(p.argv, argv);
	p = plan(&s, "/tmp/suid", JUDGE_SETUID, argv, notforced, room);
	assert_int_equal(p.action, CHILD_REFUSE);
	/* Static: root is sent to kernel mode, which covers children. */
	s.root = true;
	p = plan(&s, "/tmp/static", JUDGE_STATIC, argv, env, room);
	assert_int_equal(p.action, CHILD_REFUSE);
	assert_non_null(strstr(p.advice, "bindif --kernel"));
	p = plan(&s, "/tmp/static", JUDGE_STATIC, argv, kernel, room);
	assert_int_equal(p.action, CHILD_RUN);
	/* The cgroup binds static programs, not setuid ones' shim. */
	s.root = false;
	p = plan(&s, "/tmp/suid", JUDGE_SETUID, argv, kernel, room);
	assert_int_equal(p.action, CHILD_REFUSE);
}

static void
test_path_next(void **state)
{
	const char *cur = "/bin::/usr/local/very/long/directory";
	char buf[32];

	(void)state;
	assert_int_equal(child_path_next(&cur, "ls", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "/bin/ls");
	assert_int_equal(child_path_next(&cur, "ls", buf, sizeof(buf)), 1);
	assert_string_equal(buf, "ls"); /* empty: the current directory */
	assert_int_equal(child_path_next(&cur, "ls", buf, 20), -1);
	assert_int_equal(child_path_next(&cur, "ls", buf, sizeof(buf)), 0);
}

/* What execveat runs, as a path to judge. */
static void
test_at_path(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(plat_at_path(AT_FDCWD, "/usr/bin/ping", 0, buf,
	                     sizeof(buf)),
	    0);
	assert_string_equal(buf, "/usr/bin/ping");
	assert_int_equal(plat_at_path(AT_FDCWD, "bin/ping", 0, buf,
	                     sizeof(buf)),
	    0);
	assert_string_equal(buf, "bin/ping");
	assert_int_equal(plat_at_path(5, "ping", 0, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/proc/self/fd/5/ping");
	assert_int_equal(plat_at_path(12, "", AT_EMPTY_PATH, buf, sizeof(buf)),
	    0);
	assert_string_equal(buf, "/proc/self/fd/12");
	assert_int_equal(plat_at_path(12, "", 0, buf, sizeof(buf)), -1);
	assert_int_equal(plat_at_path(5, "ping", 0, buf, 18), -1);
}

static void
test_line(void **state)
{
	const char *tail[] = { "run it as root", ", or not", NULL };
	const char *want = "bindif[sh:4242]: exec /usr/bin/x: it is setuid; "
	                   "run it as root, or not\n";
	size_t need = child_line_len("sh", "/usr/bin/x", "it is setuid", tail);
	char buf[need];

	(void)state;
	assert_int_equal(child_line(buf, "sh", 4242, "/usr/bin/x",
	                     "it is setuid", tail),
	    strlen(want));
	assert_string_equal(buf, want);
	assert_true(strlen(want) < need);
}

/* ---- the hooks in this process: calls that fail before any exec ---- */

/* Bad pointers reach the real execve as they were (so the kernel answers
 * EFAULT): tests/integration/badptr.c has those, since memcheck stops a
 * process whose execve it sees fail on one. */
static void
test_hook_not_there(void **state)
{
	char *argv[] = { "x", NULL };

	(void)state;
	errno = 0;
	assert_int_equal(bindif_execve("/nonexistent/x", argv, NULL), -1);
	assert_int_equal(errno, ENOENT);
}

/* execvpe's search: not found, and found but not executable. */
static void
test_hook_search(void **state)
{
	char *argv[] = { "bindif-none", NULL }, *envp[] = { NULL };
	char path[sizeof(tmpdir) + 16];
	char *old = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	(void)state;
	make_tmpdir("children");
	write_file("bindif-none", "#!/bin/sh\n");
	snprintf(path, sizeof(path), "/nonexistent:%s", tmpdir);
	setenv("PATH", path, 1);
	assert_int_equal(bindif_execvpe("bindif-none", argv, envp), -1);
	assert_int_equal(errno, EACCES);
	assert_int_equal(bindif_execvpe("bindif-nothing", argv, envp), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(bindif_execvpe("", argv, envp), -1);
	assert_int_equal(errno, ENOENT);
	if (old != NULL)
		setenv("PATH", old, 1);
	free(old);
	remove_tmpdir();
}

/* A static program the child's settings would bind: EPERM, and it never
 * ran (it would have replaced this test); E2BIG rather than truncation. */
static void
test_hook_refuses_static(void **state)
{
	unsigned char buf[1024];
	struct elf_facts self;
	char path[sizeof(tmpdir) + 16];
	char *argv[] = { "static", NULL };
	char *envp[] = { "BINDIF_INTERFACE=lo", NULL };
	pid_t pid = 0;
	int fd;

	(void)state;
	assert_true(judge_self("/proc/self/exe", &self));
	make_tmpdir("children");
	snprintf(path, sizeof(path), "%s/static", tmpdir);
	fd = open(path, O_WRONLY | O_CREAT, 0755);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, buf, elf64(buf, self.machine, NULL)), 1024);
	close(fd);
	errno = 0;
	assert_int_equal(bindif_execve(path, argv, envp), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(bindif_posix_spawn(&pid, path, NULL, NULL, argv, envp),
	    EPERM);
	assert_int_equal(pid, 0);
	/* By descriptor: judged through /proc/self/fd. */
	fd = open(tmpdir, O_RDONLY | O_DIRECTORY);
	assert_true(fd >= 0);
	assert_int_equal(bindif_execveat(fd, "static", argv, envp, 0), -1);
	assert_int_equal(errno, EPERM);
	close(fd);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(bindif_execveat(fd, "", argv, envp, AT_EMPTY_PATH),
	    -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(bindif_fexecve(fd, argv, envp), -1);
	assert_int_equal(errno, EPERM);
	close(fd);
	/* Too large to rebuild on the stack: E2BIG, never truncated. An
	 * exec with nothing to rebuild has no such limit. */
	char **huge = calloc(40001, sizeof(char *));
	assert_non_null(huge);
	for (size_t i = 0; i < 40000; i++)
		huge[i] = "x";
	assert_int_equal(bindif_execve(path, huge, envp), -1);
	assert_int_equal(errno, E2BIG);
	assert_int_equal(bindif_execve("/nonexistent/x", huge, envp), -1);
	assert_int_equal(errno, ENOENT);
	free(huge);
	remove_tmpdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_capture),
		cmocka_unit_test(test_capture_secure),
		cmocka_unit_test(test_capture_no_variable),
		cmocka_unit_test(test_env_cleared),
		cmocka_unit_test(test_env_untouched),
		cmocka_unit_test(test_env_nested_wins),
		cmocka_unit_test(test_env_unbound),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_refuse_force_kernel),
		cmocka_unit_test(test_path_next),
		cmocka_unit_test(test_at_path),
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_hook_not_there),
		cmocka_unit_test(test_hook_search),
		cmocka_unit_test(test_hook_refuses_static),
	};

	return cmocka_run_group_tests(tests, NULL, forget_all);
}
