/*
 * cfglib.h - the libconfig functions the loader calls, through a table: the
 * launcher links libconfig in (config/cfglib.c); the shim loads it only
 * when a process parses a rules file itself (shim/libs.c), which one that
 * the launcher hands compiled rules never does. Private to config/ and
 * its two providers.
 */
#ifndef BINDIF_CFGLIB_H
#define BINDIF_CFGLIB_H

#include <libconfig.h>
#include <stddef.h>

struct cfglib {
	__typeof__(config_init) *init;
	__typeof__(config_destroy) *destroy;
	__typeof__(config_read_string) *read_string;
	__typeof__(config_set_include_dir) *set_include_dir;
	__typeof__(config_setting_length) *length;
	__typeof__(config_setting_get_elem) *get_elem;
	__typeof__(config_setting_get_int64) *get_int64;
	__typeof__(config_setting_get_string) *get_string;
};

/* The table; NULL with the reason in why when libconfig cannot be had. */
const struct cfglib *cfglib(char *why, size_t whylen);

#endif
