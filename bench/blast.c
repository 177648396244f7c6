/*
 * blast.c - the load program of the benchmarks. One workload per run; it
 * times only its own loop (after one warm-up call, so a lazy set-up in the
 * shim is not counted here; the UDP socket is made before the clock
 * starts, its per-socket cost being figure 3's business) and prints the
 * nanoseconds on stdout. --bind makes it bind its sockets itself with
 * SO_BINDTODEVICE: the floor bindif is measured against.
 *
 *   blast [--bind IFACE] [-n COUNT] [-t THREADS] [--rss] [--lockstep K]
 *         MODE ADDR PORT
 *   MODE: sendto   unconnected UDP, sendto() each datagram
 *         send     connected UDP, send() each datagram
 *         connect  TCP connect, read to EOF, close; COUNT times
 *         first    one TCP connect, then exit: prints the time of that
 *                  connect (the shim's lazy set-up included)
 *         query    a DNS query for test.example as dig asks it: connected
 *                  UDP socket, send, recvfrom, close; COUNT times
 *         gai      getaddrinfo("test.example") (ADDR is ignored), COUNT times
 *
 * --lockstep K splits the COUNT operations into K turns for bench/lockstep.c,
 * which runs two blasts taking turns on one CPU: before each turn it waits
 * for a byte on descriptor 3, after it writes the turn's nanoseconds (eight
 * bytes) on descriptor 4. The total still goes to stdout.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
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
static long turns; /* --lockstep K; 0: one timed run */

/* bench/lockstep.c's descriptors: a byte to go, a turn's time back. */
#define TURN_GO 3
#define TURN_DONE 4

static void __attribute__((noreturn)) die(const char *what)
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

/* Part T of N split K ways, the remainder spread over the first parts. */
static long
share(long n, long t, long k)
{
	return n / k + (t < n % k);
}

static void
wait_turn(void)
{
	char go;
	ssize_t r;

	while ((r = read(TURN_GO, &go, 1)) < 0 && errno == EINTR)
		;
	if (r != 1) {
		if (r == 0)
			errno = EPIPE;
		die("lockstep: waiting for a turn on descriptor 3");
	}
}

static void
end_turn(long long ns)
{
	if (write(TURN_DONE, &ns, sizeof(ns)) != (ssize_t)sizeof(ns))
		die("lockstep: reporting a turn on descriptor 4");
}

/* WORK(CTX, n) for COUNT operations in all: in one go, or in the turns
 * --lockstep gives. Returns the nanoseconds spent in WORK. */
static long long
timed(void (*work)(void *, long), void *ctx)
{
	long k = turns > 0 ? turns : 1, t;
	long long total = 0, t0;

	for (t = 0; t < k; t++) {
		long n = share(count, t, k);

		if (turns > 0)
			wait_turn();
		t0 = now_ns();
		work(ctx, n);
		t0 = now_ns() - t0;
		if (turns > 0)
			end_turn(t0);
		total += t0;
	}
	return total;
}

static int
open_socket(int type)
{
	int fd = socket(dst.ss_family, type, 0);

	if (fd < 0)
		die("socket");
	if (bind_if != NULL &&
	    setsockopt(fd, SOL_SOCKET, SO_BINDTODEVICE, bind_if,
	        (socklen_t)strlen(bind_if) + 1) < 0)
		die("SO_BINDTODEVICE");
	return fd;
}

struct udp {
	int fd;
	int connected;
};

static struct udp
udp_open(int connected)
{
	struct udp u = { open_socket(SOCK_DGRAM), connected };

	if (connected && connect(u.fd, (struct sockaddr *)&dst, dstlen) < 0)
		die("connect");
	return u;
}

