/*
 * kernel_bpf_linux.c - kernel mode's programs, hand-assembled: the
 * socket-creation, connect, sendmsg, bind, recvmsg and getpeername
 * programs kernel_linux.c loads into the command's cgroup (what each one
 * does is said there). Pure: instructions out, no system call, so the
 * unit tests run them in an interpreter.
 */
#define _GNU_SOURCE
#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/bpf.h>

#include "kernel.h"

#ifndef SO_BINDTOIFINDEX
#define SO_BINDTOIFINDEX 62
#endif

/* ------------------------------------------------------------ assembly */

/* Placeholders for forward jumps, patched once the labels are placed;
 * real offsets stay far below them (programs are a few thousand long). */
enum {
	TO_LOCAL = -32768,
	TO_REMOTE,
	TO_ALLOW,
	TO_DENY,
	TO_DNS,
	TO_NOT_DNS
};

struct emit {
	struct bpf_insn *in;
	size_t n, max;
	bool full;
};

static size_t
put(struct emit *e, uint8_t code, uint8_t dst, uint8_t src, int16_t off,
    int32_t imm)
{
	if (e->n >= e->max) {
		e->full = true;
		return e->n;
	}
	memset(&e->in[e->n], 0, sizeof(e->in[e->n]));
	e->in[e->n].code = code;
	e->in[e->n].dst_reg = dst & 0xf;
	e->in[e->n].src_reg = src & 0xf;
	e->in[e->n].off = off;
	e->in[e->n].imm = imm;
	return e->n++;
}

static bool
is_jump(const struct bpf_insn *i)
{
	uint8_t cls = BPF_CLASS(i->code), op = BPF_OP(i->code);

	return (cls == BPF_JMP || cls == BPF_JMP32) && op != BPF_CALL &&
	    op != BPF_EXIT;
}

/* Points every jump carrying placeholder `label` at instruction `at`. */
static void
place(struct emit *e, int16_t label, size_t at)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		if (is_jump(&e->in[i]) && e->in[i].off == label)
			e->in[i].off = (int16_t)(at - i - 1);
}

/* Points jump j at the next instruction to be emitted. */
static void
land(struct emit *e, size_t j)
{
	if (!e->full && j < e->n)
		e->in[j].off = (int16_t)(e->n - j - 1);
}

static int32_t
raw32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return (int32_t)v;
}

/* Network-order mask of the first `bits` bits of a 32-bit word, raw. */
static int32_t
mask32(unsigned bits)
{
	return (int32_t)htonl(
	    bits >= 32 ? 0xffffffffu : ~(0xffffffffu >> bits));
}

/* reg (a raw network-order IPv4 address) in net/bits: to label. */
static void
v4_match(struct emit *e, uint8_t reg, uint32_t net, unsigned bits,
    int16_t label)
{
	int32_t m = mask32(bits);

	if (bits >= 32) {
		put(e, BPF_JMP32 | BPF_JEQ | BPF_K, reg, 0, label,
		    (int32_t)net);
		return;
	}
	put(e, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, reg, 0, 0);
	put(e, BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0, m);
	put(e, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_0, 0, label,
	    (int32_t)net & m);
}

static void
v4_prefix(struct emit *e, uint8_t reg, uint32_t net, unsigned bits)
{
	v4_match(e, reg, net, bits, TO_LOCAL);
}

/* The IPv6 address in r2..r5 (raw words) in addr/bits: to LOCAL. */
static void
v6_prefix(struct emit *e, const uint8_t addr[16], unsigned bits)
{
	size_t miss[4];
	unsigned w, n = 0;

	for (w = 0; w < 4 && bits > 32 * w; w++) {
		unsigned b = bits - 32 * w > 32 ? 32 : bits - 32 * w;
		uint8_t reg = (uint8_t)(BPF_REG_2 + w);
		int32_t m = mask32(b);

		if (b < 32) {
			put(e, BPF_ALU | BPF_MOV | BPF_X, BPF_REG_0, reg, 0, 0);
			put(e, BPF_ALU | BPF_AND | BPF_K, BPF_REG_0, 0, 0, m);
			reg = BPF_REG_0;
		}
		miss[n++] = put(e, BPF_JMP32 | BPF_JNE | BPF_K, reg, 0, 0,
		    raw32(addr + 4 * w) & m);
	}
	put(e, BPF_JMP | BPF_JA, 0, 0, TO_LOCAL, 0);
	while (n > 0)
		land(e, miss[--n]);
}

static uint32_t
v4(uint8_t a, uint8_t b, uint8_t c, uint8_t d)
{
	uint8_t p[4] = { a, b, c, d };

	return (uint32_t)raw32(p);
}

/* Destinations that are never sent through the interface, as the shim
 * leaves them alone: loopback, unspecified, link-local, multicast,
 * limited broadcast, and the namespace's own addresses. For bind, only
 * loopback. */
