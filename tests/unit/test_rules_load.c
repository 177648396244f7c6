/*
 * test_rules_load.c - config/load.c, parse.c and values.c: rules files into
 * a rules_set, and every way a file can be wrong. The error cases are files
 * under fixtures/bad, each starting with "# expect: LINE: SUBSTRING" lines (one
 * per error, in order), so adding a file adds a test.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_impl.h"

#define BAD_DIR FIXTURES_DIR "/bad"
#define GOOD_DIR FIXTURES_DIR "/good"
#define EXAMPLES_DIR "config/examples"

/* ---- helpers ---- */

static void
dump_errors(const struct rules_errors *errs)
{
	size_t i;

	for (i = 0; i < errs->n; i++)
		print_message("    %s:%d: %s\n",
		    errs->v[i].file ? errs->v[i].file : "(none)",
		    errs->v[i].line, errs->v[i].msg);
}

/* Loads text that must be valid; returns the set. */
static struct rules_set *
good(const char *text)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set = rules_load_string(text, "t.conf", &errs);

	assert_non_null(set);
	if (errs.n != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	rules_errors_free(&errs);
	return set;
}

/* Loads text that must have exactly one problem, on line, saying what. */
static void
bad(const char *text, int line, const char *what)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set = rules_load_string(text, "t.conf", &errs);

	assert_non_null(set);
	if (errs.n != 1 || errs.v[0].line != line ||
	    strstr(errs.v[0].msg, what) == NULL) {
		print_message("expected line %d: %s\n", line, what);
		dump_errors(&errs);
	}
	assert_int_equal(errs.n, 1);
	assert_int_equal(errs.v[0].line, line);
	assert_non_null(strstr(errs.v[0].msg, what));
	assert_string_equal(errs.v[0].file, "t.conf");
	rules_errors_free(&errs);
	rules_set_free(set);
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The names in dir ending in suffix (not hidden), sorted. */
static size_t
list_dir(const char *dir, const char *suffix, char ***out)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **v = NULL;
	size_t n = 0, slen = strlen(suffix);

	*out = NULL;
	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);

		if (e->d_name[0] == '.' || len <= slen ||
		    strcmp(e->d_name + len - slen, suffix) != 0)
			continue;
		v = realloc(v, (n + 1) * sizeof(*v));
		assert_non_null(v);
		v[n] = strdup(e->d_name);
		assert_non_null(v[n]);
		n++;
	}
	closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), name_cmp);
	*out = v;
	return n;
}

static void
free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

struct expect {
	int line;
	char what[400];
};

/* The "# expect: LINE: SUBSTRING" lines at the top of a fixture. */
static size_t
read_expects(const char *path, struct expect *ex, size_t max)
{
	FILE *fp = fopen(path, "r");
	char buf[512];
	size_t n = 0;

	assert_non_null(fp);
	while (n < max && fgets(buf, sizeof(buf), fp) != NULL) {
		char *p, *end;
		long line;

		if (strncmp(buf, "# expect: ", 10) != 0)
			break;
		line = strtol(buf + 10, &end, 10);
		assert_true(end != buf + 10 && end[0] == ':' && end[1] == ' ');
		p = end + 2;
		p[strcspn(p, "\n")] = '\0';
		assert_true(strlen(p) > 0);
		ex[n].line = (int)line;
		snprintf(ex[n].what, sizeof(ex[n].what), "%s", p);
		n++;
	}
	fclose(fp);
	return n;
}

/* ---- fixtures/bad: one file per mistake ---- */

static void
test_bad_fixtures(void **state)
{
	char **names, path[1024];
	size_t n, i, j, failed = 0;

	(void)state;
	n = list_dir(BAD_DIR, ".conf", &names);
	assert_true(n >= 40);
	for (i = 0; i < n; i++) {
		struct rules_errors errs = { 0 };
		struct rules_set *set;
		struct expect ex[8];
		size_t nex;
		bool ok;

		snprintf(path, sizeof(path), "%s/%s", BAD_DIR, names[i]);
		nex = read_expects(path, ex, 8);
		if (nex == 0) {
			print_message(
			    "%s: no '# expect: LINE: TEXT' first line\n", path);
			failed++;
			continue;
		}
		set = rules_load(path, &errs);
		assert_non_null(set);
		ok = errs.n == nex;
		for (j = 0; ok && j < nex; j++)
			ok = errs.v[j].line == ex[j].line &&
			    strstr(errs.v[j].msg, ex[j].what) != NULL &&
			    errs.v[j].file != NULL &&
			    strcmp(errs.v[j].file, path) == 0;
		if (!ok) {
			print_message("%s: expected %zu error(s):\n", path,
			    nex);
			for (j = 0; j < nex; j++)
				print_message("    line %d: %s\n", ex[j].line,
				    ex[j].what);
			print_message("  got %zu:\n", errs.n);
			dump_errors(&errs);
			failed++;
		}
		rules_errors_free(&errs);
		rules_set_free(set);
	}
	free_names(names, n);
	assert_int_equal(failed, 0);
}