/* N datagrams, with sendto or (connected) send. */
static void
udp_work(void *ctx, long n)
{
	static const char payload[64] = "bindif bench";
	const struct udp *u = ctx;
	long i;

	for (i = 0; i < n; i++) {
		ssize_t r = u->connected ?
		    send(u->fd, payload, sizeof(payload), 0) :
		    sendto(u->fd, payload, sizeof(payload), 0,
		        (struct sockaddr *)&dst, dstlen);

		/* A full queue on the veth is the kernel's business, not ours:
		 * count it as sent, as a game or VoIP client would. */
		if (r < 0 && errno != ENOBUFS && errno != EAGAIN)
			die(u->connected ? "send" : "sendto");
	}
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

static void
tcp_work(void *ctx, long n)
{
	(void)ctx;
	while (n-- > 0)
		tcp_once();
}

/* One lookup of test.example, A, as a program with its own resolver
 * sends it; the reply must come from where the query went. */
static void
dns_once(void)
{
	static const unsigned char q[] = { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0,
		0, 0, 0, 0, 4, 't', 'e', 's', 't', 7, 'e', 'x', 'a', 'm', 'p',
		'l', 'e', 0, 0, 1, 0, 1 };
	unsigned char buf[512];
	struct sockaddr_storage from;
	socklen_t fromlen = sizeof(from);
	int fd = open_socket(SOCK_DGRAM);
	ssize_t n;

	if (connect(fd, (struct sockaddr *)&dst, dstlen) < 0)
		die("connect");
	if (send(fd, q, sizeof(q), 0) < 0)
		die("send");
	n = recvfrom(fd, buf, sizeof(buf), 0, (struct sockaddr *)&from,
	    &fromlen);
	if (n < (ssize_t)sizeof(q) || buf[0] != q[0] || buf[1] != q[1] ||
	    fromlen != dstlen || memcmp(&from, &dst, dstlen) != 0)
		die("recvfrom (no answer, or not from the server asked)");
	close(fd);
}

static void
dns_work(void *ctx, long n)
{
	(void)ctx;
	while (n-- > 0)
		dns_once();
}

static void
gai_once(void)
{
	struct addrinfo hints = { .ai_family = AF_INET,
		.ai_socktype = SOCK_DGRAM },
	                *res;
	int rc = getaddrinfo("test.example", NULL, &hints, &res);

	if (rc != 0) {
		fprintf(stderr, "blast: getaddrinfo: %s\n", gai_strerror(rc));
		exit(1);
	}
	freeaddrinfo(res);
}

static void
gai_work(void *ctx, long n)
{
	(void)ctx;
	while (n-- > 0)
		gai_once();
}

/* THREADS senders, each on a socket of its own, started and awaited
 * together for every turn. */
struct pool {
	pthread_barrier_t start, end;
	long n; /* this turn's datagrams, all threads together */
};

struct sender {
	struct pool *pool;
	int index;
};

static void *
sender_main(void *arg)
{
	const struct sender *s = arg;
	struct udp u = udp_open(0);
	long t, k = turns > 0 ? turns : 1;

	for (t = 0; t < k; t++) {
		pthread_barrier_wait(&s->pool->start);
		udp_work(&u, share(s->pool->n, s->index, nthreads));
		pthread_barrier_wait(&s->pool->end);
	}
	close(u.fd);
	return NULL;
}

static void
pool_work(void *ctx, long n)
{
	struct pool *pool = ctx;

	pool->n = n;
	pthread_barrier_wait(&pool->start);
	pthread_barrier_wait(&pool->end);
}

static long long
threaded_sendto(void)
{
	struct pool pool;
	pthread_t *tid = calloc((size_t)nthreads, sizeof(*tid));
	struct sender *s = calloc((size_t)nthreads, sizeof(*s));
	long long ns;
	int i;

	if (tid == NULL || s == NULL)
		die("calloc");
	pthread_barrier_init(&pool.start, NULL, (unsigned)nthreads + 1);
	pthread_barrier_init(&pool.end, NULL, (unsigned)nthreads + 1);
	for (i = 0; i < nthreads; i++) {
		s[i] = (struct sender){ &pool, i };
		if ((errno = pthread_create(&tid[i], NULL, sender_main, &s[i])))
			die("pthread_create");
	}
	ns = timed(pool_work, &pool);
	for (i = 0; i < nthreads; i++)
		pthread_join(tid[i], NULL);
	free(s);
	free(tid);
	return ns;
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

static void __attribute__((noreturn)) usage(void)
{
	fprintf(stderr,
	    "usage: blast [--bind IFACE] [-n COUNT] [-t THREADS] "
	    "[--rss] [--lockstep K] sendto|send|connect|first|query|gai ADDR "
	    "PORT\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *mode;
	int i, rss = 0, port;
	long long ns;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--bind") == 0 && i + 1 < argc)
			bind_if = argv[++i];
		else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			count = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-t") == 0 && i + 1 < argc)
			nthreads = atoi(argv[++i]);
		else if (strcmp(argv[i], "--lockstep") == 0 && i + 1 < argc)
			turns = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--rss") == 0)
			rss = 1;
		else
			usage();
	}
	if (argc - i != 3 || count < 1 || count > 100000000 || nthreads < 1 ||
	    nthreads > 256 || turns < 0 || turns > count)
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

	if (strcmp(mode, "query") == 0) {
		dns_once(); /* warm-up */
		ns = timed(dns_work, NULL);
	} else if (strcmp(mode, "gai") == 0) {
		gai_once();
		ns = timed(gai_work, NULL);
	} else if (strcmp(mode, "first") == 0) {
		if (turns > 0)
			usage();
		ns = now_ns();
		tcp_once();
		ns = now_ns() - ns;
	} else if (strcmp(mode, "connect") == 0) {
		tcp_once(); /* warm-up: the shim's lazy set-up, page faults */
		ns = timed(tcp_work, NULL);
	} else if (strcmp(mode, "sendto") == 0 || strcmp(mode, "send") == 0) {
		int connected = mode[4] == '\0';
		struct udp u = udp_open(connected);

		udp_work(&u, 1); /* warm-up */
		if (nthreads == 1) {
			ns = timed(udp_work, &u);
		} else {
			if (connected)
				usage();
			ns = threaded_sendto();
		}
		close(u.fd);
	} else
		usage();
	printf("%lld\n", ns);
	if (rss)
		print_rss();
	return 0;
}