static void
v4_locals(struct emit *e, uint8_t reg, const struct kernel_locals *l,
    bool loopback_only)
{
	size_t i;

	v4_prefix(e, reg, v4(127, 0, 0, 0), 8);
	if (loopback_only)
		return;
	v4_prefix(e, reg, v4(0, 0, 0, 0), 32);
	v4_prefix(e, reg, v4(169, 254, 0, 0), 16);
	v4_prefix(e, reg, v4(224, 0, 0, 0), 4);
	v4_prefix(e, reg, v4(255, 255, 255, 255), 32);
	for (i = 0; l != NULL && i < l->n4 && i < KERNEL_MAX_LOCALS; i++)
		v4_prefix(e, reg, l->v4[i], 32);
}

static void
v6_locals(struct emit *e, const struct kernel_locals *l, bool loopback_only)
{
	static const uint8_t any[16],
	    lo[16] = { [15] = 1 }, ll[16] = { 0xfe, 0x80 }, mc[16] = { 0xff };
	size_t i, nm[3];

	/* v4-mapped (::ffff:a.b.c.d): the IPv4 rules on the last word. */
	nm[0] = put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0, 0);
	nm[1] = put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, 0, 0);
	nm[2] = put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_4, 0, 0,
	    (int32_t)htonl(0xffff));
	v4_locals(e, BPF_REG_5, l, loopback_only);
	put(e, BPF_JMP | BPF_JA, 0, 0, loopback_only ? TO_ALLOW : TO_REMOTE, 0);
	land(e, nm[0]);
	land(e, nm[1]);
	land(e, nm[2]);

	v6_prefix(e, lo, 128);
	if (loopback_only)
		return;
	v6_prefix(e, any, 128);
	v6_prefix(e, ll, 10);
	v6_prefix(e, mc, 8);
	for (i = 0; l != NULL && i < l->n6 && i < KERNEL_MAX_LOCALS; i++)
		v6_prefix(e, l->v6[i], 128);
}

/*
 * connect4/sendmsg4, before the address is classified: a query to port 53
 * of a system resolver (r2: the address) goes to the DNS server instead,
 * r2 then holding it; with no server it is refused.
 */
static void
dns_redirect4(struct emit *e, const struct kernel_dns *d)
{
	size_t i;

	put(e, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_6,
	    offsetof(struct bpf_sock_addr, user_port), 0);
	put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, TO_NOT_DNS,
	    (int32_t)htons(53));
	for (i = 0; i < d->nsys4 && i < KERNEL_DNS_MAX; i++)
		v4_match(e, BPF_REG_2, d->sys4[i], 32, TO_DNS);
	v4_match(e, BPF_REG_2, v4(127, 0, 0, 53), 32, TO_DNS);
	v4_match(e, BPF_REG_2, v4(127, 0, 0, 54), 32, TO_DNS);
	v4_match(e, BPF_REG_2, v4(198, 18, 0, 0), 15, TO_DNS);
	put(e, BPF_JMP | BPF_JA, 0, 0, TO_NOT_DNS, 0);
	place(e, TO_DNS, e->n);
	if (!d->has_to4) {
		put(e, BPF_JMP | BPF_JA, 0, 0, TO_DENY, 0);
	} else {
		put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0,
		    (int32_t)d->to4);
		put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_6, BPF_REG_2,
		    offsetof(struct bpf_sock_addr, user_ip4), 0);
		put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0,
		    (int32_t)d->port4);
		put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_6, BPF_REG_3,
		    offsetof(struct bpf_sock_addr, user_port), 0);
	}
	place(e, TO_NOT_DNS, e->n);
}

/* recvmsg4/getpeername4: from the DNS server, shown as from the resolver
 * the program asked. Always allowed (these hooks cannot refuse). */
static void
prog_dns_reply4(struct emit *e, const struct kernel_dns *d)
{
	size_t a, b;

	/* Attached whenever DNS is redirected, so that the set of programs
	 * does not depend on the host's resolv.conf; nothing to show then. */
	if (!d->has_to4 || !d->has_orig4) {
		put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
		put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
		return;
	}

	put(e, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1,
	    offsetof(struct bpf_sock_addr, user_ip4), 0);
	put(e, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1,
	    offsetof(struct bpf_sock_addr, user_port), 0);
	a = put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_2, 0, 0,
	    (int32_t)d->to4);
	b = put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, 0,
	    (int32_t)d->port4);
	put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, (int32_t)d->orig4);
	put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_2,
	    offsetof(struct bpf_sock_addr, user_ip4), 0);
	put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, (int32_t)htons(53));
	put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_3,
	    offsetof(struct bpf_sock_addr, user_port), 0);
	land(e, a);
	land(e, b);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

static unsigned create_mark;

void
kernel_set_mark(unsigned mark)
{
	create_mark = mark;
}

/* SOCK_CREATE: bound_dev_if = ifindex (and mark, when one is set: the
 * context's mark is writable here, as bpf_setsockopt is not), and the
 * socket is allowed. */
