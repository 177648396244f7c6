/*
 * handshake_linux.c - the handshake with ptrace: the child asks to be
 * traced and execs; the kernel stops it right after the exec, before the
 * loader runs. A breakpoint on the program's entry point (AT_ENTRY) stops
 * it again once the loader has mapped every library and run every
 * preloaded constructor, before one instruction of the program's own. By
 * then the shim's constructor has written a byte into a pipe whose write
 * end the child inherited (shim/announce.c), or the shim is not there.
 * Two stops and three reads: well under 0.1 ms (reading the child's memory
 * map instead cost 55 us). The breakpoint is the one per-CPU part.
 */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../shim/announce.h"
#include "child.h"
#include "handshake.h"
#include "launcher.h"

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_BREAKPOINT 1
/* int3: the trap leaves the instruction pointer one byte past it. */
#define BREAK_MASK 0xffUL
#define BREAK_INSN 0xccUL
#define BREAK_ADVANCE 1
#elif defined(__aarch64__)
#define HAVE_BREAKPOINT 1
/* brk #0: the trap leaves the pc on it. Little-endian only. */
#define BREAK_MASK 0xffffffffUL
#define BREAK_INSN 0xd4200000UL
#define BREAK_ADVANCE 0
#else
#define HAVE_BREAKPOINT 0
#endif

#if HAVE_BREAKPOINT
static int
get_ip(pid_t pid, uint64_t *ip)
{
	struct user_regs_struct regs;
	struct iovec io = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) < 0)
		return -1;
#if defined(__x86_64__)
	*ip = regs.rip;
#elif defined(__i386__)
	*ip = (uint32_t)regs.eip;
#else
	*ip = regs.pc;
#endif
	return 0;
}

static int
set_ip(pid_t pid, uint64_t ip)
{
	struct user_regs_struct regs;
	struct iovec io = { &regs, sizeof(regs) };

	if (ptrace(PTRACE_GETREGSET, pid, (void *)NT_PRSTATUS, &io) < 0)
		return -1;
#if defined(__x86_64__)
	regs.rip = ip;
#elif defined(__i386__)
	regs.eip = (long)ip;
#else
	regs.pc = ip;
#endif
	return ptrace(PTRACE_SETREGSET, pid, (void *)NT_PRSTATUS, &io) < 0 ?
	    -1 :
	    0;
}
#endif

/*
 * The child's auxiliary vector into buf: a few dozen pairs, so one page
 * holds it. Bytes read, or -1 with errno set (a program the user may run
 * but not read: EACCES).
 */
