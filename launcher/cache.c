/*
 * cache.c - the launcher's rules, parsed or cached. Parsing a 100,000-CIDR
 * file with libconfig costs tens of milliseconds a run; when every source
 * file (and a directory's own entry) is as it was, the compiled bundle of
 * the last run is used instead, and only what can change without the
 * files - the interfaces - is checked again. A cache is written only for
 * rules that passed every check, atomically, mode 0600; anything wrong with
 * it (missing, foreign, damaged, unwritable) just means parsing.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "launcher.h"

/* 2: bundles of image version 2 (the per-app interface = before the
 * general files); 3: of image version 3 (mark =). A file of an older
 * magic is never read, only written over. */
#define CACHE_MAGIC "BDFCACH3"
#define CACHE_MAX ((size_t)1 << 30)

struct cache_head {
	char magic[8];
	uint64_t keylen, checklen, bundleoff, bundlelen, sum;
};

const char *
cache_dir(const char *xdg, const char *home, char *buf, size_t len)
{
	int n;

	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(buf, len, "%s/bindif", xdg);
	else if (home != NULL && home[0] == '/')
		n = snprintf(buf, len, "%s/.cache/bindif", home);
	else
		return NULL;
	return n > 0 && (size_t)n < len ? buf : NULL;
}

/* Not a cryptographic hash: it only has to notice damage. Pieces chain
 * (h is the sum so far; start with CHECKSUM_START) where each but the
 * last is a multiple of 8 bytes long. */
#define CHECKSUM_START 0xcbf29ce484222325ull
static uint64_t
checksum_more(uint64_t h, const char *p, size_t len)
{
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < len; i++)
		h = (h ^ (unsigned char)p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t
checksum(const char *p, size_t len)
{
	return checksum_more(CHECKSUM_START, p, len);
}

static int
by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "file ID PATH" for each file rules_load would read, in its order. */
static bool
key_dir(FILE *m, const char *dir)
{
	char **names = NULL, **grown, path[PATH_MAX];
	size_t n = 0, i;
	struct dirent *d;
	struct stat st;
	bool ok = true;
	DIR *dp = opendir(dir);

	if (dp == NULL)
		return false;
	while ((d = readdir(dp)) != NULL && ok) {
		if (!rules_is_conf_name(d->d_name))
			continue;
		if ((grown = realloc(names, (n + 1) * sizeof(*names))) ==
		        NULL ||
		    (names = grown, names[n] = strdup(d->d_name)) == NULL)
			ok = false;
		else
			n++;
	}
	closedir(dp);
	if (n > 0)
		qsort(names, n, sizeof(*names), by_name);
	for (i = 0; i < n && ok; i++) {
		if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir,
		        names[i]) >= sizeof(path) ||
		    stat(path, &st) < 0)
			ok = false;
		else {
			fputs("file ", m);
			lplat_file_id(m, &st);
			fprintf(m, " %s\n", path);
		}
	}
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return ok;
}

/*
 * What the compiled rules depend on, as text: the path, -i, and the
 * identity (device, inode, size, modification and change times) of every
 * source file and of a directory itself, whose times change when a file is
 * added or removed. NULL when it cannot be said (then no cache).
 */
static char *
cache_key(const char *path, const char *iface)
{
	char abs[PATH_MAX], *text = NULL;
	size_t len = 0;
	struct stat st;
	FILE *m;
	bool ok;

	if (realpath(path, abs) == NULL || stat(abs, &st) < 0 ||
	    (m = open_memstream(&text, &len)) == NULL)
		return NULL;
	fprintf(m, "bindif rules\npath %s\niface %s\n", abs,
	    iface ? iface : "");
	fputs(S_ISDIR(st.st_mode) ? "dir " : "file ", m);
	lplat_file_id(m, &st);
	fprintf(m, " %s\n", abs);
	ok = !S_ISDIR(st.st_mode) || key_dir(m, abs);
	if (fclose(m) != 0 || !ok || strlen(text) != len) {
		free(text);
		return NULL;
	}
	return text;
}

static char *
cache_file(const char *dir, const char *key)
{
	/* One file per rules path and -i: the key's second and third lines. */
	const char *from = strchr(key, '\n') + 1;
	const char *to = strchr(strchr(from, '\n') + 1, '\n');
	char *file;

	if (asprintf(&file, "%s/rules-%016llx", dir,
	        (unsigned long long)checksum(from, (size_t)(to - from))) < 0)
		return NULL;
	return file;
}

