/*
 * children.c - see children.h. Everything here but child_capture runs in
 * the exec hooks, possibly in a vfork child sharing the parent's memory:
 * no heap, no lock, no stdio; the caller's room only.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "children.h"

/*
 * The settings travel as one group. A child's environment with none of
 * them (env -i, sudo's env_reset) gets all this process started with; one
 * with any of them was given its settings on purpose (a nested bindif,
 * whose choice wins, unset ones included) and is left as it is.
 */
const struct child_setting child_settings[] = {
	{ "BINDIF_INTERFACE", true },
	{ "BINDIF_DEFAULT", true }, /* the interface for tools' options */
	{ "BINDIF_AUTO", true },
	{ "BINDIF_VERBOSE", true },
	{ "BINDIF_FORCE", true },
	{ "BINDIF_KERNEL", true },
	{ "BINDIF_RULES", false },     /* a path */
	{ "BINDIF_LOG", false },       /* a path */
	{ "BINDIF_DNS", false },       /* servers: secure mode ignores them */
	{ "BINDIF_IFACE_DNS", false }, /* the interface's, found for us */
	/* The compiled rules' descriptor: where the child still has it open
	 * it spares the parse; secure mode ignores it. BINDIF_HANDSHAKE is
	 * not here: it names a pipe for the command alone. */
	{ "BINDIF_POLICY", false },
	{ NULL, false },
};

static char *const no_strings[] = { NULL };

/* The value of name in env, or NULL. */
static const char *
env_value(char *const *env, const char *name)
{
	size_t n = strlen(name);

	for (; *env != NULL; env++)
		if (strncmp(*env, name, n) == 0 && (*env)[n] == '=')
			return *env + n + 1;
	return NULL;
}