/* The same mistakes read from a string report the string's name. */
static void
test_bad_from_string(void **state)
{
	(void)state;
	bad("rulez = ();\n", 1,
	    "unknown setting 'rulez' (did you mean "
	    "'rules'?)");
	bad("\n\nrules = ( { dst = \"198.51.100.1/24\"; } );\n", 3,
	    "dst: '198.51.100.1/24' has host bits set (did you mean "
	    "'198.51.100.0/24'?)");
	bad("rules = ( { dst = \"10.0.0.0/8\";\n port = [443, \"8000-8100\"]; "
	    "} );\n",
	    2, "list ( )");
	bad("rules = ( { proto = \"any\"; port = 1; action = \"teleport\"; } "
	    ");\n",
	    1, "unknown action 'teleport'");
	bad("program = \"usr/bin/curl\";\n", 1, "neither a program name");
	bad("rules = ( { acton = \"pass\"; } );\n", 1,
	    "unknown setting 'acton' in a rule (did you mean 'action'?)");
	bad("rules = ( { errnum = \"EPERM\"; action = \"reject\"; } );\n", 1,
	    "(did you mean 'errno'?)");
	bad("rules = ( { interfce = \"eth0\"; } );\n", 1,
	    "(did you mean 'interface'?)");
	bad("rules = ( { protocol = \"tcp\"; } );\n", 1,
	    "unknown setting 'protocol' in a rule");
	bad("excludes = \"10.0.0.0/8\";\n", 1, "(did you mean 'exclude'?)");
	bad("progam = \"curl\";\n", 1, "(did you mean 'program'?)");
	/* An interface of exactly 16 characters is one too many. */
	bad("interface = \"abcdefghijklmnop\";\n", 1, "not a valid interface");
	bad("rules = ( { dst = \"::ffff:10.0.0.1/97\"; } );\n", 1,
	    "host bits set");
	bad("rules = ( { dst = \"1.2.3.4/32/1\"; } );\n", 1, "prefix length");
	bad("rules = ( { dst = \" 1.2.3.4\"; } );\n", 1, "is not an IPv4");
	bad("rules = ( { port = \"80-90-100\"; action = \"pass\"; } );\n", 1,
	    "is not a port or range");
	bad("rules = ( { port = \"-80\"; action = \"pass\"; } );\n", 1,
	    "is not a port or range");
	bad("rules = ( { port = \"99999999999999999999\"; action = \"pass\"; } "
	    ");\n",
	    1, "is not a port or range");
	bad("rules = ( { port = true; action = \"pass\"; } );\n", 1,
	    "port: expected a number");
	bad("rules = ( { port = 80; proto = \"raw\"; } );\n", 1,
	    "have no ports");
	bad("rules = ( { port = 80; proto = [\"icmp\", \"raw\"]; } );\n", 1,
	    "(icmp,raw) have no ports");
}

/* Three problems, three errors, in line order, whatever the setting order. */
static void
test_all_errors_collected(void **state)
{
	const char *text = "rules = (\n"                     /* 1 */
	                   "  { dst = \"10.0.0.1/8\"; },\n"  /* 2 */
	                   "  { port = 0; }\n"               /* 3 */
	                   ");\n"                            /* 4 */
	                   "interface = \"a/b\";\n"          /* 5 */
	                   "exclude = [ \"1.2.3.4/33\" ];\n" /* 6 */
	                   "program = \"x/y\";\n";           /* 7 */
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	static const int lines[] = { 2, 3, 5, 6, 7 };
	static const char *const what[] = { "host bits", "0 is out of range",
		"'a/b' is not a valid interface", "exclude: '1.2.3.4/33'",
		"'x/y' is neither" };
	size_t i;

	(void)state;
	set = rules_load_string(text, "multi.conf", &errs);
	assert_non_null(set);
	if (errs.n != 5)
		dump_errors(&errs);
	assert_int_equal(errs.n, 5);
	for (i = 0; i < 5; i++) {
		assert_int_equal(errs.v[i].line, lines[i]);
		assert_non_null(strstr(errs.v[i].msg, what[i]));
		assert_string_equal(errs.v[i].file, "multi.conf");
	}
	rules_errors_free(&errs);
	assert_null(errs.v);
	assert_int_equal(errs.n, 0);
	rules_set_free(set);
}

