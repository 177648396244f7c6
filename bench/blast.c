/*
 * blast.c - the load program of the benchmarks. One workload per run; it
 * times only its own loop (after one warm-up call, so a lazy set-up in the
 * shim is not counted here) and prints the nanoseconds on stdout. --bind
 * makes it bind its sockets itself with SO_BINDTODEVICE: the floor bindif
 * is measured against.
 *
 *   blast [--bind IFACE] [-n COUNT] [-t THREADS] [--rss] MODE ADDR PORT
 *   MODE: sendto   unconnected UDP, sendto() each datagram
 *         send     connected UDP, send() each datagram
 *         connect  TCP connect, read to EOF, close; COUNT times
 *         first    one TCP connect, then exit: prints the time of that
 *                  connect (the shim's lazy set-up included)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static const char *bind_if;
static struct sockaddr_storage dst;
static socklen_t dstlen;
static long count = 200000;
static int nthreads = 1;
static pthread_barrier_t start_line;

static void __attribute__((noreturn))
die(const char *what)
{
	fprintf(stderr, "blast: %s: %s\n", what, strerror(errno));
	exit(1);
}

static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static int
open_socket(int type)
{
	int fd = socket(dst.ss_family, type, 0);

	if (fd < 0)
		die("socket");
	if (bind_if != NULL && setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE,
	    bind_if, (socklen_t)strlen(bind_if) + 1) < 0)
		die("SO_BINDTODEVICE");
	return fd;
}

/* Count datagrams on a socket of its own: sendto, or connect + send. */
static void
udp_loop(int connected, long n)
{
	char payload[64] = "bindif bench";
	int fd = open_socket(SOCK_DGRAM);
	long i;

	if (connected && connect(fd, (struct sockaddr *)&dst, dstlen) < 0)
		die("connect");
	for (i = 0; i < n; i++) {
		ssize_t r = connected
		    ? send(fd, payload, sizeof(payload), 0)
		    : sendto(fd, payload, sizeof(payload), 0,
			  (struct sockaddr *)&dst, dstlen);

		/* A full queue on the veth is the kernel's business, not ours:
		 * count it as sent, as a game or VoIP client would. */
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN)
			die(connected ? "send" : "sendto");
	}
	close(fd);
}

static void
tcp_once(void)
{
	char buf[64];
	int fd = open_socket(SOCK_STREAM);

	if (connect(fd, (struct sockaddr *)&dst, dstlen) < 0)
		die("connect");
	/* The server closes first, so TIME_WAIT stays on its side and the
	 * client's ports do not run out over thousands of connects. */
	while (read(fd, buf, sizeof(buf)) > 0)
		;
	close(fd);
}

static void *
thread_main(void *arg)
{
	long n = (long)(intptr_t)arg;

	pthread_barrier_wait(&start_line);
	udp_loop(0, n);
	return NULL;
}

/* VmRSS and VmHWM of this process, in kB, on stderr. */
static void
print_rss(void)
{
	char line[256];
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, "VmRSS:", 6) == 0 ||
		    strncmp(line, "VmHWM:", 6) == 0)
			fprintf(stderr, "%.5s %ld\n", line,
			    strtol(line + 6, NULL, 10));
	fclose(f);
}

static void __attribute__((noreturn))
usage(void)
{
	fprintf(stderr, "usage: blast [--bind IFACE] [-n COUNT] [-t THREADS] "
	    "[--rss] sendto|send|connect|first ADDR PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *mode;
	int i, rss = 0, port;
	long long t0, t1;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			bind_if = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--rss") == 0)
			rss = 1;
		else
			usage();
	}
	if (argc - i != 3 || count < 1 || count > 100000000 || nthreads < 1 ||
	    nthreads > 256)
		usage();
	mode = argv[i];
	port = atoi(argv[i + 2]);
	memset(&dst, 0, sizeof(dst));
	if (strchr(argv[i + 1], ':') != NULL) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&dst;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, argv[i + 1], &s->sin6_addr) != 1)
			usage();
		dstlen = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&dst;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, argv[i + 1], &s->sin_addr) != 1)
			usage();
		dstlen = sizeof(*s);
	}

	if (strcmp(mode, "first") == 0) {
		t0 = now_ns();
		tcp_once();
		t1 = now_ns();
	} else if (strcmp(mode, "connect") == 0) {
		long n;

		tcp_once(); /* warm-up: the shim's lazy set-up, page faults */
		t0 = now_ns();
		for (n = 0; n < count; n++)
			tcp_once();
		t1 = now_ns();
	} else if (strcmp(mode, "sendto") == 0 || strcmp(mode, "send") == 0) {
		int connected = mode[4] == '\0';

		udp_loop(connected, 1); /* warm-up */
		if (nthreads == 1) {
			t0 = now_ns();
			udp_loop(connected, count);
			t1 = now_ns();
		} else {
			pthread_t *tid = calloc((size_t)nthreads, sizeof(*tid));

			if (connected || tid == NULL)
				usage();
			pthread_barrier_init(&start_line, NULL,
			    (unsigned)nthreads + 1);
			for (i = 0; i < nthreads; i++)
				if (pthread_create(&tid[i], NULL, thread_main,
					(void *)(intptr_t)(count / nthreads)))
					die("pthread_create");
			pthread_barrier_wait(&start_line);
			t0 = now_ns();
			for (i = 0; i < nthreads; i++)
				pthread_join(tid[i], NULL);
			t1 = now_ns();
			free(tid);
		}
	} else
		usage();
	printf("%lld\n", t1 - t0);
	if (rss)
		print_rss();
	return 0;
}
