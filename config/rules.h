/*
 * rules.h - the contract between rules files, the shim and the launcher.
 * Loading turns files into a rules_set; selecting compiles the part that
 * applies to one program into a read-only rules_policy; matching is pure.
 * Nothing here knows about sockets, processes or the operating system.
 */
#ifndef BINDIF_RULES_H
#define BINDIF_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RULES_IFNAMSIZ 16 /* IFNAMSIZ on Linux and macOS, NUL included */

enum rules_action {
	RULES_PASS = 0,  /* leave it to the routing table */
	RULES_BIND = 1,  /* send it out of an interface */
	RULES_REJECT = 2 /* fail the call with an errno */
};

/* Protocol classes as a bit mask; a rule's mask of 0 would match nothing,
 * so "any" is all bits. */
enum rules_proto {
	RULES_PROTO_TCP = 1u << 0,
	RULES_PROTO_UDP = 1u << 1,
	RULES_PROTO_ICMP = 1u << 2,
	RULES_PROTO_RAW = 1u << 3, /* raw sockets other than ICMP */
	RULES_PROTO_ANY = 0xfu
};

/* Why a verdict was reached; --explain and the shim's log print it. */
enum rules_reason {
	RULES_BY_RULE,     /* an entry of a rules = (...) list */
	RULES_BY_EXCLUDE,  /* an exclude = [...] entry */
	RULES_BY_DEFAULT,  /* the default interface (-i or interface =) */
	RULES_BY_NOTHING,  /* no rule and no default interface: pass */
	RULES_BY_LOOPBACK, /* 127/8, ::1, unspecified: always pass */
	RULES_BY_SPECIAL   /* link-local/multicast/broadcast not named by a rule
	                    */
};

struct rules_query {
	int family;       /* 4 or 6; a v4-mapped v6 address is asked as 4 */
	uint8_t addr[16]; /* network order; first 4 bytes for family 4 */
	uint16_t port;    /* host order; 0 when the protocol has none */
	unsigned proto;   /* exactly one RULES_PROTO_* bit */
};

struct rules_verdict {
	enum rules_action action;
	enum rules_reason reason;
	unsigned iface;   /* BIND: slot in rules_policy_iface(); 0 = default */
	int err;          /* REJECT: positive errno */
	const char *file; /* where the deciding line is; NULL for built-ins */
	int line;
};

/* One parse problem. Loading collects all of them, in file order. */
struct rules_error {
	char *file; /* NULL when the problem is not in a file (e.g. a directory)
	             */
	int line;   /* 0 when not known */
	char *msg;
};

struct rules_errors {
	struct rules_error *v;
	size_t n;
};

/* An error as people read it: "file:line: msg", "file: msg" when it is
 * the whole file's, or "msg". */
void rules_error_text(const struct rules_error *, char *buf, size_t len);

struct rules_set;    /* every file that was loaded */
struct rules_policy; /* what applies to one program, compiled */

/*
 * Loads a file, or every "*.conf" file of a directory in name order.
 * Returns the set (possibly partial) or NULL on allocation failure; problems
 * are appended to errs, and a set with problems must not be used.
 */
struct rules_set *rules_load(const char *path, struct rules_errors *errs);
/*
 * The same, with each file's text from m->map when it gives one (its len
 * bytes followed by a NUL; NULL: read the file as rules_load does), handed
 * back to m->unmap after. The launcher maps its files: a 100,000-CIDR list
 * is 3 MB it would otherwise copy into fresh memory at every cold start.
 */
struct rules_mapper {
	const char *(*map)(const char *path, size_t *len);
	void (*unmap)(const char *text, size_t len);
};
struct rules_set *rules_load_mapped(const char *path,
    const struct rules_mapper *m, struct rules_errors *errs);
/* Loads from a string, as if read from a file called name (tests, fuzzing). */
struct rules_set *rules_load_string(const char *text, const char *name,
    struct rules_errors *errs);
void rules_set_free(struct rules_set *);
void rules_errors_free(struct rules_errors *);

/*
 * Every interface name the set mentions, with where, so the launcher can
 * reject unknown ones as file:line. Calls fn until it returns non-zero.
 */
int rules_set_each_iface(const struct rules_set *,
    int (*fn)(void *arg, const char *ifname, const char *file, int line),
    void *arg);

/*
 * Compiles the part of the set that applies to a program, in this order:
 * files whose program = names it (a base name matches base names of exe or
 * argv0, a path matches them exactly), each in name order, its rules then
 * its exclude list; then the first of those files' interface =, binding
 * all but link-local, multicast and broadcast; then files without
 * program = likewise, then theirs. default_iface (may be NULL) names the
 * interface in place of every interface =, where each stands, and binds
 * after all files when none has one.
 * set may be NULL: then only default_iface applies.
 * On failure returns NULL and writes a reason into why.
 */
