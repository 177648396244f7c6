/*
 * test_kernel.c - kernel mode's pure parts (launcher/kernel_linux.c): the
 * hand-assembled BPF programs, run here by a small interpreter of the
 * instructions they use against a fake context (no privileges, no bpf()),
 * and the parsing of /proc/self/mounts and /proc/self/cgroup.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <linux/bpf.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "kernel.h"

#define IFX 7   /* the interface kernel mode binds to */
#define OTHER 3 /* a device the program bound itself */

static struct bpf_insn prog[8192];
static struct kernel_locals locals;

/* ---- an interpreter for what kernel_prog emits ---- */

struct call {
	int n; /* bpf_setsockopt calls seen */
	int level, optname, optlen;
	uint32_t value;
};

static uint32_t
w32(uint64_t v)
{
	return (uint32_t)v;
}

static bool
cond(uint8_t op, uint64_t a, uint64_t b, bool narrow)
{
	if (narrow) {
		a = w32(a);
		b = w32(b);
	}
	switch (op) {
	case BPF_JEQ:
		return a == b;
	case BPF_JNE:
		return a != b;
	}
	fail_msg("jump op %#x not expected", op);
	return false;
}

/* Runs n instructions with r1 = ctx; sk is the socket setsockopt acts on.
 * Returns r0. */
static int64_t
run(int n, void *ctx, struct bpf_sock *sk, struct call *c)
{
	uint64_t r[11] = { 0 }, stack[64];
	int pc = 0, steps = 0;

	memset(c, 0, sizeof(*c));
	r[1] = (uint64_t)(uintptr_t)ctx;
	r[10] = (uint64_t)(uintptr_t)(stack + 64);
	while (steps++ < 100000) {
		const struct bpf_insn *i;
		uint8_t cls, op;
		uint64_t src;

		assert_in_range(pc, 0, n - 1);
		i = &prog[pc++];
		cls = BPF_CLASS(i->code);
		op = BPF_OP(i->code);
		src = BPF_SRC(i->code) == BPF_X ? r[i->src_reg] :
		                                  (uint64_t)(int64_t)i->imm;
		switch (cls) {
		case BPF_ALU:
		case BPF_ALU64:
			assert_true(i->dst_reg < 10);
			if (op == BPF_MOV)
				r[i->dst_reg] = src;
			else if (op == BPF_AND)
				r[i->dst_reg] &= src;
			else if (op == BPF_ADD)
				r[i->dst_reg] += src;
			else
				fail_msg("alu op %#x not expected", op);
			if (cls == BPF_ALU)
				r[i->dst_reg] = w32(r[i->dst_reg]);
			break;
		case BPF_LDX: {
			char *p = (char *)(uintptr_t)r[i->src_reg] + i->off;

			if (BPF_SIZE(i->code) == BPF_W) {
				uint32_t v;

				memcpy(&v, p, 4);
				r[i->dst_reg] = v;
			} else {
				assert_int_equal(BPF_SIZE(i->code), BPF_DW);
				memcpy(&r[i->dst_reg], p, 8);
			}
			break;
		}
		case BPF_STX: {
			uint32_t v = w32(r[i->src_reg]);

			assert_int_equal(BPF_SIZE(i->code), BPF_W);
			memcpy((char *)(uintptr_t)r[i->dst_reg] + i->off, &v,
			    4);
			break;
		}
		case BPF_JMP:
		case BPF_JMP32:
			if (op == BPF_EXIT)
				return (int64_t)r[0];
			if (op == BPF_CALL) {
				assert_int_equal(i->imm, BPF_FUNC_setsockopt);
				assert_ptr_equal((void *)(uintptr_t)r[1], ctx);
				c->n++;
				c->level = (int)r[2];
				c->optname = (int)r[3];
				c->optlen = (int)r[5];
				memcpy(&c->value, (void *)(uintptr_t)r[4], 4);
				sk->bound_dev_if = c->value;
				r[0] = 0;
				break;
			}
			if (op == BPF_JA ||
			    cond(op, r[i->dst_reg], src, cls == BPF_JMP32))
				pc += i->off;
			break;
		default:
			fail_msg("instruction class %#x not expected", cls);
		}
	}
	fail_msg("the program does not end");
	return -1;
}

