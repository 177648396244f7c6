/*
 * badptr.c - hands connect, sendto, sendmsg, sendmmsg, execve and
 * posix_spawn bad pointers, one case per child, and prints what each call
 * returned. The kernel answers EFAULT; the test compares the output with
 * and without the shim, which must never turn that answer into a crash.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *
kind_name(int kind)
{
	return kind == 0 ? "low" : kind == 1 ? "unmapped" : "no-access";
}

static void *
bad_pointer(int kind)
{
	void *p;

	if (kind == 0)
		return (void *)0x10;
	p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
	    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return (void *)0x10;
	if (kind == 1)
		munmap(p, 4096);
	else
		mprotect(p, 4096, PROT_NONE);
	return p;
}

/* The exec hooks read the path, argv and envp first (a program to judge,
 * an environment to complete): all answered by the kernel, never read. */
static long
exec_call(int which, void *bad)
{
	char *argv[] = { "true", NULL }, *badstr[] = { "true", bad, NULL };
	char *envp[] = { "BINDIF_X=1", NULL }, *badenv[] = { bad, NULL };
	pid_t pid;
	int rc;

	switch (which) {
	case 0:
		return execve(bad, argv, envp);
	case 1:
		return execve("/bin/true", bad, envp);
	case 2:
		return execve("/bin/true", badstr, envp);
	case 3:
		return execve("/bin/true", argv, bad);
	case 4:
		return execve("/bin/true", argv, badenv);
	case 5:
		/* posix_spawn answers with the error, not -1 and errno. */
		if ((rc = posix_spawn(&pid, bad, NULL, NULL, argv, envp)) != 0)
			errno = rc;
		return rc != 0 ? -1 : 0;
	}
	return 0;
}

static long
call(int which, void *bad, const char *dst)
{
	int udp = socket(AF_INET, SOCK_DGRAM, 0);
	int tcp = socket(AF_INET, SOCK_STREAM, 0);
	/* Port 19: no server answers, so no reply comes back to a closed
	 * socket to make the kernel send port-unreachables into the tun. */
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(19) };
	struct iovec iov = { "hi", 2 };
	struct mmsghdr m[2];
	struct msghdr h;

	inet_pton(AF_INET, dst, &a.sin_addr);
	memset(m, 0, sizeof(m));
	m[0].msg_hdr.msg_name = &a;
	m[0].msg_hdr.msg_namelen = sizeof(a);
	m[0].msg_hdr.msg_iov = &iov;
	m[0].msg_hdr.msg_iovlen = 1;
	m[1] = m[0];
	m[1].msg_hdr.msg_name = bad;
	h = m[0].msg_hdr;
	switch (which) {
	case 0:
		return connect(tcp, bad, sizeof(a));
	case 1:
		return sendto(udp, "hi", 2, 0, bad, sizeof(a));
	case 2:
		return sendmsg(udp, bad, 0);
	case 3:
		h.msg_name = bad;
		return sendmsg(udp, &h, 0);
	case 4:
		h.msg_control = bad;
		h.msg_controllen = 64;
		return sendmsg(udp, &h, 0);
	case 5:
		return sendmmsg(udp, bad, 2, 0);
	case 6:
		return sendmmsg(udp, m, 2, 0);
	case 7:
		m[1].msg_hdr.msg_name = &a;
		m[1].msg_hdr.msg_control = bad;
		m[1].msg_hdr.msg_controllen = 64;
		return sendmmsg(udp, m, 2, 0);
	}
	return exec_call(which - 8, bad);
}

int
main(int argc, char **argv)
{
	static const char *names[] = { "connect", "sendto", "sendmsg(msghdr)",
		"sendmsg(name)", "sendmsg(control)", "sendmmsg(vector)",
		"sendmmsg(2nd name)", "sendmmsg(2nd control)", "execve(path)",
		"execve(argv)", "execve(argv[1])", "execve(envp)",
		"execve(envp[0])", "posix_spawn(path)" };
	const int ncalls = sizeof(names) / sizeof(*names);
	const char *dst = argc > 1 ? argv[1] : "198.51.100.10";
	int which, kind, st;

	for (kind = 0; kind < 3; kind++)
		for (which = 0; which < ncalls; which++) {
			pid_t p;

			fflush(stdout);
			if ((p = fork()) == 0) {
				long r = call(which, bad_pointer(kind), dst);

				printf("%s %s: %ld %s\n", names[which],
				    kind_name(kind), r,
				    r < 0 ? strerror(errno) : "-");
				fflush(stdout);
				_exit(0);
			}
			waitpid(p, &st, 0);
			if (WIFSIGNALED(st))
				printf("%s %s: killed by signal %d\n",
				    names[which], kind_name(kind),
				    WTERMSIG(st));
		}
	return 0;
}
