/*
 * libs_linux.c - where the shim's own libraries are opened on Linux: a
 * link-map namespace of their own (dlmopen), with their own copy of the C
 * library, so nothing the program exports can stand in for their insides.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <gnu/lib-names.h>
#include <pthread.h>
#include <stdio.h>

#include "libs.h"

/*
 * Opened with dlopen and RTLD_LOCAL, a library still resolves its internal
 * calls through the global scope, the program first: node exports a newer
 * c-ares, and libcares's ares_getaddrinfo then called node's ares_query
 * with its own channel and crashed. RTLD_DEEPBIND would fix that, but the
 * sanitizers' runtime refuses it (the process dies), and linking the
 * libraries into the shim would load them into every process. LD_PRELOAD
 * does not reach a new namespace, so the libraries' own C calls stay out
 * of our hooks too. One namespace for all of them: glibc has 16, with
 * static TLS set aside for only a few more C libraries.
 */
static pthread_mutex_t private_lock = PTHREAD_MUTEX_INITIALIZER;
static Lmid_t private_ns = LM_ID_NEWLM; /* LM_ID_NEWLM until the first */
/* That namespace's malloc_trim: its heap is not the program's. */
static int (*private_trim)(size_t);

void *
libs_open_private(const char *file, char *why, size_t whylen)
{
	void *h, *libc;
	Lmid_t id;

	pthread_mutex_lock(&private_lock);
	if ((h = dlmopen(private_ns, file, RTLD_NOW | RTLD_LOCAL)) == NULL) {
		snprintf(why, whylen, "cannot load %s (%s)", file, dlerror());
	} else if (private_ns == LM_ID_NEWLM &&
	    dlinfo(h, RTLD_DI_LMID, &id) == 0) {
		private_ns = id;
		libc = dlmopen(id, LIBC_SO, RTLD_NOW | RTLD_NOLOAD);
		if (libc != NULL)
			__atomic_store_n(&private_trim,
			    (int (*)(size_t))dlsym(libc, "malloc_trim"),
			    __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&private_lock);
	return h;
}

void
libs_release_private(void)
{
	int (*trim)(size_t) = __atomic_load_n(&private_trim, __ATOMIC_ACQUIRE);

	if (trim != NULL)
		(void)trim(0);
}
