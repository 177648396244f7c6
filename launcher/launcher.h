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
	char dns[256];     /* --dns, every one given, comma separated */
	bool verbose;
	bool help, version;
	bool list, check;     /* --list, --check: no command */
	const char *explain;  /* --explain DEST: no command */
	const char *program;  /* --program NAME, for --explain */
	bool force;           /* --force: run what the shim cannot enter */
	bool kernel;          /* --kernel: bind in the kernel (Linux, root) */
	bool supervise;       /* --supervise: bind by seccomp notifications */
	unsigned mark;        /* --mark: SO_MARK of bound sockets, 0: none */
	bool mark_from_rules; /* mark came from the rules' mark = */
	int argc;             /* the command, argv[0] is its name */
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

/* Reports (file:line: reason) an interface that does not exist; 1 if it
 * does not, else 0. */
int checks_iface(const char *ifname, const char *file, int line,
    void (*report)(const char *line));

/*
 * cache.c: the rules as the launcher has them: parsed, or taken from the
 * cache of what an earlier run compiled from the same, unchanged files
 * ($XDG_CACHE_HOME/bindif/, see cache_dir). Either way every check that
 * concerns the running system (the interfaces) is made again.
 */
struct lrules {
	const char *path;  /* the rules file or directory, as given */
	const char *iface; /* -i, compiled into the policies */
	void (*report)(const char *line);
	struct rules_set *set; /* parsed; NULL when from the cache */
	void *bundle;          /* the compiled policies (rules_bundle_build) */
	size_t bundle_len;
	/* Compiled here, in the hand-off descriptor policy_fd, mapped
	 * (policy_map bytes). False (as zeroed): the bundle is on the heap
	 * or in the cache's bytes, and policy_fd means nothing. */
	bool in_policy;
	int policy_fd;
	size_t policy_map;
	char *file;   /* the cache file; NULL: no cache */
	char *key;    /* the files' identity when they were read */
	char *cache;  /* a cache file's bytes (bundle points into it) */
	char *checks; /* its interfaces: "line name file\n" each */
	bool from_cache;
	int *problems; /* lrules_load's count, while it checks */
};

/* The cache directory from $XDG_CACHE_HOME and $HOME; NULL when neither. */
const char *cache_dir(const char *xdg, const char *home, char *buf, size_t len);

/* Loads the rules of path, from the cache in dir when it holds them
 * (dir NULL: always parse). Problems go to report, one per line, and
 * *problems counts them; 0, or -1 when there was any. */
int lrules_load(struct lrules *r, const char *path, const char *iface,
    const char *dir, void (*report)(const char *line), int *problems);
/* Every interface the rules name, with where (rules_set_each_iface). */
int lrules_each_iface(const struct lrules *r,
    int (*fn)(void *arg, const char *ifname, const char *file, int line),
    void *arg);
/* The policy for the command exe run as argv0: compiles the bundle and
 * writes the cache after a parse. NULL with why on failure, or when the
 * rules changed into something bad (then reported, *problems set). */
struct rules_policy *lrules_policy(struct lrules *r, const char *exe,
    const char *argv0, char *why, size_t whylen);
void lrules_free(struct lrules *r);

/* handoff.c: the bundle, in a sealed descriptor the command inherits;
 * env gets BINDIF_POLICY's value "fd:token". 0, or -1 with why. */
int handoff(struct lrules *r, char *env, size_t envlen, char *why,
    size_t whylen);

/* explain.c: --explain. Parses DEST[:PORT][/PROTO] (tcp when none). */
struct sockaddr_storage;
int explain_parse(const char *text, struct sockaddr_storage *ss,
    socklen_t *sslen, unsigned *proto, char *why, size_t whylen);
/* Prints the decision line for dest, as the shim would decide it for
 * program (NULL: general files only) with default interface iface; for a
 * system resolver's port 53, a second line on where the program's own
 * query goes instead (dns: --dns's list, "" when none). */
int explain(const struct rules_set *set, const char *program, const char *iface,
    const char *dns, const char *dest, FILE *out, char *why, size_t whylen);

/* env.c: the LD_PRELOAD value with the shim appended (once). */
char *env_preload(const char *existing, const char *shim);

/* plat_<os>.c: the running launcher's own executable, resolved. */
int lplat_self_exe(char *buf, size_t len);
/* len random bytes; 0 or -1. */
int lplat_random(void *buf, size_t len);
/* A file for the policy hand-off, not close-on-exec, above 2; then sealed
 * against change where the OS can. fd / 0, or -1 with why. */
int lplat_policy_fd(char *why, size_t whylen);
/* Its contents mapped writable, grown or shrunk to len bytes (a
 * rules_store's resize: old NULL maps, len 0 unmaps); NULL on failure. */
void *lplat_policy_resize(int fd, void *old, size_t oldlen, size_t len);
/* Appends len bytes of file src from off to it, inside the kernel where
 * it can. 0 or -1. */
int lplat_policy_fill(int fd, int src, off_t off, size_t len);
int lplat_policy_seal(int fd, char *why, size_t whylen);
/* "dev ino size mtime ctime" of a file, nanoseconds included. */
struct stat;
void lplat_file_id(FILE *to, const struct stat *st);
/*
 * A rules file's text mapped (len bytes, then a NUL), or NULL to read it
 * instead; only inside lplat_guarded, which runs fn(arg) and returns -1
 * if a file mapped meanwhile shrank under it (the mapping is undone; what
 * fn built is left), 0 otherwise.
 */
const char *lplat_map_text(const char *path, size_t *len);
void lplat_unmap_text(const char *text, size_t len);
int lplat_guarded(void (*fn)(void *), void *arg);

/*
 * ifdns_<os>.c: an interface's DNS servers where the shim cannot read
 * them itself, as BINDIF_IFACE_DNS's value (dnsconf_hand_format) in buf;
 * 0, or -1 with buf "" when there is nothing to hand down (on Linux the
 * shim reads the files that record them).
 */
int ifdns_collect(const char *ifname, char *buf, size_t len);

#endif
