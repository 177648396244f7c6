/*
 * test_cache.c - launcher/cache.c: the compiled rules come from the cache
 * only while every source file and the directory are unchanged; a damaged,
 * foreign or unwritable cache means parsing, never a failure; a cached
 * policy decides as a parsed one does. (handoff(): test_handoff.c.)
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "launcher.h"
#include "tmpdir.h"

static char reported[2048];

static void
report(const char *line)
{
	size_t n = strlen(reported);

	snprintf(reported + n, sizeof(reported) - n, "%s\n", line);
}

static char cachedir[128], rulesdir[128];

static void
setup_dirs(void)
{
	char path[200];

	make_tmpdir("cache");
	snprintf(cachedir, sizeof(cachedir), "%s/c", tmpdir);
	snprintf(rulesdir, sizeof(rulesdir), "%s/rules", tmpdir);
	assert_int_equal(mkdir(rulesdir, 0755), 0);
	snprintf(path, sizeof(path), "%s/rules/50-general.conf", tmpdir);
	write_file("rules/50-general.conf",
	    "interface = \"lo\";\n"
	    "exclude = [\"10.0.0.0/8\", \"2001:db8::/32\"];\n");
	write_file("rules/10-curl.conf",
	    "program = \"curl\";\n"
	    "rules = ( { dst = \"10.1.0.0/16\"; action = \"reject\"; } );\n");
}

static void
rm_rf(const char *dir)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

/* Loads, asks for curl's policy, and says whether it came from the cache
 * and what it decides for 10.1.2.3 (reject from curl's file). */
static bool
load(const char *exe, const char *argv0, const char *dir, int *action)
{
	struct lrules r;
	struct rules_policy *p;
	struct rules_query q;
	struct rules_verdict v;
	char why[256];
	int problems;
	bool hit;

	reported[0] = '\0';
	assert_int_equal(lrules_load(&r, rulesdir, NULL, dir, report,
	                     &problems),
	    0);
	assert_int_equal(problems, 0);
	p = lrules_policy(&r, exe, argv0, why, sizeof(why));
	hit = r.from_cache; /* false too when the group made it parse */
	if (p == NULL)
		print_message("%s\n", why);
	assert_non_null(p);
	memset(&q, 0, sizeof(q));
	q.family = 4;
	inet_pton(AF_INET, "10.1.2.3", q.addr);
	q.proto = RULES_PROTO_TCP;
	q.port = 80;
	rules_match(p, &q, &v);
	*action = (int)v.action;
	rules_policy_free(p);
	lrules_free(&r);
	return hit;
}

static char *
only_cache_file(void)
{
	static char path[600];
	DIR *d = opendir(cachedir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, "rules-", 6) == 0) {
			snprintf(path, sizeof(path), "%s/%s", cachedir,
			    e->d_name);
			n++;
		}
	closedir(d);
	assert_int_equal(n, 1);
	return path;
}

static void
test_hit_and_miss(void **state)
{
	struct stat st;
	char path[300];
	struct timespec ts[2];
	int action;

	(void)state;
	setup_dirs();
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_REJECT);
	assert_int_equal(stat(only_cache_file(), &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_REJECT);
	/* The general file alone for another program, from the cache. */
	assert_true(load("/usr/bin/wget", "wget", cachedir, &action));
	assert_int_equal(action, RULES_PASS);

	/* A file touched: its times changed, so it is parsed again. */
	snprintf(path, sizeof(path), "%s/50-general.conf", rulesdir);
	ts[0].tv_sec = ts[1].tv_sec = 1000000000;
	ts[0].tv_nsec = ts[1].tv_nsec = 0;
	assert_int_equal(utimensat(AT_FDCWD, path, ts, 0), 0);
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));

	/* A file changed: curl's rule no longer rejects. */
	write_file("rules/10-curl.conf",
	    "program = \"curl\";\n"
	    "rules = ( { dst = \"10.1.0.0/16\"; action = \"pass\"; } );\n");
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_PASS);
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));

	/* A file added to the directory, then removed. */
	write_file("rules/20-more.conf",
	    "program = \"curl\";\n"
	    "rules = ( { dst = \"10.1.2.0/24\"; action = \"reject\"; } );\n");
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_PASS); /* 10-curl.conf comes first */
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	snprintf(path, sizeof(path), "%s/20-more.conf", rulesdir);
	assert_int_equal(unlink(path), 0);
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	/* Another file changes the directory's times (unless within the
	 * same clock tick): parsed again or not, then cached. */
	write_file("rules/README", "notes\n");
	(void)load("/usr/bin/curl", "curl", cachedir, &action);
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	rm_rf(tmpdir);
}

