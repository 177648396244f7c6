/*
 * supervise_linux.c - supervisor mode: the seccomp filter
 * (supervise_filter_linux.c) sends the calls that pick a socket's
 * destination to bindif, which reads the destination from the program's
 * memory, decides with the shim's rules engine, takes the socket with
 * pidfd_getfd, binds it, and lets the call continue.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <poll.h>
#include <pthread.h>
#include <seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "child.h"
#include "dnsplan.h"
#include "launcher.h"
#include "supervise.h"
#include "../common/plat.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* sendmmsg vectors longer than this are cut by the kernel (UIO_MAXIOV). */
#define MAX_MMSG 1024

/* ---- answering ---- */

/*
 * What bindif answers: let the call run (the socket now bound as decided),
 * or fail it with err; or, for a DNS query redirected, done: bindif made
 * the connect itself, to the server it chose, and the program's call
 * returns what that one did (err 0, or EINPROGRESS...); or later: a
 * thread of bindif's makes it and answers.
 */
struct answer {
	bool fail, done, later;
	int err;
};

/* One supervised run. */
struct supervisor {
	const struct shim_cfg *cfg;
	const struct dnsplan *dns; /* NULL: the command's DNS is not ours */
	int listener;
	bool dns_said; /* -v's line for the first redirected query */
};

static ssize_t
mem_read(pid_t pid, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { buf, len };
	struct iovec remote = { (void *)(uintptr_t)addr, len };

	return process_vm_readv(pid, &local, 1, &remote, 1, 0);
}

/* The thread group of a thread: pidfd_open takes only a leader before
 * Linux 6.9, and Go calls connect from any of its threads. */
static pid_t
tgid_of(pid_t tid)
{
	char path[64], buf[1024], *p;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	(void)close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	p = strstr(buf, "\nTgid:");
	return p ? (pid_t)strtol(p + 6, NULL, 10) : -1;
}

/*
 * pidfds of the threads that called, kept: opening one per call was a
 * tenth of a trapped connect's cost. A pidfd names its task, not its
 * number, so a kept one whose thread is gone fails (ESRCH) rather than
 * reach whichever task has the number now; it is then opened again.
 * Only pidfds that name the calling thread itself (PIDFD_THREAD, Linux
 * 6.9) or its whole process (the thread is the leader) are kept: the
 * older kernels' way for other threads, through their Tgid, could go
 * stale and is opened per call.
 */
#define PIDFD_SLOTS 64
#ifndef PIDFD_THREAD
#define PIDFD_THREAD O_EXCL
#endif
static struct {
	pid_t tid;
	int fd;
} pidfds[PIDFD_SLOTS];

static int
open_pidfd(pid_t tid, bool *keep)
{
	int fd = (int)syscall(SYS_pidfd_open, tid, PIDFD_THREAD);
	pid_t g;

	*keep = true;
	if (fd >= 0 || errno != EINVAL)
		return fd;
	if ((fd = (int)syscall(SYS_pidfd_open, tid, 0)) >= 0 || errno != EINVAL)
		return fd;
	*keep = false;
	g = tgid_of(tid);
	return g > 0 ? (int)syscall(SYS_pidfd_open, g, 0) : -1;
}

/* The program's socket fd, as a descriptor of ours; -errno. */
static int
take_socket(pid_t tid, int fd)
{
	unsigned slot = (unsigned)tid % PIDFD_SLOTS;
	int pfd, s, tries;
	bool keep;

	for (tries = 0; tries < 2; tries++) {
		if (pidfds[slot].fd > 0 && pidfds[slot].tid == tid)
			pfd = pidfds[slot].fd;
		else if ((pfd = open_pidfd(tid, &keep)) < 0)
			return -errno;
		else if (keep) {
			if (pidfds[slot].fd > 0)
				(void)close(pidfds[slot].fd);
			pidfds[slot].tid = tid;
			pidfds[slot].fd = pfd;
		}
		s = (int)syscall(SYS_pidfd_getfd, pfd, fd, 0);
		if (s < 0)
			s = -errno;
		if (pidfds[slot].fd != pfd)
			(void)close(pfd); /* not kept */
		else if (s == -ESRCH) {
			/* A kept one for a thread that is gone. */
			(void)close(pfd);
			pidfds[slot].fd = 0;
			continue;
		}
		return s;
	}
	return -ESRCH;
}