/* Errors are appended: a caller can gather several loads in one list. */
static void
test_errors_append(void **state)
{
	struct rules_errors errs = { 0 };
	struct rules_set *a, *b;

	(void)state;
	a = rules_load_string("rulez = ();\n", "a.conf", &errs);
	b = rules_load_string("\nrulez = ();\n", "b.conf", &errs);
	assert_int_equal(errs.n, 2);
	assert_string_equal(errs.v[0].file, "a.conf");
	assert_int_equal(errs.v[0].line, 1);
	assert_string_equal(errs.v[1].file, "b.conf");
	assert_int_equal(errs.v[1].line, 2);
	rules_set_free(a);
	rules_set_free(b);
	rules_errors_free(&errs);
	rules_errors_free(&errs); /* twice is harmless */
}

/* ---- what a valid file turns into ---- */

static void
assert_cidr(const struct rules_cidr *c, const char *addr, int len, int line)
{
	uint8_t want[16] = { 0 };
	int family = strchr(addr, ':') ? 6 : 4;

	assert_int_equal(inet_pton(family == 4 ? AF_INET : AF_INET6, addr,
	                     want),
	    1);
	assert_int_equal(c->family, family);
	assert_int_equal(c->len, len);
	assert_memory_equal(c->addr, want, family == 4 ? 4 : 16);
	assert_int_equal(c->line, line);
}

static void
test_parse_everything(void **state)
{
	const char *text =
	    "program = [\"curl\", \"/usr/bin/wget\"];\n" /* 1 */
	    "interface = \"eth0\";\n"                    /* 2 */
	    "dns = [\"192.0.2.53\", \"2001:db8::53\"]; mark = 0x2024;\n"
	    "exclude = \"192.168.0.0/16\";\n"                     /* 4 */
	    "rules = (\n"                                         /* 5 */
	    "  { dst = \"198.51.100.7\"; action = \"pass\"; },\n" /* 6 */
	    "  { dst = [\"2001:db8::/32\", \"2001:db8::1\",\n"    /* 7 */
	    "           \"0.0.0.0/0\", \"::/0\"];\n"              /* 8 */
	    "    port = (443, \"8000-8100\", \"53\", 65535, \"1-65535\");\n"
	    "    proto = [\"tcp\", \"udp\"];\n"               /* 10 */
	    "    interface = \"wg-home_1.5\"; },\n"           /* 11 */
	    "  { proto = \"icmp\"; action = \"reject\"; },\n" /* 12 */
	    "  { port = [22, 23]; action = \"reject\"; errno = \"EACCES\";\n"
	    "    proto = \"any\"; },\n" /* 14 */
	    "  { }\n"                   /* 15 */
	    ");\n";
	struct rules_set *set;
	const struct rules_file *f;
	const struct rules_entry *e;

	(void)state;
	set = good(text);
	assert_int_equal(set->nfiles, 1);
	f = &set->files[0];
	assert_string_equal(f->name, "t.conf");
	assert_int_equal(f->nprograms, 2);
	assert_string_equal(f->programs[0], "curl");
	assert_string_equal(f->programs[1], "/usr/bin/wget");
	assert_string_equal(f->iface, "eth0");
	assert_int_equal(f->iface_line, 2);
	assert_string_equal(f->dns, "192.0.2.53,2001:db8::53");
	assert_int_equal(f->dns_line, 3);
	assert_int_equal(f->mark, 0x2024);
	assert_int_equal(f->mark_line, 3);
	/* Five rules, then the exclude list although it came first. */
	assert_int_equal(f->nentries, 6);

	e = &f->entries[0];
	assert_int_equal(e->line, 6);
	assert_int_equal(e->reason, RULES_BY_RULE);
	assert_int_equal(e->action, RULES_PASS);
	assert_int_equal(e->ndst, 1);
	assert_cidr(&e->dst[0], "198.51.100.7", 32, 6);
	assert_int_equal(e->nports, 0);
	assert_int_equal(e->proto, RULES_PROTO_ANY);
	assert_null(e->iface);

	e = &f->entries[1];
	assert_int_equal(e->line, 7);
	assert_int_equal(e->action, RULES_BIND);
	assert_int_equal(e->ndst, 4);
	assert_cidr(&e->dst[0], "2001:db8::", 32, 7);
	assert_cidr(&e->dst[1], "2001:db8::1", 128, 7);
	assert_cidr(&e->dst[2], "0.0.0.0", 0, 8);
	assert_cidr(&e->dst[3], "::", 0, 8);
	assert_int_equal(e->nports, 5);
	assert_int_equal(e->ports[0].lo, 443);
	assert_int_equal(e->ports[0].hi, 443);
	assert_int_equal(e->ports[1].lo, 8000);
	assert_int_equal(e->ports[1].hi, 8100);
	assert_int_equal(e->ports[2].lo, 53);
	assert_int_equal(e->ports[2].hi, 53);
	assert_int_equal(e->ports[3].lo, 65535);
	assert_int_equal(e->ports[3].hi, 65535);
	assert_int_equal(e->ports[4].lo, 1);
	assert_int_equal(e->ports[4].hi, 65535);
	assert_int_equal(e->proto, RULES_PROTO_TCP | RULES_PROTO_UDP);
	assert_string_equal(e->iface, "wg-home_1.5");
	assert_int_equal(e->iface_line, 11);

	e = &f->entries[2];
	assert_int_equal(e->line, 12);
	assert_int_equal(e->action, RULES_REJECT);
	assert_int_equal(e->err, ECONNREFUSED); /* the default errno */
	assert_int_equal(e->proto, RULES_PROTO_ICMP);
	assert_int_equal(e->ndst, 0);

	e = &f->entries[3];
	assert_int_equal(e->err, EACCES);
	assert_int_equal(e->nports, 2);
	assert_int_equal(e->proto, RULES_PROTO_ANY);

	e = &f->entries[4]; /* { }: bind everything to the default */
	assert_int_equal(e->line, 15);
	assert_int_equal(e->action, RULES_BIND);
	assert_int_equal(e->ndst, 0);
	assert_int_equal(e->nports, 0);
	assert_int_equal(e->proto, RULES_PROTO_ANY);

	e = &f->entries[5];
	assert_int_equal(e->reason, RULES_BY_EXCLUDE);
	assert_int_equal(e->action, RULES_PASS);
	assert_int_equal(e->line, 4);
	assert_int_equal(e->ndst, 1);
	assert_cidr(&e->dst[0], "192.168.0.0", 16, 4);
	rules_set_free(set);
}

