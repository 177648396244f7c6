/*
 * state.c - builds the shim's settings from BINDIF_INTERFACE, BINDIF_POLICY
 * (the launcher's compiled rules), BINDIF_RULES and BINDIF_VERBOSE. Bad
 * settings never stop the program: they make every decision a reject (fail
 * closed) and say so once on stderr. In secure mode no path comes from the
 * environment (trust.c). The real functions: real.c; the log: log.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../common/localaddr.h"
#include "progname.h"
#include "udp/flight.h"
#include "libs.h"
#include "state.h"

static struct shim_cfg cfg;
static pthread_once_t cfg_once = PTHREAD_ONCE_INIT;
static atomic_bool cfg_built; /* cfg_once has run: no call into it */
static __thread int building; /* in state_cfg's build, on this thread */

/*
 * What a hook gets when it runs on the thread that is building the
 * settings: only a signal handler that interrupted the build can get there
 * (build_cfg itself makes no inet calls). pthread_once would deadlock, and
 * going straight through - what state_busy() did here once - sent the
 * handler's datagrams into the tunnel. Nothing is decided yet, so nothing
 * leaves: decide() rejects all but loopback, with EAGAIN as it passes.
 * No allocation, no lock: fit for a handler.
 */
static const struct shim_cfg building_cfg = { .broken = EAGAIN,
	.prog = "bindif" };

/* Marks the settings unusable, with one line saying why. */
static void
fail_closed(struct shim_cfg *c, const char *what)
{
	char why[256];

	c->broken = ENETUNREACH;
	c->inert = false;
	c->policy = rules_select(NULL, NULL, NULL, NULL, why, sizeof(why));
	state_log(c, "%s; network connections will fail", what);
}

static void
resolve_ifaces(struct shim_cfg *c)
{
	size_t i, n = rules_policy_nifaces(c->policy);
	unsigned *idx = calloc(n ? n : 1, sizeof(*idx));

	if (idx == NULL) {
		fail_closed(c, "out of memory");
		return;
	}
	for (i = 0; i < n; i++) {
		const char *name = rules_policy_iface(c->policy, (unsigned)i);

		/* interface = "auto": the launcher found the uplink. */
		if (strcmp(name, "auto") == 0) {
			const char *a = getenv("BINDIF_AUTO");

			if (a == NULL || a[0] == '\0') {
				state_log(c,
				    "interface \"auto\" is known only "
				    "through the bindif launcher; traffic for "
				    "it "
				    "will fail");
				continue;
			}
			name = a;
		}
		/* Resolved once: a renamed or replaced interface must make
		 * the sockets fail, not follow the name elsewhere. */
		idx[i] = name[0] ? if_nametoindex(name) : 0;
		if (name[0] && idx[i] == 0)
			state_log(c,
			    "interface '%s' does not exist; traffic "
			    "for it will fail",
			    name);
	}
	c->ifindex = idx;
}

/*
 * BINDIF_POLICY=<fd>:<token in hex>: the launcher's compiled rules, in a
 * sealed descriptor it left open (launcher/handoff.c). Used when the
 * descriptor is still what the launcher made (the token is in its header)
 * and holds the policy of this program's own per-app files; otherwise NULL
 * and the rules are parsed from BINDIF_RULES as without the launcher. A
 * value from the environment: never in secure mode.
 */
static struct rules_policy *
handed_policy(const char *exe, const char *argv0, const char *ifname)
{
	const char *v = plat_getenv("BINDIF_POLICY"), *p;
	uint8_t token[RULES_TOKEN_LEN];
	struct rules_policy *policy;
	const void *map;
	char why[256];
	size_t len, i;
	long fd = 0;

	if (v == NULL || v[0] == '\0')
		return NULL;
	for (p = v; *p >= '0' && *p <= '9' && fd < 1 << 24; p++)
		fd = fd * 10 + (*p - '0');
	if (p == v || *p++ != ':' || strlen(p) != 2 * RULES_TOKEN_LEN)
		goto unusable;
	for (i = 0; i < 2 * RULES_TOKEN_LEN; i++) {
		int c = p[i],
		    d = c >= '0' && c <= '9' ? c - '0' :
		    c >= 'a' && c <= 'f'     ? c - 'a' + 10 :
		                               -1;

		if (d < 0)
			goto unusable;
		token[i / 2] = (uint8_t)(i % 2 ? token[i / 2] << 4 | d : d);
	}
	if ((map = plat_map_policy((int)fd, &len)) == NULL) {
		snprintf(why, sizeof(why),
		    "descriptor %ld is not the "
		    "launcher's any more",
		    fd);
		goto say;
	}
	policy = rules_bundle_select(map, len, token, exe, argv0, ifname, why,
	    sizeof(why));
	if (policy != NULL)
		return policy; /* mapped for good: the policy points into it */
	plat_unmap_policy(map, len);
	goto say;
unusable:
	snprintf(why, sizeof(why), "malformed");
say:
	if (cfg.verbose)
		state_log(&cfg,
		    "BINDIF_POLICY not used (%s); reading the "
		    "rules files",
		    why);
	return NULL;
}

/* BINDIF_MARK (hex or decimal), else the rules' mark =: the mark a
 * firewall's capture exempts. Unusable, the sockets fail: unmarked they
 * would be captured. */