/* The bundle's storage, whatever it is. */
static void
bundle_free(struct lrules *r)
{
	if (r->in_policy) {
		if (r->bundle != NULL)
			(void)lplat_policy_resize(r->policy_fd, r->bundle,
			    r->policy_map, 0);
		(void)close(r->policy_fd);
		r->in_policy = false;
	} else if (!r->from_cache)
		free(r->bundle);
	r->bundle = NULL;
}

/* Whether h (a cache file of size bytes) is laid out as ours, holding a
 * key keylen long. In this order, so no sum below can wrap. */
static bool
head_ok(const struct cache_head *h, size_t size, size_t keylen)
{
	return memcmp(h->magic, CACHE_MAGIC, 8) == 0 && h->keylen == keylen &&
	    keylen <= size - sizeof(*h) &&
	    h->checklen <= size - sizeof(*h) - keylen &&
	    h->bundleoff % 8 == 0 &&
	    h->bundleoff >= sizeof(*h) + h->keylen + h->checklen &&
	    h->bundleoff <= size && h->bundlelen == size - h->bundleoff;
}

static bool
read_at(int fd, char *buf, size_t len, off_t off)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(fd, buf + done, len - done, off + (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

/*
 * Reads a cache file of ours that holds key: its head (header, key,
 * checks) into the heap, returned; its bundle straight into a hand-off
 * descriptor (r->policy_fd, mapped at r->bundle) rather than into the heap
 * and then copied there (0.7 ms of a warm start with 100,000 CIDRs), or,
 * where no such descriptor can be made, into the heap after the head.
 * NULL when it is not ours, damaged or unreadable.
 */
static char *
cache_read(struct lrules *r, const char *key, struct cache_head *h)
{
	int fd = open(r->file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	size_t keylen = strlen(key), size, head;
	char *buf = NULL, *bundle = NULL, nowhy[256];
	struct stat st;

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) ||
	    st.st_uid != geteuid() || (st.st_mode & 077) != 0 ||
	    (size_t)st.st_size < sizeof(*h) || (size_t)st.st_size > CACHE_MAX ||
	    !read_at(fd, (char *)h, sizeof(*h), 0))
		goto bad;
	size = (size_t)st.st_size;
	if (!head_ok(h, size, keylen))
		goto bad;
	head = (size_t)h->bundleoff;
	r->policy_fd = lplat_policy_fd(nowhy, sizeof(nowhy));
	r->in_policy = r->policy_fd >= 0;
	if ((buf = malloc(r->in_policy ? head : size)) == NULL ||
	    !read_at(fd, buf, r->in_policy ? head : size, 0))
		goto bad;
	if (!r->in_policy)
		bundle = buf + head;
	else if (lplat_policy_fill(r->policy_fd, fd, (off_t)head,
	             (size_t)h->bundlelen) < 0 ||
	    (bundle = lplat_policy_resize(r->policy_fd, NULL, 0,
	         (size_t)h->bundlelen)) == NULL)
		goto bad;
	r->bundle = bundle;
	r->policy_map = r->in_policy ? (size_t)h->bundlelen : 0;
	/* The head is a multiple of 8 bytes long: the sum chains. */
	if (h->sum !=
	        checksum_more(checksum(buf + sizeof(*h), head - sizeof(*h)),
	            bundle, (size_t)h->bundlelen) ||
	    memcmp(buf + sizeof(*h), key, keylen) != 0 ||
	    memchr(buf + sizeof(*h) + keylen, '\0', h->checklen) != NULL ||
	    (h->checklen > 0 &&
	        buf[sizeof(*h) + keylen + h->checklen - 1] != '\n'))
		goto bad;
	close(fd);
	return buf;
bad:
	/* Without a descriptor the bundle lies inside buf, freed with it. */
	if (!r->in_policy)
		r->bundle = NULL;
	bundle_free(r);
	free(buf);
	close(fd);
	return NULL;
}

static int
add_check(void *arg, const char *ifname, const char *file, int line)
{
	/* A name has no spaces or newlines (load.c); the file ends the line. */
	fprintf(arg, "%d %s %s\n", line, ifname, file);
	return strchr(file, '\n') != NULL;
}

/*
 * Writes the cache: header, key, checks, bundle. Only when the files are
 * still what the key says (a file edited while it was parsed is not
 * cached), through a temporary file renamed over the old one. The bundle
 * is written from where it is, not copied: it is megabytes for a big list.
 */
static void
cache_write(const struct lrules *r)
{
	char *checks = NULL, *now = NULL, *tmp = NULL, *dir = NULL,
	     *head = NULL, *slash;
	size_t checklen = 0, keylen, off;
	struct cache_head h;
	struct iovec iov[2];
	FILE *m = NULL;
	int fd = -1, bad;
	bool made = false;

	/* The directory, and its parent for ~/.cache; no temporary file, no
	 * cache, and nothing else to do. */
	if ((dir = strdup(r->file)) == NULL ||
	    (slash = strrchr(dir, '/')) == NULL)
		goto out;
	*slash = '\0';
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		(void)mkdir(dir, 0700);
		*slash = '/';
	}
	(void)mkdir(dir, 0700);
	if (asprintf(&tmp, "%s/.tmp-XXXXXX", dir) < 0) {
		tmp = NULL;
		goto out;
	}
	if ((fd = mkstemp(tmp)) < 0)
		goto out;
	made = true;
	if ((now = cache_key(r->path, r->iface)) == NULL ||
	    strcmp(now, r->key) != 0 ||
	    (m = open_memstream(&checks, &checklen)) == NULL)
		goto out;
	bad = rules_set_each_iface(r->set, add_check, m);
	if (fclose(m) != 0 || bad) {
		m = NULL;
		goto out;
	}
	m = NULL;
	keylen = strlen(r->key);
	off = (sizeof(h) + keylen + checklen + 7) & ~(size_t)7;
	if ((head = calloc(1, off)) == NULL)
		goto out;
	memcpy(head + sizeof(h), r->key, keylen);
	memcpy(head + sizeof(h) + keylen, checks, checklen);
	memset(&h, 0, sizeof(h));
	memcpy(h.magic, CACHE_MAGIC, 8);
	h.keylen = keylen;
	h.checklen = checklen;
	h.bundleoff = off;
	h.bundlelen = r->bundle_len;
	/* sizeof(h) and off are multiples of 8: the sum chains. */
	h.sum = checksum_more(checksum(head + sizeof(h), off - sizeof(h)),
	    r->bundle, r->bundle_len);
	memcpy(head, &h, sizeof(h));
	iov[0] = (struct iovec){ head, off };
	iov[1] = (struct iovec){ r->bundle, r->bundle_len };
	if (fchmod(fd, 0600) == 0 &&
	    writev(fd, iov, 2) == (ssize_t)(off + r->bundle_len)) {
		bad = close(fd);
		fd = -1;
		if (bad == 0 && rename(tmp, r->file) == 0)
			made = false; /* it is the cache now */
	}
out:
	if (fd >= 0)
		(void)close(fd);
	if (made)
		(void)unlink(tmp);
	if (m != NULL)
		fclose(m);
	free(checks);
	free(now);
	free(tmp);
	free(dir);
	free(head);
}

