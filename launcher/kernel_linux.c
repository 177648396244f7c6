/*
 * kernel_linux.c - kernel mode: the command runs in a cgroup v2 of its own
 * with cgroup BPF programs (hand-assembled in kernel_bpf_linux.c, loaded
 * here with the raw bpf() syscall) that bind its sockets to the interface, for
 * programs the preload shim cannot enter: static binaries, io_uring, anything.
 *
 * What is bound (the shim's policy, as far as the kernel's hooks allow):
 * - every AF_INET/AF_INET6 socket at creation (TCP, UDP, ICMP, raw), as
 *   `ip vrf exec` does: anything with no later hook stays bound;
 * - connect() (TCP, UDP, ping) to a local destination - loopback, the
 *   unspecified address, the namespace's own addresses when the command
 *   started, link-local, multicast, broadcast, and their v4-mapped
 *   forms - first unbinds the socket (the route is chosen after the hook),
 *   and a later connect elsewhere binds it again;
 * - sendto()/sendmsg() on unconnected UDP: the kernel picks the output
 *   device from the binding before the hook runs, so when a datagram's
 *   destination needs the other binding the hook switches it and refuses
 *   that one datagram (EPERM); the next one to a destination of the same
 *   kind goes. Nothing ever leaves unbound for a non-local destination;
 * - bind() to 127.0.0.0/8 or ::1 unbinds (a loopback server works); a
 *   server on the wildcard address stays bound, so only connections
 *   arriving through the interface (or to its own address) reach it.
 * - a program's own DNS query to port 53 of a system resolver (IPv4) goes
 *   to the server the shim would ask (kernel_dns.c), at connect and
 *   sendmsg; recvmsg and getpeername show that server as the resolver.
 * A device the program binds itself (SO_BINDTODEVICE) is kept. Own
 * addresses added after the start are not known: they stay bound
 * (unreachable), never sent through the tunnel. Resolvers that send
 * unconnected (musl's) pay one retry when their server is local; glibc's
 * and Go's connect their sockets.
 *
 * Lifetime: the programs are attached (BPF_PROG_ATTACH, not a link) to a
 * bindif-<pid> cgroup made for this run before the child joins it, so a
 * launcher killed outright leaves the command bound, not free; the next
 * run removes such empty leftovers. When the command ends, whatever it
 * left in the cgroup is killed, the programs detached, the cgroup removed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <linux/bpf.h>
#include <linux/mount.h>

#include "child.h"
#include "kernel.h"
#include "launcher.h"

/* ------------------------------------------------------------ parsing */

/* Decodes the \ooo escapes of a /proc/self/mounts field. */
static int
unescape(const char *s, size_t n, char *out, size_t outlen)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		char c = s[i];

		if (c == '\\' && i + 3 < n && s[i + 1] >= '0' &&
		    s[i + 1] <= '3' && s[i + 2] >= '0' && s[i + 2] <= '7' &&
		    s[i + 3] >= '0' && s[i + 3] <= '7') {
			c = (char)((s[i + 1] - '0') * 64 +
			    (s[i + 2] - '0') * 8 + (s[i + 3] - '0'));
			i += 3;
		}
		if (o + 1 >= outlen)
			return -1;
		out[o++] = c;
	}
	out[o] = '\0';
	return 0;
}

int
kernel_cgroup2_mount(const char *mounts, char *out, size_t outlen)
{
	const char *line = mounts;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n'), *f[3], *p = line;
		size_t len[3];
		int k;

		if (end == NULL)
			end = line + strlen(line);
		for (k = 0; k < 3; k++) {
			while (p < end && *p == ' ')
				p++;
			f[k] = p;
			while (p < end && *p != ' ')
				p++;
			len[k] = (size_t)(p - f[k]);
		}
		if (len[2] == 7 && strncmp(f[2], "cgroup2", 7) == 0 &&
		    len[1] > 0 && unescape(f[1], len[1], out, outlen) == 0)
			return 0;
		line = *end ? end + 1 : NULL;
	}
	return -1;
}

int
kernel_own_cgroup(const char *cgroup, char *out, size_t outlen)
{
	const char *line = cgroup;

	while (line != NULL && *line != '\0') {
		const char *end = strchr(line, '\n');
		size_t n;

		if (end == NULL)
			end = line + strlen(line);
		n = (size_t)(end - line);
		if (n > 3 && strncmp(line, "0::", 3) == 0) {
			if (n - 3 >= outlen)
				return -1;
			memcpy(out, line + 3, n - 3);
			out[n - 3] = '\0';
			return 0;
		}
		line = *end ? end + 1 : NULL;
	}
	if (outlen < 2)
		return -1;
	snprintf(out, outlen, "/");
	return 0;
}