/* A group the cache does not hold (curl's files run as ssh, a name the
 * files give no file): parsed, then cached with that group too. */
static void
test_group_not_cached(void **state)
{
	int action;

	(void)state;
	setup_dirs();
	write_file("rules/10-ssh.conf",
	    "program = \"ssh\";\n"
	    "rules = ( { dst = \"10.1.0.0/16\"; action = \"pass\"; } );\n");
	assert_false(load("/usr/bin/wget", "wget", cachedir, &action));
	assert_true(load("/usr/bin/ssh", "ssh", cachedir, &action));
	assert_false(load("/usr/bin/curl", "ssh", cachedir, &action));
	assert_int_equal(action, RULES_REJECT); /* 10-curl.conf first */
	assert_true(load("/usr/bin/curl", "ssh", cachedir, &action));
	rm_rf(tmpdir);
}

static void
test_damaged_cache(void **state)
{
	char *file;
	struct stat st;
	unsigned char *buf;
	size_t off;
	int action, fd;

	(void)state;
	setup_dirs();
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	file = only_cache_file();
	assert_int_equal(stat(file, &st), 0);
	buf = malloc((size_t)st.st_size);
	assert_non_null(buf);
	fd = open(file, O_RDONLY);
	assert_int_equal(read(fd, buf, (size_t)st.st_size), st.st_size);
	close(fd);
	/* Any byte changed, anywhere: ignored and written again. */
	for (off = 0; off < (size_t)st.st_size;
	     off += 1 + (size_t)st.st_size / 37) {
		buf[off] ^= 0x20;
		fd = open(file, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, buf, (size_t)st.st_size),
		    st.st_size);
		close(fd);
		buf[off] ^= 0x20;
		assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
		assert_int_equal(action, RULES_REJECT);
		assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	}
	/* Truncated. */
	assert_int_equal(truncate(file, st.st_size / 2), 0);
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	/* A header alone whose sizes wrap around (sum 0) and whose checksum
	 * is right: refused before anything past it is read (ASan). */
	{
		uint64_t hdr[6]; /* struct cache_head */

		memcpy(hdr, buf, sizeof(hdr));
		hdr[2] = (uint64_t)0 - sizeof(hdr) - hdr[1]; /* checklen */
		hdr[3] = 0;                                  /* bundleoff */
		hdr[4] = sizeof(hdr);                        /* bundlelen */
		hdr[5] = 0xcbf29ce484222325ull; /* checksum of nothing */
		fd = open(file, O_WRONLY | O_TRUNC);
		assert_int_equal(write(fd, hdr, sizeof(hdr)), sizeof(hdr));
		close(fd);
		assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	}
	/* Readable by others: not trusted to be ours alone. */
	assert_int_equal(chmod(file, 0644), 0);
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	free(buf);
	rm_rf(tmpdir);
}

/*
 * A cache file of a format before the current one (magic "BDFCACH1": its
 * bundle holds the order before a per-app file's interface = came ahead
 * of the general files; "BDFCACH2": images without mark =): with
 * everything else intact, still not used. Here version 1's order
 * would pass curl's 10.1.2.3 (the general exclude list), the new binds it
 * (curl's interface =); the file is written again in the new format.
 */
