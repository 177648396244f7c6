/*
 * staticclient.c - a statically linked client (no dynamic loader, so no
 * preload shim) for kernel mode's tests. Numeric addresses only.
 *   staticclient http HOST          TCP connect to port 80, GET, print the body
 *   staticclient udp-connect HOST   connect, send, print the reply (UDP 9)
 *   staticclient udp-sendto HOST    sendto without connect, print the reply
 *   staticclient io_uring           io_uring_setup: "io_uring: ok" or its error
 *   staticclient exit N             exits with status N (no network)
 *   staticclient kill SIG           kills itself with signal SIG
 * Built with -DRAW_SYSCALLS (rawclient), connect and sendto are the system
 * calls themselves, past the C library, as programs with their own
 * system call layer make them. Leading arguments that are absolute paths
 * are skipped: run as a script's
 * interpreter (#!/path/staticclient), the kernel puts the scripts' paths
 * before the script's own arguments.
 * Prints "error: ..." and exits 1 on failure; every wait is bounded (3 s).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <sys/syscall.h>
#ifdef RAW_SYSCALLS
#define connect(fd, sa, len) ((int)syscall(SYS_connect, fd, sa, len))
#define sendto(fd, b, n, fl, sa, len) syscall(SYS_sendto, fd, b, n, fl, sa, len)
#endif

static int
fail(const char *what)
{
	printf("error: %s: %s\n", what, strerror(errno));
	return 1;
}

static socklen_t
addr(const char *host, int port, struct sockaddr_storage *ss)
{
	struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	if (inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		return sizeof(*s4);
	}
	if (inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		return sizeof(*s6);
	}
	fprintf(stderr, "staticclient: %s: not a numeric address\n", host);
	exit(2);
}

static int
sock(int family, int type)
{
	struct timeval tv = { 3, 0 };
	int fd = socket(family, type, 0);

	if (fd >= 0) {
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

static void
print_body(const char *buf)
{
	const char *b = strstr(buf, "\r\n\r\n");
	size_t n;

	b = b ? b + 4 : buf;
	n = strlen(b);
	while (n > 0 && (b[n - 1] == '\n' || b[n - 1] == '\r'))
		n--;
	printf("%.*s\n", (int)n, b);
}

static int
http(const char *host)
{
	static const char get[] = "GET / HTTP/1.0\r\nHost: lab\r\n\r\n";
	struct sockaddr_storage ss;
	socklen_t len = addr(host, 80, &ss);
	char buf[8192];
	size_t got = 0;
	ssize_t n;
	int fd = sock(ss.ss_family, SOCK_STREAM);

	if (fd < 0 || connect(fd, (struct sockaddr *)&ss, len) < 0)
		return fail("connect");
	if (write(fd, get, sizeof(get) - 1) < 0)
		return fail("write");
	while (got + 1 < sizeof(buf) &&
	    (n = read(fd, buf + got, sizeof(buf) - got - 1)) > 0)
		got += (size_t)n;
	if (got == 0)
		return fail("read");
	buf[got] = '\0';
	print_body(buf);
	return 0;
}

static int
udp(const char *host, int connected)
{
	struct sockaddr_storage ss;
	socklen_t len = addr(host, 9, &ss);
	char buf[512];
	ssize_t n;
	int fd = sock(ss.ss_family, SOCK_DGRAM);

	if (fd < 0)
		return fail("socket");
	if (connected) {
		if (connect(fd, (struct sockaddr *)&ss, len) < 0)
			return fail("connect");
		if (send(fd, "hi", 2, 0) < 0)
			return fail("send");
	} else if (sendto(fd, "hi", 2, 0, (struct sockaddr *)&ss, len) < 0) {
		return fail("sendto");
	}
	if ((n = recv(fd, buf, sizeof(buf) - 1, 0)) < 0)
		return fail("recv");
	buf[n] = '\0';
	print_body(buf);
	return 0;
}

/* Whether the ring that bypasses every socket call can be had. */
static int
io_uring(void)
{
#ifdef SYS_io_uring_setup
	unsigned char params[120]; /* struct io_uring_params */
	long fd;

	memset(params, 0, sizeof(params));
	if ((fd = syscall(SYS_io_uring_setup, 1, params)) < 0)
		return fail("io_uring");
	close((int)fd);
	printf("io_uring: ok\n");
	return 0;
#else
	printf("error: io_uring: not in this C library's headers\n");
	return 1;
#endif
}

int
main(int argc, char **argv)
{
	while (argc > 1 && argv[1][0] == '/') {
		argv[1] = argv[0];
		argv++;
		argc--;
	}
	if (argc == 3 && strcmp(argv[1], "http") == 0)
		return http(argv[2]);
	if (argc == 3 && strcmp(argv[1], "udp-connect") == 0)
		return udp(argv[2], 1);
	if (argc == 3 && strcmp(argv[1], "udp-sendto") == 0)
		return udp(argv[2], 0);
	if (argc == 2 && strcmp(argv[1], "io_uring") == 0)
		return io_uring();
	if (argc == 3 && strcmp(argv[1], "exit") == 0)
		return atoi(argv[2]);
	if (argc == 3 && strcmp(argv[1], "kill") == 0) {
		raise(atoi(argv[2]));
		return 1;
	}
	fprintf(stderr,
	    "usage: staticclient http|udp-connect|udp-sendto HOST"
	    " | io_uring | exit N | kill SIG\n");
	return 2;
}