/* A destination read from the program, ready for decide(). */
struct dest {
	struct sockaddr_storage ss;
	socklen_t len;
};

/* false when there is no inet destination to decide for: the call goes
 * on as is (a bad pointer then gets the kernel's own EFAULT). */
static bool
read_dest(pid_t pid, uint64_t addr, uint64_t len, struct dest *d)
{
	ssize_t n;

	if (addr == 0 || len < sizeof(sa_family_t))
		return false;
	if (len > sizeof(d->ss))
		len = sizeof(d->ss);
	memset(&d->ss, 0, sizeof(d->ss));
	n = mem_read(pid, addr, &d->ss, (size_t)len);
	if (n < (ssize_t)sizeof(sa_family_t))
		return false;
	d->len = (socklen_t)n;
	return d->ss.ss_family == AF_INET || d->ss.ss_family == AF_INET6;
}

/* msg_name and msg_namelen of a struct msghdr at addr, in the program's
 * layout (64-bit: pointer at 0, length at 8; 32-bit: 0 and 4). */
static bool
read_msg_name(pid_t pid, uint64_t addr, bool compat, uint64_t *name,
    uint64_t *namelen)
{
	unsigned char h[16];
	uint64_t p = 0;
	uint32_t l = 0, p32 = 0;

	if (mem_read(pid, addr, h, sizeof(h)) != (ssize_t)sizeof(h))
		return false;
	if (compat) {
		memcpy(&p32, h, 4);
		memcpy(&l, h + 4, 4);
		p = p32;
	} else {
		memcpy(&p, h, 8);
		memcpy(&l, h + 8, 4);
	}
	*name = p;
	*namelen = l;
	return true;
}

static void
log_line(const struct shim_cfg *cfg, pid_t pid, const char *call,
    const struct dest *dst, unsigned proto, const struct decision *d,
    const char *extra)
{
	char line[600];

	if (!cfg->verbose)
		return;
	decide_describe(cfg, (const struct sockaddr *)&dst->ss, proto, d, line,
	    sizeof(line));
	fprintf(stderr, "bindif[%s:%d]: supervised %s %s%s\n", cfg->prog,
	    (int)pid, call, line, extra ? extra : "");
}

/* Applies d to socket s: the whole socket (streams, and datagram ones
 * being connected), else the egress of its unconnected datagrams. 0 or
 * -errno. */
static int
apply(int s, int family, bool stream, bool whole, const struct dest *dst,
    const struct decision *d)
{
	unsigned cur = 0;

	/* The program's own SO_BINDTODEVICE (ping -I) stands. */
	if (plat_bound_ifindex(s, family, &cur) == 0 && cur != 0)
		return 0;
	if (d->action != RULES_BIND) {
		/* Datagrams passed give back any egress we set for earlier
		 * ones; streams were never touched. */
		if (!stream) {
			(void)plat_set_egress(s, AF_INET, 0);
			if (family == AF_INET6)
				(void)plat_set_egress(s, AF_INET6, 0);
		}
		return 0;
	}
	if (whole)
		return plat_bind_ifindex(s, family, d->ifindex, d->ifname);
	/* Not a binding, which could not be undone: later datagrams to
	 * other destinations can change the egress again. */
	return plat_set_egress(s,
	    decide_egress_family((const struct sockaddr *)&dst->ss, dst->len),
	    d->ifindex);
}

static const char *
call_name(enum supervise_kind k)
{
	switch (k) {
	case SV_CONNECT:
		return "connect";
	case SV_SENDTO:
		return "sendto";
	case SV_SENDMSG:
		return "sendmsg";
	default:
		return "sendmmsg";
	}
}

/* The destinations of a call: one, or for sendmmsg those of its messages
 * (up to max). Returns how many were read. */
