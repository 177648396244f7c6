/*
 * hotcost.c - the shim's own work per datagram, without the kernel's: the
 * hot path (bindif_sendto on an unconnected UDP socket stuck to its
 * interface) with the real sendto replaced by a function that returns at
 * once (by wrapping plat_bind_real, as test_hotpath does). Prints the
 * nanoseconds per call, the best of ROUNDS rounds of COUNT calls, and the
 * same for the bare replacement. No network: the one datagram that decides
 * is "sent" the same way.
 *
 *   hotcost [COUNT]
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "hooks.h"
#include "../common/plat.h"

#define ROUNDS 7

int __real_plat_bind_real(struct plat_real *);
int __wrap_plat_bind_real(struct plat_real *);

static ssize_t
returns_at_once(int fd, const void *buf, size_t len, int flags,
    const struct sockaddr *sa, socklen_t salen)
{
	(void)fd, (void)buf, (void)flags, (void)sa, (void)salen;
	__asm__ volatile("" ::: "memory");
	return (ssize_t)len;
}

int
__wrap_plat_bind_real(struct plat_real *r)
{
	int rc = __real_plat_bind_real(r);

	r->sendto = returns_at_once;
	return rc;
}

static double
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

typedef ssize_t (*send_fn)(int, const void *, size_t, int,
    const struct sockaddr *, socklen_t);

static double
best_of(send_fn f, int fd, const struct sockaddr *to, long count)
{
	char payload[64] = "bindif hotcost";
	double best = 0;
	int r;

	for (r = 0; r < ROUNDS; r++) {
		double t0 = now_ns(), ns;
		long i;

		for (i = 0; i < count; i++)
			if (f(fd, payload, sizeof(payload), 0, to,
			        sizeof(struct sockaddr_in)) < 0) {
				perror("hotcost: sendto");
				exit(1);
			}
		ns = (now_ns() - t0) / (double)count;
		if (r == 0 || ns < best)
			best = ns;
	}
	return best;
}

int
main(int argc, char **argv)
{
	long count = argc > 1 ? strtol(argv[1], NULL, 10) : 5000000;
	struct sockaddr_in to;
	int fd;

	if (count < 1 || count > 1000000000) {
		fprintf(stderr, "usage: hotcost [COUNT]\n");
		return 2;
	}
	/* 192.0.2.1 is no address of this machine: decided "bind to lo". */
	setenv("BINDIF_INTERFACE", "lo", 1);
	unsetenv("BINDIF_RULES");
	unsetenv("BINDIF_POLICY");
	memset(&to, 0, sizeof(to));
	to.sin_family = AF_INET;
	to.sin_port = htons(9);
	inet_pton(AF_INET, "192.0.2.1", &to.sin_addr);
	if ((fd = bindif_socket(AF_INET, SOCK_DGRAM, 0)) < 0) {
		perror("hotcost: socket");
		return 1;
	}
	/* The first datagram decides and sticks the socket to lo. */
	(void)best_of(bindif_sendto, fd, (struct sockaddr *)&to, 1);
	printf("%.2f %.2f\n",
	    best_of(bindif_sendto, fd, (struct sockaddr *)&to, count),
	    best_of(returns_at_once, fd, (struct sockaddr *)&to, count));
	return 0;
}
