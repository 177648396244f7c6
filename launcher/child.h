/*
 * child.h - the launcher as the parent of its command, for the modes that
 * must outlive the exec (kernel mode's cleanup, the shim handshake): signals
 * sent to bindif reach the command, and bindif ends the way the command did.
 */
#ifndef BINDIF_CHILD_H
#define BINDIF_CHILD_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

/* The signals a parent passes on, and what it had installed for them. */
struct child_relay {
	sigset_t blocked; /* the mask before child_relay_block */
	struct sigaction old[8];
	bool installed;
};

/*
 * Blocks the relayed signals, so none is lost between the fork and the
 * handler: call before forking. In the child, child_relay_unblock before
 * exec (a mask survives exec).
 */
void child_relay_block(struct child_relay *r);
void child_relay_unblock(const struct child_relay *r);

/* In the parent, after the fork: handlers that send TERM, HUP, USR1,
 * USR2 and ALRM on to pid (the terminal signals INT and QUIT reach the
 * whole process group by themselves, so they are only kept from killing
 * bindif), then the mask as it was. */
void child_relay_start(struct child_relay *r, pid_t pid);
/* Handlers and mask back as they were. */
void child_relay_stop(struct child_relay *r);

/* waitpid until pid has ended (EINTR retried); its raw status, or -1. */
int child_wait(pid_t pid, int *status);

/* 0-255 for an exit, 128+N for death by signal N. */
int child_exit_code(int status);

/*
 * Ends bindif as the command ended: its exit status, or the same signal
 * (without a core file of our own: the command's is the one that counts),
 * so a shell sees "killed by SIGINT" and stops its loop as it would
 * without bindif.
 */
void __attribute__((noreturn)) child_exit_like(int status);

#endif