/* One call of hook for dest on a socket bound to *bound (updated). */
static int64_t
hook(enum kernel_hook h, const char *dest, uint32_t *bound, struct call *c)
{
	struct bpf_sock_addr ctx;
	struct bpf_sock sk;
	int n, fam = strchr(dest, ':') ? AF_INET6 : AF_INET;
	int64_t r0;

	n = kernel_prog(h, IFX, &locals, NULL, prog,
	    sizeof(prog) / sizeof(prog[0]));
	assert_true(n > 0);
	memset(&ctx, 0, sizeof(ctx));
	memset(&sk, 0, sizeof(sk));
	ctx.family = (uint32_t)fam;
	assert_int_equal(inet_pton(fam, dest,
	                     fam == AF_INET ? (void *)&ctx.user_ip4 :
	                                      (void *)ctx.user_ip6),
	    1);
	ctx.sk = &sk;
	sk.bound_dev_if = *bound;
	r0 = run(n, &ctx, &sk, c);
	*bound = sk.bound_dev_if;
	return r0;
}

/* After the hook: allowed?, and the socket's binding. */
static void
expect(enum kernel_hook h, const char *dest, uint32_t before, int64_t r0,
    uint32_t after)
{
	struct call c;
	uint32_t b = before;
	int64_t got = hook(h, dest, &b, &c);

	if (got != r0 || b != after)
		fail_msg("hook %d, %s, bound %u: got r0 %lld, bound %u; "
		         "expected r0 %lld, bound %u",
		    h, dest, before, (long long)got, b, (long long)r0, after);
	if (before != after) {
		assert_int_equal(c.n, 1);
		assert_int_equal(c.level, SOL_SOCKET);
		assert_int_equal(c.optname, 62); /* SO_BINDTOIFINDEX */
		assert_int_equal(c.optlen, 4);
	}
}

static int
setup(void **state)
{
	(void)state;
	memset(&locals, 0, sizeof(locals));
	inet_pton(AF_INET, "192.0.2.1", &locals.v4[0]);
	inet_pton(AF_INET, "198.18.0.1", &locals.v4[1]);
	locals.n4 = 2;
	inet_pton(AF_INET6, "2001:db8:1::1", locals.v6[0]);
	locals.n6 = 1;
	return 0;
}

/* ---- the programs ---- */

static void
test_create(void **state)
{
	struct bpf_sock sk;
	struct call c;
	int n;

	(void)state;
	n = kernel_prog(KERNEL_SOCK_CREATE, IFX, NULL, NULL, prog, 8192);
	assert_int_equal(n, 4);
	assert_int_equal(prog[0].imm, IFX);
	assert_int_equal(prog[1].code, BPF_STX | BPF_MEM | BPF_W);
	assert_int_equal(prog[1].off, offsetof(struct bpf_sock, bound_dev_if));
	memset(&sk, 0, sizeof(sk));
	assert_int_equal(run(n, &sk, &sk, &c), 1);
	assert_int_equal(sk.bound_dev_if, IFX);
	assert_int_equal(c.n, 0);
}

static void
test_connect4(void **state)
{
	(void)state;
	/* Remote: stays bound, nothing called. */
	expect(KERNEL_CONNECT4, "198.51.100.10", IFX, 1, IFX);
	expect(KERNEL_CONNECT4, "10.1.2.3", IFX, 1, IFX);
	/* Local: unbound first, then allowed. */
	expect(KERNEL_CONNECT4, "127.0.0.1", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "127.255.1.2", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "0.0.0.0", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "192.0.2.1", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "198.18.0.1", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "169.254.1.1", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "224.0.0.251", IFX, 1, 0);
	expect(KERNEL_CONNECT4, "255.255.255.255", IFX, 1, 0);
	/* Neighbours of the own addresses are not local. */
	expect(KERNEL_CONNECT4, "192.0.2.2", IFX, 1, IFX);
	expect(KERNEL_CONNECT4, "128.0.0.1", IFX, 1, IFX);
	/* Unbound by an earlier local connect: bound again. */
	expect(KERNEL_CONNECT4, "198.51.100.10", 0, 1, IFX);
	/* The program's own device is kept, either way. */
	expect(KERNEL_CONNECT4, "198.51.100.10", OTHER, 1, OTHER);
	expect(KERNEL_CONNECT4, "127.0.0.1", OTHER, 1, OTHER);
}

