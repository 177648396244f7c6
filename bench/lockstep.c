/*
 * lockstep.c - two load programs side by side, taking turns on the CPU they
 * share: A's turn, then B's, then B's again and A's (A B B A A B ...), so
 * that whatever the host does to this machine from one millisecond to the
 * next lands on both arms alike. Run by bench/run.sh; the arms are
 * `blast --lockstep K ...` commands (bench/blast.c).
 *
 *   lockstep A-COMMAND... // B-COMMAND...
 *
 * Each arm gets descriptor 3, from which it reads one byte before each turn,
 * and descriptor 4, to which it writes the turn's nanoseconds (eight bytes)
 * after it; its stdout goes to /dev/null. Prints one line per turn, "A-ns
 * B-ns". Fails (exit 1, one line) if an arm fails or the arms take
 * different numbers of turns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct arm {
	char **argv;
	pid_t pid;
	int go;   /* our end of the arm's descriptor 3 */
	int done; /* our end of the arm's descriptor 4 */
	int ended;
};

static void __attribute__((noreturn)) die(const char *what, const char *arg)
{
	fprintf(stderr, "lockstep: %s%s%s: %s\n", what, arg ? " " : "",
	    arg ? arg : "", strerror(errno));
	exit(1);
}

/* Moves FD out of the way of 0-4, close-on-exec. */
static int
high(int fd)
{
	int h = fcntl(fd, F_DUPFD_CLOEXEC, 10);

	if (h < 0)
		die("fcntl", NULL);
	close(fd);
	return h;
}

static void
start(struct arm *a)
{
	int go[2], done[2], null;

	if (pipe(go) < 0 || pipe(done) < 0)
		die("pipe", NULL);
	go[0] = high(go[0]), go[1] = high(go[1]);
	done[0] = high(done[0]), done[1] = high(done[1]);
	if ((null = open("/dev/null", O_WRONLY | O_CLOEXEC)) < 0)
		die("open", "/dev/null");
	null = high(null);
	if ((a->pid = fork()) < 0)
		die("fork", NULL);
	if (a->pid == 0) {
		/* dup2 clears close-on-exec on the copies it makes. */
		if (dup2(go[0], 3) < 0 || dup2(done[1], 4) < 0 ||
		    dup2(null, STDOUT_FILENO) < 0)
			die("dup2", NULL);
		execvp(a->argv[0], a->argv);
		die("cannot run", a->argv[0]);
	}
	close(go[0]);
	close(done[1]);
	close(null);
	a->go = go[1];
	a->done = done[0];
}

/* One turn of A; 0 and A->ended set once it has no more turns. */
static long long
turn(struct arm *a)
{
	long long ns;
	size_t got = 0;
	ssize_t r;

	if (write(a->go, "", 1) != 1) {
		if (errno != EPIPE)
			die("write", NULL);
		a->ended = 1;
		return 0;
	}
	while (got < sizeof(ns)) {
		r = read(a->done, (char *)&ns + got, sizeof(ns) - got);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			die("read", NULL);
		if (r == 0)
			break;
		got += (size_t)r;
	}
	if (got == 0) {
		a->ended = 1;
		return 0;
	}
	if (got != sizeof(ns)) {
		errno = EPROTO;
		die("a short report from", a->argv[0]);
	}
	return ns;
}

static int
finish(struct arm *a)
{
	int status;

	while (waitpid(a->pid, &status, 0) < 0)
		if (errno != EINTR)
			die("waitpid", NULL);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

int
main(int argc, char **argv)
{
	struct arm arm[2] = { { 0 } };
	long long ns[2];
	long turns = 0;
	int i, sep = 0, ok;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "//") == 0)
			sep = i;
	if (sep < 2 || sep == argc - 1) {
		fprintf(stderr,
		    "usage: lockstep A-COMMAND... // B-COMMAND...\n");
		return 2;
	}
	argv[sep] = NULL;
	arm[0].argv = argv + 1;
	arm[1].argv = argv + sep + 1;
	/* An arm that has ended is found by EPIPE, not killed by SIGPIPE. */
	signal(SIGPIPE, SIG_IGN);
	start(&arm[0]);
	start(&arm[1]);
	for (;;) {
		int first = (int)(turns % 2); /* A B, then B A */

		ns[first] = turn(&arm[first]);
		ns[!first] = turn(&arm[!first]);
		if (arm[0].ended || arm[1].ended)
			break;
		printf("%lld %lld\n", ns[0], ns[1]);
		turns++;
	}
	if (arm[0].ended != arm[1].ended) {
		/* The other one would only fail waiting for its next turn. */
		struct arm *on = arm[0].ended ? &arm[1] : &arm[0];
		struct arm *off = on == &arm[0] ? &arm[1] : &arm[0];

		kill(on->pid, SIGKILL);
		finish(on);
		fprintf(stderr,
		    "lockstep: %s %s after %ld turns, the other "
		    "arm did not end\n",
		    off == &arm[0] ? "A" : "B",
		    finish(off) ? "ended" : "failed", turns);
		return 1;
	}
	ok = finish(&arm[0]) & finish(&arm[1]);
	if (!ok || turns == 0) {
		fprintf(stderr, "lockstep: an arm failed after %ld turns\n",
		    turns);
		return 1;
	}
	return 0;
}