static size_t
call_dests(pid_t pid, const struct supervise_call *c, struct dest *out,
    size_t max)
{
	uint64_t name, namelen, stride, i, n = 0;

	switch (c->kind) {
	case SV_CONNECT:
	case SV_SENDTO:
		return read_dest(pid, c->addr, c->len, out) ? 1 : 0;
	case SV_SENDMSG:
		return read_msg_name(pid, c->addr, c->compat, &name,
		           &namelen) &&
		        read_dest(pid, name, namelen, out) ?
		    1 :
		    0;
	case SV_SENDMMSG:
		/* struct mmsghdr: the msghdr, then msg_len, padded. */
		stride = c->compat ? 32 : 64;
		for (i = 0; i < c->len && i < MAX_MMSG && n < max; i++)
			if (read_msg_name(pid, c->addr + i * stride, c->compat,
			        &name, &namelen) &&
			    read_dest(pid, name, namelen, &out[n]))
				n++;
		return (size_t)n;
	default:
		return 0;
	}
}

/* A blocking connect made for the program: by a thread, which answers
 * the notification itself, so the rest of the tree is not held up. */
struct later {
	int listener; /* our own copy: the run may end first */
	uint64_t id;
	int s;
	union dnsredir_addr to;
	socklen_t tolen;
};

static void *
later_run(void *arg)
{
	struct later *l = arg;
	struct seccomp_notif_resp resp;

	memset(&resp, 0, sizeof(resp));
	resp.id = l->id;
	if (connect(l->s, &l->to.sa, l->tolen) < 0)
		resp.error = -errno;
	if (seccomp_notify_id_valid(l->listener, l->id) == 0)
		(void)seccomp_notify_respond(l->listener, &resp);
	(void)close(l->s);
	(void)close(l->listener);
	free(l);
	return NULL;
}

static struct answer
connect_later(struct supervisor *sv, int s, const union dnsredir_addr *to,
    socklen_t tolen, uint64_t id)
{
	struct answer a = { .fail = true, .err = EAGAIN };
	pthread_attr_t at;
	pthread_t t;
	struct later *l;
	int rc;

	if ((l = malloc(sizeof(*l))) == NULL)
		return a;
	if ((l->listener = dup(sv->listener)) < 0) {
		free(l);
		return a;
	}
	l->id = id;
	l->s = s;
	l->to = *to;
	l->tolen = tolen;
	(void)pthread_attr_init(&at);
	(void)pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	rc = pthread_create(&t, &at, later_run, l);
	(void)pthread_attr_destroy(&at);
	if (rc != 0) {
		(void)close(l->listener);
		free(l);
		return a;
	}
	a.fail = false;
	a.later = true;
	return a;
}

/*
 * A connect to one of the system's resolvers (Go's resolver, a static
 * glibc's): to the server the shim would ask instead, through its
 * interface, made by bindif on the program's socket. The socket is then
 * connected to that server, so the replies a connected socket takes come
 * from it; Go and glibc read them without asking where from.
 */
static struct answer
dns_connect(struct supervisor *sv, pid_t pid, int s, int family, bool stream,
    const struct dest *dst, uint64_t id)
{
	const struct sockaddr *sa = (const struct sockaddr *)&dst->ss;
	struct answer a = { .fail = true, .err = ENETUNREACH };
	union dnsredir_addr to;
	socklen_t tolen;
	unsigned cur = 0;
	char from[64], where[64];
	int rc, fl;

	dnsredir_format(sa, from, sizeof(from));
	tolen = dnsredir_target(&sv->dns->servers, family, sa, dst->len, &to);
	if (tolen == 0 || sv->dns->ifindex == 0) {
		if (sv->cfg->verbose)
			fprintf(stderr,
			    "bindif[%s:%d]: supervised connect: DNS "
			    "to %s not sent: no usable server for %s\n",
			    sv->cfg->prog, (int)pid, from, sv->dns->ifname);
		return a;
	}
	/* The program's own binding stands, as for any socket. */
	if (!(plat_bound_ifindex(s, family, &cur) == 0 && cur != 0) &&
	    (rc = plat_bind_ifindex(s, family, sv->dns->ifindex,
	         sv->dns->ifname)) < 0) {
		a.err = -rc;
		return a;
	}
	if (sv->cfg->verbose && !sv->dns_said) {
		dnsredir_format(&to.sa, where, sizeof(where));
		fprintf(stderr,
		    "bindif[%s:%d]: DNS to %s was sent to %s "
		    "through %s\n",
		    sv->cfg->prog, (int)pid, from, where, sv->dns->ifname);
		sv->dns_said = true;
	}
	fl = fcntl(s, F_GETFL);
	if (stream && fl >= 0 && !(fl & O_NONBLOCK))
		return connect_later(sv, s, &to, tolen, id);
	a.fail = false;
	a.done = true;
	a.err = connect(s, &to.sa, tolen) < 0 ? errno : 0;
	return a;
}

