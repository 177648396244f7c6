/*
 * stress.c - the shim under concurrency, for test_stress.sh. Every
 * connection asks the lab's peer which address it came from; the program
 * counts answers that name the expected address (ok), another one (bad) and
 * failures (err), and prints them. Every count and wait is bounded.
 *
 *   stress threads SRV PEER NTHREADS OPS   workers: TCP, UDP sendto and
 *        connected, dup/dup2/dup3 and close, while fork and fork+exec run
 *   stress child SRV PEER                  one TCP connect (the exec mode)
 *   stress signal SRV PEER ITER            a SIGALRM/SIGUSR1 handler sends
 *        UDP while the main thread loops connect/sendto/close
 *   stress highfd SRV PEER FD              a socket dup2'd to FD: TCP, UDP
 *   stress stale SRV PEER                  a socket closed behind the shim's
 *        back (fclose of an fdopen) and its number reused by dup()
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define IO_TIMEOUT_MS 5000

static struct sockaddr_in srv_tcp, srv_udp; /* SRV:7 and SRV:9 */
static char want[64];                       /* "peer=PEER" */
static atomic_int n_ok, n_bad, n_err;
static atomic_int n_fork, n_exec;
static char self_exe[4096];

static void
count(const char *reply, const char *what)
{
	if (reply == NULL) {
		atomic_fetch_add(&n_err, 1);
		return;
	}
	if (strcmp(reply, want) == 0)
		atomic_fetch_add(&n_ok, 1);
	else {
		atomic_fetch_add(&n_bad, 1);
		fprintf(stderr, "stress: %s: peer said \"%s\"\n", what, reply);
	}
}

static void
timeouts(int fd)
{
	struct timeval tv = { IO_TIMEOUT_MS / 1000, 0 };

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

/* connect that survives signals: an interrupted connect goes on in the
 * kernel, so wait for it rather than start again. */
static int
connect_all(int fd, const struct sockaddr_in *a)
{
	struct pollfd p = { fd, POLLOUT, 0 };
	int err = 0, i;
	socklen_t len = sizeof(err);

	if (connect(fd, (const struct sockaddr *)a, sizeof(*a)) == 0)
		return 0;
	/* EINPROGRESS from a blocking connect: SO_SNDTIMEO ran out. */
	if (errno != EINTR && errno != EALREADY)
		return -1;
	for (i = 0; i < 50; i++) {
		int rc = poll(&p, 1, 100);

		if (rc > 0)
			break;
		if (rc < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err) {
		errno = err ? err : errno;
		return -1;
	}
	return 0;
}

/* Reads one line ("peer=...") into buf; NULL on failure. */
static char *
read_line(int fd, char *buf, size_t len)
{
	size_t got = 0;
	ssize_t n;

	while (got < len - 1) {
		n = read(fd, buf + got, len - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
		if (memchr(buf, '\n', got))
			break;
	}
	buf[got] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	return got > 0 ? buf : NULL;
}

/* TCP to SRV:7 on fd (made by the caller, however): the peer's line. */
static char *
tcp_ask(int fd, char *buf, size_t len)
{
	timeouts(fd);
	if (connect_all(fd, &srv_tcp) < 0)
		return NULL;
	return read_line(fd, buf, len);
}

/* One datagram to SRV:9, unconnected (sendto) or connected (send); the
 * answer. Two tries: a datagram may be lost, the answer must be right. */
static char *
udp_ask(int fd, bool connected, char *buf, size_t len)
{
	int try;
	ssize_t n;

	timeouts(fd);
	if (connected && connect_all(fd, &srv_udp) < 0)
		return NULL;
	for (try = 0; try < 2; try++) {
		n = connected ?
		    send(fd, "hi", 2, 0) :
		    sendto(fd, "hi", 2, 0, (const struct sockaddr *)&srv_udp,
		        sizeof(srv_udp));
		if (n < 0)
			return NULL;
		/* A signal ends a recv with a timeout even under SA_RESTART:
		 * wait on, or the resend's answer finds the socket closed. */
		do
			n = recv(fd, buf, len - 1, 0);
		while (n < 0 && errno == EINTR);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			return buf;
		}
	}
	return NULL;
}

struct worker {
	pthread_t t;
	int id, ops;
};

/* One of the ways to make, use and drop a socket through the shim. */
static void
one_op(int id, int i)
{
	char buf[128];
	int s, d, hi = 1000 + id * 4 + (i & 3); /* this thread's own numbers */

	switch (i % 7) {
	case 0: /* TCP, as made */
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			break;
		count(tcp_ask(s, buf, sizeof(buf)), "tcp");
		close(s);
		return;
	case 1: /* UDP sendto, unconnected */
		if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			break;
		count(udp_ask(s, false, buf, sizeof(buf)), "udp sendto");
		close(s);
		return;
	case 2: /* UDP connected */
		if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			break;
		count(udp_ask(s, true, buf, sizeof(buf)), "udp connected");
		close(s);
		return;
	case 3: /* dup: a number the shim never saw made; the copy used */
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			break;
		d = dup(s);
		close(s);
		if (d < 0)
			break;
		count(tcp_ask(d, buf, sizeof(buf)), "tcp via dup");
		close(d);
		return;
	case 4: /* dup2 over an old socket of ours, UDP sendto through it */
		if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			break;
		if (dup2(s, hi) < 0) {
			close(s);
			break;
		}
		close(s);
		count(udp_ask(hi, false, buf, sizeof(buf)), "udp via dup2");
		/* Left open: the next dup2/dup3 to it replaces it. */
		return;
	case 5: /* dup3 (O_CLOEXEC) of a TCP socket over the same numbers */
		if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0)
			break;
		if (dup3(s, hi, O_CLOEXEC) < 0) {
			close(s);
			break;
		}
		close(s);
		count(tcp_ask(hi, buf, sizeof(buf)), "tcp via dup3");
		close(hi);
		return;
	case 6: /* connected first, dup'd after: the copy is bound too */
		if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0)
			break;
		if (connect_all(s, &srv_udp) < 0) {
			close(s);
			break;
		}
		d = dup(s);
		close(s);
		if (d < 0)
			break;
		count(udp_ask(d, false, buf, sizeof(buf)),
		    "udp dup of connected");
		close(d);
		return;
	}
	atomic_fetch_add(&n_err, 1);
}

