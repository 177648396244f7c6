/*
 * real.c - the real libc functions the hooks wrap, bound once (in the
 * constructor or the first hook, whichever comes first) and read without
 * a lock afterwards: state.h's state_real().
 */
#include <pthread.h>
#include <stdatomic.h>

#include "state.h"

struct plat_real state_real_fns;
atomic_bool state_real_bound;
static pthread_once_t real_once = PTHREAD_ONCE_INIT;
__thread int state_binding; /* binding the real functions */

static void
bind_real(void)
{
	state_binding++;
	(void)plat_bind_real(&state_real_fns);
	state_binding--;
	atomic_store_explicit(&state_real_bound, true, memory_order_release);
}

const struct plat_real *
state_real_once(void)
{
	pthread_once(&real_once, bind_real);
	return &state_real_fns;
}
