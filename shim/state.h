/*
 * state.h - the shim's process-wide state: the real libc functions and the
 * decision settings, each built once on first use (any hook may be the
 * first call) and read-only afterwards.
 */
#ifndef BINDIF_STATE_H
#define BINDIF_STATE_H

#include "decide.h"
#include "plat.h"

/* The real functions. Cheap: bound in the constructor or the first hook. */
const struct plat_real *state_real(void);

/* The decision settings: reads the environment and the rules once. */
const struct shim_cfg *state_cfg(void);

/* True while this thread builds the state: hooks then go straight through. */
bool state_busy(void);

/* One line on stderr, "bindif[prog:pid]: ...". */
void state_log(const struct shim_cfg *, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

#endif