static void *
work(void *arg)
{
	struct worker *w = arg;
	int i;

	for (i = 0; i < w->ops; i++)
		one_op(w->id, i);
	return NULL;
}

/* What a forked child of a threaded process does: a connect and _exit. */
static int
child_connect(void)
{
	char buf[128], *r;
	int s = socket(AF_INET, SOCK_STREAM, 0);

	if (s < 0)
		return 2;
	r = tcp_ask(s, buf, sizeof(buf));
	if (r == NULL)
		return 2;
	return strcmp(r, want) == 0 ? 0 : 1;
}

/* Forks (the child connects in the copy of this threaded process) or
 * forks and execs this program's child mode: both counted like the rest. */
static void *
forker(void *arg)
{
	int i, n = *(int *)arg, status;
	char srv[INET_ADDRSTRLEN], peer[64];
	pid_t pid;

	inet_ntop(AF_INET, &srv_tcp.sin_addr, srv, sizeof(srv));
	snprintf(peer, sizeof(peer), "%s", want + strlen("peer="));
	for (i = 0; i < n; i++) {
		bool exec = i % 2;

		pid = fork();
		if (pid < 0) {
			atomic_fetch_add(&n_err, 1);
			continue;
		}
		if (pid == 0) {
			if (exec) {
				execl(self_exe, "stress", "child", srv, peer,
				    (char *)NULL);
				_exit(3);
			}
			_exit(child_connect());
		}
		atomic_fetch_add(exec ? &n_exec : &n_fork, 1);
		if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status))
			atomic_fetch_add(&n_err, 1);
		else if (WEXITSTATUS(status) == 0)
			atomic_fetch_add(&n_ok, 1);
		else if (WEXITSTATUS(status) == 1) {
			atomic_fetch_add(&n_bad, 1);
			fprintf(stderr, "stress: a %s child saw another peer\n",
			    exec ? "fork+exec" : "fork");
		} else
			atomic_fetch_add(&n_err, 1);
	}
	return NULL;
}