/* An exclude list's elements keep their own lines, even the last one, whose
 * line libconfig notes only at the "]" (or after a comment). */
static void
test_exclude_element_lines(void **state)
{
	const char *text = "interface = \"eth0\";\n"                /* 1 */
	                   "exclude = (\n"                          /* 2 */
	                   "  \"10.0.0.0/8\", \"172.16.0.0/12\",\n" /* 3 */
	                   "  \"192.168.0.0/16\"  # private\n"      /* 4 */
	                   "  ,\n"                                  /* 5 */
	                   "  \"fd00::/8\"\n"                       /* 6 */
	                   "\n"                                     /* 7 */
	                   "  # the end\n"                          /* 8 */
	                   ");\n";                                  /* 9 */
	struct rules_set *set;
	const struct rules_entry *e;

	(void)state;
	set = good(text);
	assert_int_equal(set->files[0].nentries, 1);
	e = &set->files[0].entries[0];
	assert_int_equal(e->ndst, 4);
	assert_cidr(&e->dst[0], "10.0.0.0", 8, 3);
	assert_cidr(&e->dst[1], "172.16.0.0", 12, 3);
	assert_cidr(&e->dst[2], "192.168.0.0", 16, 4);
	assert_cidr(&e->dst[3], "fd00::", 8, 6);
	rules_set_free(set);
}

/* Arrays of strings are read without libconfig (config/bulk.c): the same
 * values, exact lines, and libconfig's lines after them unchanged. */
/* The order note the compiler reads a list in place by: per family,
 * address order (all sixteen bytes), then shorter prefix first. */
static void
order_notes(const char *list, bool v4_sorted, bool v6_sorted, size_t n4,
    size_t n6)
{
	char text[512];
	int pass;

	/* By bulk.c's reader, then by libconfig's (a file with the marker's
	 * escape in a comment is read by libconfig alone). */
	for (pass = 0; pass < 2; pass++) {
		struct rules_set *set;
		const struct rules_entry *e;

		snprintf(text, sizeof(text), "%sexclude = [ %s ];\n",
		    pass ? "# \\x01\n" : "", list);
		set = good(text);
		assert_int_equal(set->files[0].nentries, 1);
		e = &set->files[0].entries[0];
		assert_int_equal(e->nfam[0], n4);
		assert_int_equal(e->nfam[1], n6);
		assert_int_equal(e->sorted[0], v4_sorted);
		assert_int_equal(e->sorted[1], v6_sorted);
		rules_set_free(set);
	}
}

static void
test_order_notes(void **state)
{
	(void)state;
	/* Apart only in the last eight bytes. */
	order_notes("\"2001:db8::1/128\", \"2001:db8::2/128\"", true, true, 0,
	    2);
	order_notes("\"2001:db8::2/128\", \"2001:db8::1/128\"", true, false, 0,
	    2);
	/* Apart only in the first eight. */
	order_notes("\"2001:db8:0:2::/64\", \"2001:db8:0:1::/64\"", true, false,
	    0, 2);
	/* The same address: the shorter prefix first. */
	order_notes("\"10.0.0.0/8\", \"10.0.0.0/16\"", true, true, 2, 0);
	order_notes("\"10.0.0.0/16\", \"10.0.0.0/8\"", false, true, 2, 0);
	/* Each family on its own, whatever lies between. */
	order_notes("\"10.0.0.0/8\", \"2001:db8::/32\", \"9.0.0.0/8\", "
	            "\"2001:db9::/32\"",
	    false, true, 2, 2);
}