static ssize_t
read_auxv(pid_t pid, unsigned char *buf, size_t len)
{
	char path[64];
	size_t got = 0;
	ssize_t n;
	int fd, err;

	snprintf(path, sizeof(path), "/proc/%ld/auxv", (long)pid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	while (got < len &&
	    ((n = read(fd, buf + got, len - got)) > 0 ||
	        (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	err = errno;
	close(fd);
	if (n < 0) {
		errno = err;
		return -1;
	}
	return (ssize_t)got;
}

/* What the child tells the parent through a close-on-exec pipe. */
struct report {
	int stage; /* 1: ptrace refused (it execs anyway), 2: exec failed */
	int err;
};

static void
kill_and_reap(pid_t pid)
{
	int st;

	kill(pid, SIGKILL);
	(void)child_wait(pid, &st);
}

/*
 * From the stop after exec to the stop at the entry point; any other
 * signal on the way is delivered as it would be untraced. 1 at the entry
 * point, 0 when the program ended first (*status set), -1 on error.
 */
#if HAVE_BREAKPOINT
static int
run_to_entry(pid_t pid, uint64_t entry, int *status)
{
	uint64_t ip;
	int st, sig = 0;

	for (;;) {
		if (ptrace(PTRACE_CONT, pid, NULL, (void *)(long)sig) < 0)
			return -1;
		if (child_wait(pid, &st) < 0)
			return -1;
		if (!WIFSTOPPED(st)) {
			*status = st;
			return 0;
		}
		sig = WSTOPSIG(st);
		if (sig == SIGTRAP && get_ip(pid, &ip) == 0 &&
		    ip == entry + BREAK_ADVANCE)
			return 1;
	}
}
#endif

/*
 * The traced child is stopped after its exec. Returns HANDSHAKE_RAN with
 * the child detached (or ended: *status, *ended), or HANDSHAKE_STOPPED
 * with why, the child killed.
 */
static int
check_child(pid_t pid, const char *name, int announced, int *status,
    bool *ended, char *why, size_t whylen)
{
#if HAVE_BREAKPOINT
	unsigned char auxv[4096];
	ssize_t len;
	uint64_t entry;
	long orig, patched;
	bool secure;
	char byte;
	int rc;

	/* Should bindif die now, the command must not run on unchecked. */
	(void)ptrace(PTRACE_SETOPTIONS, pid, NULL,
	    (void *)(long)PTRACE_O_EXITKILL);
	if ((len = read_auxv(pid, auxv, sizeof(auxv))) < 0) {
		snprintf(why, whylen,
		    "%s: cannot look into it to check that "
		    "the shim took (%s; a program you may run but not read "
		    "is closed to you); give --force to run it unchecked",
		    name, strerror(errno));
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	rc = handshake_auxv(auxv, (size_t)len, sizeof(long), &entry, &secure);
	if (rc < 0) {
		snprintf(why, whylen,
		    "%s: no entry point in its auxiliary "
		    "vector; cannot check that the shim took",
		    name);
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	if (secure) {
		snprintf(why, whylen,
		    "%s: the loader runs it in secure mode "
		    "(a security module or capabilities raise its privileges), "
		    "so it leaves the shim out; run it as root, use its own "
		    "interface option, or give --force to run it unbound",
		    name);
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	errno = 0;
	orig = ptrace(PTRACE_PEEKTEXT, pid, (void *)entry, NULL);
	patched = (long)(((unsigned long)orig & ~BREAK_MASK) | BREAK_INSN);
	if ((orig == -1 && errno != 0) ||
	    ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)patched) < 0) {
		snprintf(why, whylen,
		    "%s: cannot set a breakpoint at its entry "
		    "point to check that the shim took: %s",
		    name, strerror(errno));
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	rc = run_to_entry(pid, entry, status);
	if (rc == 0) {
		/* It ended before its first instruction: the loader failed
		 * (a missing library) and said so. Nothing of it ran. */
		*ended = true;
		return HANDSHAKE_RAN;
	}
	if (rc < 0 || read(announced, &byte, 1) != 1) {
		if (rc < 0)
			snprintf(why, whylen,
			    "%s: lost track of it before its "
			    "entry point: %s",
			    name, strerror(errno));
		else
			snprintf(why, whylen,
			    "%s: the loader left the shim "
			    "out, for a reason bindif did not foresee (a "
			    "script "
			    "run by another script, a binfmt_misc handler, a "
			    "static program); it was stopped before it ran. "
			    "Run "
			    "bindif as root with --kernel, or give --force to "
			    "run it unbound",
			    name);
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	if (ptrace(PTRACE_POKETEXT, pid, (void *)entry, (void *)orig) < 0 ||
	    set_ip(pid, entry) < 0 ||
	    ptrace(PTRACE_DETACH, pid, NULL, NULL) < 0) {
		snprintf(why, whylen,
		    "%s: cannot resume it after checking "
		    "the shim: %s",
		    name, strerror(errno));
		kill_and_reap(pid);
		return HANDSHAKE_STOPPED;
	}
	return HANDSHAKE_RAN;
#else
	(void)pid;
	(void)name;
	(void)announced;
	(void)status;
	(void)ended;
	(void)why;
	(void)whylen;
	return HANDSHAKE_UNAVAILABLE;
#endif
}

/*
 * vfork: a parsed rules file can leave megabytes of heap whose page tables
 * a fork would copy only to throw them away at exec. The child touches
 * nothing of ours but this frame (its own function, so no variable of the
 * caller lives across the vfork).
 */
static pid_t
spawn_traced(const char *exe, char **argv, int wfd, int announce,
    const struct child_relay *relay)
{
	struct report me = { 0, 0 };
	pid_t pid = vfork();

	if (pid != 0)
		return pid;
	child_relay_unblock(relay);
	/* The one descriptor the program inherits from us, for the shim. */
	(void)fcntl(announce, F_SETFD, 0);
	if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0) {
		me.stage = 1;
		me.err = errno;
		(void)!write(wfd, &me, sizeof(me));
	}
	execv(exe, argv);
	me.stage = 2;
	me.err = errno;
	(void)!write(wfd, &me, sizeof(me));
	_exit(EXIT_CANNOT_RUN);
}

/* The pipe the shim announces itself in, named for it in the environment:
 * the read end (ours, non-blocking) and the write end (the child's). */
static int
announce_pipe(int fds[2], char *why, size_t whylen)
{
	char value[64];
	struct stat st;

	if (pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 || fstat(fds[1], &st) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		return -1;
	}
	snprintf(value, sizeof(value), "%d:%llu", fds[1],
	    (unsigned long long)st.st_ino);
	if (setenv(ANNOUNCE_VAR, value, 1) < 0) {
		snprintf(why, whylen, "cannot set %s: %s", ANNOUNCE_VAR,
		    strerror(errno));
		close(fds[0]);
		close(fds[1]);
		return -1;
	}
	return 0;
}

int
handshake_exec(const char *exe, char **argv, int *status, bool *unchecked,
    char *why, size_t whylen)
{
	struct child_relay relay;
	struct report r[2];
	bool ended = false;
	size_t got = 0;
	ssize_t n;
	int errfd[2], ann[2], wst, rc;
	pid_t pid;

	*unchecked = false;
	why[0] = '\0';
	if (!HAVE_BREAKPOINT)
		return HANDSHAKE_UNAVAILABLE;
	if (announce_pipe(ann, why, whylen) < 0)
		return HANDSHAKE_STOPPED;
	if (pipe2(errfd, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "pipe: %s", strerror(errno));
		close(ann[0]);
		close(ann[1]);
		return HANDSHAKE_STOPPED;
	}
	child_relay_block(&relay);
	pid = spawn_traced(exe, argv, errfd[1], ann[1], &relay);
	close(errfd[1]);
	close(ann[1]);
	(void)unsetenv(ANNOUNCE_VAR);
	if (pid < 0) {
		snprintf(why, whylen, "cannot start %s: %s", argv[0],
		    strerror(errno));
		close(errfd[0]);
		close(ann[0]);
		child_relay_unblock(&relay);
		return HANDSHAKE_STOPPED;
	}
	child_relay_start(&relay, pid);
	while (got < sizeof(r) &&
	    ((n = read(errfd[0], (char *)r + got, sizeof(r) - got)) > 0 ||
	        (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	close(errfd[0]);
	rc = HANDSHAKE_RAN;
	if (got >= sizeof(r[0]) && r[got / sizeof(r[0]) - 1].stage == 2) {
		const struct report *e = &r[got / sizeof(r[0]) - 1];

		(void)child_wait(pid, &wst);
		snprintf(why, whylen, "%s: %s", argv[0], strerror(e->err));
		rc = e->err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	} else if (got >= sizeof(r[0])) {
		/* Traced already (strace -f, gdb) or ptrace forbidden: the
		 * loader's word, as predicted, is all there is. */
		*unchecked = true;
		snprintf(why, whylen,
		    "cannot check that the shim took in %s "
		    "(ptrace: %s)",
		    argv[0], strerror(r[0].err));
		if (child_wait(pid, status) < 0)
			rc = HANDSHAKE_STOPPED;
	} else if (child_wait(pid, &wst) < 0) {
		snprintf(why, whylen, "%s: lost track of it: %s", argv[0],
		    strerror(errno));
		rc = HANDSHAKE_STOPPED;
	} else if (!WIFSTOPPED(wst)) {
		/* Killed between its exec and the stop that follows. */
		*status = wst;
	} else {
		rc = check_child(pid, argv[0], ann[0], status, &ended, why,
		    whylen);
		if (rc == HANDSHAKE_RAN && !ended &&
		    child_wait(pid, status) < 0)
			rc = HANDSHAKE_STOPPED;
	}
	close(ann[0]);
	child_relay_stop(&relay);
	return rc;
}
