/*
 * state.h - the shim's process-wide state: the real libc functions and the
 * decision settings, each built once on first use (any hook may be the
 * first call) and read-only afterwards.
 */
#ifndef BINDIF_STATE_H
#define BINDIF_STATE_H

#include <stdatomic.h>
#include <stdbool.h>

#include "../common/decide.h"
#include "../common/plat.h"

/* The real functions, bound in the constructor or the first hook. In
 * line, with what they need, as every hook's first step: a load and a
 * test once bound. */
extern struct plat_real state_real_fns;
extern atomic_bool state_real_bound;
const struct plat_real *state_real_once(void);

static inline const struct plat_real *
state_real(void)
{
	if (atomic_load_explicit(&state_real_bound, memory_order_acquire))
		return &state_real_fns;
	return state_real_once();
}

/* The decision settings: reads the environment and the rules once. */
const struct shim_cfg *state_cfg(void);

/* True while this thread binds the real functions: hooks then go
 * straight through. */
extern __thread int state_binding;

static inline bool
state_busy(void)
{
	return state_binding != 0;
}

/*
 * Whether path (a rules file or directory) can have been written by owner
 * only: it, its parent and every entry of a directory owned by owner (the
 * parent may be root's) and not writable by group or others, no symlinks.
 * 0, or -errno with why filled.
 */
int state_trusted_rules(const char *path, uid_t owner, char *why, size_t len);

/* The only rules a secure-mode process reads, and their owner. */
struct state_trust {
	const char *path;
	uid_t owner;
};
extern struct state_trust state_secure_rules;

/* One line on stderr, "bindif[prog:pid]: ...". */
void state_log(const struct shim_cfg *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