static void
test_bracket_arrays(void **state)
{
	const char *text =
	    "exclude = [\n"                             /* 1 */
	    "  \"10.0.0.0/8\", \"172.16.0.0/12\",\n"    /* 2 */
	    "  /* a comment\n"                          /* 3 */
	    "     \"192.0.2.0/24\" */\n"                /* 4 */
	    "  \"192.168.0.0/16\"  # private\n"         /* 5 */
	    "  ,\n"                                     /* 6 */
	    "  \"fd00::/8\"\n"                          /* 7 */
	    "];\n"                                      /* 8 */
	    "program = [\"a]b\", \"c#d\"];\n"           /* 9 */
	    "rules = ( { dst = [\"198.51.100.0/24\",\n" /* 10 */
	    "  \"2001:db8::/32\"]; port = [\"80\", \"8000-8100\"]; "
	    "proto = [\"tcp\", \"udp\"]; } );\n" /* 11 */
	    "interface = \"eth0\";\n";           /* 12 */
	struct rules_set *set;
	const struct rules_file *f;
	const struct rules_entry *e;

	(void)state;
	set = good(text);
	f = &set->files[0];
	assert_string_equal(f->iface, "eth0");
	assert_int_equal(f->iface_line, 12);
	assert_int_equal(f->nprograms, 2);
	assert_string_equal(f->programs[0], "a]b");
	assert_string_equal(f->programs[1], "c#d");
	assert_int_equal(f->nentries, 2);
	e = &f->entries[0]; /* the rule: rules before exclude */
	assert_int_equal(e->ndst, 2);
	assert_cidr(&e->dst[0], "198.51.100.0", 24, 10);
	assert_cidr(&e->dst[1], "2001:db8::", 32, 11);
	assert_int_equal(e->nports, 2);
	assert_int_equal(e->ports[1].lo, 8000);
	assert_int_equal(e->ports[1].hi, 8100);
	assert_int_equal(e->proto, RULES_PROTO_TCP | RULES_PROTO_UDP);
	e = &f->entries[1];
	assert_int_equal(e->ndst, 4);
	assert_cidr(&e->dst[0], "10.0.0.0", 8, 2);
	assert_cidr(&e->dst[1], "172.16.0.0", 12, 2);
	assert_cidr(&e->dst[2], "192.168.0.0", 16, 5);
	assert_cidr(&e->dst[3], "fd00::", 8, 7);
	rules_set_free(set);
	/* Mistakes inside and after them, on their own lines. */
	bad("exclude = [\n\"10.0.0.0/8\",\n\n\"10.0.0.1/8\"];\n", 4,
	    "host bits");
	bad("exclude = [\n\"10.0.0.0/8\",\n\"10.0.0.0/8\"];\nexclud = 1;\n", 4,
	    "unknown setting 'exclud'");
	bad("exclude = [\n\"10.0.0.0/8\",\n\"fd00::/8\"];\nx = ;\n", 4,
	    "syntax error");
	bad("rules = ( { dst = [\"10.0.0.0/8\",\n\"10.0.0.0/8\"]; port = "
	    "[\"0\"]; } );\n",
	    2, "port:");
	bad("program = [\"a\",\n\"rel/x\"];\n", 2, "neither");
	bad("dns = [\"192.0.2.53\",\n\"nope\"];\n", 2, "dns: 'nope'");
	bad("rules = ( { proto = [\"tcp\",\n\"sctp\"]; } );\n", 2,
	    "unknown protocol 'sctp'");
	/* After two arrays read by bulk.c, libconfig's own lines. */
	bad("program = [\n\"a\"\n];\nexclude = [\n\"10.0.0.0/8\",\n\n"
	    "\"fd00::/8\"]; x = ;\n",
	    7, "syntax error");
	bad("program = [\n\"a\"\n]; exclude = [\n\"10.0.0.0/8\",\n\n"
	    "\"fd00::/8\"\n];\nrules = 1;\n",
	    8, "rules: expected a list");
	/* A trailing comma is libconfig's to refuse, on its line. */
	bad("exclude = [\n\"10.0.0.0/8\",\n];\n", 3, "syntax error");
	/* A string made to look like the marker stays a string. */
	set = good("program = [\"\\x01bindif:0\"];\n"
	           "exclude = [\"10.0.0.0/8\"];\n");
	assert_int_equal(set->files[0].nprograms, 1);
	assert_string_equal(set->files[0].programs[0], "\001bindif:0");
	assert_int_equal(set->files[0].entries[0].ndst, 1);
	rules_set_free(set);
}