static struct answer
decide_call(struct supervisor *sv, pid_t pid, const struct supervise_call *c,
    uint64_t id)
{
	const struct shim_cfg *cfg = sv->cfg;
	static struct dest dst[MAX_MMSG];
	struct answer a = { .fail = false };
	struct plat_sockinfo si;
	struct decision d, first;
	size_t n, i, decided, fi = 0;
	unsigned proto;
	int s, rc;
	bool whole;

	if ((n = call_dests(pid, c, dst, MAX_MMSG)) == 0)
		return a;
	if ((s = take_socket(pid, c->fd)) < 0) {
		/* Not a descriptor: the kernel says EBADF itself. Anything
		 * else (the process made itself undumpable...) fails closed. */
		if (s != -EBADF) {
			a.fail = true;
			a.err = -s;
		}
		goto out;
	}
	if (plat_sockinfo(s, &si) < 0 ||
	    (proto = decide_proto_class(si.family, si.type, si.protocol)) == 0)
		goto out;
	whole = proto == RULES_PROTO_TCP || c->kind == SV_CONNECT;
	if (c->kind == SV_CONNECT && sv->dns != NULL &&
	    (proto == RULES_PROTO_TCP || proto == RULES_PROTO_UDP) &&
	    dnsredir_classify(&sv->dns->sys,
	        (const struct sockaddr *)&dst[0].ss,
	        dst[0].len) != DNSREDIR_NONE) {
		a = dns_connect(sv, pid, s, si.family, proto == RULES_PROTO_TCP,
		    &dst[0], id);
		if (a.later)
			s = -1; /* the thread's now */
		goto out;
	}
	for (i = 0, decided = 0; i < n; i++) {
		/* Too short to be an address: the kernel refuses it. */
		if (!decide(cfg, (const struct sockaddr *)&dst[i].ss,
		        dst[i].len, proto, decided == 0 ? &first : &d))
			continue;
		/* One sendmmsg, one egress: messages that need different
		 * ones cannot all be sent right. */
		if (decided == 0)
			fi = i;
		if (decided++ > 0 &&
		    (d.action != first.action || d.ifindex != first.ifindex)) {
			log_line(cfg, pid, call_name(c->kind), &dst[i], proto,
			    &d,
			    ": refused, the vector's other messages go "
			    "another way");
			a.fail = true;
			a.err = EINVAL;
			goto out;
		}
	}
	if (decided == 0)
		goto out;
	log_line(cfg, pid, call_name(c->kind), &dst[fi], proto, &first, NULL);
	if (first.action == RULES_REJECT) {
		a.fail = true;
		a.err = first.err;
		goto out;
	}
	if ((rc = apply(s, si.family, proto == RULES_PROTO_TCP, whole, &dst[fi],
	         &first)) < 0) {
		if (cfg->verbose)
			fprintf(stderr,
			    "bindif[%s:%d]: cannot bind to %s: %s\n", cfg->prog,
			    (int)pid, first.ifname, strerror(-rc));
		a.fail = true;
		a.err = -rc;
	}
out:
	if (s >= 0)
		(void)close(s);
	return a;
}

