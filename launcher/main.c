/*
 * main.c - bindif: options, then every check, then the environment for
 * the shim, then exec. Nothing runs unless every check passed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dnsplan.h"
#include "launcher.h"
#include "child.h"
#include "handshake.h"
#include "kernel.h"
#include "../common/judge.h"
#include "supervise.h"
#include "uplink.h"
#include "capture.h"
#include "../common/dnsconf.h"
#include "../common/localaddr.h"
#include "../common/plat.h"

static void
report(const char *line)
{
	fprintf(stderr, "bindif: %s\n", line);
}

static void __attribute__((noreturn, format(printf, 2, 3)))
die(int status, const char *fmt, ...)
{
	va_list ap;

	fputs("bindif: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(status);
}

/* Next to the resolved launcher (the build tree), then where the install
 * put it seen from the launcher's directory (BINDIF_LIBDIR_REL, lib/bindif/
 * beside bin/ by default), then the compiled-in library directory; never
 * ".". */
static void
find_shim(char *out, size_t len)
{
	char self[PATH_MAX], dir[PATH_MAX];

	if (lplat_self_exe(self, sizeof(self)) == 0) {
		const char *d;
		int n;

		snprintf(dir, sizeof(dir), "%s", self);
		d = dirname(dir);
		n = snprintf(out, len, "%s/%s", d, plat_shim_name);
		if (n > 0 && (size_t)n < len && access(out, R_OK) == 0)
			return;
		/* An install moved as a whole (DESTDIR, a package root). */
		n = snprintf(out, len, "%s/%s/%s", d, BINDIF_LIBDIR_REL,
		    plat_shim_name);
		if (n > 0 && (size_t)n < len && access(out, R_OK) == 0)
			return;
	}
	snprintf(out, len, "%s/%s", BINDIF_LIBDIR, plat_shim_name);
	if (access(out, R_OK) == 0)
		return;
	die(EXIT_OURS, "cannot find %s next to %s or in %s", plat_shim_name,
	    self, BINDIF_LIBDIR);
}

/* Rules selected for the command: interfaces up, no bind without one.
 * lr NULL: there are no rules files. The policy goes to *keep (the
 * supervisor decides with it), or is freed when keep is NULL. */
static void
check_policy(struct lrules *lr, const struct opts *o, const char *exe,
    char *dflt, size_t dfltlen, char *dns, size_t dnslen, unsigned *mark,
    struct rules_policy **keep)
{
	char why[512];
	struct rules_policy *p;
	const char *file;
	size_t i;
	int line;

	p = lr ?
	    lrules_policy(lr, exe, o->argv[0], why, sizeof(why)) :
	    rules_select(NULL, exe, o->argv[0], o->iface, why, sizeof(why));
	if (p == NULL)
		die(EXIT_OURS, "%s", why);
	if (rules_policy_unbound_bind(p, &file, &line))
		die(EXIT_OURS,
		    "%s:%d: rule sends traffic to an interface but "
		    "none is set (add interface = or use -i)",
		    file, line);
	for (i = 0; i < rules_policy_nifaces(p); i++) {
		const char *name = rules_policy_iface(p, (unsigned)i);

		/* -i was checked before the rules were read: one netlink
		 * dump less on every start. */
		if (name[0] == '\0' ||
		    (o->iface != NULL && strcmp(name, o->iface) == 0))
			continue;
		if (iface_check(name, why, sizeof(why)) < 0)
			die(EXIT_OURS, "%s", why);
	}
	/* The default interface, as a name the tools' own options take. */
	{
		char real[RULES_IFNAMSIZ];

		snprintf(dflt, dfltlen, "%s",
		    iface_real_name(rules_policy_iface(p, 0), real,
		        sizeof(real)));
	}
	/* The rules' DNS servers, for kernel mode and the hand-down. */
	snprintf(dns, dnslen, "%s",
	    rules_policy_dns(p) ? rules_policy_dns(p) : "");
	*mark = rules_policy_mark(p);
	if (keep != NULL)
		*keep = p;
	else
		rules_policy_free(p);
}

