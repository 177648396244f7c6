/*
 * supervise_filter_linux.c - supervisor mode's pure half: the seccomp
 * filter, built with libseccomp for x86_64, x32 and i386 (socketcall),
 * and what a trapped call asks, from its numbers and arguments alone.
 * No processes here: the unit tests run the filter in a BPF interpreter.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/filter.h>
#include <seccomp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "supervise.h"

#ifndef AUDIT_ARCH_X86_64
#define AUDIT_ARCH_X86_64 0xc000003eu
#endif
#ifndef AUDIT_ARCH_I386
#define AUDIT_ARCH_I386 0x40000003u
#endif
#define X32_BIT 0x40000000

/* socketcall(2)'s call numbers (linux/net.h). */
#define SC_CONNECT 3
#define SC_SENDTO 11
#define SC_SENDMSG 16
#define SC_SENDMMSG 20

/* ---- the filter ---- */

/*
 * Every connect, sendmsg and sendmmsg, and sendto with a destination (a
 * connected socket's send costs no trap); io_uring_setup fails with
 * ENOSYS, so programs fall back to the calls we see. The i386 part is a
 * context of its own: there libseccomp turns the sendto rule's argument
 * test into one on socketcall's registers, where the destination is not
 * (it is in memory), so there every sendto is trapped.
 */
static int
add_rules(scmp_filter_ctx ctx, bool all_sendto)
{
	int rc;

	if ((rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(connect),
	         0)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendmsg),
	         0)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendmmsg),
	         0)) < 0 ||
	    (rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS),
	         SCMP_SYS(io_uring_setup), 0)) < 0)
		return rc;
	if (all_sendto)
		return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto),
		    0);
	return seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, SCMP_SYS(sendto), 1,
	    SCMP_A4(SCMP_CMP_NE, 0));
}

static scmp_filter_ctx
new_ctx(void)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);

	/* An architecture the filter does not know cannot be judged. */
	if (ctx != NULL &&
	    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH,
	        SCMP_ACT_KILL_PROCESS) < 0) {
		seccomp_release(ctx);
		return NULL;
	}
	return ctx;
}

static scmp_filter_ctx
build_ctx(char *why, size_t whylen)
{
	scmp_filter_ctx ctx = new_ctx(), ctx32 = NULL;
	int rc = -ENOMEM;

	if (ctx == NULL)
		goto fail;
	if (seccomp_arch_native() == SCMP_ARCH_X86_64) {
		if ((rc = seccomp_arch_add(ctx, SCMP_ARCH_X32)) < 0)
			goto fail;
		if ((ctx32 = new_ctx()) == NULL)
			goto fail;
		if ((rc = seccomp_arch_remove(ctx32, SCMP_ARCH_NATIVE)) < 0 ||
		    (rc = seccomp_arch_add(ctx32, SCMP_ARCH_X86)) < 0 ||
		    (rc = add_rules(ctx32, true)) < 0)
			goto fail;
	}
	if ((rc = add_rules(ctx, false)) < 0)
		goto fail;
	if (ctx32 != NULL) {
		if ((rc = seccomp_merge(ctx, ctx32)) < 0)
			goto fail;
		ctx32 = NULL; /* merged: released with ctx */
	}
	return ctx;
fail:
	snprintf(why, whylen, "supervisor: cannot build the seccomp filter: %s",
	    strerror(-rc));
	if (ctx32 != NULL)
		seccomp_release(ctx32);
	if (ctx != NULL)
		seccomp_release(ctx);
	return NULL;
}