static struct answer
answer(struct supervisor *sv, const struct seccomp_notif *req)
{
	struct answer a = { .fail = false };
	struct supervise_call c;
	uint32_t sa[6];

	/* __u64 and uint64_t: the same 8 bytes, two spellings. */
	supervise_classify(req->data.arch, req->data.nr,
	    (const uint64_t *)req->data.args, &c);
	if (c.kind == SV_SOCKETCALL) {
		if (mem_read((pid_t)req->pid, c.addr, sa, sizeof(sa)) !=
		    (ssize_t)sizeof(sa))
			return a; /* the kernel's EFAULT */
		supervise_socketcall((unsigned)req->data.args[0], sa, &c);
	}
	if (c.kind == SV_OTHER)
		return a;
	return decide_call(sv, (pid_t)req->pid, &c, req->id);
}

/* One notification: received, answered. The program's memory can change
 * between our read and the kernel's (another thread): bindif is not a
 * sandbox, only a router for programs that do not fight it. */
static void
serve(struct supervisor *sv, struct seccomp_notif *req,
    struct seccomp_notif_resp *resp, size_t reqsz, size_t respsz)
{
	struct answer a;

	memset(req, 0, reqsz);
	if (seccomp_notify_receive(sv->listener, req) < 0)
		return; /* the caller died meanwhile, or a signal */
	a = answer(sv, req);
	if (a.later)
		return; /* its thread answers */
	memset(resp, 0, respsz);
	resp->id = req->id;
	/* The pid we read from and took sockets of is still the caller's. */
	if (seccomp_notify_id_valid(sv->listener, req->id) < 0)
		return;
	if (a.fail || a.done)
		resp->error =
		    -a.err; /* done: 0 and val 0, or connect's error */
	else
		resp->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
	(void)seccomp_notify_respond(sv->listener, resp);
}

/* ---- the child and its parent ---- */

struct hello {
	int err; /* errno of the filter's installation, 0 when installed */
	int listener;
};