int
kernel_cgroup_child(const char *parent, pid_t pid, char *out, size_t outlen)
{
	int n;

	while (*parent == '/')
		parent++;
	/* " (deleted)" or ".." would walk somewhere else: use the root. */
	if (strstr(parent, "..") != NULL || strchr(parent, ' ') != NULL)
		parent = "";
	n = snprintf(out, outlen, "%s%sbindif-%ld", parent,
	    *parent && parent[strlen(parent) - 1] != '/' ? "/" : "", (long)pid);
	return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

/* ------------------------------------------------------------ bpf() */

static const struct {
	enum bpf_prog_type type;
	enum bpf_attach_type attach;
	const char *name;
} hooks[KERNEL_NHOOKS] = {
	[KERNEL_SOCK_CREATE] = { BPF_PROG_TYPE_CGROUP_SOCK,
	    BPF_CGROUP_INET_SOCK_CREATE, "create" },
	[KERNEL_CONNECT4] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_INET4_CONNECT, "connect4" },
	[KERNEL_CONNECT6] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_INET6_CONNECT, "connect6" },
	[KERNEL_SENDMSG4] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_UDP4_SENDMSG, "sendmsg4" },
	[KERNEL_SENDMSG6] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_UDP6_SENDMSG, "sendmsg6" },
	[KERNEL_BIND4] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_INET4_BIND, "bind4" },
	[KERNEL_BIND6] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_INET6_BIND, "bind6" },
	[KERNEL_RECVMSG4] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_UDP4_RECVMSG, "recvmsg4" },
	[KERNEL_GETPEERNAME4] = { BPF_PROG_TYPE_CGROUP_SOCK_ADDR,
	    BPF_CGROUP_INET4_GETPEERNAME, "peer4" },
};

static long
sys_bpf(int cmd, union bpf_attr *attr)
{
	return syscall(__NR_bpf, cmd, attr, sizeof(*attr));
}

/* The last non-empty line of a verifier log. */
static const char *
last_line(char *log)
{
	char *end = log + strlen(log), *p;

	while (end > log && (end[-1] == '\n' || end[-1] == ' '))
		*--end = '\0';
	p = strrchr(log, '\n');
	return p ? p + 1 : log;
}

static int
prog_load(enum kernel_hook h, const struct bpf_insn *in, int n, char *why,
    size_t whylen)
{
	static char log[16384];
	union bpf_attr a;
	int fd, err;

	memset(&a, 0, sizeof(a));
	a.prog_type = hooks[h].type;
	a.expected_attach_type = hooks[h].attach;
	a.insns = (uint64_t)(uintptr_t)in;
	a.insn_cnt = (uint32_t)n;
	a.license = (uint64_t)(uintptr_t) "GPL";
	/* bindif_<hook>: what `bpftool prog` shows while a command runs. */
	snprintf(a.prog_name, sizeof(a.prog_name), "bindif_%s", hooks[h].name);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	err = errno;
	if (err == EPERM || err == EACCES) {
		snprintf(why, whylen,
		    "kernel mode: bpf(): %s (it needs root, "
		    "or CAP_BPF and CAP_NET_ADMIN)",
		    strerror(err));
		return -1;
	}
	/* Again with the verifier's log, for the reason. */
	log[0] = '\0';
	a.log_level = 1;
	a.log_buf = (uint64_t)(uintptr_t)log;
	a.log_size = sizeof(log);
	fd = (int)sys_bpf(BPF_PROG_LOAD, &a);
	if (fd >= 0)
		return fd;
	snprintf(why, whylen,
	    "kernel mode: this kernel refuses the %s "
	    "program: %s%s%s",
	    hooks[h].name, strerror(err), log[0] ? ": " : "",
	    log[0] ? last_line(log) : "");
	return -1;
}

static int
prog_attach(int cgfd, int progfd, enum kernel_hook h, bool on)
{
	union bpf_attr a;

	memset(&a, 0, sizeof(a));
	a.target_fd = (uint32_t)cgfd;
	a.attach_bpf_fd = (uint32_t)progfd;
	a.attach_type = hooks[h].attach;
	return (int)sys_bpf(on ? BPF_PROG_ATTACH : BPF_PROG_DETACH, &a);
}

