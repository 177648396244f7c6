/*
 * opts.c - bindif's command line. The option string starts with '+' so
 * parsing stops at the command: in "bindif -i en0 curl -v", -v is curl's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "launcher.h"

static const struct option longopts[] = {
	{ "interface", required_argument, NULL, 'i' },
	{ "config", required_argument, NULL, 'c' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "dns", required_argument, NULL, 'D' },
	{ "list", no_argument, NULL, 'L' },
	{ "check", no_argument, NULL, 'C' },
	{ "explain", required_argument, NULL, 'E' },
	{ "program", required_argument, NULL, 'P' },
	{ "force", no_argument, NULL, 'F' },
	{ "kernel", no_argument, NULL, 'K' },
	{ "supervise", no_argument, NULL, 'S' },
	{ "mark", required_argument, NULL, 'M' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

/* Interface names are short and printable everywhere; anything else is a
 * mistake, and echoing it raw could break the one-line message. */
static bool
printable_name(const char *s)
{
	size_t n = strlen(s), i;

	if (n >= 16)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= ' ' || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '/')
			return false;
	return true;
}

/* The argument with control characters as '?', for the message. */
static const char *
shown(const char *s)
{
	static char buf[64];
	size_t i;

	for (i = 0; s[i] != '\0' && i < sizeof(buf) - 1; i++)
		buf[i] = (unsigned char)s[i] < ' ' || s[i] == 0x7f ? '?' : s[i];
	buf[i] = '\0';
	return buf;
}

void
opts_usage(FILE *to)
{
	fputs(
	    "usage: bindif [-v] [-i IFACE] [-c FILE|DIR] [--dns ADDR] "
	    "[--force]\n"
	    "              [--kernel | --supervise] [--mark MARK] [--] COMMAND "
	    "[ARG...]\n"
	    "       bindif [-c FILE|DIR] [-i IFACE] --explain "
	    "DEST[:PORT][/PROTO]\n"
	    "              [--program NAME]\n"
	    "       bindif [-c FILE|DIR] --check\n"
	    "       bindif --list | --help | --version\n"
	    "\n"
	    "Runs COMMAND so that its traffic leaves by a chosen network\n"
	    "interface, even while a VPN or TUN proxy captures the routing.\n"
	    "\n"
	    "  -i, --interface IFACE  send traffic out of IFACE (in place of\n"
	    "                         the rules files' interface =, where "
	    "they\n"
	    "                         put it); \"auto\": the physical uplink\n"
	    "                         (see --list)\n"
	    "  -c, --config FILE|DIR  rules file, or directory of *.conf "
	    "files;\n"
	    "                         without -c and -i: "
	    "$XDG_CONFIG_HOME/bindif/\n"
	    "                         (~/.config/bindif/), then /etc/bindif/;\n"
	    "                         compiled once, cached in\n"
	    "                         $XDG_CACHE_HOME/bindif/ "
	    "(~/.cache/bindif/)\n"
	    "      --dns ADDR         resolve names with this DNS server, "
	    "through\n"
	    "                         the interface (repeatable; default: the\n"
	    "                         rules' dns =, else the interface's own)\n"
	    "  -v, --verbose          on stderr: whether the rules came from "
	    "the\n"
	    "                         cache, warnings about rules that would\n"
	    "                         override a bind, then one line per "
	    "decision\n"
	    "      --force            run COMMAND even when the shim cannot\n"
	    "                         enter it (setuid, capabilities, static)\n"
	    "                         or bindif cannot check that it did\n"
	    "      --kernel           bind in the kernel instead (Linux, "
	    "root;\n"
	    "                         per-destination rules do not apply)\n"
	    "      --supervise        bind every socket of the command's tree\n"
	    "                         from outside, by seccomp (Linux >= 5.6;\n"
	    "                         automatic for Go, static and musl\n"
	    "                         programs); not a sandbox\n"
	    "      --mark MARK        set this firewall mark (SO_MARK) on "
	    "every\n"
	    "                         bound socket, so a capture that exempts "
	    "it\n"
	    "                         (sing-box: 0x2024) lets it pass (root "
	    "or\n"
	    "                         CAP_NET_ADMIN; as root the one mark the\n"
	    "                         detected capture exempts is used "
	    "unasked)\n"
	    "      --list             interfaces, the auto choice, and what\n"
	    "                         captures traffic now (routes, rules and\n"
	    "                         the firewall's output-hook rules)\n"
	    "      --explain DEST     the decision for DEST "
	    "(198.51.100.7:443/tcp,\n"
	    "                         [2001:db8::1]:53/udp) and the rule "
	    "behind it\n"
	    "      --program NAME     whose per-app rules --explain uses\n"
	    "      --check            validate the rules files, run nothing\n"
	    "  -h, --help             this text\n"
	    "  -V, --version          the version\n"
	    "\n"
	    "Exit status: COMMAND's own; 125 bindif's own error (bad option,\n"
	    "interface or rules); 126 COMMAND not executable; 127 not found.\n",
	    to);
}