static void
test_connect6(void **state)
{
	(void)state;
	expect(KERNEL_CONNECT6, "2001:db8:2::10", IFX, 1, IFX);
	expect(KERNEL_CONNECT6, "::ffff:198.51.100.10", IFX, 1, IFX);
	expect(KERNEL_CONNECT6, "::2", IFX, 1, IFX);
	expect(KERNEL_CONNECT6, "2001:db8:1::2", IFX, 1, IFX);
	expect(KERNEL_CONNECT6, "fec0::1", IFX, 1, IFX);
	expect(KERNEL_CONNECT6, "::1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "::", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "2001:db8:1::1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "fe80::1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "febf::1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "ff02::1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "::ffff:127.0.0.1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "::ffff:192.0.2.1", IFX, 1, 0);
	expect(KERNEL_CONNECT6, "2001:db8:2::10", 0, 1, IFX);
	expect(KERNEL_CONNECT6, "::1", OTHER, 1, OTHER);
}

/* The datagram's route is chosen before the hook: a datagram needing the
 * other binding is refused once, the socket switched. */
static void
test_sendmsg(void **state)
{
	(void)state;
	expect(KERNEL_SENDMSG4, "198.51.100.10", IFX, 1, IFX);
	expect(KERNEL_SENDMSG4, "127.0.0.1", IFX, 0, 0);
	expect(KERNEL_SENDMSG4, "127.0.0.1", 0, 1, 0);
	expect(KERNEL_SENDMSG4, "198.51.100.10", 0, 0, IFX);
	expect(KERNEL_SENDMSG4, "198.51.100.10", OTHER, 1, OTHER);
	expect(KERNEL_SENDMSG6, "2001:db8:2::10", IFX, 1, IFX);
	expect(KERNEL_SENDMSG6, "::1", IFX, 0, 0);
	expect(KERNEL_SENDMSG6, "::1", 0, 1, 0);
	expect(KERNEL_SENDMSG6, "2001:db8:2::10", 0, 0, IFX);
	expect(KERNEL_SENDMSG6, "::ffff:198.51.100.10", 0, 0, IFX);
}

/* bind: only loopback unbinds (a local server); nothing else changes. */
static void
test_bind(void **state)
{
	(void)state;
	expect(KERNEL_BIND4, "127.0.0.1", IFX, 1, 0);
	expect(KERNEL_BIND4, "0.0.0.0", IFX, 1, IFX);
	expect(KERNEL_BIND4, "192.0.2.1", IFX, 1, IFX);
	expect(KERNEL_BIND4, "127.0.0.1", OTHER, 1, OTHER);
	expect(KERNEL_BIND6, "::1", IFX, 1, 0);
	expect(KERNEL_BIND6, "::ffff:127.0.0.1", IFX, 1, 0);
	expect(KERNEL_BIND6, "::", IFX, 1, IFX);
	expect(KERNEL_BIND6, "2001:db8:1::1", IFX, 1, IFX);
	expect(KERNEL_BIND6, "::ffff:192.0.2.1", IFX, 1, IFX);
}

/* Every jump lands inside the program; the last instruction exits. */
static void
test_shape(void **state)
{
	int h, n, i;
	struct kernel_dns dns = { .on = true,
		.has_to4 = true,
		.has_orig4 = true };

	(void)state;
	/* With DNS redirection on, so that every hook has a program. */
	for (h = 0; h < KERNEL_NHOOKS; h++) {
		n = kernel_prog((enum kernel_hook)h, IFX, &locals, &dns, prog,
		    8192);
		assert_true(n > 0);
		assert_int_equal(prog[n - 1].code, BPF_JMP | BPF_EXIT);
		for (i = 0; i < n; i++) {
			uint8_t cls = BPF_CLASS(prog[i].code),
			        op = BPF_OP(prog[i].code);

			if ((cls == BPF_JMP || cls == BPF_JMP32) &&
			    op != BPF_CALL && op != BPF_EXIT)
				assert_in_range(i + 1 + prog[i].off, i + 1,
				    n - 1);
		}
		/* Too little room: refused, not truncated. */
		assert_int_equal(kernel_prog((enum kernel_hook)h, IFX, &locals,
		                     &dns, prog, (size_t)n - 1),
		    -1);
	}
	assert_int_equal(kernel_prog(KERNEL_NHOOKS, IFX, &locals, &dns, prog,
	                     8192),
	    -1);
	/* Without it, the DNS-only hooks have none; with no server, theirs
	 * rewrites nothing. */
	assert_int_equal(kernel_prog(KERNEL_RECVMSG4, IFX, &locals, NULL, prog,
	                     8192),
	    0);
	dns.has_to4 = false;
	assert_int_equal(kernel_prog(KERNEL_RECVMSG4, IFX, &locals, &dns, prog,
	                     8192),
	    2);
	dns.on = false;
	assert_int_equal(kernel_prog(KERNEL_GETPEERNAME4, IFX, &locals, &dns,
	                     prog, 8192),
	    0);
}