/*
 * "auto": the physical uplink, IPv4's first (most destinations are); its
 * IPv6 choice is used only when there is no IPv4 one.
 */
static void
resolve_auto(char *name, size_t len, bool verbose)
{
	char why[512], name6[RULES_IFNAMSIZ];

	if (iface_auto(name, len, name6, sizeof(name6), why, sizeof(why)) < 0)
		die(EXIT_OURS, "%s", why);
	if (verbose && name6[0] != '\0' && strcmp(name, name6) != 0)
		fprintf(stderr,
		    "bindif: auto: %s (IPv6's uplink is %s; give "
		    "-i %s for it)\n",
		    name, name6, name6);
	else if (verbose)
		fprintf(stderr, "bindif: auto: %s\n", name);
}

static int
names_auto(void *arg, const char *ifname, const char *file, int line)
{
	(void)file;
	(void)line;
	if (strcmp(ifname, "auto") == 0)
		*(bool *)arg = true;
	return 0;
}

/*
 * The loader would silently run the command without the shim, so its
 * traffic would go into the tunnel: translate to the tool's own interface
 * option, or refuse (125) unless --force. Returns the argv to exec;
 * *shim_expected when the loader is predicted to take the shim.
 */
static char **
reachable(const struct opts *o, const char *exe, const char *dflt, bool *kernel,
    bool *supervise, bool *shim_expected)
{
	char judged[4096], helper[4096], because[4800];
	enum judge_verdict v = judge_check(exe, judged, sizeof(judged));
	const char *reason, *h = judge_helper(exe), *slash;
	char **argv;
	bool already;

	/* A tool whose probes come from a helper the loader refuses is
	 * refused as a whole: its own traffic would be bound, its probes
	 * would not. */
	if ((v == JUDGE_OK || v == JUDGE_NOT_ELF) && h != NULL &&
	    (slash = strrchr(exe, '/')) != NULL) {
		enum judge_verdict hv;

		snprintf(helper, sizeof(helper), "%.*s/%s", (int)(slash - exe),
		    exe, h);
		hv = judge_check(helper, judged, sizeof(judged));
		if (hv != JUDGE_OK && hv != JUDGE_NOT_ELF) {
			snprintf(because, sizeof(because),
			    "its probes come "
			    "from %s, and %s",
			    helper, judge_reason(hv));
			if (o->force) {
				fprintf(stderr,
				    "bindif: %s: %s; running it "
				    "anyway (--force): its probes are not "
				    "bound\n",
				    o->argv[0], because);
				return o->argv;
			}
			die(EXIT_OURS, "%s: %s; %s", o->argv[0], because,
			    judge_advice(hv, false));
		}
	}
	if (v == JUDGE_OK || v == JUDGE_NOT_ELF) {
		*shim_expected = true;
		return o->argv;
	}
	/* A nested bindif: nothing of the shim in it, but its own command
	 * gets the shim and the check. */
	if (v == JUDGE_BINDIF)
		return o->argv;
	argv = judge_translate(exe, o->argv, dflt, plat_is_darwin(), &already);
	reason = judge_reason(v);
	if (argv != NULL) {
		if (o->verbose)
			fprintf(stderr,
			    "bindif: %s: %s; running it with its "
			    "own option instead: %s %s %s\n",
			    o->argv[0], reason, argv[0], argv[1], argv[2]);
		return argv;
	}
	if (already) {
		if (o->verbose)
			fprintf(stderr,
			    "bindif: %s: %s; its own interface "
			    "option, given, binds it\n",
			    o->argv[0], reason);
		return o->argv;
	}
	if (v == JUDGE_STATIC || v == JUDGE_FOREIGN_LOADER || v == JUDGE_GO) {
		/* The supervisor binds from outside what the shim cannot
		 * bind from inside, for root too: per destination, as the
		 * shim does, which kernel mode cannot. */
		char nosup[256];

		if (supervise_available(nosup, sizeof(nosup)) == 0) {
			if (o->verbose)
				fprintf(stderr,
				    "bindif: %s: %s; supervising "
				    "its system calls instead\n",
				    o->argv[0], reason);
			*supervise = true;
			return o->argv;
		}
		if (v == JUDGE_STATIC && geteuid() == 0) {
			/* Root can bind in the kernel what no loader
			 * enters. */
			if (o->verbose)
				fprintf(stderr,
				    "bindif: %s: %s, and %s; "
				    "binding it in the kernel instead\n",
				    o->argv[0], reason, nosup);
			*kernel = true;
			return o->argv;
		}
		if (!o->force)
			die(EXIT_OURS, "%s: %s, and %s", judged, reason, nosup);
	}
	if (o->force) {
		fprintf(stderr,
		    "bindif: %s: %s; running it anyway (--force): "
		    "its traffic is not bound\n",
		    judged, judge_reason(v));
		return o->argv;
	}
	die(EXIT_OURS, "%s: %s; %s", judged, judge_reason(v),
	    judge_advice(v, false));
}

