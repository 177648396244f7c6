/*
 * libs.h - the shim's two libraries, opened when first needed rather than
 * with the shim. Loading libconfig and c-ares with it cost every wrapped
 * process about 0.15 ms at start, half of what the shim costs (measured:
 * BENCHMARKS.md), and most never use them: a process the launcher started
 * gets compiled rules, and lookups go through c-ares only when DNS is ours
 * to steer. libconfig's table is config/cfglib.h's cfglib().
 */
#ifndef BINDIF_LIBS_H
#define BINDIF_LIBS_H

#include <sys/select.h> /* ares.h's fd_set, in a strict C11 build */

#include <ares.h>
#include <stddef.h>

/* The c-ares functions resolve.c calls. */
struct cares {
	__typeof__(ares_library_init) *library_init;
	__typeof__(ares_init_options) *init_options;
	__typeof__(ares_set_servers_ports) *set_servers_ports;
	__typeof__(ares_set_socket_functions) *set_socket_functions;
	__typeof__(ares_destroy) *destroy;
	__typeof__(ares_getsock) *getsock;
	__typeof__(ares_timeout) *timeout;
	__typeof__(ares_cancel) *cancel;
	__typeof__(ares_process_fd) *process_fd;
	__typeof__(ares_freeaddrinfo) *freeaddrinfo;
	__typeof__(ares_getaddrinfo) *getaddrinfo;
	__typeof__(ares_getnameinfo) *getnameinfo;
	__typeof__(ares_query) *query;
	__typeof__(ares_search) *search;
};

/*
 * The table, the library opened (once per process) at the first call;
 * NULL with the reason in why when it cannot be. Not from a signal
 * handler, nor from a vfork child: it may allocate and take locks.
 */
const struct cares *libs_cares(char *why, size_t whylen);

/*
 * Opens a library the shim uses for itself apart from the program it lives
 * in (libs_linux.c, libs_darwin.c): the library's own references resolve
 * to itself and its dependencies, never to a same-named function the
 * program exports (node exports its own c-ares; a program may export
 * config_lookup), and the program never sees the library's names. NULL
 * with the reason in why. Never closed; the same rules as libs_cares.
 */
void *libs_open_private(const char *file, char *why, size_t whylen);

/* Hands back to the system what those libraries freed (a rules parse
 * leaves megabytes), where their heap is not the program's. */
void libs_release_private(void);

#endif