/* One run of hook h with DNS redirection d on dest:port, the socket bound
 * to *bound; *dest and *port are rewritten as the program rewrote them. */
static int64_t
dns_hook(enum kernel_hook h, const struct kernel_dns *d, char *dest,
    size_t destlen, unsigned *port, uint32_t *bound)
{
	struct bpf_sock_addr ctx;
	struct bpf_sock sk;
	struct call c;
	int64_t r0;
	int n;

	n = kernel_prog(h, IFX, &locals, d, prog, 8192);
	assert_true(n > 0);
	memset(&ctx, 0, sizeof(ctx));
	memset(&sk, 0, sizeof(sk));
	ctx.family = AF_INET;
	assert_int_equal(inet_pton(AF_INET, dest, &ctx.user_ip4), 1);
	ctx.user_port = htons((uint16_t)*port);
	ctx.sk = &sk;
	sk.bound_dev_if = *bound;
	r0 = run(n, &ctx, &sk, &c);
	*bound = sk.bound_dev_if;
	assert_non_null(
	    inet_ntop(AF_INET, &ctx.user_ip4, dest, (socklen_t)destlen));
	*port = ntohs((uint16_t)ctx.user_port);
	return r0;
}

static void
expect_dns(enum kernel_hook h, const struct kernel_dns *d, const char *dest,
    unsigned port, int64_t r0, const char *want, unsigned want_port)
{
	char buf[INET_ADDRSTRLEN];
	uint32_t bound = IFX;
	int64_t got;

	snprintf(buf, sizeof(buf), "%s", dest);
	got = dns_hook(h, d, buf, sizeof(buf), &port, &bound);
	if (got != r0 || strcmp(buf, want) != 0 || port != want_port)
		fail_msg("hook %d, %s: got r0 %lld, %s:%u; expected r0 %lld, "
		         "%s:%u",
		    h, dest, (long long)got, buf, port, (long long)r0, want,
		    want_port);
	/* Redirected or not, a remote destination leaves bound. */
	if (r0 == 1 && strncmp(want, "127.", 4) != 0)
		assert_int_equal(bound, IFX);
}

static void
test_dns(void **state)
{
	struct kernel_dns d = { .on = true,
		.nsys4 = 1,
		.has_to4 = true,
		.has_orig4 = true };
	static const enum kernel_hook out[] = { KERNEL_CONNECT4,
		KERNEL_SENDMSG4 };
	size_t i;

	(void)state;
	inet_pton(AF_INET, "10.0.0.53", &d.sys4[0]);
	inet_pton(AF_INET, "192.0.2.53", &d.to4);
	d.port4 = htons(5353);
	d.orig4 = d.sys4[0];
	for (i = 0; i < 2; i++) {
		/* The system's resolvers, on port 53: to the server. */
		expect_dns(out[i], &d, "10.0.0.53", 53, 1, "192.0.2.53", 5353);
		expect_dns(out[i], &d, "198.18.0.2", 53, 1, "192.0.2.53", 5353);
		expect_dns(out[i], &d, "198.19.255.1", 53, 1, "192.0.2.53",
		    5353);
		expect_dns(out[i], &d, "127.0.0.53", 53, 1, "192.0.2.53", 5353);
		/* Anything else goes where aimed. */
		expect_dns(out[i], &d, "192.0.2.99", 53, 1, "192.0.2.99", 53);
		expect_dns(out[i], &d, "198.18.0.2", 80, 1, "198.18.0.2", 80);
		expect_dns(out[i], &d, "198.20.0.2", 53, 1, "198.20.0.2", 53);
		/* (A datagram switching to loopback is refused once.) */
		expect_dns(out[i], &d, "127.0.0.1", 53, i == 0 ? 1 : 0,
		    "127.0.0.1", 53);
	}
	/* Replies from the server look as from the resolver asked. */
	expect_dns(KERNEL_RECVMSG4, &d, "192.0.2.53", 5353, 1, "10.0.0.53", 53);
	expect_dns(KERNEL_GETPEERNAME4, &d, "192.0.2.53", 5353, 1, "10.0.0.53",
	    53);
	expect_dns(KERNEL_RECVMSG4, &d, "192.0.2.53", 53, 1, "192.0.2.53", 53);
	expect_dns(KERNEL_RECVMSG4, &d, "192.0.2.54", 5353, 1, "192.0.2.54",
	    5353);
	/* No server: the query is refused, never sent where aimed. */
	d.has_to4 = false;
	expect_dns(KERNEL_CONNECT4, &d, "198.18.0.2", 53, 0, "198.18.0.2", 53);
	expect_dns(KERNEL_SENDMSG4, &d, "10.0.0.53", 53, 0, "10.0.0.53", 53);
	expect_dns(KERNEL_CONNECT4, &d, "192.0.2.99", 53, 1, "192.0.2.99", 53);
}