static void
test_exclude_forms(void **state)
{
	struct rules_set *set;

	(void)state;
	set = good("exclude = [\"10.0.0.0/8\", \"fd00::/8\"];\n");
	assert_int_equal(set->files[0].entries[0].ndst, 2);
	assert_int_equal(set->files[0].entries[0].proto, RULES_PROTO_ANY);
	assert_int_equal(set->files[0].entries[0].reason, RULES_BY_EXCLUDE);
	rules_set_free(set);
	set = good("exclude = (\"10.0.0.0/8\", \"fd00::/8\");\n");
	assert_int_equal(set->files[0].entries[0].ndst, 2);
	rules_set_free(set);
	set = good("exclude = \"10.0.0.1\";\n");
	assert_cidr(&set->files[0].entries[0].dst[0], "10.0.0.1", 32, 1);
	rules_set_free(set);
	/* An empty file is valid: it says nothing. */
	set = good("# nothing\n");
	assert_int_equal(set->nfiles, 1);
	assert_int_equal(set->files[0].nentries, 0);
	assert_null(set->files[0].iface);
	rules_set_free(set);
	set = good("");
	assert_int_equal(set->nfiles, 1);
	rules_set_free(set);
	/* libconfig's other separators and the colon. */
	set = good("interface: \"eth0\"\nrules: ( { dst: \"10.0.0.0/8\", "
	           "action: \"pass\" } )\n");
	assert_int_equal(set->files[0].nentries, 1);
	rules_set_free(set);
}

static void
test_every_errno(void **state)
{
	static const struct {
		const char *name;
		int value;
	} v[] = { { "ECONNREFUSED", ECONNREFUSED }, { "EACCES", EACCES },
		{ "EPERM", EPERM }, { "ENETUNREACH", ENETUNREACH },
		{ "EHOSTUNREACH", EHOSTUNREACH }, { "ECONNRESET", ECONNRESET },
		{ "ETIMEDOUT", ETIMEDOUT }, { "ECONNABORTED", ECONNABORTED },
		{ "EADDRNOTAVAIL", EADDRNOTAVAIL } };
	char text[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct rules_set *set;

		snprintf(text, sizeof(text),
		    "rules = ( { action = \"reject\"; "
		    "errno = \"%s\"; } );\n",
		    v[i].name);
		set = good(text);
		assert_int_equal(set->files[0].entries[0].err, v[i].value);
		rules_set_free(set);
	}
	bad("rules = ( { action = \"reject\"; errno = \"EINTR\"; } );\n", 1,
	    "'EINTR' is not one of");
}

static void
test_interface_names(void **state)
{
	static const char *const ok[] = { "e", "eth0", "abcdefghijklmno",
		"eth0.100", "wg-home_1", "br@x", "..." };
	static const char *const no[] = { "", "abcdefghijklmnop", "a/b", "a:b",
		"a b", ".", "..", "\\t" };
	char text[200];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		struct rules_set *set;

		snprintf(text, sizeof(text), "interface = \"%s\";\n", ok[i]);
		set = good(text);
		assert_string_equal(set->files[0].iface, ok[i]);
		rules_set_free(set);
		snprintf(text, sizeof(text),
		    "rules = ( { interface = \"%s\"; "
		    "} );\n",
		    ok[i]);
		set = good(text);
		assert_string_equal(set->files[0].entries[0].iface, ok[i]);
		rules_set_free(set);
	}
	for (i = 0; i < sizeof(no) / sizeof(no[0]); i++) {
		snprintf(text, sizeof(text), "interface = \"%s\";\n", no[i]);
		bad(text, 1, "is not a valid interface name");
		snprintf(text, sizeof(text),
		    "rules = (\n { interface = \"%s\"; "
		    "} );\n",
		    no[i]);
		bad(text, 2, "is not a valid interface name");
	}
}

static void
test_program_forms(void **state)
{
	struct rules_set *set;

	(void)state;
	set = good("program = \"curl\";\n");
	assert_int_equal(set->files[0].nprograms, 1);
	assert_string_equal(set->files[0].programs[0], "curl");
	rules_set_free(set);
	set =
	    good("program = (\"/usr/bin/ssh\", \"scp\", \"git-remote-https\");"
	         "\n");
	assert_int_equal(set->files[0].nprograms, 3);
	assert_string_equal(set->files[0].programs[0], "/usr/bin/ssh");
	rules_set_free(set);
	set = good("rules = ( { dst = \"10.0.0.0/8\"; } );\n");
	assert_int_equal(set->files[0].nprograms, 0);
	rules_set_free(set);
}

