/*
 * children.h - what a wrapped program's children get: the settings this
 * process started with (put back when the program cleared them, as env -i
 * and sudo do) and, for a program the loader will not take the shim into,
 * its own interface option or a refusal. Pure: the hooks (hooks_exec.c)
 * bring the system's facts and the stack room; this decides.
 */
#ifndef BINDIF_CHILDREN_H
#define BINDIF_CHILDREN_H

#include <stdbool.h>
#include <stddef.h>

#include "../../common/judge.h"

/*
 * The variables that carry the settings, one line each. secure: fit to
 * copy from the environment of a secure-mode process (a name or a flag;
 * never a path or a server list). A new BINDIF_* setting belongs here.
 */
struct child_setting {
	const char *name;
	bool secure;
};
extern const struct child_setting child_settings[]; /* ends at name NULL */

/* What this process started with, captured once (child_capture). */
struct child_start {
	const char *prog;        /* for messages */
	const char *preload_var; /* "LD_PRELOAD" */
	const char *shim_name;   /* an entry of that base name is the shim */
	const char *shim_path;   /* appended to a preload variable without
	                          * the shim; NULL: the shim came another way
	                          * (/etc/ld.so.preload) and is left alone */
	const char *judge_entry; /* "LD_PRELOAD=..." for an environment
	                          * that has none (NULL with shim_path) */
	char **vars;             /* "NAME=value", NULL-terminated */
	bool darwin;             /* which tools' options (judge.c) */
	bool root;               /* effective uid 0 */
	bool verbose;            /* say what was done, once */
};

/*
 * Fills the rest of s (the caller set preload_var, shim_name, darwin, root
 * and verbose) from env, the process's environment at start. In secure
 * mode only what is fit for it is kept (see children.c), and shim_path
 * must be the file the loader really loaded. Copies all it keeps (the
 * program may rewrite its environment): 0, or -ENOMEM (nothing kept).
 */
int child_capture(struct child_start *s, char *const *env, bool secure,
    const char *shim_path, const char *prog);

/* Frees what child_capture kept: the shim keeps it for the process's
 * life; the tests release it. */
void child_forget(struct child_start *s);

/* The room child_plan needs: pointers for argv and envp, string bytes. */
struct child_room {
	size_t argv, envp, bytes;
};
void child_room(const struct child_start *s, char *const *argv,
    char *const *envp, struct child_room *r);

enum child_action {
	CHILD_RUN,        /* exec argv/envp; *note, when set, for -v */
	CHILD_TRANSLATED, /* the same, with the tool's own option added */
	CHILD_FORCED,     /* run unbound because of --force */
	CHILD_REFUSE      /* fail the exec with EPERM; say reason; advice */
};

struct child_plan {
	enum child_action action;
	char *const *argv, *const *envp;
	const char *reason, *advice; /* CHILD_TRANSLATED, _FORCED, _REFUSE */
	const char *opt, *iface;     /* CHILD_TRANSLATED */
};

/*
 * Plans an exec in two steps, so that the program is judged only when it
 * matters. First the child's environment (p->envp: envp itself when
 * nothing changes; else envp_room, with bytes for a rebuilt preload
 * variable): true when the child will be bound, then judge the program.
 * Then, from what that environment says (BINDIF_FORCE, BINDIF_KERNEL,
 * the interface for tools' options), argv and the action. The rooms are
 * the caller's, as large as child_room said.
 */
bool child_plan_env(const struct child_start *s, char *const *envp,
    char **envp_room, char *bytes, struct child_plan *p);
/* Whether child_plan_env would change envp (and *bound), without room:
 * most execs need none, and so no limit on their size. */
bool child_env_needed(const struct child_start *s, char *const *envp,
    bool *bound);
void child_plan_exec(const struct child_start *s, const char *path,
    enum judge_verdict v, char *const *argv, char **argv_room,
    struct child_plan *p);

/*
 * The candidates execvp(3) tries for file along path_env: 1 with the next
 * one in buf, 0 when there are no more, -1 for one longer than len (which
 * execvp skips too). *cursor starts at path_env.
 */
int child_path_next(const char **cursor, const char *file, char *buf,
    size_t len);

/*
 * One log line, "bindif[prog:pid]: exec PATH: REASON; TAIL\n", into buf
 * (child_line_len bytes); returns its length. No stdio: vfork children.
 */
size_t child_line_len(const char *prog, const char *path, const char *reason,
    const char *const *tail);
size_t child_line(char *buf, const char *prog, long pid, const char *path,
    const char *reason, const char *const *tail);

#endif