static int
run_threads(int nthreads, int ops)
{
	struct worker *w = calloc((size_t)nthreads, sizeof(*w));
	pthread_t f[2];
	int i, nforks = ops / 4 > 0 ? ops / 4 : 1;

	if (w == NULL)
		return 2;
	for (i = 0; i < 2; i++)
		pthread_create(&f[i], NULL, forker, &nforks);
	for (i = 0; i < nthreads; i++) {
		w[i].id = i;
		w[i].ops = ops;
		if (pthread_create(&w[i].t, NULL, work, &w[i]) != 0) {
			fprintf(stderr, "stress: pthread_create failed\n");
			return 2;
		}
	}
	for (i = 0; i < nthreads; i++)
		pthread_join(w[i].t, NULL);
	for (i = 0; i < 2; i++)
		pthread_join(f[i], NULL);
	printf("threads=%d ops=%d forks=%d execs=%d\n", nthreads,
	    nthreads * ops, atomic_load(&n_fork), atomic_load(&n_exec));
	free(w);
	return 0;
}

/* ---------------------------------------------------------- signals */

static int sig_sock = -1;
static volatile sig_atomic_t sig_sent, sig_failed, sig_budget;

/* sendto from a handler, interrupting the main thread anywhere inside
 * the shim: must neither deadlock nor lose the binding. */
static void
on_signal(int sig)
{
	int saved = errno;

	(void)sig;
	if (sig_budget > 0) {
		sig_budget--;
		if (sendto(sig_sock, "sig", 3, 0,
		        (const struct sockaddr *)&srv_udp,
		        sizeof(srv_udp)) == 3)
			sig_sent++;
		else
			sig_failed++;
	}
	errno = saved;
}

static atomic_int kicker_stop;
static pthread_t main_thread;

static void *
kicker(void *arg)
{
	/* Dense enough to land inside a short building of the settings. */
	struct timespec ts = { 0, 200 * 1000 };

	(void)arg;
	/* A pause first: a handler that runs before the main thread's first
	 * network call builds the settings itself, inside the handler, and
	 * then no handler can interrupt their building. */
	while (nanosleep(&ts, NULL), !atomic_load(&kicker_stop))
		pthread_kill(main_thread, SIGUSR1);
	return NULL;
}