/*
 * Kernel mode binds every socket but those to local destinations to the
 * default interface; per-destination rules are not applied there, so a
 * policy without a default interface cannot use it.
 */
static void __attribute__((noreturn)) run_in_kernel_mode(const struct opts *o,
    const char *exe, const char *dflt, const char *rules_dns)
{
	char why[1024] = "", note[512];
	struct kernel_dns dns;
	int rc, status;

	if (dflt[0] == '\0')
		die(EXIT_OURS,
		    "kernel mode needs an interface: give -i or "
		    "interface = in the rules");
	/* A shim in the command (a nested bindif) lets static children run:
	 * the cgroup holds them too. */
	if (setenv("BINDIF_KERNEL", "1", 1) < 0)
		die(EXIT_OURS, "cannot set BINDIF_KERNEL: %s", strerror(errno));
	/* The command's own DNS queries to the system's resolvers go to
	 * the servers the shim would use, as in the shim. */
	kernel_dns_plan(o->dns[0] ? o->dns : rules_dns, dflt,
	    if_nametoindex(dflt), &dns, note, sizeof(note));
	if (note[0] != '\0' && (o->verbose || !dns.has_to4))
		fprintf(stderr, "bindif: %s\n", note);
	fflush(NULL);
	rc =
	    kernel_exec(dflt, 0, &dns, o->argv, exe, &status, why, sizeof(why));
	if (rc < 0)
		die(EXIT_OURS, "%s", why);
	if (why[0] != '\0')
		fprintf(stderr, "bindif: %s\n", why);
	if (status != -1)
		child_exit_like(status);
	exit(rc);
}

/*
 * Supervisor mode: bindif stays the command's parent and decides each
 * connect and addressed send of its whole tree with the shim's rules
 * engine (supervise.h). No shim is preloaded: the filter sees everything
 * the shim would, in every process of the tree.
 */