/* The mixed ports need a list; an array of one type is fine. */
static void
test_port_forms(void **state)
{
	struct rules_set *set;

	(void)state;
	set = good("rules = ( { port = (443, \"8000-8100\"); } );\n");
	assert_int_equal(set->files[0].entries[0].nports, 2);
	rules_set_free(set);
	set = good("rules = ( { port = [\"443\", \"8000-8100\"]; } );\n");
	assert_int_equal(set->files[0].entries[0].nports, 2);
	rules_set_free(set);
	set = good("rules = ( { port = [80, 443]; proto = [\"icmp\", \"tcp\"]; "
	           "} );\n");
	assert_int_equal(set->files[0].entries[0].nports, 2);
	rules_set_free(set);
	set = good("rules = ( { port = \"1-1\"; proto = \"udp\"; } );\n");
	assert_int_equal(set->files[0].entries[0].ports[0].lo, 1);
	assert_int_equal(set->files[0].entries[0].ports[0].hi, 1);
	rules_set_free(set);
	set = good("rules = ( { port = 8080L; } );\n");
	assert_int_equal(set->files[0].entries[0].ports[0].lo, 8080);
	rules_set_free(set);
	set = good("rules = ( { port = 0x1bb; } );\n");
	assert_int_equal(set->files[0].entries[0].ports[0].lo, 443);
	rules_set_free(set);
}

/* ---- directories, paths ---- */

struct seen {
	char name[8][RULES_IFNAMSIZ];
	char file[8][256];
	int line[8];
	int n, stop_at;
};

static int
record_iface(void *arg, const char *ifname, const char *file, int line)
{
	struct seen *s = arg;

	assert_true(s->n < 8);
	snprintf(s->name[s->n], sizeof(s->name[0]), "%s", ifname);
	snprintf(s->file[s->n], sizeof(s->file[0]), "%s", file);
	s->line[s->n] = line;
	s->n++;
	return s->n == s->stop_at ? 42 : 0;
}

static void
test_good_directory(void **state)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	struct seen seen = { .stop_at = 0 };

	(void)state;
	set = rules_load(GOOD_DIR, &errs);
	assert_non_null(set);
	if (errs.n != 0)
		dump_errors(&errs);
	assert_int_equal(errs.n, 0);
	/* .hidden.conf, README and 15-notes.conf.bak are not read. */
	assert_int_equal(set->nfiles, 2);
	assert_string_equal(set->files[0].name, GOOD_DIR "/10-curl.conf");
	assert_string_equal(set->files[1].name, GOOD_DIR "/20-general.conf");
	assert_int_equal(set->files[0].nprograms, 2);
	assert_int_equal(set->files[1].nprograms, 0);

	assert_int_equal(rules_set_each_iface(set, record_iface, &seen), 0);
	assert_int_equal(seen.n, 4);
	assert_string_equal(seen.name[0], "wg0");
	assert_string_equal(seen.file[0], GOOD_DIR "/10-curl.conf");
	assert_int_equal(seen.line[0], 3);
	assert_string_equal(seen.name[1], "tun7");
	assert_string_equal(seen.file[1], GOOD_DIR "/10-curl.conf");
	assert_int_equal(seen.line[1], 9);
	assert_string_equal(seen.name[2], "eth0");
	assert_string_equal(seen.file[2], GOOD_DIR "/20-general.conf");
	assert_int_equal(seen.line[2], 2);
	assert_string_equal(seen.name[3], "wlan0");
	assert_string_equal(seen.file[3], GOOD_DIR "/20-general.conf");
	assert_int_equal(seen.line[3], 12);

	/* A non-zero return stops the walk and is passed on. */
	memset(&seen, 0, sizeof(seen));
	seen.stop_at = 2;
	assert_int_equal(rules_set_each_iface(set, record_iface, &seen), 42);
	assert_int_equal(seen.n, 2);
	assert_int_equal(rules_set_each_iface(NULL, record_iface, &seen), 0);
	rules_set_free(set);

	/* A trailing slash does not double up in the names. */
	set = rules_load(GOOD_DIR "/", &errs);
	assert_non_null(set);
	assert_int_equal(errs.n, 0);
	assert_int_equal(set->nfiles, 2);
	assert_string_equal(set->files[0].name, GOOD_DIR "/10-curl.conf");
	rules_set_free(set);

	/* One file of it, by its path. */
	set = rules_load(GOOD_DIR "/20-general.conf", &errs);
	assert_non_null(set);
	assert_int_equal(errs.n, 0);
	assert_int_equal(set->nfiles, 1);
	assert_string_equal(set->files[0].name, GOOD_DIR "/20-general.conf");
	assert_int_equal(set->files[0].nentries, 2);
	assert_int_equal(set->files[0].entries[1].dst[1].line, 6);
	rules_set_free(set);
}