static bool
env_set(char *const *env, const char *name)
{
	const char *v = env_value(env, name);

	return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static size_t
count(char *const *v)
{
	size_t n = 0;

	while (v[n] != NULL)
		n++;
	return n;
}

/* The entry of value naming the shim (by base name): its start, length. */
static const char *
find_shim(const char *value, const char *shim_name, bool darwin, size_t *len)
{
	/* glibc's loader splits on ':' and spaces; dyld on ':' only, and
	 * macOS paths have spaces ("Application Support"). */
	const char *seps = darwin ? ":" : ": ";
	size_t want = strlen(shim_name);

	while (*value != '\0') {
		size_t n = strcspn(value, seps);
		const char *base = value + n;

		while (base > value && base[-1] != '/')
			base--;
		if ((size_t)(value + n - base) == want &&
		    strncmp(base, shim_name, want) == 0) {
			*len = n;
			return value;
		}
		value += n;
		if (*value != '\0')
			value++;
	}
	return NULL;
}

static char *
join(const char *a, const char *b, size_t blen)
{
	size_t alen = strlen(a);
	char *s = malloc(alen + blen + 1);

	if (s != NULL) {
		memcpy(s, a, alen);
		memcpy(s + alen, b, blen);
		s[alen + blen] = '\0';
	}
	return s;
}

/*
 * Secure mode (setuid, setgid, file capabilities): whoever set this
 * environment may be the attacker, and the program's own job may be to
 * keep it from its children (sudo's env_reset, su -). So nothing that
 * names a file is copied on: not BINDIF_RULES or BINDIF_LOG (a root child
 * would parse or append to a file of the user's choice), not the server
 * list, and not the preload variable as it was written: an entry there
 * could be any library, and a child that is not in secure mode (sudo's
 * root shell) would load it. What is already trusted is the shim itself,
 * as the loader loaded it: in secure mode the loader takes only libraries
 * from the system's own directories marked for it (or /etc/ld.so.preload),
 * so the path the caller found for this very object is the
 * administrator's. Interface names and flags are copied: they choose
 * where traffic goes, which the user may choose anyway, not what runs.
 */
int
child_capture(struct child_start *s, char *const *env, bool secure,
    const char *shim_path, const char *prog)
{
	const char *preload_var = s->preload_var, *value, *entry;
	const struct child_setting *c;
	size_t n = 0, len;
	char *eq;

	s->prog = "bindif";
	s->vars = (char **)no_strings;
	s->shim_path = s->judge_entry = NULL;
	if (env == NULL)
		env = no_strings;
	if ((eq = strdup(prog)) == NULL)
		goto nomem;
	s->prog = eq;
	if ((s->vars = calloc(sizeof(child_settings) / sizeof(*c),
	         sizeof(char *))) == NULL)
		goto nomem;
	for (c = child_settings; c->name != NULL; c++) {
		if (secure && !c->secure)
			continue;
		if ((value = env_value(env, c->name)) == NULL)
			continue;
		if ((s->vars[n] = strdup(value - strlen(c->name) - 1)) == NULL)
			goto nomem;
		n++;
	}
	value = env_value(env, preload_var);
	if (value == NULL ||
	    (entry = find_shim(value, s->shim_name, s->darwin, &len)) == NULL)
		return 0; /* not preloaded by the variable: left alone */
	/* Outside secure mode the whole value comes back, as the process
	 * got it: a runtime that must precede the shim (ASan's) would
	 * otherwise keep the child from starting. */
	if (secure) {
		if (shim_path == NULL)
			return 0;
		entry = shim_path;
		len = strlen(shim_path);
		value = shim_path;
	}
	if ((eq = join(preload_var, "=", 1)) == NULL)
		goto nomem;
	s->shim_path = join("", entry, len);
	s->judge_entry = join(eq, value, strlen(value));
	free(eq);
	if (s->shim_path == NULL || s->judge_entry == NULL)
		goto nomem;
	return 0;
nomem:
	s->vars = (char **)no_strings;
	s->shim_path = s->judge_entry = NULL;
	return -ENOMEM;
}

void
child_forget(struct child_start *s)
{
	size_t i;

	if (s->vars != no_strings) {
		for (i = 0; s->vars[i] != NULL; i++)
			free(s->vars[i]);
		free(s->vars);
	}
	if (strcmp(s->prog, "bindif") != 0)
		free((char *)s->prog);
	free((char *)s->shim_path);
	free((char *)s->judge_entry);
	s->vars = (char **)no_strings;
	s->prog = "bindif";
	s->shim_path = s->judge_entry = NULL;
}

void
child_room(const struct child_start *s, char *const *argv, char *const *envp,
    struct child_room *r)
{
	const char *pre;

	if (argv == NULL)
		argv = no_strings;
	if (envp == NULL)
		envp = no_strings;
	r->argv = count(argv) + 3;
	r->envp = count(envp) + count(s->vars) + 2;
	r->bytes = 1;
	pre = env_value(envp, s->preload_var);
	if (pre != NULL && s->shim_path != NULL)
		r->bytes = strlen(s->preload_var) + 1 + strlen(pre) + 1 +
		    strlen(s->shim_path) + 1;
}

static bool
any_setting(char *const *env)
{
	const struct child_setting *c;

	for (c = child_settings; c->name != NULL; c++)
		if (env_value(env, c->name) != NULL)
			return true;
	return false;
}

/*
 * The environment the child gets: whether it differs from envp, and
 * (room not NULL) the new one in room. *bound: the child will have
 * settings that bind it.
 */
static bool
child_env(const struct child_start *s, char *const *envp, char **room,
    char *bytes, bool *bound)
{
	bool add_vars = !any_setting(envp) && s->vars[0] != NULL;
	char *const *settings = add_vars ? s->vars : envp;
	const char *pre = env_value(envp, s->preload_var);
	bool add_pre, fix_pre, fixed = false;
	size_t n = 0, i, len, vlen = strlen(s->preload_var);

	*bound = env_set(settings, "BINDIF_INTERFACE") ||
	    env_value(settings, "BINDIF_RULES") != NULL;
	add_pre = *bound && s->shim_path != NULL && pre == NULL;
	fix_pre = *bound && s->shim_path != NULL && pre != NULL &&
	    find_shim(pre, s->shim_name, s->darwin, &len) == NULL;
	if (room == NULL || !(add_vars || add_pre || fix_pre))
		return add_vars || add_pre || fix_pre;
	for (i = 0; envp[i] != NULL; i++) {
		room[n] = envp[i];
		if (fix_pre && !fixed &&
		    strncmp(envp[i], s->preload_var, vlen) == 0 &&
		    envp[i][vlen] == '=') {
			/* Appended, as the launcher does: a sanitizer
			 * runtime stays first. */
			len = strlen(envp[i]);
			memcpy(bytes, envp[i], len);
			if (envp[i][vlen + 1] != '\0')
				bytes[len++] = ':';
			strcpy(bytes + len, s->shim_path);
			room[n] = bytes;
			fixed = true;
		}
		n++;
	}
	for (i = 0; add_vars && s->vars[i] != NULL; i++)
		room[n++] = s->vars[i];
	if (add_pre)
		room[n++] = (char *)s->judge_entry;
	room[n] = NULL;
	return true;
}

bool
child_env_needed(const struct child_start *s, char *const *envp, bool *bound)
{
	return child_env(s, envp != NULL ? envp : no_strings, NULL, NULL,
	    bound);
}

/* The interface a tool's own option gets: the launcher's resolved
 * default, else the -i name. */
static const char *
tool_iface(char *const *env)
{
	const char *v = env_value(env, "BINDIF_DEFAULT");

	if (v == NULL || v[0] == '\0')
		v = env_value(env, "BINDIF_INTERFACE");
	if (v != NULL && strcmp(v, "auto") == 0)
		v = env_value(env, "BINDIF_AUTO");
	return v != NULL && v[0] != '\0' ? v : NULL;
}

bool
child_plan_env(const struct child_start *s, char *const *envp, char **envp_room,
    char *bytes, struct child_plan *p)
{
	bool bound;

	if (envp == NULL)
		envp = no_strings;
	memset(p, 0, sizeof(*p));
	p->action = CHILD_RUN;
	p->envp =
	    child_env(s, envp, envp_room, bytes, &bound) ? envp_room : envp;
	return bound;
}

void
child_plan_exec(const struct child_start *s, const char *path,
    enum judge_verdict v, char *const *argv, char **argv_room,
    struct child_plan *p)
{
	char *const *env = p->envp;
	bool already;
	const char *opt;

	if (argv == NULL)
		argv = no_strings;
	p->argv = argv;
	if (v == JUDGE_OK || v == JUDGE_NOT_ELF || v == JUDGE_BINDIF)
		return;
	p->reason = judge_reason(v);
	opt = judge_tool_option(path, argv, s->darwin, &already);
	p->iface = tool_iface(env);
	if (opt != NULL && p->iface != NULL && argv[0] != NULL) {
		judge_argv_with(argv_room, argv, count(argv), opt, p->iface);
		p->argv = argv_room;
		p->opt = opt;
		p->action = CHILD_TRANSLATED;
		return;
	}
	if (already)
		return; /* its own option, given, binds it */
	/* Kernel mode's cgroup holds every descendant: bound there. */
	if ((v == JUDGE_STATIC || v == JUDGE_GO) &&
	    env_set(env, "BINDIF_KERNEL"))
		return;
	if (env_set(env, "BINDIF_FORCE")) {
		p->action = CHILD_FORCED;
		return;
	}
	p->action = CHILD_REFUSE;
	p->advice = judge_advice(v, s->root);
}

int
child_path_next(const char **cursor, const char *file, char *buf, size_t len)
{
	const char *p = *cursor, *end;
	size_t dirlen, flen = strlen(file);

	if (p == NULL)
		return 0;
	end = strchr(p, ':');
	dirlen = end != NULL ? (size_t)(end - p) : strlen(p);
	*cursor = end != NULL ? end + 1 : NULL;
	if (dirlen + 1 + flen + 1 > len)
		return -1;
	memcpy(buf, p, dirlen);
	/* An empty element means the current directory. */
	if (dirlen > 0)
		buf[dirlen++] = '/';
	memcpy(buf + dirlen, file, flen + 1);
	return 1;
}

static const char *const line_parts[] = { "bindif[", ":", "]: exec ", ": ",
	"; ", "\n" };

size_t
child_line_len(const char *prog, const char *path, const char *reason,
    const char *const *tail)
{
	size_t n = strlen(prog) + strlen(path) + strlen(reason) + 20, i;

	for (i = 0; i < sizeof(line_parts) / sizeof(*line_parts); i++)
		n += strlen(line_parts[i]);
	for (; *tail != NULL; tail++)
		n += strlen(*tail);
	return n + 1;
}

static size_t
put(char *buf, size_t at, const char *s)
{
	size_t n = strlen(s);

	memcpy(buf + at, s, n);
	return at + n;
}

size_t
child_line(char *buf, const char *prog, long pid, const char *path,
    const char *reason, const char *const *tail)
{
	char digits[24];
	size_t n = 0, d = sizeof(digits) - 1;
	unsigned long u = pid < 0 ? 0 : (unsigned long)pid;

	digits[d] = '\0';
	do
		digits[--d] = (char)('0' + u % 10);
	while ((u /= 10) != 0 && d > 0);
	n = put(buf, n, line_parts[0]);
	n = put(buf, n, prog);
	n = put(buf, n, line_parts[1]);
	n = put(buf, n, digits + d);
	n = put(buf, n, line_parts[2]);
	n = put(buf, n, path);
	n = put(buf, n, line_parts[3]);
	n = put(buf, n, reason);
	n = put(buf, n, line_parts[4]);
	for (; *tail != NULL; tail++)
		n = put(buf, n, *tail);
	n = put(buf, n, line_parts[5]);
	buf[n] = '\0';
	return n;
}