static void __attribute__((noreturn))
run_supervised(const struct opts *o, const char *exe, struct rules_policy *p)
{
	char why[1024] = "", real[RULES_IFNAMSIZ], note[400];
	const char *name, *slash;
	struct shim_cfg cfg;
	struct dnsplan dns;
	bool dns_ours;
	unsigned *idx;
	size_t i, n = rules_policy_nifaces(p);
	int rc, status;

	memset(&cfg, 0, sizeof(cfg));
	if ((idx = calloc(n ? n : 1, sizeof(*idx))) == NULL)
		die(EXIT_OURS, "out of memory");
	/* 0 for an interface gone since the checks: decide() fails its
	 * traffic closed (ENODEV), as the shim's does. */
	for (i = 0; i < n; i++)
		if ((name = rules_policy_iface(p, (unsigned)i))[0] != '\0')
			idx[i] = if_nametoindex(
			    iface_real_name(name, real, sizeof(real)));
	cfg.policy = p;
	cfg.ifindex = idx;
	cfg.verbose = o->verbose;
	local_addrs(&cfg.local, &cfg.nlocal);
	slash = strrchr(o->argv[0], '/');
	snprintf(cfg.prog, sizeof(cfg.prog), "%s",
	    slash ? slash + 1 : o->argv[0]);
	/* The command's own DNS queries to the system's resolvers go where
	 * the shim would send them. */
	dns_ours = dnsplan_make(p, idx,
	    o->dns[0] ? o->dns : rules_policy_dns(p), &dns, note, sizeof(note));
	if (dns_ours && note[0] != '\0' && (o->verbose || dns.servers.n == 0))
		fprintf(stderr, "bindif: DNS for %s: %s\n", dns.ifname, note);
	fflush(NULL);
	rc = supervise_exec(&cfg, dns_ours ? &dns : NULL, o->argv, exe, &status,
	    why, sizeof(why));
	if (rc < 0)
		die(EXIT_OURS, "%s", why);
	if (status != -1)
		child_exit_like(status);
	exit(rc);
}

/*
 * -v: the --list report's warnings (rules or routes that refuse traffic
 * whatever the socket is bound to, rules matching by output interface),
 * before the command runs. Only with -v: taking the snapshot costs about
 * a quarter of a millisecond of every start.
 */
static void
warn_overrides(void)
{
	char why[512], *text = NULL, *line, *save = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (m == NULL)
		return;
	if (uplink_list(m, why, sizeof(why)) < 0) {
		fclose(m);
		free(text);
		return;
	}
	fclose(m);
	for (line = strtok_r(text, "\n", &save); line != NULL;
	     line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "warning: ", 9) == 0)
			fprintf(stderr, "bindif: %s\n", line);
	free(text);
}

/*
 * The firewall's captures of locally sent traffic, which binding does not
 * escape (netfilter's output hook runs after the route is chosen). Root
 * marks its sockets with the mark the capture exempts (--mark, else the
 * one the capture names); a user cannot read the firewall at all (that
 * takes CAP_NET_ADMIN), so is warned when a redirect is in use somewhere.
 * Returns the mark the sockets get, 0 for none. Only a chain dump when
 * no nat or route chain sits on the output hook.
 */
static unsigned
check_captures(const struct opts *o, const char *iface)
{
	struct capture_set s = { 0 };
	char why[512], line[1024], mod[32];
	unsigned mark = o->mark, uid = (unsigned)geteuid(), m;
	bool denied = false;
	size_t i;

	if (!capture_os_can_mark()) {
		if (o->mark != 0)
			die(EXIT_OURS,
			    "%s 0x%x: setting a socket's mark takes "
			    "CAP_NET_ADMIN (run bindif as root)",
			    o->mark_from_rules ? "mark =" : "--mark", o->mark);
		/* A modular kernel shows that some namespace uses a
		 * redirect: worth a warning every time. Built in, nothing
		 * shows: said with -v. */
		if (capture_os_hint(mod, sizeof(mod)) == 0)
			fprintf(stderr,
			    "bindif: warning: a redirect or tproxy "
			    "rule is in use on this machine (%s) and only root "
			    "can read the firewall: if it takes locally sent "
			    "traffic, connections by %s will hang; run as root "
			    "(bindif then marks its sockets) or exclude uid %u "
			    "in the proxy\n",
			    mod, iface, uid);
		else if (o->verbose)
			fprintf(stderr,
			    "bindif: the firewall is readable only "
			    "with CAP_NET_ADMIN: a redirect of locally sent "
			    "traffic (sing-box's or mihomo's auto_redirect) "
			    "would take connections by %s unseen; run as root "
			    "(bindif then marks its sockets) or exclude uid %u "
			    "in the proxy\n",
			    iface, uid);
		return 0;
	}
	if (capture_os_read(&s, false, &denied, why, sizeof(why)) < 0) {
		fprintf(stderr,
		    "bindif: warning: firewall rules not read: %s\n", why);
		return mark;
	}
	if (mark == 0 && capture_exempt_mark(&s, &m) == 1) {
		mark = m;
		if (o->verbose)
			fprintf(stderr,
			    "bindif: marking bound sockets 0x%x, "
			    "which the firewall's capture exempts\n",
			    mark);
	}
	for (i = 0; i < s.n; i++) {
		capture_describe(&s.v[i], line, sizeof(line));
		if (capture_takes(&s.v[i], uid, mark != 0, mark))
			fprintf(stderr,
			    "bindif: warning: capture: %s: it takes "
			    "sockets bound to %s too%s\n",
			    line, iface,
			    mark ? ", marked or not" :
			           "; give --mark with a "
			           "mark it exempts");
		else if (o->verbose)
			fprintf(stderr, "bindif: capture: %s\n", line);
	}
	capture_set_free(&s);
	if (o->verbose && capture_os_legacy(line, sizeof(line)))
		fprintf(stderr,
		    "bindif: iptables-legacy tables %s are loaded: "
		    "their rules are not read; a redirect there takes sockets "
		    "bound to %s unless --mark gives the mark it exempts\n",
		    line, iface);
	if (mark != 0) {
		struct uplink_snapshot snap = { 0 };

		if (uplink_os_snapshot(&snap, why, sizeof(why)) == 0 &&
		    capture_mark_routing(&snap, mark, line, sizeof(line)))
			fprintf(stderr, "bindif: warning: %s\n", line);
		uplink_snapshot_free(&snap);
	}
	return mark;
}

