/*
 * checks.c - everything about the rules that must hold before the command
 * runs: where they are, that they parse, and that every interface they
 * name exists. All problems are reported, one line each, as file:line.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "launcher.h"

static bool
exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

const char *
checks_rules_path(const struct opts *o, const char *xdg, const char *home,
    char *buf, size_t len, char *why, size_t whylen)
{
	if (o->rules != NULL)
		return o->rules;
	if (o->iface != NULL)
		return NULL; /* -i alone needs no rules */
	int n = 0;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/bindif", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(buf, len, "%s/.config/bindif", home);
	else
		buf[0] = '\0';
	if (n < 0 || (size_t)n >= len) {
		snprintf(why, whylen, "configuration path too long");
		return NULL;
	}
	if (buf[0] != '\0' && exists(buf))
		return buf;
	if (exists("/etc/bindif")) {
		snprintf(buf, len, "/etc/bindif");
		return buf;
	}
	snprintf(why, whylen,
	    "nothing to do: give -i IFACE or -c FILE "
	    "(no rules in %s or /etc/bindif)",
	    buf[0] ? buf : "~/.config/bindif");
	return NULL;
}

int
checks_iface(const char *ifname, const char *file, int line,
    void (*report)(const char *line))
{
	char why[700], msg[1200];

	if (iface_exists(ifname, why, sizeof(why)) == 0)
		return 0;
	snprintf(msg, sizeof(msg), "%s:%d: %s", file, line, why);
	report(msg);
	return 1;
}

struct iface_ctx {
	void (*report)(const char *line);
	int problems;
};

static int
check_iface(void *arg, const char *ifname, const char *file, int line)
{
	struct iface_ctx *ctx = arg;

	ctx->problems += checks_iface(ifname, file, line, ctx->report);
	return 0;
}

struct load_job {
	const char *path;
	struct rules_errors *errs;
	struct rules_set *set;
};

static void
load_mapped(void *arg)
{
	static const struct rules_mapper mapper = { lplat_map_text,
		lplat_unmap_text };
	struct load_job *j = arg;

	j->set = rules_load_mapped(j->path, &mapper, j->errs);
}

struct rules_set *
checks_rules(const char *path, void (*report)(const char *line), int *problems)
{
	struct rules_errors errs = { 0 };
	struct load_job job = { path, &errs, NULL };
	struct rules_set *set;
	struct iface_ctx ctx = { report, 0 };
	char msg[1200];
	size_t i;

	if (lplat_guarded(load_mapped, &job) < 0) {
		snprintf(msg, sizeof(msg),
		    "%s: changed while it was read; run "
		    "again",
		    path);
		report(msg);
		*problems = 1;
		return NULL;
	}
	set = job.set;

	for (i = 0; i < errs.n; i++) {
		rules_error_text(&errs.v[i], msg, sizeof(msg));
		report(msg);
	}
	*problems = (int)errs.n;
	rules_errors_free(&errs);
	if (set == NULL) {
		if (*problems == 0) {
			snprintf(msg, sizeof(msg), "%s: out of memory", path);
			report(msg);
			*problems = 1;
		}
		return NULL;
	}
	if (*problems == 0)
		rules_set_each_iface(set, check_iface, &ctx);
	*problems += ctx.problems;
	if (*problems > 0) {
		rules_set_free(set);
		return NULL;
	}
	return set;
}
