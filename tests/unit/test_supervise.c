/*
 * test_supervise.c - launcher/supervise_linux.c: the seccomp filter libseccomp
 * builds, run by a small classic-BPF interpreter against a table of system
 * calls, architectures and arguments; and the classification of trapped
 * calls (socketcall's included) that the notification loop answers.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "supervise.h"

/* struct seccomp_data, as the filter reads it. */
struct data {
	int32_t nr;
	uint32_t arch;
	uint64_t ip;
	uint64_t args[6];
};

#define RET_ALLOW 0x7fff0000u
#define RET_NOTIFY 0x7fc00000u
#define RET_ERRNO 0x00050000u
#define RET_KILL_PROCESS 0x80000000u
#define ARCH_X86_64 0xc000003eu
#define ARCH_I386 0x40000003u
#define ARCH_AARCH64 0xc00000b7u
#define X32 0x40000000

/* Classic BPF, the part libseccomp emits: loads, jumps, returns, and
 * the scratch memory and ALU ops some versions use for 64-bit tests.
 * An instruction it does not know fails the test. */
static uint32_t
run_bpf(const struct supervise_insn *p, size_t n, const struct data *d)
{
	uint32_t a = 0, x = 0, mem[16] = { 0 };
	size_t pc = 0, steps = 0;

	while (pc < n && steps++ < 100000) {
		const struct supervise_insn *i = &p[pc++];
		uint32_t k = i->k;

		switch (i->code) {
		case 0x20: /* ld [k] */
			assert_true(k + 4 <= sizeof(*d));
			memcpy(&a, (const char *)d + k, 4);
			break;
		case 0x00: /* ld #k */
			a = k;
			break;
		case 0x01: /* ldx #k */
			x = k;
			break;
		case 0x60: /* ld M[k] */
			a = mem[k & 15];
			break;
		case 0x61: /* ldx M[k] */
			x = mem[k & 15];
			break;
		case 0x02: /* st M[k] */
			mem[k & 15] = a;
			break;
		case 0x03: /* stx M[k] */
			mem[k & 15] = x;
			break;
		case 0x54: /* and #k */
			a &= k;
			break;
		case 0x87: /* txa */
			a = x;
			break;
		case 0x07: /* tax */
			x = a;
			break;
		case 0x05: /* ja */
			pc += k;
			break;
		case 0x15: /* jeq #k */
			pc += a == k ? i->jt : i->jf;
			break;
		case 0x25: /* jgt #k */
			pc += a > k ? i->jt : i->jf;
			break;
		case 0x35: /* jge #k */
			pc += a >= k ? i->jt : i->jf;
			break;
		case 0x45: /* jset #k */
			pc += (a & k) ? i->jt : i->jf;
			break;
		case 0x06: /* ret #k */
			return k;
		case 0x16: /* ret a */
			return a;
		default:
			fail_msg("BPF opcode 0x%x at %zu not interpreted",
			    i->code, pc - 1);
		}
	}
	fail_msg("BPF program ran off its end");
	return 0;
}

struct call {
	const char *what;
	uint32_t arch;
	int nr;
	uint64_t a0, a4;
	uint32_t want;
};

