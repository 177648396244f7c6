/*
 * ownlibs.c - a program that carries, and exports, its own functions under
 * the names of the libraries the shim opens for itself (c-ares, libconfig),
 * as node exports its own c-ares. Each one says so and aborts: if the
 * shim's copy of a library ever calls into the program's, the run dies.
 *
 * usage: ownlibs NAME PORT - looks NAME up (getaddrinfo, IPv4), sends an
 * HTTP/1.0 request to it and prints the body of the answer.
 */
#define _GNU_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define OWN(name)                                                         \
	__attribute__((visibility("default"), noreturn)) void name(void); \
	void name(void)                                                   \
	{                                                                 \
		static const char m[] =                                   \
		    "ownlibs: the program's " #name " was called\n";      \
		(void)write(2, m, sizeof(m) - 1);                         \
		abort();                                                  \
	}

/* What libcares calls of its own through its PLT... */
OWN(ares_query)
OWN(ares_search)
OWN(ares_send)
OWN(ares_getaddrinfo)
OWN(ares_freeaddrinfo)
OWN(ares_init_options)
OWN(ares_library_init)
OWN(ares_destroy)
OWN(ares_expand_name)
OWN(ares_create_query)
/* ...and libconfig. */
OWN(config_read_file)
OWN(config_read_string)
OWN(config_lookup)
OWN(config_init)
OWN(config_setting_add)
OWN(config_setting_get_member)
OWN(config_setting_get_elem)
OWN(config_setting_set_int)

int
main(int argc, char **argv)
{
	static const char req[] = "GET / HTTP/1.0\r\n\r\n";
	struct addrinfo hints, *ai;
	char buf[4096], *body;
	size_t got = 0;
	ssize_t n;
	int fd, rc;

	if (argc != 3) {
		fprintf(stderr, "usage: ownlibs NAME PORT\n");
		return 2;
	}
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if ((rc = getaddrinfo(argv[1], argv[2], &hints, &ai)) != 0) {
		fprintf(stderr, "ownlibs: %s: %s\n", argv[1], gai_strerror(rc));
		return 1;
	}
	if ((fd = socket(ai->ai_family, SOCK_STREAM, 0)) < 0 ||
	    connect(fd, ai->ai_addr, ai->ai_addrlen) < 0 ||
	    write(fd, req, sizeof(req) - 1) != (ssize_t)(sizeof(req) - 1)) {
		perror("ownlibs");
		return 1;
	}
	freeaddrinfo(ai);
	while (got < sizeof(buf) - 1 &&
	    (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0)
		got += (size_t)n;
	buf[got] = '\0';
	body = strstr(buf, "\r\n\r\n");
	fputs(body ? body + 4 : buf, stdout);
	return 0;
}
