/*
 * kernel.h - kernel mode (Linux, root): the command runs in a cgroup of its
 * own whose sockets the kernel binds to the interface (cgroup BPF, as
 * `ip vrf exec` does), so programs the shim cannot enter are bound too.
 */
#ifndef BINDIF_KERNEL_H
#define BINDIF_KERNEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Runs exe (argv[0] is its name) with every IPv4/IPv6 socket it and its
 * children create bound to ifindex (ifname names it in messages; 0 means
 * look ifname up). Returns only after the command ended, with the status
 * for bindif to exit with:
 *   -1      nothing ran: kernel mode could not be set up (not root, no
 *           cgroup2, bpf() refused, ...); why says why (exit 125);
 *   0-255   the command's own status, 128+N when signal N killed it, or
 *           126/127 when it could not be executed (why then says why).
 * *wstatus is the command's wait status when it ran, else -1.
 * When why is not empty on a return >= 0, print it (one line) before
 * exiting. The cgroup and the programs are gone when this returns; what
 * the command left running in its cgroup is killed (SIGKILL) first.
 */
struct kernel_dns;
int kernel_exec(const char *ifname, unsigned ifindex,
    const struct kernel_dns *dns, char **argv, const char *exe, int *wstatus,
    char *why, size_t whylen);

/*
 * A program's own DNS queries in kernel mode (IPv4): connect and sendmsg
 * to port 53 of a system resolver (sys4, resolved's stub, 198.18.0.0/15)
 * go to to4:port4 instead, or are refused when there is no server; reply
 * sources and peers from to4:port4 are shown as orig4:53, resolv.conf's
 * first IPv4 nameserver, the one a program that reads it asks. Addresses
 * and ports raw, in network order.
 */
#define KERNEL_DNS_MAX 8
struct kernel_dns {
	bool on;
	uint32_t sys4[KERNEL_DNS_MAX];
	size_t nsys4;
	bool has_to4;
	uint32_t to4;
	uint16_t port4;
	bool has_orig4;
	uint32_t orig4;
};

/*
 * Fills *d for a command whose default interface is ifname (ifindex):
 * the servers of dns (--dns, else the rules' dns =; NULL or "" for the
 * interface's own), as the shim picks them, and resolv.conf's resolvers.
 * note says what -v should say, "" when nothing.
 */
void kernel_dns_plan(const char *dns, const char *ifname, unsigned ifindex,
    struct kernel_dns *d, char *note, size_t notelen);

/* Every socket of the command also gets this mark (0: none), in the same
 * program that binds it: a firewall capture exempting the mark passes it. */
void kernel_set_mark(unsigned mark);

/* ---- the pure parts, exposed for the unit tests ---- */

/* Addresses a command in kernel mode reaches unbound: the namespace's own,
 * raw network byte order. */
#define KERNEL_MAX_LOCALS 256
struct kernel_locals {
	uint32_t v4[KERNEL_MAX_LOCALS];
	size_t n4;
	uint8_t v6[KERNEL_MAX_LOCALS][16];
	size_t n6;
};

/* The hooks kernel mode attaches, one program each. */
enum kernel_hook {
	KERNEL_SOCK_CREATE, /* every new socket: bound to the interface */
	KERNEL_CONNECT4,    /* per destination: unbound for local ones */
	KERNEL_CONNECT6,
	KERNEL_SENDMSG4, /* unconnected UDP, per datagram */
	KERNEL_SENDMSG6,
	KERNEL_BIND4, /* bind() to loopback: unbound (a local server) */
	KERNEL_BIND6,
	KERNEL_RECVMSG4,     /* redirected DNS: the reply's source */
	KERNEL_GETPEERNAME4, /* redirected DNS: the peer */
	KERNEL_NHOOKS
};

/* Builds the program for hook into out (room for max instructions); dns
 * NULL or off: no DNS redirection. Returns the instruction count, 0 when
 * the hook needs no program (the DNS ones without DNS), or -1 if max is
 * too small. */
struct bpf_insn;
int kernel_prog(enum kernel_hook hook, unsigned ifindex,
    const struct kernel_locals *locals, const struct kernel_dns *dns,
    struct bpf_insn *out, size_t max);

/* The mount point of the first cgroup2 file system in a /proc/self/mounts
 * text (octal escapes decoded). 0, or -1 when there is none. */
int kernel_cgroup2_mount(const char *mounts, char *out, size_t outlen);

/* The cgroup v2 path of a process from its /proc/PID/cgroup text (the
 * "0::" line), e.g. "/user.slice/x.scope"; "/" when there is none. */
int kernel_own_cgroup(const char *cgroup, char *out, size_t outlen);

/* "<parent>/bindif-<pid>" with parent relative to the cgroup2 root
 * ("" or "/" for the root itself): the name kernel mode creates. */
int kernel_cgroup_child(const char *parent, pid_t pid, char *out,
    size_t outlen);

#endif
