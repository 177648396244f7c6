/*
 * startrun.c - process start-up, timed without a shell in the way: runs
 * COMMAND N times one after the other (fork, execvp, wait) and prints the
 * total nanoseconds. Any run that does not exit 0 fails the whole.
 *
 *   startrun N COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int
main(int argc, char **argv)
{
	long i, n;
	long long t0;
	int status;
	pid_t pid;

	if (argc < 3 || (n = strtol(argv[1], NULL, 10)) < 1 || n > 100000) {
		fprintf(stderr, "usage: startrun N COMMAND [ARG...]\n");
		return 2;
	}
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		if ((pid = fork()) < 0) {
			perror("startrun: fork");
			return 1;
		}
		if (pid == 0) {
			execvp(argv[2], argv + 2);
			_exit(127);
		}
		if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
		    WEXITSTATUS(status) != 0) {
			fprintf(stderr,
			    "startrun: %s: run %ld failed (status "
			    "%#x)\n",
			    argv[2], i, status);
			return 1;
		}
	}
	printf("%lld\n", now_ns() - t0);
	return 0;
}