static void
old_format_cache(const char *old)
{
	char *file, magic[9] = { 0 };
	int action, fd;

	setup_dirs();
	write_file("rules/50-general.conf",
	    "exclude = [\"0.0.0.0/0\", \"::/0\"];\n");
	write_file("rules/10-curl.conf",
	    "program = \"curl\";\n"
	    "interface = \"lo\";\n");
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_BIND);
	file = only_cache_file();
	fd = open(file, O_RDWR);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, magic, 8, 0), 8);
	assert_string_equal(magic, "BDFCACH3");
	assert_int_equal(pwrite(fd, old, 8, 0), 8);
	close(fd);
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_BIND);
	fd = open(only_cache_file(), O_RDONLY);
	assert_int_equal(pread(fd, magic, 8, 0), 8);
	close(fd);
	assert_string_equal(magic, "BDFCACH3");
	assert_true(load("/usr/bin/curl", "curl", cachedir, &action));
	assert_int_equal(action, RULES_BIND);
	/* Another program: the general files alone, from the cache. */
	assert_true(load("/usr/bin/wget", "wget", cachedir, &action));
	assert_int_equal(action, RULES_PASS);
	rm_rf(tmpdir);
}

static void
test_old_format_cache(void **state)
{
	(void)state;
	old_format_cache("BDFCACH1");
	old_format_cache("BDFCACH2");
}

/* The cache directory cannot be made (a file is in the way): the rules
 * still load, every time, and nothing is reported. */
static void
test_unwritable_cache(void **state)
{
	char dir[200];
	int action;

	(void)state;
	setup_dirs();
	write_file("blocker", "x\n");
	snprintf(dir, sizeof(dir), "%s/blocker/bindif", tmpdir);
	assert_false(load("/usr/bin/curl", "curl", dir, &action));
	assert_false(load("/usr/bin/curl", "curl", dir, &action));
	assert_string_equal(reported, "");
	/* No cache at all. */
	assert_false(load("/usr/bin/curl", "curl", NULL, &action));
	assert_int_equal(action, RULES_REJECT);
	rm_rf(tmpdir);
}

/* A bad file is reported as file:line whether or not a cache exists,
 * and a hit still checks the interfaces it names. */
static void
test_bad_rules_not_cached(void **state)
{
	struct lrules r;
	int problems, action;

	(void)state;
	setup_dirs();
	assert_false(load("/usr/bin/curl", "curl", cachedir, &action));
	write_file("rules/50-general.conf",
	    "interface = \"lo\";\n"
	    "exclude = [\"10.0.0.0/33\"];\n");
	reported[0] = '\0';
	assert_int_equal(lrules_load(&r, rulesdir, NULL, cachedir, report,
	                     &problems),
	    -1);
	assert_true(problems > 0);
	assert_non_null(strstr(reported, "50-general.conf:2:"));
	lrules_free(&r);
	write_file("rules/50-general.conf", "interface = \"nosuch0\";\n");
	reported[0] = '\0';
	assert_int_equal(lrules_load(&r, rulesdir, NULL, cachedir, report,
	                     &problems),
	    -1);
	assert_non_null(strstr(reported, "50-general.conf:1:"));
	lrules_free(&r);
	rm_rf(tmpdir);
}

/* --list's picture of cache_dir: XDG first, then HOME, never relative. */
static void
test_cache_dir(void **state)
{
	char buf[128];

	(void)state;
	assert_string_equal(cache_dir("/x", "/home/u", buf, sizeof(buf)),
	    "/x/bindif");
	assert_string_equal(cache_dir(NULL, "/home/u", buf, sizeof(buf)),
	    "/home/u/.cache/bindif");
	assert_string_equal(cache_dir("rel", "/home/u", buf, sizeof(buf)),
	    "/home/u/.cache/bindif");
	assert_null(cache_dir(NULL, NULL, buf, sizeof(buf)));
	assert_null(cache_dir(NULL, "rel", buf, sizeof(buf)));
}

/* What one run hands the command: the sealed descriptor's bytes and its
 * token; whether its rules came from the cache. */
