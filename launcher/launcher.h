/*
 * launcher.h - the launcher's modules: options, checks, environment. Each
 * returns a status and fills a why buffer; only main.c prints and exits.
 */
#ifndef BINDIF_LAUNCHER_H
#define BINDIF_LAUNCHER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/socket.h>

#include "../config/rules.h"

/* Exit statuses of env(1) and timeout(1). */
#define EXIT_OURS 125
#define EXIT_CANNOT_RUN 126
#define EXIT_NOT_FOUND 127

struct opts {
	const char *iface; /* -i, NULL if not given */
	const char *rules; /* -c FILE|DIR */
	char dns[256];	   /* --dns, every one given, comma separated */
	bool verbose;
	bool help, version;
	bool list, check;      /* --list, --check: no command */
	const char *explain;   /* --explain DEST: no command */
	const char *program;   /* --program NAME, for --explain */
	bool force;	       /* --force: run what the shim cannot enter */
	bool kernel;	       /* --kernel: bind in the kernel (Linux, root) */
	int argc; /* the command, argv[0] is its name */
	char **argv;
};

/* opts.c: 0, or -1 with a one-line reason. */
int opts_parse(int argc, char **argv, struct opts *o, char *why, size_t len);
void opts_usage(FILE *to);

/* target.c: resolves a command as execvp would; 0, or an exit status
 * (126/127) with a reason. out gets the path to exec. */
int target_resolve(const char *cmd, const char *path_env, char *out,
    size_t outlen, char *why, size_t whylen);

/* iface.c: 0 if the interface can carry traffic, else -1 and why. */
int iface_check(const char *name, char *why, size_t len);
/* 0 if it exists; -1 and why (listing what does) otherwise. */
int iface_exists(const char *name, char *why, size_t len);
/* "auto": the physical uplink, IPv4's, else IPv6's (name6 gets IPv6's,
 * "" when none). 0, or -1 and why. */
int iface_auto(char *name, size_t len, char *name6, size_t len6, char *why,
    size_t whylen);
/* name itself, or for "auto" what it stands for now (buf). */
const char *iface_real_name(const char *name, char *buf, size_t len);

/* checks.c: the rules file or directory to use, from -c, -i and the
 * default places; NULL when there is none (why says where it looked). */
const char *checks_rules_path(const struct opts *o, const char *xdg,
    const char *home, char *buf, size_t len, char *why, size_t whylen);

/* Loads and validates rules; problems go to report() one per line.
 * Returns the set or NULL when there was any problem. */
struct rules_set *checks_rules(const char *path,
    void (*report)(const char *line), int *problems);

/* explain.c: --explain. Parses DEST[:PORT][/PROTO] (tcp when none). */
struct sockaddr_storage;
int explain_parse(const char *text, struct sockaddr_storage *ss,
    socklen_t *sslen, unsigned *proto, char *why, size_t whylen);
/* Prints the decision line for dest, as the shim would decide it for
 * program (NULL: general files only) with default interface iface. */
int explain(const struct rules_set *set, const char *program,
    const char *iface, const char *dest, FILE *out, char *why,
    size_t whylen);

/* env.c: the LD_PRELOAD value with the shim appended (once). */
char *env_preload(const char *existing, const char *shim);

/* plat_<os>.c: the running launcher's own executable, resolved. */
int lplat_self_exe(char *buf, size_t len);
/* Hands freed heap back to the system: bindif waits for the command, and
 * the heap a large rules file grew would stay resident all that time. */
void lplat_release_memory(void);
/* The preload variable of the OS and the shim's file name. */
extern const char lplat_preload_var[];
extern const char lplat_shim_name[];

#endif