/* Many own addresses still assemble, and the last one counts. */
static void
test_many_locals(void **state)
{
	uint32_t b = IFX;
	struct call c;
	size_t i;

	(void)state;
	for (i = 0; i < KERNEL_MAX_LOCALS; i++) {
		locals.v4[i] = htonl(0xc0000200u + (uint32_t)i); /* 192.0.2.x */
		memset(locals.v6[i], 0x20, 16);
		locals.v6[i][15] = (uint8_t)i;
	}
	locals.n4 = locals.n6 = KERNEL_MAX_LOCALS;
	assert_int_equal(hook(KERNEL_CONNECT4, "192.0.2.255", &b, &c), 1);
	assert_int_equal(b, 0);
	b = IFX;
	assert_int_equal(hook(KERNEL_CONNECT4, "192.0.3.0", &b, &c), 1);
	assert_int_equal(b, IFX);
	b = IFX;
	assert_int_equal(hook(KERNEL_CONNECT6,
	                     "2020:2020:2020:2020:2020:2020:2020:20ff", &b, &c),
	    1);
	assert_int_equal(b, 0);
	setup(NULL);
}

/* ---- parsing ---- */

static void
test_mounts(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(kernel_cgroup2_mount("sysfs /sys sysfs rw 0 0\n"
	                                      "cgroup /sys/fs/cgroup/cpu "
	                                      "cgroup rw,cpu 0 0\n"
	                                      "cgroup2 /sys/fs/cgroup/unified "
	                                      "cgroup2 rw,relatime 0 0\n",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "/sys/fs/cgroup/unified");
	assert_int_equal(kernel_cgroup2_mount("none /mnt/my\\040cg\\134x "
	                                      "cgroup2 rw 0 0",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "/mnt/my cg\\x");
	/* A source named cgroup2 is not the type. */
	assert_int_equal(kernel_cgroup2_mount("cgroup2 /x tmpfs rw 0 0\ncgroup "
	                                      "/y cgroup rw 0 0\n",
	                     out, sizeof(out)),
	    -1);
	assert_int_equal(kernel_cgroup2_mount("", out, sizeof(out)), -1);
	assert_int_equal(kernel_cgroup2_mount(
	                     "cgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n", out, 8),
	    -1);
}

static void
test_cgroup_paths(void **state)
{
	char out[256];

	(void)state;
	assert_int_equal(kernel_own_cgroup("12:pids:/a\n0::/user.slice/"
	                                   "s.scope\n",
	                     out, sizeof(out)),
	    0);
	assert_string_equal(out, "/user.slice/s.scope");
	assert_int_equal(kernel_own_cgroup("1:name=systemd:/\n", out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "/");

	assert_int_equal(kernel_cgroup_child("/", 42, out, sizeof(out)), 0);
	assert_string_equal(out, "bindif-42");
	assert_int_equal(kernel_cgroup_child("", 42, out, sizeof(out)), 0);
	assert_string_equal(out, "bindif-42");
	assert_int_equal(kernel_cgroup_child("/user.slice/s.scope", 42, out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "user.slice/s.scope/bindif-42");
	assert_int_equal(kernel_cgroup_child("/a/../../b", 42, out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "bindif-42");
	assert_int_equal(kernel_cgroup_child("/gone (deleted)", 42, out,
	                     sizeof(out)),
	    0);
	assert_string_equal(out, "bindif-42");
	assert_int_equal(kernel_cgroup_child("/user.slice", 42, out, 12), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create),
		cmocka_unit_test(test_connect4),
		cmocka_unit_test(test_connect6),
		cmocka_unit_test(test_sendmsg),
		cmocka_unit_test(test_bind),
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_dns),
		cmocka_unit_test(test_many_locals),
		cmocka_unit_test(test_mounts),
		cmocka_unit_test(test_cgroup_paths),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