static int
set_mark(struct shim_cfg *c)
{
	const char *v = getenv("BINDIF_MARK");
	char *end;
	unsigned long m;
	int rc;

	if (v == NULL || v[0] == '\0')
		m = rules_policy_mark(c->policy);
	else {
		errno = 0;
		m = strtoul(v, &end, 0);
		if (errno != 0 || *end != '\0' || m == 0 || m > 0xffffffffu) {
			fail_closed(c,
			    "BINDIF_MARK is not a mark (1 to "
			    "0xffffffff)");
			return -1;
		}
	}
	if (m == 0)
		return 0;
	if ((rc = plat_set_mark((unsigned)m)) < 0) {
		char msg[128];

		snprintf(msg, sizeof(msg), "BINDIF_MARK: %s", strerror(-rc));
		fail_closed(c, msg);
		return -1;
	}
	c->mark = (unsigned)m;
	return 0;
}

static void
build_cfg(void)
{
	char exe[4096], why[512];
	const char *argv0 = NULL, *ifname, *path, *v;
	struct rules_errors errs = { 0 };
	struct rules_set *set = NULL;

	plat_program(exe, sizeof(exe), &argv0);
	snprintf(cfg.prog, sizeof(cfg.prog), "%.*s", (int)sizeof(cfg.prog) - 1,
	    progname_of(exe, argv0));
	cfg.verbose = progname_verbose(getenv("BINDIF_VERBOSE"));
	/* A path, so ignored in secure mode; asking for a log file is
	 * asking for the lines. */
	v = plat_getenv("BINDIF_LOG");
	if (v != NULL && v[0] != '\0') {
		cfg.verbose = true;
		/* The program may chdir, and may change its environment. */
		if (v[0] != '/')
			state_log(&cfg,
			    "BINDIF_LOG=%s is not an absolute path; "
			    "logging to stderr",
			    v);
		else
			cfg.log_path = strdup(v);
	}
	ifname = getenv("BINDIF_INTERFACE"); /* a name: secure mode too */
	path = plat_getenv("BINDIF_RULES"); /* a path: ignored in secure mode */
	/* Secure mode and rules asked for: only the value is untrusted, so
	 * the administrator's rules stand in, or else nothing does. */
	if (path == NULL && getenv("BINDIF_RULES") != NULL &&
	    plat_secure_mode()) {
		if (state_trusted_rules(state_secure_rules.path,
		        state_secure_rules.owner, why, sizeof(why)) == 0) {
			path = state_secure_rules.path;
			if (cfg.verbose)
				state_log(&cfg,
				    "BINDIF_RULES ignored in a "
				    "setuid or capability process; reading %s",
				    path);
		} else if (ifname != NULL && ifname[0] != '\0') {
			state_log(&cfg,
			    "BINDIF_RULES ignored in a setuid or "
			    "capability process, and %s; only "
			    "BINDIF_INTERFACE applies",
			    why);
		} else {
			char msg[600];

			/* Nothing left to say where traffic goes: fail
			 * closed, as for a bad rules file. */
			snprintf(msg, sizeof(msg),
			    "BINDIF_RULES ignored in a "
			    "setuid or capability process, and %s",
			    why);
			fail_closed(&cfg, msg);
			return;
		}
	}
	if ((ifname == NULL || ifname[0] == '\0') && path == NULL) {
		cfg.inert = true;
		return;
	}
	if (ifname && strlen(ifname) >= RULES_IFNAMSIZ) {
		fail_closed(&cfg, "BINDIF_INTERFACE is not an interface name");
		return;
	}
	if (path != NULL)
		cfg.policy = handed_policy(exe[0] ? exe : NULL, argv0,
		    ifname && ifname[0] ? ifname : NULL);
	if (path != NULL && cfg.policy == NULL) {
		set = rules_load(path, &errs);
		if (set == NULL || errs.n > 0) {
			char msg[600];

			if (errs.n > 0 && errs.v[0].file)
				rules_error_text(&errs.v[0], msg, sizeof(msg));
			else
				snprintf(msg, sizeof(msg), "%s: %s", path,
				    errs.n ? errs.v[0].msg : "cannot load");
			rules_errors_free(&errs);
			rules_set_free(set);
			fail_closed(&cfg, msg);
			return;
		}
	}
	if (cfg.policy == NULL)
		cfg.policy = rules_select(set, exe[0] ? exe : NULL, argv0,
		    ifname && ifname[0] ? ifname : NULL, why, sizeof(why));
	if (set != NULL) {
		rules_set_free(set);
		plat_release_memory();
		libs_release_private(); /* libconfig's heap, when apart */
	}
	if (cfg.policy == NULL) {
		fail_closed(&cfg, why);
		return;
	}
	if (set_mark(&cfg) < 0)
		return;
	resolve_ifaces(&cfg);
	local_addrs(&cfg.local, &cfg.nlocal);
}

const struct shim_cfg *
state_cfg(void)
{
	if (atomic_load_explicit(&cfg_built, memory_order_acquire))
		return &cfg;
	if (building)
		return &building_cfg;
	/* Counted before pthread_once, not only inside build_cfg: a signal
	 * handler landing between pthread_once taking the build and
	 * build_cfg's first line would otherwise wait on its own thread's
	 * once for ever. A handler on a thread that waits for another's
	 * build is refused too (EAGAIN), rather than wait in a handler. */
	building++;
	pthread_once(&cfg_once, build_cfg);
	building--;
	atomic_store_explicit(&cfg_built, true, memory_order_release);
	return &cfg;
}

/* Binding the real functions early keeps the first hook call short; the
 * rules wait for the first network call, so programs that never connect
 * pay nothing for them. */
__attribute__((constructor)) static void
state_early(void)
{
	(void)state_real();
	/* While the process most likely has one thread: then registering
	 * for barriers costs a microsecond, not milliseconds. */
	flight_setup();
}