/* libseccomp 2.5 exports to a file descriptor only: through a memfd. */
int
supervise_filter(struct supervise_insn **out, size_t *n, char *why,
    size_t whylen)
{
	scmp_filter_ctx ctx = build_ctx(why, whylen);
	struct supervise_insn *prog;
	off_t size;
	int fd, rc;

	if (ctx == NULL)
		return -1;
	fd = memfd_create("bindif-filter", MFD_CLOEXEC);
	if (fd < 0 || (rc = seccomp_export_bpf(ctx, fd)) < 0) {
		rc = fd < 0 ? -errno : rc;
		snprintf(why, whylen,
		    "supervisor: cannot export the seccomp "
		    "filter: %s",
		    strerror(-rc));
		goto fail;
	}
	size = lseek(fd, 0, SEEK_END);
	if (size <= 0 || size % sizeof(*prog) != 0 ||
	    (prog = malloc((size_t)size)) == NULL ||
	    pread(fd, prog, (size_t)size, 0) != size) {
		snprintf(why, whylen,
		    "supervisor: cannot read the seccomp "
		    "filter back");
		goto fail;
	}
	*out = prog;
	*n = (size_t)size / sizeof(*prog);
	(void)close(fd);
	seccomp_release(ctx);
	return 0;
fail:
	if (fd >= 0)
		(void)close(fd);
	seccomp_release(ctx);
	return -1;
}

/* ---- what a notification asks ---- */

struct arch_calls {
	uint32_t arch;
	bool compat;
	int connect, sendto, sendmsg, sendmmsg, socketcall;
};

/* The numbers from libseccomp's tables, once. */
static const struct arch_calls *
arch_calls(uint32_t arch, int nr)
{
	static struct arch_calls t[3];
	static bool ready;
	static const uint32_t arches[3] = { SCMP_ARCH_X86_64, SCMP_ARCH_X32,
		SCMP_ARCH_X86 };
	size_t i;

	if (!ready) {
		for (i = 0; i < 3; i++) {
			t[i].arch = arches[i];
			t[i].compat = i > 0;
#define NR(name) seccomp_syscall_resolve_name_arch(arches[i], name)
			t[i].connect = NR("connect");
			t[i].sendto = NR("sendto");
			t[i].sendmsg = NR("sendmsg");
			t[i].sendmmsg = NR("sendmmsg");
			t[i].socketcall = NR("socketcall");
#undef NR
		}
		/* libseccomp names i386's socket calls by its socketcall
		 * pseudo-numbers (negative); the direct ones (Linux 4.3)
		 * from the kernel's syscall_32.tbl. */
		t[2].connect = 362;
		t[2].sendto = 369;
		t[2].sendmsg = 370;
		t[2].sendmmsg = 345;
		ready = true;
	}
	/* x32 shares x86_64's audit arch: its numbers carry the x32 bit. */
	if (arch == AUDIT_ARCH_X86_64)
		return &t[(nr & X32_BIT) ? 1 : 0];
	if (arch == AUDIT_ARCH_I386)
		return &t[2];
	return NULL;
}

void
supervise_classify(uint32_t arch, int nr, const uint64_t args[6],
    struct supervise_call *c)
{
	const struct arch_calls *t = arch_calls(arch, nr);

	memset(c, 0, sizeof(*c));
	c->kind = SV_OTHER;
	if (t == NULL)
		return;
	c->compat = t->compat;
	c->fd = (int)args[0];
	c->addr = args[1];
	c->len = args[2];
	if (nr == t->connect)
		c->kind = SV_CONNECT;
	else if (nr == t->sendto) {
		c->kind = SV_SENDTO;
		c->addr = args[4];
		c->len = args[5];
	} else if (nr == t->sendmsg)
		c->kind = SV_SENDMSG;
	else if (nr == t->sendmmsg)
		c->kind = SV_SENDMMSG;
	else if (nr == t->socketcall) {
		c->kind = SV_SOCKETCALL;
		c->fd = -1;
	}
	if (t->compat) /* 32-bit registers: the upper halves mean nothing */
		c->addr &= 0xffffffffu;
}

void
supervise_socketcall(unsigned call, const uint32_t a[6],
    struct supervise_call *c)
{
	memset(c, 0, sizeof(*c));
	c->compat = true;
	c->fd = (int)a[0];
	c->addr = a[1];
	c->len = a[2];
	switch (call) {
	case SC_CONNECT:
		c->kind = SV_CONNECT;
		break;
	case SC_SENDTO:
		c->kind = SV_SENDTO;
		c->addr = a[4];
		c->len = a[5];
		break;
	case SC_SENDMSG:
		c->kind = SV_SENDMSG;
		break;
	case SC_SENDMMSG:
		c->kind = SV_SENDMMSG;
		break;
	default:
		c->kind = SV_OTHER;
	}
}
