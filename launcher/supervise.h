/*
 * supervise.h - supervisor mode (Linux >= 5.6, any user): the command runs
 * under a seccomp filter that hands bindif every connect, addressed sendto,
 * sendmsg and sendmmsg of its whole process tree; bindif decides with the
 * shim's rules engine, binds the socket from outside and lets the call go
 * on, or fails it. For programs the shim cannot enter: Go, static, musl.
 */
#ifndef BINDIF_SUPERVISE_H
#define BINDIF_SUPERVISE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../common/decide.h"

struct dnsplan;

/*
 * Runs exe (argv[0] its name) supervised, deciding every destination with
 * cfg (policy, interface indexes, host addresses, verbose). A connect to
 * one of the system's resolvers goes where dns says instead (dnsplan.h;
 * NULL: DNS is not bindif's, such connects are decided as any). Returns
 * only after the command ended:
 *   -1      nothing ran (kernel too old, filter refused...); why says why;
 *   0-255   the command's status (128+N for signal N), 126/127 when it
 *           could not be executed.
 * *wstatus is the command's wait status when it ran, else -1.
 */
int supervise_exec(const struct shim_cfg *cfg, const struct dnsplan *dns,
    char **argv, const char *exe, int *wstatus, char *why, size_t whylen);

/* 0 when this kernel has what the supervisor needs, else -1 and why. */
int supervise_available(char *why, size_t whylen);

/* ---- the pure parts, exposed for the unit tests ---- */

/* The filter as classic BPF instructions (struct sock_filter's layout). */
struct supervise_insn {
	uint16_t code;
	uint8_t jt, jf;
	uint32_t k;
};

/* Builds the filter with libseccomp into *out (malloc'ed, *n entries).
 * 0, or -1 and why. */
int supervise_filter(struct supervise_insn **out, size_t *n, char *why,
    size_t whylen);

/* What a trapped system call asks, from its numbers alone. */
enum supervise_kind {
	SV_OTHER,     /* not ours: let it run */
	SV_CONNECT,   /* fd, addr, addrlen */
	SV_SENDTO,    /* fd, addr, addrlen (addr 0: no destination) */
	SV_SENDMSG,   /* fd, msg (a struct msghdr in the program's layout) */
	SV_SENDMMSG,  /* fd, msg (struct mmsghdr[]), vlen */
	SV_SOCKETCALL /* i386: call in a0, its arguments in memory at a1 */
};

struct supervise_call {
	enum supervise_kind kind;
	bool compat; /* 32-bit pointers and structures (i386, x32) */
	int fd;
	uint64_t addr, len; /* addr, addrlen / msg, vlen */
};

/* Classifies a notification's arch, nr and args. SV_SOCKETCALL asks the
 * caller to read the arguments and call supervise_socketcall. */
void supervise_classify(uint32_t arch, int nr, const uint64_t args[6],
    struct supervise_call *c);

/* The same for socketcall's call number and its (32-bit) arguments. */
void supervise_socketcall(unsigned call, const uint32_t a[6],
    struct supervise_call *c);

#endif