static int
check_cached(void *arg, const char *ifname, const char *file, int line)
{
	const struct lrules *r = arg;

	if (checks_iface(ifname, file, line, r->report))
		r->problems[0]++;
	return 0;
}

static int
parse(struct lrules *r, int *problems)
{
	rules_set_free(r->set);
	bundle_free(r);
	free(r->cache);
	r->cache = r->checks = NULL;
	r->from_cache = false;
	r->set = checks_rules(r->path, r->report, problems);
	return r->set ? 0 : -1;
}

int
lrules_load(struct lrules *r, const char *path, const char *iface,
    const char *dir, void (*report)(const char *line), int *problems)
{
	struct cache_head h;

	memset(r, 0, sizeof(*r));
	r->path = path;
	r->iface = iface;
	r->report = report;
	*problems = 0;
	/* The key is taken before the files are read: if they change
	 * while they are parsed, it no longer matches and nothing is
	 * written. */
	if (dir != NULL && (r->key = cache_key(path, iface)) != NULL &&
	    (r->file = cache_file(dir, r->key)) != NULL &&
	    (r->cache = cache_read(r, r->key, &h)) != NULL) {
		/* Lines end in '\n', the last one too: it becomes the
		 * NUL, inside the checks. */
		r->checks = h.checklen ? r->cache + sizeof(h) + h.keylen : NULL;
		if (r->checks != NULL)
			r->checks[h.checklen - 1] = '\0';
		r->bundle_len = (size_t)h.bundlelen;
		r->from_cache = true;
		r->problems = problems;
		/* Interfaces can come and go without the files changing. */
		if (lrules_each_iface(r, check_cached, r) == 0)
			return *problems ? -1 : 0;
		*problems = 0; /* unreadable after all: parse */
	}
	return parse(r, problems);
}

