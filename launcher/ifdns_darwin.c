/*
 * ifdns_darwin.c - an interface's DNS servers on macOS, for the shim
 * (BINDIF_IFACE_DNS). They live in the system configuration, not in
 * files, so the launcher, a process of our own, asks the system's tools;
 * the shim, inside other programs, never starts one for this (nor loads
 * CoreFoundation, which a forked child may not use).
 * Also built on Linux for unit tests, with stand-ins for the tools.
 */
#define _DEFAULT_SOURCE
#include <sys/types.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../common/dnsconf.h"
#include "launcher.h"

/*
 * First the resolver scutil scopes to the interface: the servers of the
 * service on it, set by hand or by DHCP. A TUN proxy that sets them to
 * its own fake-ip server (ClashX's 198.18.0.2) leaves the DHCP server's
 * answer alone, which ipconfig shows: the second source.
 */
#define SCUTIL "/usr/sbin/scutil"
#define IPCONFIG "/usr/sbin/ipconfig"
/* Both answer from configd's memory at once; a hung configd must not
 * hang bindif. */
#define TOOL_TIMEOUT_MS 2000
#define TOOL_OUTPUT_MAX (256 * 1024)

int ifdns_collect_from(const char *ifname, const char *scutil,
    const char *ipconfig, int timeout_ms, char *buf, size_t len);

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads fd to its end within timeout_ms; true when it ended. */
static bool
read_all(int fd, char *buf, size_t max, size_t *got, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms, left;
	struct pollfd pfd;
	ssize_t r;
	int n;

	*got = 0;
	while ((left = deadline - now_ms()) > 0) {
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if ((n = poll(&pfd, 1, (int)left)) < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		if (*got == max)
			return false; /* more than any answer of these tools */
		if ((r = read(fd, buf + *got, max - *got)) < 0 &&
		    errno == EINTR)
			continue;
		if (r <= 0)
			return r == 0;
		*got += (size_t)r;
	}
	return false;
}

/* What a tool wrote to its standard output, NUL-terminated (free it);
 * NULL when it could not run, failed, or took too long (it is killed). */
static char *
run_tool(char *const argv[], int timeout_ms)
{
	static char *const env[] = { "PATH=/usr/bin:/bin:/usr/sbin:/sbin",
		"LC_ALL=C", NULL };
	posix_spawn_file_actions_t fa;
	char *out;
	size_t got = 0;
	bool ended;
	int p[2], st = 0, rc;
	pid_t pid;

	if ((out = malloc(TOOL_OUTPUT_MAX + 1)) == NULL)
		return NULL;
	if (pipe(p) < 0) {
		free(out);
		return NULL;
	}
	(void)fcntl(p[0], F_SETFD, FD_CLOEXEC);
	(void)fcntl(p[1], F_SETFD, FD_CLOEXEC);
	rc = posix_spawn_file_actions_init(&fa);
	if (rc == 0) {
		posix_spawn_file_actions_adddup2(&fa, p[1], STDOUT_FILENO);
		posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
		    O_RDONLY, 0);
		posix_spawn_file_actions_addopen(&fa, STDERR_FILENO,
		    "/dev/null", O_WRONLY, 0);
		rc = posix_spawn(&pid, argv[0], &fa, NULL, argv, env);
		posix_spawn_file_actions_destroy(&fa);
	}
	close(p[1]);
	if (rc != 0) {
		close(p[0]);
		free(out);
		return NULL;
	}
	ended = read_all(p[0], out, TOOL_OUTPUT_MAX, &got, timeout_ms);
	close(p[0]);
	if (!ended)
		kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (!ended || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(out);
		return NULL;
	}
	out[got] = '\0';
	return out;
}

static bool
any_usable(const struct dns_servers *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (!dnsconf_useless(&l->v[i], NULL))
			return true;
	return false;
}

int
ifdns_collect_from(const char *ifname, const char *scutil, const char *ipconfig,
    int timeout_ms, char *buf, size_t len)
{
	char *const sargv[] = { (char *)scutil, "--dns", NULL };
	char *const iargv[] = { (char *)ipconfig, "getpacket", (char *)ifname,
		NULL };
	struct dns_servers lists[2] = { { .n = 0 }, { .n = 0 } };
	char *text;

	if (len > 0)
		buf[0] = '\0';
	if ((text = run_tool(sargv, timeout_ms)) != NULL) {
		dnsconf_from_scutil(text, ifname, &lists[0]);
		free(text);
	}
	/* The shim takes the first source with a usable server: the second
	 * is asked only when it could matter. */
	if (!any_usable(&lists[0]) &&
	    (text = run_tool(iargv, timeout_ms)) != NULL) {
		dnsconf_from_ipconfig(text, &lists[1]);
		free(text);
	}
	if (lists[0].n + lists[1].n == 0 ||
	    dnsconf_hand_format(ifname, lists, 2, buf, len) < 0) {
		if (len > 0)
			buf[0] = '\0';
		return -1;
	}
	return 0;
}

int
ifdns_collect(const char *ifname, char *buf, size_t len)
{
	return ifdns_collect_from(ifname, SCUTIL, IPCONFIG, TOOL_TIMEOUT_MS,
	    buf, len);
}