static void
prog_create(struct emit *e, unsigned ifindex)
{
	put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, (int32_t)ifindex);
	put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_2,
	    offsetof(struct bpf_sock, bound_dev_if), 0);
	if (create_mark != 0) {
		put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_2, 0, 0,
		    (int32_t)create_mark);
		put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_1, BPF_REG_2,
		    offsetof(struct bpf_sock, mark), 0);
	}
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

/*
 * SOCK_ADDR hooks: classify the address, then make the socket's binding
 * what the destination needs (r7: 0 for local, ifindex otherwise), with
 * bpf_setsockopt(SO_BINDTOIFINDEX), unless the program bound another
 * device itself.
 */
static void
prog_addr(struct emit *e, enum kernel_hook hook, unsigned ifindex,
    const struct kernel_locals *l, const struct kernel_dns *dns)
{
	bool six = hook == KERNEL_CONNECT6 || hook == KERNEL_SENDMSG6 ||
	    hook == KERNEL_BIND6;
	bool bind = hook == KERNEL_BIND4 || hook == KERNEL_BIND6;
	bool send = hook == KERNEL_SENDMSG4 || hook == KERNEL_SENDMSG6;
	size_t j, w;

	put(e, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_6, BPF_REG_1, 0, 0);
	if (!six) {
		put(e, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_6,
		    offsetof(struct bpf_sock_addr, user_ip4), 0);
		if (dns != NULL && dns->on && !bind)
			dns_redirect4(e, dns);
		v4_locals(e, BPF_REG_2, l, bind);
	} else {
		for (w = 0; w < 4; w++)
			put(e, BPF_LDX | BPF_MEM | BPF_W,
			    (uint8_t)(BPF_REG_2 + w), BPF_REG_6,
			    (int16_t)(offsetof(struct bpf_sock_addr, user_ip6) +
			        4 * w),
			    0);
		v6_locals(e, l, bind);
	}
	/* Not local. */
	place(e, TO_REMOTE, e->n);
	if (bind) {
		put(e, BPF_JMP | BPF_JA, 0, 0, TO_ALLOW, 0);
	} else {
		put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_7, 0, 0,
		    (int32_t)ifindex);
		put(e, BPF_JMP | BPF_JA, 0, 0, 1, 0);
	}
	place(e, TO_LOCAL, e->n);
	put(e, BPF_ALU | BPF_MOV | BPF_K, BPF_REG_7, 0, 0, 0);

	put(e, BPF_LDX | BPF_MEM | BPF_DW, BPF_REG_2, BPF_REG_6,
	    offsetof(struct bpf_sock_addr, sk), 0);
	put(e, BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_2,
	    offsetof(struct bpf_sock, bound_dev_if), 0);
	put(e, BPF_JMP32 | BPF_JEQ | BPF_X, BPF_REG_3, BPF_REG_7, TO_ALLOW, 0);
	j = put(e, BPF_JMP32 | BPF_JEQ | BPF_K, BPF_REG_3, 0, 0, 0);
	/* Bound to some other device by the program itself: kept. */
	put(e, BPF_JMP32 | BPF_JNE | BPF_K, BPF_REG_3, 0, TO_ALLOW,
	    (int32_t)ifindex);
	land(e, j);
	put(e, BPF_STX | BPF_MEM | BPF_W, BPF_REG_10, BPF_REG_7, -4, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_1, BPF_REG_6, 0, 0);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_2, 0, 0, SOL_SOCKET);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_3, 0, 0, SO_BINDTOIFINDEX);
	put(e, BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_10, 0, 0);
	put(e, BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, -4);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_5, 0, 0, 4);
	put(e, BPF_JMP | BPF_CALL, 0, 0, 0, BPF_FUNC_setsockopt);
	if (send)
		/* This datagram's route was chosen with the old binding. */
		put(e, BPF_JMP | BPF_JA, 0, 0, TO_DENY, 0);
	else
		/* Could not bind: refuse rather than go unbound. */
		put(e, BPF_JMP | BPF_JNE | BPF_K, BPF_REG_0, 0, TO_DENY, 0);
	place(e, TO_ALLOW, e->n);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
	place(e, TO_DENY, e->n);
	put(e, BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
	put(e, BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
}

int
kernel_prog(enum kernel_hook hook, unsigned ifindex,
    const struct kernel_locals *locals, const struct kernel_dns *dns,
    struct bpf_insn *out, size_t max)
{
	struct emit e = { out, 0, max, false };

	if (hook == KERNEL_SOCK_CREATE)
		prog_create(&e, ifindex);
	else if (hook == KERNEL_RECVMSG4 || hook == KERNEL_GETPEERNAME4) {
		if (dns == NULL || !dns->on)
			return 0;
		prog_dns_reply4(&e, dns);
	} else if (hook > KERNEL_SOCK_CREATE && hook < KERNEL_NHOOKS)
		prog_addr(&e, hook, ifindex, locals, dns);
	else
		return -1;
	return e.full ? -1 : (int)e.n;
}
