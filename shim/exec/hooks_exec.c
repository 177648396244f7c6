/*
 * hooks_exec.c - the exec family and posix_spawn: a child gets the
 * settings back if the program cleared them, and a child the loader will
 * not take the shim into is translated to its own interface option or
 * refused with EPERM, as the launcher does for the command it runs.
 *
 * Programs call exec in vfork children (and clone(CLONE_VM) ones), which
 * share the parent's memory and may run on a small stack: nothing here
 * allocates, locks or uses stdio. The new argv and envp are built on the
 * stack, sized from the caller's (E2BIG beyond EXEC_ROOM_MAX, never
 * truncated); the one line a refusal prints goes out with write(2).
 * posix_spawn is judged in the parent, before the real one starts the
 * child: glibc's child then calls its internal execve, which is not ours.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "children.h"
#include "hooks_exec.h"
#include "../../common/plat.h"
#include "../../common/judge.h"
#include "../progname.h"
#include "../uaccess.h"

/* Stack room for one exec's argv, envp and strings: far beyond what any
 * real environment needs, well inside a thread's stack. */
#define EXEC_ROOM_MAX (256 * 1024)
/* The program's own path for judge_self; Linux's PATH_MAX. */
#define SELF_PATH 4096

static struct plat_exec_real real;
static struct child_start start;
static pthread_once_t start_once = PTHREAD_ONCE_INIT;
static atomic_bool forced_said;

/* The shim's own file as the loader loaded it (a preloaded object's name
 * is the path the loader opened); NULL when unknown. */
static const char *
self_path(void)
{
	Dl_info me;

	if (dladdr((void *)self_path, &me) == 0 || me.dli_fname == NULL ||
	    me.dli_fname[0] != '/')
		return NULL;
	return me.dli_fname;
}

static void
capture(void)
{
	char exe[SELF_PATH];
	const char *argv0 = NULL;

	(void)plat_bind_exec_real(&real);
	plat_program(exe, sizeof(exe), &argv0);
	start.verbose = progname_verbose(getenv("BINDIF_VERBOSE")) ||
	    plat_getenv("BINDIF_LOG") != NULL;
	start.preload_var = plat_preload_var;
	start.shim_name = plat_shim_name;
	start.darwin = plat_is_darwin();
	start.root = geteuid() == 0;
	/* Out of memory at start: children are judged all the same, they
	 * only do not get the settings back. */
	(void)child_capture(&start, plat_environ(), plat_secure_mode(),
	    self_path(), progname_of(exe, argv0));
}

/* The values the process started with, captured once: in the constructor
 * (so before any vfork child can need them), or by whichever exec comes
 * first if another library's constructor starts a program before ours -
 * the one case where this path allocates, wherever that exec runs. */
static const struct child_start *
exec_state(void)
{
	pthread_once(&start_once, capture);
	return &start;
}

__attribute__((constructor)) static void
exec_early(void)
{
	(void)exec_state();
}

/*
 * The loader takes the shim into a child built as the program it is in
 * now: that program's header, read at the first exec (not at start, which
 * every process would pay) and kept. The first to finish publishes it
 * (from a vfork child, into the parent's memory: the same program); one
 * racing it uses its own copy, the same bytes.
 */
static struct elf_facts self_kept;
static atomic_int self_state; /* 0 unread, 1 being written, 2 kept */

static void
self_facts(struct elf_facts *self)
{
	char path[SELF_PATH];
	const char *argv0;
	int unread = 0;

	if (atomic_load(&self_state) == 2) {
		*self = self_kept;
		return;
	}
	plat_program(path, sizeof(path), &argv0);
	if (!judge_self(path, self))
		memset(self, 0, sizeof(*self));
	if (atomic_compare_exchange_strong(&self_state, &unread, 1)) {
		self_kept = *self;
		atomic_store(&self_state, 2);
	}
}

/* How the program asked for its child, to make the same call in the end. */
enum call_kind {
	CALL_EXECVE,
	CALL_FEXECVE,
	CALL_EXECVEAT,
	CALL_SPAWN,
	CALL_SPAWNP
};
struct call {
	enum call_kind kind;
	int fd, flags;    /* fexecve, execveat */
	const char *file; /* execveat, posix_spawnp: as the program
	                   * named it (judged by another path) */
	pid_t *pid;
	const posix_spawn_file_actions_t *fa;
	const posix_spawnattr_t *attr;
};

/* The real call; 0 (posix_spawn started it) or an errno value. */
static int
call_real(const struct call *c, const char *path, char *const *argv,
    char *const *envp)
{
	/* A function the system lacks (fexecve on macOS), or one dlsym could
	 * not find: ENOSYS, never a call through NULL. */
	switch (c->kind) {
	case CALL_FEXECVE:
		if (real.fexecve == NULL)
			return ENOSYS;
		(void)real.fexecve(c->fd, argv, envp);
		return errno;
	case CALL_EXECVEAT:
		if (real.execveat == NULL)
			return ENOSYS;
		(void)real.execveat(c->fd, c->file, argv, envp, c->flags);
		return errno;
	case CALL_SPAWN:
		return real.posix_spawn == NULL ?
		    ENOSYS :
		    real.posix_spawn(c->pid, path, c->fa, c->attr, argv, envp);
	case CALL_SPAWNP:
		return real.posix_spawnp == NULL ?
		    ENOSYS :
		    real.posix_spawnp(c->pid, c->file, c->fa, c->attr, argv,
		        envp);
	default:
		if (real.execve == NULL)
			return ENOSYS;
		(void)real.execve(path, argv, envp);
		return errno;
	}
}

