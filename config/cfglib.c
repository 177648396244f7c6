/*
 * cfglib.c - libconfig as linked into the program: the launcher's (and the
 * tools') provider of cfglib.h. The shim's is shim/libs.c.
 */
#include "cfglib.h"

static const struct cfglib linked = {
	config_init,
	config_destroy,
	config_read_string,
	config_set_include_dir,
	config_setting_length,
	config_setting_get_elem,
	config_setting_get_int64,
	config_setting_get_string,
};

const struct cfglib *
cfglib(char *why, size_t whylen)
{
	(void)why;
	(void)whylen;
	return &linked;
}