/* ------------------------------------------------------------ running */

static void
locals_gather(struct kernel_locals *l)
{
	struct ifaddrs *ifa, *i;

	memset(l, 0, sizeof(*l));
	if (getifaddrs(&ifa) < 0)
		return; /* only the fixed local ranges then */
	for (i = ifa; i != NULL; i = i->ifa_next) {
		if (i->ifa_addr == NULL)
			continue;
		if (i->ifa_addr->sa_family == AF_INET &&
		    l->n4 < KERNEL_MAX_LOCALS)
			l->v4[l->n4++] =
			    ((struct sockaddr_in *)(void *)i->ifa_addr)
			        ->sin_addr.s_addr;
		else if (i->ifa_addr->sa_family == AF_INET6 &&
		    l->n6 < KERNEL_MAX_LOCALS)
			memcpy(l->v6[l->n6++],
			    &((struct sockaddr_in6 *)(void *)i->ifa_addr)
			         ->sin6_addr,
			    16);
	}
	freeifaddrs(ifa);
}

static char *
slurp(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t got = 0;
	ssize_t n;

	if (fd < 0)
		return NULL;
	while (got + 1 < len && (n = read(fd, buf + got, len - got - 1)) > 0)
		got += (size_t)n;
	close(fd);
	buf[got] = '\0';
	return buf;
}

static int
slurpat(int dirfd, const char *name, char *buf, size_t len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return 0;
}

static int
writeat(int dirfd, const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, text, strlen(text));
	close(fd);
	return n < 0 ? -1 : 0;
}

/*
 * The cgroup2 root as a directory fd: the mount /proc/self/mounts names,
 * else a detached mount of our own (fsopen/fsmount, no mount namespace is
 * touched): `ip netns exec` remounts /sys and hides /sys/fs/cgroup.
 */
static int
cgroup2_root(char *where, size_t wlen, char *why, size_t whylen)
{
	static char mounts[65536];
	int fd, fs;

	if (slurp("/proc/self/mounts", mounts, sizeof(mounts)) != NULL &&
	    kernel_cgroup2_mount(mounts, where, wlen) == 0) {
		fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (fd >= 0)
			return fd;
	}
	fs = (int)syscall(SYS_fsopen, "cgroup2", FSOPEN_CLOEXEC);
	if (fs >= 0) {
		fd = -1;
		if (syscall(SYS_fsconfig, fs, FSCONFIG_CMD_CREATE, NULL, NULL,
		        0) == 0)
			fd = (int)syscall(SYS_fsmount, fs, FSMOUNT_CLOEXEC, 0);
		close(fs);
		if (fd >= 0) {
			snprintf(where, wlen, "cgroup2:");
			return fd;
		}
	}
	snprintf(why, whylen,
	    "kernel mode: no cgroup2 file system (mount "
	    "one: mount -t cgroup2 none /sys/fs/cgroup): %s",
	    strerror(errno));
	return -1;
}

/* Leftovers of launchers that were killed: empty bindif-<pid> cgroups
 * whose pid is gone. rmdir refuses anything still in use. */