/* One line on stderr: a refusal, or with -v what was done instead. */
static void
say(const struct child_start *s, const char *path, const char *reason,
    const char *const *tail)
{
	size_t n = child_line_len(s->prog, path, reason, tail);
	int saved = errno;

	if (n > EXEC_ROOM_MAX)
		return;
	{
		char line[n];

		n = child_line(line, s->prog, (long)getpid(), path, reason,
		    tail);
		(void)!write(STDERR_FILENO, line, n);
	}
	errno = saved;
}

static void
tell(const struct child_start *s, const char *judged,
    const struct child_plan *p)
{
	if (p->action == CHILD_REFUSE) {
		const char *tail[] = { p->advice, NULL };

		say(s, judged, p->reason, tail);
	} else if (p->action == CHILD_TRANSLATED && s->verbose) {
		const char *tail[] = { "running it with its own option "
			               "instead: ",
			p->argv[0], " ", p->opt, " ", p->iface, NULL };

		say(s, judged, p->reason, tail);
	} else if (p->action == CHILD_FORCED && s->verbose &&
	    !atomic_exchange(&forced_said, true)) {
		const char *tail[] = { "running it anyway (--force): its "
			               "traffic is not bound",
			NULL };

		say(s, judged, p->reason, tail);
	}
}

/*
 * Plans the child of path and makes the call: 0 (spawned) or an errno
 * value. A bad pointer anywhere goes to the real call as it is, which
 * answers EFAULT as the kernel does, rather than fault here.
 */
static int
planned(const struct call *c, const char *path, char *const *argv,
    char *const *envp)
{
	const struct child_start *s = exec_state();
	size_t plen = 0;
	struct child_room room;
	enum judge_verdict v;
	bool bound, changes;

	if (!ua_string(path, &plen) || !ua_strings(argv) || !ua_strings(envp))
		return call_real(c, path, argv, envp);
	changes = child_env_needed(s, envp, &bound);
	if (!bound)
		return call_real(c, path, argv, envp);
	char judged[plen + 256]; /* path, or a #! interpreter's (< 256) */
	{
		struct elf_facts self;

		self_facts(&self);
		v = judge_program_file(path, &self, judged, sizeof(judged));
		if (!changes &&
		    (v == JUDGE_OK || v == JUDGE_NOT_ELF || v == JUDGE_BINDIF))
			return call_real(c, path, argv, envp);
	}
	/* Only a child to refuse, or whose environment or argv is rebuilt
	 * (its settings were cleared; a tool to translate), gets here. */
	child_room(s, argv, envp, &room);
	if ((room.argv + room.envp) * sizeof(char *) + room.bytes >
	    EXEC_ROOM_MAX)
		return E2BIG;
	{
		char *av[room.argv], *ev[room.envp], bytes[room.bytes];
		struct child_plan p;

		(void)child_plan_env(s, envp, ev, bytes, &p);
		child_plan_exec(s, path, v, argv, av, &p);
		tell(s, judged, &p);
		if (p.action == CHILD_REFUSE)
			return EPERM;
		return call_real(c, path, p.argv, p.envp);
	}
}

/* execvp's fallback for a file neither ELF nor #!: /bin/sh runs it. */
static int
planned_or_sh(const struct call *c, const char *path, char *const *argv,
    char *const *envp)
{
	int err = planned(c, path, argv, envp);
	size_t n = 0, i;

	if (err != ENOEXEC)
		return err;
	while (argv != NULL && argv[n] != NULL)
		n++;
	if (n > EXEC_ROOM_MAX / sizeof(char *))
		return E2BIG;
	{
		char *sh[n + 3]; /* n == 0: "/bin/sh", path, NULL */

		sh[0] = (char *)"/bin/sh";
		sh[1] = (char *)path;
		for (i = 1; i < n; i++)
			sh[i + 1] = argv[i];
		sh[n > 0 ? n + 1 : 2] = NULL;
		return planned(c, "/bin/sh", sh, envp);
	}
}

/* execvpe's search: the same candidates in the same order, each judged
 * on its own; a refusal (EPERM) ends it, as any error but "not here". */
