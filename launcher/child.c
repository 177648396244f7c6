/*
 * child.c - waiting for the command as a shell waits for its job: signals
 * sent to bindif's pid go on to the command, and bindif's own end mirrors
 * the command's, so that inserting bindif changes nothing a caller sees.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"

/* The handler's only way to know whom to signal. */
static volatile sig_atomic_t relay_pid;

static const int relayed[] = { SIGINT, SIGQUIT, SIGTERM, SIGHUP, SIGUSR1,
	SIGUSR2, SIGALRM };
#define NRELAYED (sizeof(relayed) / sizeof(relayed[0]))
_Static_assert(NRELAYED <=
        sizeof(((struct child_relay *)0)->old) / sizeof(struct sigaction),
    "child_relay.old holds every relayed signal");

static void
forward(int sig)
{
	int saved = errno;

	/* The terminal signals the whole process group already. */
	if (relay_pid > 0 && sig != SIGINT && sig != SIGQUIT)
		kill((pid_t)relay_pid, sig);
	errno = saved;
}

static void
relayed_set(sigset_t *s)
{
	size_t i;

	sigemptyset(s);
	for (i = 0; i < NRELAYED; i++)
		sigaddset(s, relayed[i]);
}

void
child_relay_block(struct child_relay *r)
{
	sigset_t s;

	memset(r, 0, sizeof(*r));
	relayed_set(&s);
	sigprocmask(SIG_BLOCK, &s, &r->blocked);
}

void
child_relay_unblock(const struct child_relay *r)
{
	sigprocmask(SIG_SETMASK, &r->blocked, NULL);
}

void
child_relay_start(struct child_relay *r, pid_t pid)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = forward;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	relay_pid = pid;
	for (i = 0; i < NRELAYED; i++)
		sigaction(relayed[i], &sa, &r->old[i]);
	r->installed = true;
	child_relay_unblock(r);
}

void
child_relay_stop(struct child_relay *r)
{
	size_t i;

	relay_pid = 0;
	if (r->installed)
		for (i = 0; i < NRELAYED; i++)
			sigaction(relayed[i], &r->old[i], NULL);
	r->installed = false;
	child_relay_unblock(r);
}

int
child_wait(pid_t pid, int *status)
{
	while (waitpid(pid, status, 0) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

int
child_exit_code(int status)
{
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return WEXITSTATUS(status);
}

void
child_exit_like(int status)
{
	struct rlimit none = { 0, 0 };
	struct sigaction dfl;
	sigset_t s;
	int sig;

	if (!WIFSIGNALED(status))
		exit(WEXITSTATUS(status));
	sig = WTERMSIG(status);
	(void)setrlimit(RLIMIT_CORE, &none);
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	sigaction(sig, &dfl, NULL);
	sigemptyset(&s);
	sigaddset(&s, sig);
	sigprocmask(SIG_UNBLOCK, &s, NULL);
	raise(sig);
	/* A signal whose default is not to end the process (none is, for a
	 * process that died of it, but a stop or continue could get here). */
	exit(child_exit_code(status));
}