static bool
handed(char **bytes, size_t *len, uint8_t tok[RULES_TOKEN_LEN])
{
	struct lrules r;
	struct rules_policy *p;
	struct stat st;
	char env[64], why[256], hex[3];
	int problems, fd, i;
	bool hit;

	assert_int_equal(lrules_load(&r, rulesdir, NULL, cachedir, report,
	                     &problems),
	    0);
	p = lrules_policy(&r, "/usr/bin/curl", "curl", why, sizeof(why));
	assert_non_null(p);
	rules_policy_free(p);
	hit = r.from_cache;
	assert_int_equal(handoff(&r, env, sizeof(env), why, sizeof(why)), 0);
	fd = atoi(env);
	assert_int_equal(fcntl(fd, F_GET_SEALS),
	    F_SEAL_WRITE | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL);
	assert_int_equal(fstat(fd, &st), 0);
	assert_int_equal(st.st_size, (off_t)r.bundle_len);
	*len = r.bundle_len;
	assert_non_null(*bytes = malloc(*len));
	assert_int_equal(pread(fd, *bytes, *len, 0), (ssize_t)*len);
	for (i = 0; i < RULES_TOKEN_LEN; i++) {
		memcpy(hex, strchr(env, ':') + 1 + 2 * i, 2);
		hex[2] = '\0';
		tok[i] = (uint8_t)strtoul(hex, NULL, 16);
	}
	close(fd);
	lrules_free(&r);
	return hit;
}

/* A cached bundle goes into the descriptor as the compiled one did: the
 * same bytes, token aside, sealed, its exact size; a damaged one is not
 * handed over but parsed again. */
static void
test_cached_handoff(void **state)
{
	uint8_t tok_a[RULES_TOKEN_LEN], tok_b[RULES_TOKEN_LEN];
	struct rules_policy *p;
	char *a, *b, *c, why[128];
	size_t alen, blen, clen;

	(void)state;
	setup_dirs();
	assert_false(handed(&a, &alen, tok_a));
	assert_true(handed(&b, &blen, tok_b));
	assert_int_equal(alen, blen);
	rules_bundle_set_token(b, blen, tok_a);
	assert_memory_equal(a, b, alen);
	p = rules_bundle_select(a, alen, tok_a, "/usr/bin/curl", "curl", NULL,
	    why, sizeof(why));
	assert_non_null(p);
	rules_policy_free(p);
	/* One bundle byte changed in the cache file: not from the cache. */
	{
		int fd = open(only_cache_file(), O_RDWR);
		struct stat st;
		char byte;

		assert_true(fd >= 0);
		assert_int_equal(fstat(fd, &st), 0);
		assert_int_equal(pread(fd, &byte, 1, st.st_size - 9), 1);
		byte ^= 0x5a;
		assert_int_equal(pwrite(fd, &byte, 1, st.st_size - 9), 1);
		close(fd);
	}
	assert_false(handed(&c, &clen, tok_b));
	assert_int_equal(clen, alen);
	free(a);
	free(b);
	free(c);
	rm_rf(tmpdir);
}

/* A zeroed lrules (no rules files: bindif -i alone) owns no descriptor:
 * freeing it once closed descriptor 0, the command's stdin. */
static void
test_free_zeroed(void **state)
{
	struct lrules r;

	(void)state;
	if (fcntl(0, F_GETFD) < 0)
		assert_int_equal(open("/dev/null", O_RDONLY), 0);
	memset(&r, 0, sizeof(r));
	lrules_free(&r);
	assert_true(fcntl(0, F_GETFD) >= 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hit_and_miss),
		cmocka_unit_test(test_group_not_cached),
		cmocka_unit_test(test_damaged_cache),
		cmocka_unit_test(test_old_format_cache),
		cmocka_unit_test(test_unwritable_cache),
		cmocka_unit_test(test_bad_rules_not_cached),
		cmocka_unit_test(test_cache_dir),
		cmocka_unit_test(test_free_zeroed),
		cmocka_unit_test(test_cached_handoff),
	};

	(void)remove_tmpdir; /* the scratch tree has directories: rm_rf */
	return cmocka_run_group_tests(tests, NULL, NULL);
}