/* Reads whatever answers wait on the handler's socket. */
static void
drain(int wait_ms, int *ok, int *bad)
{
	char buf[128];
	ssize_t n;
	struct pollfd p = { sig_sock, POLLIN, 0 };

	for (;;) {
		n = recv(sig_sock, buf, sizeof(buf) - 1, MSG_DONTWAIT);
		if (n > 0) {
			buf[n] = '\0';
			buf[strcspn(buf, "\n")] = '\0';
			if (strcmp(buf, want) == 0)
				(*ok)++;
			else {
				(*bad)++;
				fprintf(stderr,
				    "stress: signal datagram: peer "
				    "said \"%s\"\n",
				    buf);
			}
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (wait_ms <= 0)
			return;
		if (poll(&p, 1, 100) <= 0)
			wait_ms -= 100;
	}
}

static int
run_signal(int iter)
{
	struct sigaction sa;
	struct itimerval it = { { 0, 1000 }, { 0, 1000 } };
	sigset_t block;
	pthread_t k;
	char buf[128];
	int i, ok = 0, bad = 0, s;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	/* One handler at a time: a SIGALRM nesting inside the SIGUSR1
	 * handler between its sendto and sig_sent++ lost a count (seen:
	 * sent=298, answered=299). */
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGALRM);
	sigaddset(&sa.sa_mask, SIGUSR1);
	sigaction(SIGALRM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	/* Made with a raw system call: the shim first hears of this socket
	 * inside the handler, and its first decision is made there. */
	sig_sock = (int)syscall(SYS_socket, AF_INET, SOCK_DGRAM, 0);
	if (sig_sock < 0)
		return 2;
	sig_budget = 1500;
	main_thread = pthread_self();
	/* The kicker only sends: SIGALRM stays the main thread's. */
	sigemptyset(&block);
	sigaddset(&block, SIGALRM);
	sigaddset(&block, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	pthread_create(&k, NULL, kicker, NULL);
	pthread_sigmask(SIG_UNBLOCK, &block, NULL);
	/* Signals from before the first network call: the shim's settings
	 * are built under them. */
	setitimer(ITIMER_REAL, &it, NULL);
	for (i = 0; i < iter; i++) {
		switch (i % 3) {
		case 0:
			if ((s = socket(AF_INET, SOCK_STREAM, 0)) >= 0) {
				count(tcp_ask(s, buf, sizeof(buf)), "tcp");
				close(s);
			}
			break;
		case 1:
			if ((s = socket(AF_INET, SOCK_DGRAM, 0)) >= 0) {
				count(udp_ask(s, false, buf, sizeof(buf)),
				    "udp sendto");
				close(s);
			}
			break;
		case 2:
			if ((s = socket(AF_INET, SOCK_DGRAM, 0)) >= 0) {
				count(udp_ask(s, true, buf, sizeof(buf)),
				    "udp connected");
				close(s);
			}
			break;
		}
		drain(0, &ok, &bad);
	}
	memset(&it, 0, sizeof(it));
	setitimer(ITIMER_REAL, &it, NULL);
	atomic_store(&kicker_stop, 1);
	pthread_join(k, NULL);
	drain(2000, &ok, &bad);
	printf("signal sent=%d failed=%d answered=%d wrong=%d\n", (int)sig_sent,
	    (int)sig_failed, ok, bad);
	return 0;
}

/* ---------------------------------------------------------- fds */

static int
run_highfd(int target)
{
	char buf[128];
	int s;

	if ((s = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    dup2(s, target) != target) {
		perror("stress: dup2");
		return 2;
	}
	close(s);
	count(tcp_ask(target, buf, sizeof(buf)), "tcp at high fd");
	close(target);
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    dup3(s, target + 1, O_CLOEXEC) != target + 1) {
		perror("stress: dup3");
		return 2;
	}
	close(s);
	count(udp_ask(target + 1, false, buf, sizeof(buf)), "udp at high fd");
	close(target + 1);
	/* Created there by the kernel: F_DUPFD, which the shim never sees. */
	if ((s = socket(AF_INET, SOCK_DGRAM, 0)) < 0 ||
	    fcntl(s, F_DUPFD, target + 2) < target + 2) {
		perror("stress: F_DUPFD");
		return 2;
	}
	close(s);
	count(udp_ask(target + 2, true, buf, sizeof(buf)),
	    "udp connected at high fd");
	close(target + 2);
	return 0;
}

static int
run_stale(void)
{
	char buf[128];
	int fresh, old, d;
	FILE *fp;

	/* fresh: a socket never connected; old: one bound by its connect. */
	if ((fresh = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    (old = socket(AF_INET, SOCK_STREAM, 0)) < 0)
		return 2;
	count(tcp_ask(old, buf, sizeof(buf)), "tcp before");
	/* fclose closes inside libc: the shim does not see it. */
	if ((fp = fdopen(old, "r+")) == NULL)
		return 2;
	fclose(fp);
	/* dup() is not hooked either, and takes the lowest free number. */
	d = dup(fresh);
	if (d != old)
		fprintf(stderr, "stress: dup gave %d, not %d\n", d, old);
	close(fresh);
	count(tcp_ask(d, buf, sizeof(buf)), "tcp on a reused number");
	close(d);
	return 0;
}

int
main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int rc;
	ssize_t n;

	if (argc < 4) {
		fprintf(stderr, "usage: stress MODE SRV PEER [N [N]]\n");
		return 2;
	}
	srv_tcp.sin_family = srv_udp.sin_family = AF_INET;
	srv_tcp.sin_port = htons(7);
	srv_udp.sin_port = htons(9);
	if (inet_pton(AF_INET, argv[2], &srv_tcp.sin_addr) != 1)
		return 2;
	srv_udp.sin_addr = srv_tcp.sin_addr;
	snprintf(want, sizeof(want), "peer=%s", argv[3]);
	n = readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1);
	self_exe[n > 0 ? n : 0] = '\0';
	setvbuf(stdout, NULL, _IOLBF, 0);

	if (strcmp(mode, "child") == 0)
		return child_connect();
	if (strcmp(mode, "threads") == 0 && argc == 6)
		rc = run_threads(atoi(argv[4]), atoi(argv[5]));
	else if (strcmp(mode, "signal") == 0 && argc == 5)
		rc = run_signal(atoi(argv[4]));
	else if (strcmp(mode, "highfd") == 0 && argc == 5)
		rc = run_highfd(atoi(argv[4]));
	else if (strcmp(mode, "stale") == 0)
		rc = run_stale();
	else {
		fprintf(stderr, "stress: bad mode or arguments\n");
		return 2;
	}
	printf("ok=%d bad=%d err=%d\n", atomic_load(&n_ok), atomic_load(&n_bad),
	    atomic_load(&n_err));
	return rc;
}