int
lrules_each_iface(const struct lrules *r,
    int (*fn)(void *arg, const char *ifname, const char *file, int line),
    void *arg)
{
	const char *p = r->checks;
	char name[RULES_IFNAMSIZ], file[PATH_MAX];
	int line, n, rc;

	if (!r->from_cache)
		return rules_set_each_iface(r->set, fn, arg);
	for (; p != NULL && *p != '\0';
	     p = strchr(p, '\n'), p = p ? p + 1 : p) {
		if (sscanf(p, "%d %15s %n", &line, name, &n) != 2)
			return -1;
		snprintf(file, sizeof(file), "%.*s", (int)strcspn(p + n, "\n"),
		    p + n);
		if ((rc = fn(arg, name, file, line)) != 0)
			return rc;
	}
	return 0;
}

static void *
policy_resize(void *arg, void *old, size_t oldlen, size_t len)
{
	struct lrules *r = arg;
	void *p = lplat_policy_resize(r->policy_fd, old, oldlen, len);

	if (p != NULL || len == 0)
		r->policy_map = p ? len : 0;
	return p;
}

/*
 * The bundle, compiled straight into the descriptor handoff() gives the
 * command: building it on the heap and copying it there cost a 100,000-
 * CIDR cold start 1-1.4 ms of fresh pages and copies (2.8 MB). On the
 * heap when there is no such descriptor; handoff() then says so.
 */
static int
build(struct lrules *r, const struct rules_prog *progs, size_t nprogs,
    char *why, size_t whylen)
{
	struct rules_store store = { policy_resize, r };
	char nowhy[256];

	if ((r->policy_fd = lplat_policy_fd(nowhy, sizeof(nowhy))) < 0)
		return rules_bundle_build(r->set, r->iface, progs, nprogs,
		    &r->bundle, &r->bundle_len, why, whylen);
	r->in_policy = true;
	if (rules_bundle_build_in(r->set, r->iface, progs, nprogs, &store,
	        &r->bundle, &r->bundle_len, why, whylen) == 0)
		return 0;
	(void)close(r->policy_fd);
	r->in_policy = false;
	return -1;
}

struct rules_policy *
lrules_policy(struct lrules *r, const char *exe, const char *argv0, char *why,
    size_t whylen)
{
	char real[PATH_MAX];
	struct rules_prog progs[2] = { { exe, argv0 }, { exe, argv0 } };
	struct rules_policy *p;
	int problems;

	if (r->from_cache) {
		p = rules_bundle_select(r->bundle, r->bundle_len, NULL, exe,
		    argv0, r->iface, why, whylen);
		if (p != NULL)
			return p;
		/* A program whose group of per-app files the cache does not
		 * hold: parse, and cache a bundle that holds it too. */
		if (parse(r, &problems) < 0) {
			snprintf(why, whylen, "%s: the rules changed", r->path);
			return NULL;
		}
	}
	/* The shim sees the resolved executable. */
	if (exe != NULL && realpath(exe, real) != NULL)
		progs[1].exe = real;
	if (r->bundle == NULL) {
		if (build(r, progs, 2, why, whylen) < 0)
			return NULL;
		if (r->file != NULL)
			cache_write(r);
	}
	return rules_bundle_select(r->bundle, r->bundle_len, NULL, exe, argv0,
	    r->iface, why, whylen);
}

void
lrules_free(struct lrules *r)
{
	rules_set_free(r->set);
	bundle_free(r);
	free(r->cache);
	free(r->file);
	free(r->key);
	memset(r, 0, sizeof(*r));
}