/* --check: the rules -c names, else those of the default places; -i
 * does not stand in for them here. */
static int
check_only(const struct opts *o)
{
	char buf[PATH_MAX], why[1024];
	struct opts c = *o;
	struct rules_set *set;
	const char *path;
	int problems = 0;

	c.iface = NULL;
	path = checks_rules_path(&c, getenv("XDG_CONFIG_HOME"), getenv("HOME"),
	    buf, sizeof(buf), why, sizeof(why));
	if (path == NULL)
		die(EXIT_OURS, "%s", why);
	if ((set = checks_rules(path, report, &problems)) == NULL)
		exit(EXIT_OURS);
	rules_set_free(set);
	printf("%s: ok\n", path);
	return 0;
}

/*
 * Runs the command as our child and makes sure, at its entry point, that
 * the loader took the shim (handshake.h); ends as the command ends.
 * Returns only where no such check exists (then bindif execs as before).
 */
static void
run_checked(const char *exe, char **argv, bool verbose)
{
	char why[1024];
	bool unchecked;
	int status, rc;

	fflush(NULL);
	rc = handshake_exec(exe, argv, &status, &unchecked, why, sizeof(why));
	if (rc == HANDSHAKE_UNAVAILABLE)
		return;
	if (rc == HANDSHAKE_STOPPED)
		die(EXIT_OURS, "%s", why);
	if (rc != HANDSHAKE_RAN)
		die(rc, "%s", why);
	if (unchecked && verbose)
		fprintf(stderr, "bindif: %s\n", why);
	child_exit_like(status);
}

static void
set_env(const char *name, const char *value)
{
	if (value == NULL ? unsetenv(name) : setenv(name, value, 1))
		die(EXIT_OURS, "cannot set %s: %s", name, strerror(errno));
}

/* What bindif does alone, with no command: --help, --version, --list,
 * --check (-i auto resolved first, for --check's messages). The exit
 * status, or -1 to go on. */
static int
answer_alone(struct opts *o, char *autoname, size_t len)
{
	char why[1024];

	if (o->help) {
		opts_usage(stdout);
		return 0;
	}
	if (o->version) {
		printf("bindif %s\n", BINDIF_VERSION);
		return 0;
	}
	if (o->list) {
		if (uplink_list(stdout, why, sizeof(why)) < 0)
			die(EXIT_OURS, "--list: %s", why);
		capture_list(stdout);
		return 0;
	}
	if (o->iface != NULL && strcmp(o->iface, "auto") == 0) {
		resolve_auto(autoname, len, o->verbose);
		o->iface = autoname;
	}
	if (o->check)
		return check_only(o);
	return -1;
}