/* An option's value into o: -i, -c, --dns (repeatable), --mark, --program.
 * 0, or -1 with why. */
static int
take_value(struct opts *o, int c, const char *arg, char *why, size_t len)
{
	switch (c) {
	case 'i':
		if (arg[0] == '\0') {
			snprintf(why, len, "-i needs an interface name");
			return -1;
		}
		if (!printable_name(arg)) {
			snprintf(why, len,
			    "-i: '%.40s' is not an interface "
			    "name (1 to 15 printable characters)",
			    shown(arg));
			return -1;
		}
		o->iface = arg;
		return 0;
	case 'c':
		if (arg[0] == '\0') {
			snprintf(why, len, "-c needs a file or directory");
			return -1;
		}
		o->rules = arg;
		return 0;
	case 'D': {
		size_t used = strlen(o->dns);
		int n = snprintf(o->dns + used, sizeof(o->dns) - used, "%s%s",
		    used ? "," : "", arg);

		if (n < 0 || (size_t)n >= sizeof(o->dns) - used) {
			snprintf(why, len, "too many --dns servers");
			return -1;
		}
		return 0;
	}
	case 'M': {
		char *end;
		unsigned long m;

		errno = 0;
		m = strtoul(arg, &end, 0);
		if (errno || end == arg || *end != '\0' || m == 0 ||
		    m > 0xffffffffu || arg[0] == '-') {
			snprintf(why, len,
			    "--mark: '%.40s' is not a mark "
			    "(1 to 0xffffffff)",
			    shown(arg));
			return -1;
		}
		o->mark = (unsigned)m;
		return 0;
	}
	default: /* 'P' */
		if (arg[0] == '\0') {
			snprintf(why, len, "--program needs a name");
			return -1;
		}
		o->program = arg;
		return 0;
	}
}

/* What the options say together, once all are read. 0, or -1 with why. */
static int
check_together(const struct opts *o, char *why, size_t len)
{
	if ((o->list || o->check || o->explain) && o->argc > 0) {
		snprintf(why, len, "--%s runs no command (got '%s')",
		    o->list      ? "list" :
		        o->check ? "check" :
		                   "explain",
		    o->argv[0]);
		return -1;
	}
	if (o->list + o->check + (o->explain != NULL) > 1) {
		snprintf(why, len, "--list, --check and --explain go alone");
		return -1;
	}
	if (o->kernel && o->supervise) {
		snprintf(why, len,
		    "--kernel and --supervise are two ways to do "
		    "one thing: give one");
		return -1;
	}
	if (o->program != NULL && o->explain == NULL) {
		snprintf(why, len, "--program goes with --explain");
		return -1;
	}
	if (o->argc == 0 && !o->list && !o->check && !o->explain) {
		snprintf(why, len, "no command given");
		return -1;
	}
	return 0;
}

int
opts_parse(int argc, char **argv, struct opts *o, char *why, size_t len)
{
	int c;

	memset(o, 0, sizeof(*o));
	/* Our own one-line messages, not getopt's; the ':' after '+' makes
	 * a missing value ':' rather than '?'. */
	opterr = 0;
	while (
	    (c = getopt_long(argc, argv, "+:i:c:vhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'i':
		case 'c':
		case 'D':
		case 'M':
		case 'P':
			if (take_value(o, c, optarg, why, len) < 0)
				return -1;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'L':
			o->list = true;
			break;
		case 'C':
			o->check = true;
			break;
		case 'F':
			o->force = true;
			break;
		case 'K':
			o->kernel = true;
			break;
		case 'S':
			o->supervise = true;
			break;
		case 'E':
			o->explain = optarg;
			break;
		case 'h':
			o->help = true;
			return 0;
		case 'V':
			o->version = true;
			return 0;
		case ':':
			snprintf(why, len, "option '%s' needs a value",
			    argv[optind - 1]);
			return -1;
		default:
			if (optopt && optopt != '?')
				snprintf(why, len, "unknown option '-%c'",
				    optopt);
			else
				snprintf(why, len, "unknown option '%s'",
				    argv[optind - 1]);
			return -1;
		}
	}
	o->argc = argc - optind;
	o->argv = argv + optind;
	return check_together(o, why, len);
}