static int
search(const struct call *c, const char *file, char *const *argv,
    char *const *envp)
{
	const char *path = getenv("PATH"), *cursor;
	size_t flen;
	bool eacces = false;

	if (!ua_string(file, &flen))
		return EFAULT;
	if (file[0] == '\0')
		return ENOENT;
	if (strchr(file, '/') != NULL)
		return planned_or_sh(c, file, argv, envp);
	if (path == NULL)
		path = "/bin:/usr/bin"; /* glibc's default */
	if (strlen(path) + flen + 2 > EXEC_ROOM_MAX)
		return E2BIG;
	{
		char buf[strlen(path) + flen + 2];
		int err;

		cursor = path;
		while (child_path_next(&cursor, file, buf, sizeof(buf)) > 0) {
			switch ((err = planned_or_sh(c, buf, argv, envp))) {
			case EACCES:
				eacces = true;
				continue;
			case ENOENT:
			case ENOTDIR:
			case ESTALE:
			case ENODEV:
			case ETIMEDOUT:
				continue;
			default:
				return err;
			}
		}
	}
	return eacces ? EACCES : ENOENT;
}

static int
failed(int err)
{
	errno = err;
	return -1;
}

int
bindif_execve(const char *path, char *const argv[], char *const envp[])
{
	const struct call c = { .kind = CALL_EXECVE };

	return failed(planned(&c, path, argv, envp));
}

int
bindif_execv(const char *path, char *const argv[])
{
	return bindif_execve(path, argv, plat_environ());
}

int
bindif_execvpe(const char *file, char *const argv[], char *const envp[])
{
	const struct call c = { .kind = CALL_EXECVE };

	return failed(search(&c, file, argv, envp));
}

int
bindif_execvp(const char *file, char *const argv[])
{
	return bindif_execvpe(file, argv, plat_environ());
}

int
bindif_fexecve(int fd, char *const argv[], char *const envp[])
{
	const struct call c = { .kind = CALL_FEXECVE, .fd = fd };
	char path[32];

	if (plat_fd_path(fd, path, sizeof(path)) < 0)
		return failed(call_real(&c, "", argv, envp));
	return failed(planned(&c, path, argv, envp));
}

int
bindif_execveat(int dirfd, const char *path, char *const argv[],
    char *const envp[], int flags)
{
	const struct call c = { .kind = CALL_EXECVEAT,
		.fd = dirfd,
		.flags = flags,
		.file = path };
	size_t len;

	if (!ua_string(path, &len) || len > EXEC_ROOM_MAX)
		return failed(call_real(&c, "", argv, envp));
	{
		char at[len + 32];

		if (plat_at_path(dirfd, path, flags, at, sizeof(at)) < 0)
			return failed(call_real(&c, "", argv, envp));
		return failed(planned(&c, at, argv, envp));
	}
}

int
bindif_execl(enum bindif_execl how, const char *path, const char *arg,
    va_list ap)
{
	char *const *envp = plat_environ();
	size_t n = 0, i;
	va_list count;

	va_copy(count, ap);
	if (arg != NULL)
		for (n = 1; va_arg(count, const char *) != NULL; n++)
			if (n > EXEC_ROOM_MAX / sizeof(char *)) {
				va_end(count);
				return failed(E2BIG);
			}
	va_end(count);
	{
		char *argv[n + 1];

		argv[0] = (char *)arg;
		for (i = 1; i < n; i++)
			argv[i] = va_arg(ap, char *);
		if (n > 0)
			(void)va_arg(ap, char *); /* the NULL */
		argv[n] = NULL;
		if (how == EXECL_ENV)
			envp = va_arg(ap, char *const *);
		if (how == EXECL_SEARCH)
			return bindif_execvpe(path, argv, envp);
		return bindif_execve(path, argv, envp);
	}
}

int
bindif_posix_spawn(pid_t *pid, const char *path,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[])
{
	const struct call c = { .kind = CALL_SPAWN,
		.pid = pid,
		.fa = fa,
		.attr = attr };
	int saved = errno, err = planned(&c, path, argv, envp);

	errno = saved;
	return err;
}

/* Judged as the first candidate that is a runnable file, which is the
 * one the real posix_spawnp's child will run. */
int
bindif_posix_spawnp(pid_t *pid, const char *file,
    const posix_spawn_file_actions_t *fa, const posix_spawnattr_t *attr,
    char *const argv[], char *const envp[])
{
	const struct call c = { .kind = CALL_SPAWNP,
		.file = file,
		.pid = pid,
		.fa = fa,
		.attr = attr };
	const char *path = getenv("PATH"), *cursor;
	int saved = errno, err = 0;
	bool found = false;
	struct stat st;
	size_t flen;

	if (!ua_string(file, &flen) || strchr(file, '/') != NULL ||
	    file[0] == '\0') {
		err = planned(&c, file, argv, envp);
		errno = saved;
		return err;
	}
	if (path == NULL)
		path = "/bin:/usr/bin";
	if (strlen(path) + flen + 2 > EXEC_ROOM_MAX)
		return E2BIG;
	{
		char buf[strlen(path) + flen + 2];

		cursor = path;
		while (!found &&
		    child_path_next(&cursor, file, buf, sizeof(buf)) > 0)
			found = stat(buf, &st) == 0 && S_ISREG(st.st_mode) &&
			    access(buf, X_OK) == 0;
		/* None: the real one says so; the environment is still ours. */
		err = planned(&c, found ? buf : file, argv, envp);
	}
	errno = saved;
	return err;
}