/* The rules files, parsed or from the cache (never for --explain, which
 * reads the files themselves); every problem reported, then exit 125. */
static void
load_rules(const struct opts *o, const char *rules, struct lrules *lr,
    char *rulesabs, char *fileauto, bool *file_auto)
{
	char cachebuf[PATH_MAX];
	int rc, problems = 0;

	rc = lrules_load(lr, rules, o->iface,
	    o->explain ? NULL :
	                 cache_dir(getenv("XDG_CACHE_HOME"), getenv("HOME"),
	                     cachebuf, sizeof(cachebuf)),
	    report, &problems);
	if (o->verbose && lr->from_cache)
		fprintf(stderr, "bindif: rules from the cache %s\n", lr->file);
	if (rc < 0)
		exit(EXIT_OURS);
	/* interface = "auto" in a file: resolved here, once, and handed to
	 * the shim, which has no uplink detection. */
	lrules_each_iface(lr, names_auto, file_auto);
	if (*file_auto)
		resolve_auto(fileauto, RULES_IFNAMSIZ, o->verbose);
	/* The program may chdir; the shim needs an absolute path. */
	if (realpath(rules, rulesabs) == NULL)
		die(EXIT_OURS, "%s: %s", rules, strerror(errno));
}

/* The default interface's own DNS servers, where only we can read them
 * (macOS); not needed when servers are named (--dns, the rules' rdns).
 * Asked before the preload variable is set: the tools must run as they
 * are. */
static void
collect_ifdns(const struct opts *o, const char *rdns, const char *dflt,
    char *ifdns, size_t len)
{
	if (o->dns[0] != '\0' || rdns[0] != '\0' || dflt[0] == '\0' ||
	    ifdns_collect(dflt, ifdns, len) < 0)
		ifdns[0] = '\0';
	else if (o->verbose)
		fprintf(stderr, "bindif: DNS servers of %s: %s\n", dflt, ifdns);
}

/* The shim in the preload variable (appended to what is there) and the
 * settings it reads that come from the options. */
static void
set_shim_env(const struct opts *o, const char *shim, const char *dflt,
    unsigned mark)
{
	char *preload, markbuf[16];

	if ((preload = env_preload(getenv(plat_preload_var), shim)) == NULL)
		die(EXIT_OURS, "out of memory");
	set_env(plat_preload_var, preload);
	free(preload);
	set_env("BINDIF_INTERFACE", o->iface);
	set_env("BINDIF_VERBOSE", o->verbose ? "1" : NULL);
	set_env("BINDIF_DNS", o->dns[0] ? o->dns : NULL);
	/* For the shim's judgement of the command's own children. */
	set_env("BINDIF_FORCE", o->force ? "1" : NULL);
	set_env("BINDIF_DEFAULT", dflt[0] ? dflt : NULL);
	snprintf(markbuf, sizeof(markbuf), "0x%x", mark);
	set_env("BINDIF_MARK", mark ? markbuf : NULL);
}

