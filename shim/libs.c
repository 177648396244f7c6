/*
 * libs.c - opens libconfig and c-ares on first use (libs.h says why) and
 * fills their tables: the shim's provider of cfglib.h, and libs_cares().
 * The names are the ones the build linked against (BINDIF_LIBCONFIG,
 * BINDIF_LIBCARES), found as the loader finds a library it needs, and
 * opened apart from the program's own copies (libs_open_private).
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../config/cfglib.h"
#include "libs.h"

/* A function a table needs: its name in the library, and its place. */
struct sym {
	const char *name;
	size_t at;
};

/* A library, opened at most once per process, and what came of it. */
struct lib {
	const char *file;
	const struct sym *syms;
	size_t nsyms;
	void *table;
	bool ok;
	char why[256];
};

static void
open_lib(struct lib *l)
{
	void *h, *f;
	size_t i;

	/* Apart from the program (libs_linux.c says why). Never closed: the
	 * table points into it for the rest of the process. */
	if ((h = libs_open_private(l->file, l->why, sizeof(l->why))) == NULL)
		return;
	for (i = 0; i < l->nsyms; i++) {
		if ((f = dlsym(h, l->syms[i].name)) == NULL) {
			snprintf(l->why, sizeof(l->why), "%s has no %s",
			    l->file, l->syms[i].name);
			return;
		}
		/* POSIX: dlsym's void * holds a function's address. */
		memcpy((char *)l->table + l->syms[i].at, &f, sizeof(f));
	}
	l->ok = true;
}

static const void *
lib_table(struct lib *l, pthread_once_t *once, void (*open)(void), char *why,
    size_t whylen)
{
	pthread_once(once, open);
	if (l->ok)
		return l->table;
	snprintf(why, whylen, "%s", l->why);
	return NULL;
}

#define SYM(type, member, name)                     \
	{                                           \
		name, offsetof(struct type, member) \
	}
#define NSYMS(v) (sizeof(v) / sizeof((v)[0]))

/* ---- libconfig ---- */

static const struct sym config_syms[] = {
	SYM(cfglib, init, "config_init"),
	SYM(cfglib, destroy, "config_destroy"),
	SYM(cfglib, read_string, "config_read_string"),
	SYM(cfglib, set_include_dir, "config_set_include_dir"),
	SYM(cfglib, length, "config_setting_length"),
	SYM(cfglib, get_elem, "config_setting_get_elem"),
	SYM(cfglib, get_int64, "config_setting_get_int64"),
	SYM(cfglib, get_string, "config_setting_get_string"),
};
static struct cfglib config_table;
static struct lib config_lib = { BINDIF_LIBCONFIG, config_syms,
	NSYMS(config_syms), &config_table, false, "" };
static pthread_once_t config_once = PTHREAD_ONCE_INIT;

static void
open_config(void)
{
	open_lib(&config_lib);
}

const struct cfglib *
cfglib(char *why, size_t whylen)
{
	return lib_table(&config_lib, &config_once, open_config, why, whylen);
}

/* ---- c-ares ---- */

#define CARES(f) SYM(cares, f, "ares_" #f)
static const struct sym cares_syms[] = {
	CARES(library_init),
	CARES(init_options),
	CARES(set_servers_ports),
	CARES(set_socket_functions),
	CARES(destroy),
	CARES(getsock),
	CARES(timeout),
	CARES(cancel),
	CARES(process_fd),
	CARES(freeaddrinfo),
	CARES(getaddrinfo),
	CARES(getnameinfo),
	CARES(query),
	CARES(search),
};
static struct cares cares_table;
static struct lib cares_lib = { BINDIF_LIBCARES, cares_syms, NSYMS(cares_syms),
	&cares_table, false, "" };
static pthread_once_t cares_once = PTHREAD_ONCE_INIT;

static void
open_cares(void)
{
	open_lib(&cares_lib);
	/* Its own set-up, once, with the library. */
	if (cares_lib.ok &&
	    cares_table.library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS) {
		snprintf(cares_lib.why, sizeof(cares_lib.why),
		    "%s: ares_library_init failed", cares_lib.file);
		cares_lib.ok = false;
	}
}

const struct cares *
libs_cares(char *why, size_t whylen)
{
	return lib_table(&cares_lib, &cares_once, open_cares, why, whylen);
}