static void
test_filter(void **state)
{
	/* The numbers from the kernel's tables, not from libseccomp's:
	 * x86_64 connect 42, sendto 44, sendmsg 46, sendmmsg 307,
	 * io_uring_setup 425; x32 the same with its bit, sendmsg 518 and
	 * sendmmsg 538; i386 socketcall 102, connect 362, sendto 369,
	 * sendmsg 370, sendmmsg 345. */
	static const struct call table[] = {
		{ "connect", ARCH_X86_64, 42, 3, 0, RET_NOTIFY },
		{ "sendto with an address", ARCH_X86_64, 44, 3, 0x1000,
		    RET_NOTIFY },
		{ "sendto without (send)", ARCH_X86_64, 44, 3, 0, RET_ALLOW },
		{ "sendto, upper half only", ARCH_X86_64, 44, 3, 0x100000000ull,
		    RET_NOTIFY },
		{ "sendmsg", ARCH_X86_64, 46, 3, 0, RET_NOTIFY },
		{ "sendmmsg", ARCH_X86_64, 307, 3, 0, RET_NOTIFY },
		{ "io_uring_setup", ARCH_X86_64, 425, 0, 0,
		    RET_ERRNO | ENOSYS },
		{ "write", ARCH_X86_64, 1, 3, 0, RET_ALLOW },
		{ "socket", ARCH_X86_64, 41, 2, 0, RET_ALLOW },
		{ "bind", ARCH_X86_64, 49, 3, 0, RET_ALLOW },
		{ "recvfrom", ARCH_X86_64, 45, 3, 0x1000, RET_ALLOW },
		{ "x32 connect", ARCH_X86_64, X32 | 42, 3, 0, RET_NOTIFY },
		{ "x32 sendto with an address", ARCH_X86_64, X32 | 44, 3, 8,
		    RET_NOTIFY },
		{ "x32 sendto without", ARCH_X86_64, X32 | 44, 3, 0,
		    RET_ALLOW },
		{ "x32 sendmsg", ARCH_X86_64, X32 | 518, 3, 0, RET_NOTIFY },
		{ "x32 sendmmsg", ARCH_X86_64, X32 | 538, 3, 0, RET_NOTIFY },
		{ "x32 write", ARCH_X86_64, X32 | 1, 3, 0, RET_ALLOW },
		{ "i386 connect", ARCH_I386, 362, 3, 0, RET_NOTIFY },
		/* On i386 every sendto is trapped: the filter cannot tell. */
		{ "i386 sendto without", ARCH_I386, 369, 3, 0, RET_NOTIFY },
		{ "i386 sendmsg", ARCH_I386, 370, 3, 0, RET_NOTIFY },
		{ "i386 sendmmsg", ARCH_I386, 345, 3, 0, RET_NOTIFY },
		{ "i386 io_uring_setup", ARCH_I386, 425, 0, 0,
		    RET_ERRNO | ENOSYS },
		{ "i386 socketcall connect", ARCH_I386, 102, 3, 0, RET_NOTIFY },
		{ "i386 socketcall sendto, a4 0", ARCH_I386, 102, 11, 0,
		    RET_NOTIFY },
		{ "i386 socketcall sendmsg", ARCH_I386, 102, 16, 0,
		    RET_NOTIFY },
		{ "i386 socketcall sendmmsg", ARCH_I386, 102, 20, 0,
		    RET_NOTIFY },
		{ "i386 socketcall socket", ARCH_I386, 102, 1, 0, RET_ALLOW },
		{ "i386 socketcall recvfrom", ARCH_I386, 102, 12, 0,
		    RET_ALLOW },
		{ "i386 write", ARCH_I386, 4, 1, 0, RET_ALLOW },
		{ "an arch the filter does not know", ARCH_AARCH64, 203, 3, 0,
		    RET_KILL_PROCESS },
	};
	struct supervise_insn *prog = NULL;
	char why[256];
	size_t n, i;

	(void)state;
	assert_int_equal(supervise_filter(&prog, &n, why, sizeof(why)), 0);
	assert_true(n > 10 && n < 4096);
	for (i = 0; i < sizeof(table) / sizeof(*table); i++) {
		struct data d = { 0 };
		uint32_t got;

		d.nr = table[i].nr;
		d.arch = table[i].arch;
		d.args[0] = table[i].a0;
		d.args[4] = table[i].a4;
		got = run_bpf(prog, n, &d);
		if (got != table[i].want)
			fail_msg("%s: filter answered 0x%x, want 0x%x",
			    table[i].what, got, table[i].want);
	}
	free(prog);
}

static void
test_classify(void **state)
{
	uint64_t a[6] = { 5, 0x1000, 16, 0, 0x2000, 28 };
	uint32_t sa[6] = { 7, 0x3000, 16, 0, 0x4000, 16 };
	struct supervise_call c;

	(void)state;
	supervise_classify(ARCH_X86_64, 42, a, &c);
	assert_int_equal(c.kind, SV_CONNECT);
	assert_int_equal(c.fd, 5);
	assert_int_equal(c.addr, 0x1000);
	assert_int_equal(c.len, 16);
	assert_false(c.compat);
	/* sendto's destination is its fifth and sixth arguments. */
	supervise_classify(ARCH_X86_64, 44, a, &c);
	assert_int_equal(c.kind, SV_SENDTO);
	assert_int_equal(c.addr, 0x2000);
	assert_int_equal(c.len, 28);
	supervise_classify(ARCH_X86_64, 46, a, &c);
	assert_int_equal(c.kind, SV_SENDMSG);
	assert_int_equal(c.addr, 0x1000);
	supervise_classify(ARCH_X86_64, 307, a, &c);
	assert_int_equal(c.kind, SV_SENDMMSG);
	assert_int_equal(c.len, 16);
	supervise_classify(ARCH_X86_64, 1, a, &c);
	assert_int_equal(c.kind, SV_OTHER);
	/* x32: compat structures for sendmsg, and its own numbers. */
	supervise_classify(ARCH_X86_64, X32 | 518, a, &c);
	assert_int_equal(c.kind, SV_SENDMSG);
	assert_true(c.compat);
	supervise_classify(ARCH_X86_64, X32 | 42, a, &c);
	assert_int_equal(c.kind, SV_CONNECT);
	/* i386: 32-bit registers; socketcall asks for its arguments. */
	a[1] = 0xdead00001000ull;
	supervise_classify(ARCH_I386, 362, a, &c);
	assert_int_equal(c.kind, SV_CONNECT);
	assert_int_equal(c.addr, 0x1000);
	assert_true(c.compat);
	supervise_classify(ARCH_I386, 102, a, &c);
	assert_int_equal(c.kind, SV_SOCKETCALL);
	supervise_socketcall(3, sa, &c);
	assert_int_equal(c.kind, SV_CONNECT);
	assert_int_equal(c.fd, 7);
	assert_int_equal(c.addr, 0x3000);
	supervise_socketcall(11, sa, &c);
	assert_int_equal(c.kind, SV_SENDTO);
	assert_int_equal(c.addr, 0x4000);
	assert_int_equal(c.len, 16);
	supervise_socketcall(16, sa, &c);
	assert_int_equal(c.kind, SV_SENDMSG);
	supervise_socketcall(20, sa, &c);
	assert_int_equal(c.kind, SV_SENDMMSG);
	supervise_socketcall(1, sa, &c); /* socket() */
	assert_int_equal(c.kind, SV_OTHER);
	supervise_classify(ARCH_AARCH64, 203, a, &c);
	assert_int_equal(c.kind, SV_OTHER);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_classify),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