int
main(int argc, char **argv)
{
	char why[1024], rulesbuf[PATH_MAX], rulesabs[PATH_MAX], exe[PATH_MAX],
	    shim[PATH_MAX], policy[64], rdns[512];
	const char *rules;
	struct lrules lr = { 0 };
	char autoname[RULES_IFNAMSIZ], fileauto[RULES_IFNAMSIZ],
	    dflt[RULES_IFNAMSIZ];
	bool file_auto = false, shim_expected = false;
	struct rules_policy *policy_kept = NULL;
	struct dns_servers dns;
	struct opts o;
	char ifdns[DNSCONF_HAND_MAX];
	unsigned mark;
	int rc;

	if (opts_parse(argc, argv, &o, why, sizeof(why)) < 0)
		die(EXIT_OURS, "%s (see bindif --help)", why);
	if ((rc = answer_alone(&o, autoname, sizeof(autoname))) >= 0)
		return rc;
	if (o.iface != NULL && iface_check(o.iface, why, sizeof(why)) < 0)
		die(EXIT_OURS, "%s", why);
	if (o.dns[0] != '\0' &&
	    dnsconf_parse_list(o.dns, &dns, why, sizeof(why)) < 0)
		die(EXIT_OURS, "--dns: %s", why);
	rules = checks_rules_path(&o, getenv("XDG_CONFIG_HOME"), getenv("HOME"),
	    rulesbuf, sizeof(rulesbuf), why, sizeof(why));
	if (rules == NULL && o.iface == NULL)
		die(EXIT_OURS, "%s", why);
	if (rules != NULL)
		load_rules(&o, rules, &lr, rulesabs, fileauto, &file_auto);
	if (o.explain != NULL) {
		if (explain(lr.set, o.program, o.iface, o.dns, o.explain,
		        stdout, why, sizeof(why)) < 0)
			die(EXIT_OURS, "%s", why);
		lrules_free(&lr);
		return 0;
	}
	rc = target_resolve(o.argv[0], getenv("PATH"), exe, sizeof(exe), why,
	    sizeof(why));
	if (rc != 0)
		die(rc, "%s", why);
	check_policy(rules ? &lr : NULL, &o, exe, dflt, sizeof(dflt), rdns,
	    sizeof(rdns), &mark, &policy_kept);
	if (o.mark == 0 && mark != 0) { /* --mark, else the rules' mark = */
		o.mark = mark;
		o.mark_from_rules = true;
	}
	if (!o.kernel && !o.supervise)
		o.argv = reachable(&o, exe, dflt, &o.kernel, &o.supervise,
		    &shim_expected);
	mark = dflt[0] ? check_captures(&o, dflt) : o.mark;
	kernel_set_mark(mark);
	if (o.supervise) {
		/* The supervisor binds with the shim's platform layer: the
		 * same mark on the sockets it binds. */
		(void)plat_set_mark(mark);
		/* The policy holds pointers into the rules: both stay. */
		plat_release_memory();
		run_supervised(&o, exe, policy_kept);
	}
	rules_policy_free(policy_kept);
	/* Kernel mode and the handshake keep bindif waiting for the whole
	 * command: the rules, and the heap they grew, go first. */
	if (o.kernel) {
		lrules_free(&lr);
		plat_release_memory();
		run_in_kernel_mode(&o, exe, dflt, rdns);
	}
	/* The compiled rules for the shim; without them it parses. */
	if (rules != NULL &&
	    handoff(&lr, policy, sizeof(policy), why, sizeof(why)) < 0) {
		if (o.verbose)
			fprintf(stderr,
			    "bindif: rules not handed over (%s); "
			    "the command parses them\n",
			    why);
		policy[0] = '\0';
	}
	lrules_free(&lr);
	plat_release_memory();
	if (o.verbose)
		warn_overrides();
	find_shim(shim, sizeof(shim));
	collect_ifdns(&o, rdns, dflt, ifdns, sizeof(ifdns));

	set_env("BINDIF_RULES", rules ? rulesabs : NULL);
	set_env("BINDIF_IFACE_DNS", ifdns[0] ? ifdns : NULL);
	set_env("BINDIF_AUTO", file_auto ? fileauto : NULL);
	set_env("BINDIF_POLICY", rules && policy[0] ? policy : NULL);
	set_shim_env(&o, shim, dflt, mark);

	/* --force: the user chose to run it whatever the loader does. */
	if (shim_expected && !o.force)
		run_checked(exe, o.argv, o.verbose);
	execv(exe, o.argv);
	die(errno == ENOENT ? EXIT_NOT_FOUND : EXIT_CANNOT_RUN, "%s: %s",
	    o.argv[0], strerror(errno));
}