static void __attribute__((noreturn))
child_run(const struct sock_fprog *prog, int tell, int ack, const char *exe,
    char **argv, const struct child_relay *relay)
{
	struct hello h = { 0, -1 };
	char c;

	/* No privileges to gain: the unprivileged may install the filter,
	 * and it holds for everything the command runs. */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		h.err = errno;
	else if ((h.listener =
	                 (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER,
	                     SECCOMP_FILTER_FLAG_NEW_LISTENER, prog)) < 0)
		h.err = errno;
	/* write and read are not trapped: the filter cannot stop its own
	 * hand-over (a sendmsg with SCM_RIGHTS would wait on the parent
	 * that is waiting for it, which is why the parent takes it). */
	if (write(tell, &h, sizeof(h)) != (ssize_t)sizeof(h) || h.err != 0)
		_exit(EXIT_OURS);
	if (read(ack, &c, 1) != 1)
		_exit(EXIT_OURS); /* bindif is gone: run nothing */
	(void)close(h.listener);
	(void)close(tell);
	(void)close(ack);
	child_relay_unblock(relay);
	execv(exe, argv);
	dprintf(2, "bindif: %s: %s\n", argv[0], strerror(errno));
	_exit(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

int
supervise_available(char *why, size_t whylen)
{
	/* pidfd_getfd (5.6) is the youngest call used, after the
	 * notifications (5.0) and their CONTINUE answer (5.5): a bad
	 * descriptor means it exists. */
	if (syscall(SYS_pidfd_getfd, -1, 0, 0) < 0 && errno == ENOSYS) {
		snprintf(why, whylen,
		    "supervisor mode needs Linux 5.6 or "
		    "later (pidfd_getfd, seccomp user notification)");
		return -1;
	}
	if (seccomp_api_get() < 5) {
		snprintf(why, whylen,
		    "supervisor mode needs seccomp user "
		    "notification, which this kernel or libseccomp lacks");
		return -1;
	}
	return 0;
}

/* Forks the child, takes its listener. The child's pid, or -1 and why. */
static pid_t
start(const struct sock_fprog *prog, const char *exe, char **argv,
    struct child_relay *relay, int *listener, int *pidfd, char *why,
    size_t whylen)
{
	int tell[2], ack[2];
	struct hello h;
	pid_t pid;

	if (pipe2(tell, O_CLOEXEC) < 0 || pipe2(ack, O_CLOEXEC) < 0) {
		snprintf(why, whylen, "supervisor: pipe: %s", strerror(errno));
		return -1;
	}
	fflush(NULL);
	child_relay_block(relay);
	if ((pid = fork()) < 0) {
		snprintf(why, whylen, "supervisor: fork: %s", strerror(errno));
		child_relay_unblock(relay);
		return -1;
	}
	if (pid == 0) {
		(void)close(tell[0]);
		(void)close(ack[1]);
		child_run(prog, tell[1], ack[0], exe, argv, relay);
	}
	(void)close(tell[1]);
	(void)close(ack[0]);
	*listener = *pidfd = -1;
	if (read(tell[0], &h, sizeof(h)) != (ssize_t)sizeof(h))
		h.err = EPIPE;
	if (h.err != 0)
		snprintf(why, whylen,
		    "supervisor: cannot install the seccomp "
		    "filter: %s",
		    strerror(h.err));
	else if ((*pidfd = (int)syscall(SYS_pidfd_open, pid, 0)) < 0 ||
	    (*listener = (int)syscall(SYS_pidfd_getfd, *pidfd, h.listener, 0)) <
	        0)
		snprintf(why, whylen,
		    "supervisor: cannot take the filter's "
		    "listener from the command: %s",
		    strerror(errno));
	else if (write(ack[1], "", 1) != 1)
		snprintf(why, whylen,
		    "supervisor: the command did not wait "
		    "for its listener");
	(void)close(tell[0]);
	(void)close(ack[1]);
	if (*listener >= 0 && why[0] == '\0')
		return pid;
	/* Nothing of the command ran: it waits for the ack, or failed. */
	(void)kill(pid, SIGKILL);
	(void)child_wait(pid, &(int){ 0 });
	child_relay_unblock(relay);
	if (*listener >= 0)
		(void)close(*listener);
	if (*pidfd >= 0)
		(void)close(*pidfd);
	return -1;
}

int
supervise_exec(const struct shim_cfg *cfg, const struct dnsplan *dns,
    char **argv, const char *exe, int *wstatus, char *why, size_t whylen)
{
	struct supervisor sv = { cfg, dns, -1, false };
	struct seccomp_notif_sizes sz;
	struct seccomp_notif *req = NULL;
	struct seccomp_notif_resp *resp = NULL;
	struct supervise_insn *insns;
	struct child_relay relay;
	struct sock_fprog prog;
	struct pollfd p[2];
	int listener, pidfd, status;
	size_t n;
	pid_t pid;

	*wstatus = -1;
	why[0] = '\0';
	if (supervise_available(why, whylen) < 0 ||
	    supervise_filter(&insns, &n, why, whylen) < 0)
		return -1;
	if (seccomp_notify_alloc(&req, &resp) < 0 ||
	    syscall(SYS_seccomp, SECCOMP_GET_NOTIF_SIZES, 0, &sz) < 0) {
		snprintf(why, whylen,
		    "supervisor: seccomp notifications are "
		    "unavailable: %s",
		    strerror(errno));
		free(insns);
		seccomp_notify_free(req, resp);
		return -1;
	}
	prog.len = (unsigned short)n;
	prog.filter = (struct sock_filter *)insns;
	pid = start(&prog, exe, argv, &relay, &listener, &pidfd, why, whylen);
	free(insns);
	if (pid < 0) {
		seccomp_notify_free(req, resp);
		return -1;
	}
	child_relay_start(&relay, pid);
	sv.listener = listener;
	p[0].fd = listener;
	p[0].events = POLLIN;
	p[1].fd = pidfd;
	p[1].events = POLLIN;
	for (;;) {
		p[0].revents = p[1].revents = 0;
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents & POLLIN)
			serve(&sv, req, resp, sz.seccomp_notif,
			    sz.seccomp_notif_resp);
		else if (p[0].revents & (POLLHUP | POLLERR))
			p[0].fd = -1; /* no filtered process left */
		if (p[1].revents & POLLIN)
			break; /* the command ended */
	}
	(void)child_wait(pid, &status);
	child_relay_stop(&relay);
	(void)close(listener);
	(void)close(pidfd);
	seccomp_notify_free(req, resp);
	*wstatus = status;
	return child_exit_code(status);
}