static void
test_missing_path(void **state)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set;
	const char *path = FIXTURES_DIR "/no-such-file.conf";

	(void)state;
	set = rules_load(path, &errs);
	assert_non_null(set);
	assert_int_equal(errs.n, 1);
	assert_non_null(errs.v[0].file);
	assert_string_equal(errs.v[0].file, path);
	assert_int_equal(errs.v[0].line, 0);
	assert_non_null(strstr(errs.v[0].msg, strerror(ENOENT)));
	rules_errors_free(&errs);
	rules_set_free(set);
}

#include "tmpdir.h"

static void
test_directory_without_conf(void **state)
{
	struct rules_errors errs = { 0 };
	struct rules_set *set;

	(void)state;
	make_tmpdir("rules");
	write_file("README", "interface = \"eth0\";\n");
	write_file(".hidden.conf", "interface = \"eth0\";\n");
	write_file(".conf", "interface = \"eth0\";\n");
	write_file("x.conf.orig", "interface = \"eth0\";\n");
	set = rules_load(tmpdir, &errs);
	assert_non_null(set);
	assert_int_equal(errs.n, 1);
	assert_string_equal(errs.v[0].file, tmpdir);
	assert_int_equal(errs.v[0].line, 0);
	assert_non_null(strstr(errs.v[0].msg, "no *.conf files"));
	assert_int_equal(set->nfiles, 0);
	rules_errors_free(&errs);
	rules_set_free(set);

	/* Errors of several files: file by file in name order, each in line
	 * order, each naming its file. */
	write_file("b.conf", "\nrulez = ();\n");
	write_file("a.conf",
	    "interface = \"x/y\";\nrules = ( { port = 0; } );\n"
	    "\nexclude = \"1.2.3.4/1\";\n");
	write_file("c.conf", "interface = \"eth0\";\n");
	set = rules_load(tmpdir, &errs);
	assert_non_null(set);
	if (errs.n != 4)
		dump_errors(&errs);
	assert_int_equal(errs.n, 4);
	assert_int_equal(set->nfiles, 3);
	assert_non_null(strstr(errs.v[0].file, "/a.conf"));
	assert_int_equal(errs.v[0].line, 1);
	assert_non_null(strstr(errs.v[1].file, "/a.conf"));
	assert_int_equal(errs.v[1].line, 2);
	assert_non_null(strstr(errs.v[2].file, "/a.conf"));
	assert_int_equal(errs.v[2].line, 4);
	assert_non_null(strstr(errs.v[3].file, "/b.conf"));
	assert_int_equal(errs.v[3].line, 2);
	assert_non_null(strstr(set->files[0].name, "/a.conf"));
	assert_non_null(strstr(set->files[1].name, "/b.conf"));
	assert_non_null(strstr(set->files[2].name, "/c.conf"));
	rules_errors_free(&errs);
	rules_set_free(set);
	remove_tmpdir();
}

/* Whatever the documentation ships must load cleanly. */
static void
test_examples(void **state)
{
	char **names, path[1024];
	size_t n, i;

	(void)state;
	n = list_dir(EXAMPLES_DIR, ".conf", &names);
	if (n == 0)
		print_message(
		    "no " EXAMPLES_DIR "/*.conf yet: nothing to check\n");
	for (i = 0; i < n; i++) {
		struct rules_errors errs = { 0 };
		struct rules_set *set;

		snprintf(path, sizeof(path), "%s/%s", EXAMPLES_DIR, names[i]);
		set = rules_load(path, &errs);
		assert_non_null(set);
		if (errs.n != 0) {
			print_message("%s:\n", path);
			dump_errors(&errs);
		}
		assert_int_equal(errs.n, 0);
		assert_int_equal(set->nfiles, 1);
		rules_set_free(set);
	}
	if (n > 0) {
		struct rules_errors errs = { 0 };
		struct rules_set *set = rules_load(EXAMPLES_DIR, &errs);

		assert_non_null(set);
		assert_int_equal(errs.n, 0);
		assert_int_equal(set->nfiles, n);
		rules_set_free(set);
	}
	free_names(names, n);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bad_fixtures),
		cmocka_unit_test(test_bad_from_string),
		cmocka_unit_test(test_all_errors_collected),
		cmocka_unit_test(test_errors_append),
		cmocka_unit_test(test_parse_everything),
		cmocka_unit_test(test_exclude_element_lines),
		cmocka_unit_test(test_bracket_arrays),
		cmocka_unit_test(test_order_notes),
		cmocka_unit_test(test_exclude_forms),
		cmocka_unit_test(test_every_errno),
		cmocka_unit_test(test_interface_names),
		cmocka_unit_test(test_program_forms),
		cmocka_unit_test(test_port_forms),
		cmocka_unit_test(test_good_directory),
		cmocka_unit_test(test_missing_path),
		cmocka_unit_test(test_directory_without_conf),
		cmocka_unit_test(test_examples),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
