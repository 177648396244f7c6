/*
 * handshake.h - knowing that the shim took. The launcher predicts from the
 * file whether the loader will preload the shim (judge.h), but a loader
 * can still leave it out for reasons no header shows (a script whose
 * interpreter is itself a script, a binfmt_misc handler, a security
 * module's secure mode): the program would then run unbound, its traffic
 * in the tunnel, with no error. So the launcher stops the new program at
 * its entry point, after the loader has run every preloaded constructor
 * and before any of the program's own code, and looks: the shim has
 * announced itself, it lets the program go; not, it kills it and says why.
 */
#ifndef BINDIF_HANDSHAKE_H
#define BINDIF_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* handshake_exec's results besides 126/127 (exec failed, why says why). */
#define HANDSHAKE_RAN 0         /* *status is the command's wait status */
#define HANDSHAKE_STOPPED (-1)  /* the shim did not take: why; exit 125 */
#define HANDSHAKE_UNAVAILABLE 1 /* nothing ran: not on this OS or CPU */

/*
 * Runs exe (argv[0] its name; the shim in the preload variable) as
 * bindif's child, checks at its entry point that the shim announced itself
 * (shim/announce.h), and waits for it to end, passing signals on. Where
 * the check cannot be made because someone else traces bindif (strace,
 * gdb) the command runs unchecked and *unchecked is set.
 */
int handshake_exec(const char *exe, char **argv, int *status, bool *unchecked,
    char *why, size_t whylen);

/* ---- the pure part, exposed for the unit tests ---- */

/*
 * The entry point (AT_ENTRY) and secure mode (AT_SECURE) from the raw
 * bytes of /proc/PID/auxv, words of wordsize bytes (4 or 8) in this CPU's
 * order. 0, or -1 when there is no AT_ENTRY.
 */
int handshake_auxv(const unsigned char *buf, size_t len, size_t wordsize,
    uint64_t *entry, bool *secure);

#endif
