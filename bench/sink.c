/*
 * sink.c - the far end of the benchmarks, in the lab's "out" namespace.
 * UDP port PORT on each address: bound and never read, so datagrams are
 * dropped by the kernel once the queue is full (no ICMP back, and no
 * reader competing with the sender for one of the two CPUs). TCP port
 * PORT: accept, then close at once. Exits after LIFETIME seconds.
 *
 *   sink READYFILE LIFETIME PORT ADDR...
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define MAXADDR 8

static void __attribute__((noreturn)) die(const char *what, const char *arg)
{
	fprintf(stderr, "sink: %s %s: %s\n", what, arg, strerror(errno));
	exit(1);
}

static int
listen_on(const char *addr, int port, int type)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	if (strchr(addr, ':') != NULL) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&ss;

		s->sin6_family = AF_INET6;
		s->sin6_port = htons((uint16_t)port);
		if (inet_pton(AF_INET6, addr, &s->sin6_addr) != 1)
			die("bad address", addr);
		len = sizeof(*s);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)&ss;

		s->sin_family = AF_INET;
		s->sin_port = htons((uint16_t)port);
		if (inet_pton(AF_INET, addr, &s->sin_addr) != 1)
			die("bad address", addr);
		len = sizeof(*s);
	}
	if ((fd = socket(ss.ss_family,
	         type == SOCK_STREAM ? type | SOCK_NONBLOCK : type, 0)) < 0)
		die("socket", addr);
	(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0)
		die("bind", addr);
	if (type == SOCK_STREAM && listen(fd, 4096) < 0)
		die("listen", addr);
	return fd;
}

int
main(int argc, char **argv)
{
	struct pollfd pfd[MAXADDR];
	int i, n = 0, port, fd;
	FILE *ready;

	if (argc < 5 || argc - 4 > MAXADDR) {
		fprintf(stderr,
		    "usage: sink READYFILE LIFETIME PORT ADDR...\n");
		return 2;
	}
	alarm((unsigned)atoi(argv[2]));
	port = atoi(argv[3]);
	for (i = 4; i < argc; i++) {
		(void)listen_on(argv[i], port,
		    SOCK_DGRAM); /* kept open, unread */
		pfd[n].fd = listen_on(argv[i], port, SOCK_STREAM);
		pfd[n++].events = POLLIN;
	}
	if ((ready = fopen(argv[1], "w")) == NULL)
		die("cannot write", argv[1]);
	fputs("ready\n", ready);
	fclose(ready);
	for (;;) {
		if (poll(pfd, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			die("poll", "");
		}
		for (i = 0; i < n; i++)
			if (pfd[i].revents & POLLIN)
				while ((fd = accept4(pfd[i].fd, NULL, NULL,
				            SOCK_NONBLOCK)) >= 0)
					close(fd);
	}
}