struct rules_policy *rules_select(const struct rules_set *set, const char *exe,
    const char *argv0, const char *default_iface, char *why, size_t whylen);
void rules_policy_free(struct rules_policy *);

/* Interface slots of a policy: slot 0 is the default (may be ""). */
size_t rules_policy_nifaces(const struct rules_policy *);
const char *rules_policy_iface(const struct rules_policy *, unsigned slot);

/*
 * A policy that binds with no interface to bind to (a rule with action
 * "bind" and no interface =, with no default) is an error; the launcher
 * reports it. Returns true and fills file/line when there is one.
 */
bool rules_policy_unbound_bind(const struct rules_policy *, const char **file,
    int *line);

/* The decision for one destination. Pure and thread-safe on a policy. */
void rules_match(const struct rules_policy *, const struct rules_query *,
    struct rules_verdict *);

/*
 * DNS servers for lookups through the interface, as a comma list of
 * addresses ("192.0.2.53,2001:db8::53"): dns = of the first applicable
 * file that has one. NULL when none says.
 */
const char *rules_policy_dns(const struct rules_policy *);

/* mark = of the first applicable file that has one (the firewall mark of
 * bound sockets, bindif --mark); 0 when none says. */
unsigned rules_policy_mark(const struct rules_policy *);

/*
 * A compiled policy is one block of bytes without pointers (an image):
 * rules_policy_image gives the policy's own (valid while it lives), and
 * rules_image_open reads one in place, from the heap or from a read-only
 * mapping, touching only the pages lookups visit. Opening checks every
 * size, offset and index, so a corrupt image is refused (NULL, why filled),
 * never read out of bounds. img must be 8-byte aligned and outlive the
 * policy; rules_policy_free then frees only the view.
 */
size_t rules_policy_image(const struct rules_policy *, const void **img);
struct rules_policy *rules_image_open(const void *img, size_t len, char *why,
    size_t whylen);

/*
 * A bundle: what the launcher hands the shim. The policies of a set for
 * every group of per-app files one program name selects (and for the
 * programs named in progs, as exe/argv0 pairs), compiled with default_iface,
 * plus every file's program = list, so a process can find its own group.
 * A heap block (*out, *len), or -1 and why. The token (RULES_TOKEN_LEN
 * bytes, zero when built) lets a reader tell its bundle from any other.
 */
#define RULES_TOKEN_LEN 16
#define RULES_BUNDLE_MAX 64 /* policies at most: the others parse again */
#define RULES_BUNDLE_BYTES ((size_t)16 << 20) /* and about this size */
struct rules_prog {
	const char *exe, *argv0;
};
int rules_bundle_build(const struct rules_set *, const char *default_iface,
    const struct rules_prog *progs, size_t nprogs, void **out, size_t *len,
    char *why, size_t whylen);
/*
 * Where rules_bundle_build_in grows its block instead of the heap:
 * resize(arg, old, oldlen, len) as realloc (old NULL: a new block; NULL
 * back: out of memory, old kept), and len 0 frees. The launcher's is the
 * memfd it hands over: the bundle is built where the command maps it.
 */
struct rules_store {
	void *(*resize)(void *arg, void *old, size_t oldlen, size_t len);
	void *arg;
};
int rules_bundle_build_in(const struct rules_set *, const char *default_iface,
    const struct rules_prog *progs, size_t nprogs,
    const struct rules_store *store, void **out, size_t *len, char *why,
    size_t whylen);
void rules_bundle_set_token(void *bundle, size_t len,
    const uint8_t token[RULES_TOKEN_LEN]);
/*
 * The policy of a bundle for the program exe/argv0 under default_iface
 * (NULL: none), opened in place; token NULL skips that check. NULL, with
 * why, when the bundle is not valid or not for this token or interface, or
 * holds no policy for the program's group of files: then parse instead.
 */
struct rules_policy *rules_bundle_select(const void *bundle, size_t len,
    const uint8_t *token, const char *exe, const char *argv0,
    const char *default_iface, char *why, size_t whylen);

/* Whether a directory entry is a rules file rules_load reads ("*.conf"). */
bool rules_is_conf_name(const char *name);

/* Names for messages: "bind", "tcp", "rule", ... */
const char *rules_action_name(enum rules_action);
const char *rules_proto_name(unsigned proto);
const char *rules_reason_name(enum rules_reason);

#endif