static void
sweep(int rootfd, const char *parent)
{
	char path[PATH_MAX];
	struct dirent *d;
	DIR *dir;
	int fd, n = 0;

	while (*parent == '/')
		parent++;
	fd = openat(rootfd, *parent ? parent : ".",
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0 || (dir = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	while ((d = readdir(dir)) != NULL && n++ < 4096) {
		char *end;
		long pid;

		if (strncmp(d->d_name, "bindif-", 7) != 0)
			continue;
		pid = strtol(d->d_name + 7, &end, 10);
		if (*end != '\0' || pid <= 0 || kill((pid_t)pid, 0) == 0 ||
		    errno != ESRCH)
			continue;
		snprintf(path, sizeof(path), "%s", d->d_name);
		unlinkat(dirfd(dir), path, AT_REMOVEDIR);
	}
	closedir(dir);
}

static bool
populated(int cgfd)
{
	char buf[256], *p;

	if (slurpat(cgfd, "cgroup.events", buf, sizeof(buf)) < 0)
		return false;
	p = strstr(buf, "populated ");
	return p != NULL && p[10] == '1';
}

static void
nap(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* Kills what the command left in its cgroup; true once it is empty. */
static bool
empty_cgroup(int cgfd)
{
	static char pids[65536];
	int round;

	if (!populated(cgfd))
		return true;
	for (round = 0; round < 300; round++) {
		if (writeat(cgfd, "cgroup.kill", "1") < 0 &&
		    slurpat(cgfd, "cgroup.procs", pids, sizeof(pids)) == 0) {
			/* Before 5.14: one by one. */
			char *p = pids, *end;

			for (; *p; p = end) {
				long pid = strtol(p, &end, 10);

				if (end == p)
					break;
				if (pid > 0)
					kill((pid_t)pid, SIGKILL);
			}
		}
		nap(10);
		if (!populated(cgfd))
			return true;
	}
	return false;
}

struct report {
	int stage; /* 1: joining the cgroup, 2: exec */
	int err;
};

static void __attribute__((noreturn)) child(int procsfd, int pipefd,
    const struct child_relay *relay, const char *exe, char **argv)
{
	struct report r = { 1, 0 };

	child_relay_unblock(relay);
	/* "0": the writing process. Its sockets from now on are bound. */
	if (write(procsfd, "0", 1) != 1) {
		r.err = errno;
		(void)!write(pipefd, &r, sizeof(r));
		_exit(EXIT_OURS);
	}
	execv(exe, argv);
	r.stage = 2;
	r.err = errno;
	(void)!write(pipefd, &r, sizeof(r));
	_exit(r.err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN);
}

/* Everything kernel_exec sets up, for one cleanup path. */
struct km {
	int rootfd, cgfd, procsfd;
	int prog[KERNEL_NHOOKS];
	bool attached[KERNEL_NHOOKS];
	char rel[PATH_MAX];   /* the cgroup, relative to rootfd */
	char where[PATH_MAX]; /* the cgroup2 mount, for messages */
	bool made;
};

/* Detaches, removes the cgroup; a note in why if it stays. */
static void
km_cleanup(struct km *k, char *why, size_t whylen)
{
	bool gone = true;
	int i, tries;

	if (k->cgfd >= 0 && k->made)
		gone = empty_cgroup(k->cgfd);
	for (i = 0; i < KERNEL_NHOOKS; i++) {
		if (k->attached[i])
			prog_attach(k->cgfd, k->prog[i], (enum kernel_hook)i,
			    false);
		if (k->prog[i] >= 0)
			close(k->prog[i]);
	}
	if (k->procsfd >= 0)
		close(k->procsfd);
	if (k->cgfd >= 0)
		close(k->cgfd);
	if (k->made) {
		for (tries = 0; tries < 100; tries++) {
			if (unlinkat(k->rootfd, k->rel, AT_REMOVEDIR) == 0 ||
			    errno == ENOENT)
				break;
			if (errno != EBUSY) {
				tries = 100;
				break;
			}
			nap(10);
		}
		if ((tries >= 100 || !gone) && why[0] == '\0')
			snprintf(why, whylen,
			    "kernel mode: cannot remove "
			    "cgroup %s/%s: %s",
			    k->where, k->rel,
			    gone ? strerror(errno) : "processes remain in it");
	}
	if (k->rootfd >= 0)
		close(k->rootfd);
}

static int
km_setup(struct km *k, unsigned ifindex, const struct kernel_dns *dns,
    char *why, size_t whylen)
{
	static struct bpf_insn in[8192];
	static struct kernel_locals locals;
	static char text[8192];
	char own[PATH_MAX];
	int i, n;

	locals_gather(&locals);
	for (i = 0; i < KERNEL_NHOOKS; i++) {
		n = kernel_prog((enum kernel_hook)i, ifindex, &locals, dns, in,
		    sizeof(in) / sizeof(in[0]));
		if (n < 0) {
			snprintf(why, whylen,
			    "kernel mode: the %s program "
			    "does not fit",
			    hooks[i].name);
			return -1;
		}
		if (n == 0)
			continue; /* not needed for this command */
		if ((k->prog[i] = prog_load((enum kernel_hook)i, in, n, why,
		         whylen)) < 0)
			return -1;
	}
	if ((k->rootfd =
	            cgroup2_root(k->where, sizeof(k->where), why, whylen)) < 0)
		return -1;
	if (slurp("/proc/self/cgroup", text, sizeof(text)) == NULL ||
	    kernel_own_cgroup(text, own, sizeof(own)) < 0)
		snprintf(own, sizeof(own), "/");
	/* Next to our own cgroup, where a delegated tree lets us; else at
	 * the root. */
	sweep(k->rootfd, own);
	if (kernel_cgroup_child(own, getpid(), k->rel, sizeof(k->rel)) < 0 ||
	    mkdirat(k->rootfd, k->rel, 0755) < 0) {
		sweep(k->rootfd, "/");
		if (kernel_cgroup_child("/", getpid(), k->rel, sizeof(k->rel)) <
		        0 ||
		    mkdirat(k->rootfd, k->rel, 0755) < 0) {
			snprintf(why, whylen,
			    "kernel mode: cannot create "
			    "cgroup %s/%s: %s",
			    k->where, k->rel, strerror(errno));
			return -1;
		}
	}
	k->made = true;
	k->cgfd = openat(k->rootfd, k->rel, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	k->procsfd = k->cgfd < 0 ?
	    -1 :
	    openat(k->cgfd, "cgroup.procs", O_WRONLY | O_CLOEXEC);
	if (k->procsfd < 0) {
		snprintf(why, whylen, "kernel mode: cgroup %s/%s: %s", k->where,
		    k->rel, strerror(errno));
		return -1;
	}
	/* Attached before anything joins: no socket is ever made unbound. */
	for (i = 0; i < KERNEL_NHOOKS; i++) {
		if (k->prog[i] < 0)
			continue;
		if (prog_attach(k->cgfd, k->prog[i], (enum kernel_hook)i,
		        true) < 0) {
			snprintf(why, whylen,
			    "kernel mode: cannot attach the "
			    "%s program to cgroup %s/%s: %s",
			    hooks[i].name, k->where, k->rel, strerror(errno));
			return -1;
		}
		k->attached[i] = true;
	}
	return 0;
}

int
kernel_exec(const char *ifname, unsigned ifindex, const struct kernel_dns *dns,
    char **argv, const char *exe, int *wstatus, char *why, size_t whylen)
{
	struct child_relay relay;
	struct km k;
	struct report r;
	int i, pipefd[2], status, rc;
	ssize_t got;
	pid_t pid;

	why[0] = '\0';
	*wstatus = -1;
	if (geteuid() != 0) {
		snprintf(why, whylen, "kernel mode needs root");
		return -1;
	}
	if (ifindex == 0 && (ifindex = if_nametoindex(ifname)) == 0) {
		snprintf(why, whylen, "%s: %s", ifname, strerror(errno));
		return -1;
	}
	memset(&k, 0, sizeof(k));
	k.rootfd = k.cgfd = k.procsfd = -1;
	for (i = 0; i < KERNEL_NHOOKS; i++)
		k.prog[i] = -1;
	if (km_setup(&k, ifindex, dns, why, whylen) < 0 ||
	    pipe2(pipefd, O_CLOEXEC) < 0) {
		if (why[0] == '\0')
			snprintf(why, whylen, "kernel mode: pipe: %s",
			    strerror(errno));
		km_cleanup(&k, why, whylen);
		return -1;
	}

	/* Like a shell waiting for its job: the launcher outlives the
	 * command so it can clean up, and passes TERM/HUP on. */
	fflush(NULL);
	child_relay_block(&relay);
	pid = fork();
	if (pid == 0) {
		close(pipefd[0]);
		child(k.procsfd, pipefd[1], &relay, exe, argv);
	}
	close(pipefd[1]);
	if (pid < 0) {
		snprintf(why, whylen, "kernel mode: fork: %s", strerror(errno));
		rc = -1;
		goto out;
	}
	child_relay_start(&relay, pid);
	do
		got = read(pipefd[0], &r, sizeof(r));
	while (got < 0 && errno == EINTR);
	(void)child_wait(pid, &status);
	if (got == (ssize_t)sizeof(r) && r.stage == 1) {
		snprintf(why, whylen,
		    "kernel mode: cannot join cgroup %s/%s: "
		    "%s",
		    k.where, k.rel, strerror(r.err));
		rc = -1;
	} else if (got == (ssize_t)sizeof(r)) {
		snprintf(why, whylen, "%s: %s", argv[0], strerror(r.err));
		rc = r.err == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN;
	} else {
		rc = child_exit_code(status);
		*wstatus = status;
	}
out:
	close(pipefd[0]);
	child_relay_stop(&relay);
	km_cleanup(&k, why, whylen);
	return rc;
}
