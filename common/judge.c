/*
 * judge.c - the loader's rules, as the launcher must predict them: read
 * the target's ELF header (by offsets, so this needs no <elf.h> and runs
 * the same on every OS), compare it with our own, and judge with the
 * file's owner, mode and capabilities. The verdict itself is pure.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "plat.h"
#include "judge.h"

#define PT_INTERP_ 3
#define PT_NOTE_ 4
#define PT_DYNAMIC_ 2
#define HEAD 4096
/* Go's ELF note type for its build ID (cmd/link: ELF_NOTE_GOBUILDID_TAG). */
#define GO_BUILDID_NOTE 4u

static uint64_t
rd(const unsigned char *p, int size, bool le)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < size; i++)
		v |= (uint64_t)p[le ? i : size - 1 - i] << (8 * i);
	return v;
}

/* Whether the notes in [off, off + size) of buf hold one of this name
 * (namelen bytes with its NUL) and type. */
static bool
has_note(const unsigned char *buf, size_t len, uint64_t off, uint64_t size,
    uint64_t align, bool le, const char *name, size_t namelen, uint32_t type)
{
	uint64_t end, namesz, descsz, pad = align == 8 ? 7 : 3;

	if (off > len || size > len - off)
		return false; /* beyond what was read: not judged */
	end = off + size;
	while (end - off >= 12) {
		namesz = rd(buf + off, 4, le);
		descsz = rd(buf + off + 4, 4, le);
		if (namesz == namelen && end - off - 12 >= namesz &&
		    rd(buf + off + 8, 4, le) == type &&
		    memcmp(buf + off + 12, name, namelen) == 0)
			return true;
		namesz = (namesz + pad) & ~pad;
		descsz = (descsz + pad) & ~pad;
		if (namesz > end - off - 12 || descsz > end - off - 12 - namesz)
			break;
		off += 12 + namesz + descsz;
	}
	return false;
}

static bool
parse_shebang(const unsigned char *buf, size_t len, struct elf_facts *f)
{
	size_t i = 2, start;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	start = i;
	while (i < len && buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\n' &&
	    buf[i] != '\0')
		i++;
	if (i == start || i - start >= sizeof(f->shebang))
		return false;
	memcpy(f->shebang, buf + start, i - start);
	f->shebang[i - start] = '\0';
	return true;
}

bool
judge_parse(const unsigned char *buf, size_t len, struct elf_facts *f)
{
	uint64_t phoff, off, fsz;
	unsigned phentsize, phnum, i;
	bool le, is64;

	memset(f, 0, sizeof(*f));
	if (len >= 2 && buf[0] == '#' && buf[1] == '!')
		return parse_shebang(buf, len, f);
	if (len < 52 || memcmp(buf, "\177ELF", 4) != 0)
		return false;
	f->elf = true;
	f->cls = buf[4];
	f->data = buf[5];
	if ((f->cls != 1 && f->cls != 2) || (f->data != 1 && f->data != 2))
		return true; /* an ELF we cannot read further: foreign */
	is64 = f->cls == 2;
	le = f->data == 1;
	if (is64 && len < 64)
		return true;
	f->machine = (unsigned)rd(buf + 18, 2, le);
	phoff = is64 ? rd(buf + 32, 8, le) : rd(buf + 28, 4, le);
	phentsize = (unsigned)rd(buf + (is64 ? 54 : 42), 2, le);
	phnum = (unsigned)rd(buf + (is64 ? 56 : 44), 2, le);
	if (phentsize < (is64 ? 56u : 32u))
		return true;
	for (i = 0; i < phnum; i++) {
		const unsigned char *ph;
		uint32_t type;

		if (phoff + (uint64_t)(i + 1) * phentsize > len)
			break; /* headers beyond what was read: not judged */
		ph = buf + phoff + (uint64_t)i * phentsize;
		type = (uint32_t)rd(ph, 4, le);
		if (type == PT_DYNAMIC_)
			f->dynamic = true;
		if (type == PT_NOTE_) {
			uint64_t o = is64 ? rd(ph + 8, 8, le) :
			                    rd(ph + 4, 4, le),
			         sz = is64 ? rd(ph + 32, 8, le) :
			                     rd(ph + 16, 4, le),
			         al = is64 ? rd(ph + 48, 8, le) :
			                     rd(ph + 28, 4, le);

			f->bindif = f->bindif ||
			    has_note(buf, len, o, sz, al, le, JUDGE_MARK_NAME,
			        sizeof(JUDGE_MARK_NAME), JUDGE_MARK_TYPE);
			/* Go's linker puts its build ID note first, inside
			 * any head we read. */
			f->go = f->go ||
			    has_note(buf, len, o, sz, al, le, "Go", 3,
			        GO_BUILDID_NOTE);
		}
		if (type != PT_INTERP_)
			continue;
		off = is64 ? rd(ph + 8, 8, le) : rd(ph + 4, 4, le);
		fsz = is64 ? rd(ph + 32, 8, le) : rd(ph + 16, 4, le);
		if (fsz == 0 || fsz >= sizeof(f->interp) || off + fsz > len)
			continue;
		memcpy(f->interp, buf + off, fsz);
		f->interp[fsz] = '\0';
	}
	return true;
}

static const char *
base(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

enum judge_verdict
judge_program(const struct judge_facts *f)
{
	/* The loader enters secure mode when the program changes who we
	 * are; root running a root-owned setuid program changes nothing. */
	if ((f->mode & S_ISUID) && f->owner != f->ruid)
		return JUDGE_SETUID;
	if ((f->mode & S_ISGID) && f->group != f->rgid && !f->in_group)
		return JUDGE_SETGID;
	if (f->file_caps && f->ruid != 0)
		return JUDGE_FCAPS;
	if (f->sip)
		return JUDGE_SIP;
	if (!f->target.elf || !f->self.elf)
		return JUDGE_NOT_ELF;
	if (f->target.cls != f->self.cls || f->target.data != f->self.data ||
	    f->target.machine != f->self.machine)
		return JUDGE_FOREIGN_ELF;
	/* Before the loader's questions: static or not, Go's runtime makes
	 * its socket calls itself, past any preloaded library. */
	if (f->target.go)
		return JUDGE_GO;
	if (f->target.interp[0] == '\0')
		/* also static-pie: no loader to ask; bindif itself needs
		 * none, it preloads the shim into its own command */
		return f->target.bindif ? JUDGE_BINDIF : JUDGE_STATIC;
	/* ld-linux-x86-64.so.2 vs ld-musl-x86_64.so.1: another libc's
	 * loader would not even load our glibc-linked shim. */
	if (f->self.interp[0] != '\0' &&
	    strcmp(base(f->target.interp), base(f->self.interp)) != 0)
		return JUDGE_FOREIGN_LOADER;
	return JUDGE_OK;
}

const char *
judge_reason(enum judge_verdict v)
{
	switch (v) {
	case JUDGE_SETUID:
		return "it is setuid to another user, so the loader ignores "
		       "LD_PRELOAD";
	case JUDGE_SETGID:
		return "it is setgid to another group, so the loader ignores "
		       "LD_PRELOAD";
	case JUDGE_FCAPS:
		return "it has file capabilities, so for a non-root user the "
		       "loader ignores LD_PRELOAD";
	case JUDGE_STATIC:
		return "it is statically linked: no loader preloads anything "
		       "into it";
	case JUDGE_FOREIGN_ELF:
		return "it is built for another architecture than the shim";
	case JUDGE_FOREIGN_LOADER:
		return "it uses another C library's loader than the shim";
	case JUDGE_GO:
		return "it is a Go program, whose runtime makes its socket "
		       "calls "
		       "itself, past the shim";
	case JUDGE_SIP:
		return "it is protected by System Integrity Protection, which "
		       "strips DYLD_* variables";
	case JUDGE_BINDIF:
		return "it is bindif, which preloads the shim into its own "
		       "command";
	default:
		return "the shim can enter it";
	}
}

const char *
judge_advice(enum judge_verdict v, bool child_of_root)
{
	switch (v) {
	case JUDGE_SETUID:
	case JUDGE_SETGID:
	case JUDGE_FCAPS:
		return "run it as root, use its own interface option, or give "
		       "--force to run it unbound";
	case JUDGE_STATIC:
	case JUDGE_FOREIGN_LOADER:
	case JUDGE_GO:
		/* The supervisor's filter, and kernel mode's cgroup, hold the
		 * whole process tree. */
		return child_of_root ?
		    "run the whole command under bindif --supervise or "
		    "bindif --kernel, which bind it, or give --force to run "
		    "it unbound" :
		    "run the whole command under bindif --supervise, which "
		    "binds it, or give --force to run it unbound";
	case JUDGE_SIP:
		return "use a build outside the system (such as Homebrew's), "
		       "or "
		       "give --force to run it unbound";
	default:
		return "use a build for this machine, or give --force to run "
		       "it unbound";
	}
}

static bool
read_head(const char *path, unsigned char *buf, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return false;
	n = read(fd, buf, HEAD);
	plat_close(fd);
	if (n < 0)
		return false;
	*len = (size_t)n;
	return true;
}

/*
 * Go's .go.buildinfo section, for Go programs whose build ID note is
 * missing (built with an empty -buildid): the section headers sit at the
 * file's end, so they are read one by one with pread, on the stack.
 */
static bool
go_section(int fd, const unsigned char *h, size_t len)
{
	static const char want[] = ".go.buildinfo";
	unsigned char sh[64], names[2048];
	uint64_t shoff, stroff, strsz, name;
	unsigned entsz, num, strndx, i;
	bool is64, le;
	ssize_t n;

	if (len < 64 || memcmp(h, "\177ELF", 4) != 0 ||
	    (h[4] != 1 && h[4] != 2))
		return false;
	is64 = h[4] == 2;
	le = h[5] == 1;
	shoff = is64 ? rd(h + 40, 8, le) : rd(h + 32, 4, le);
	entsz = (unsigned)rd(h + (is64 ? 58 : 46), 2, le);
	num = (unsigned)rd(h + (is64 ? 60 : 48), 2, le);
	strndx = (unsigned)rd(h + (is64 ? 62 : 50), 2, le);
	if (shoff == 0 || entsz < (is64 ? 64u : 40u) || num > 512 ||
	    strndx >= num)
		return false;
	if (pread(fd, sh, is64 ? 64 : 40,
	        (off_t)(shoff + (uint64_t)strndx * entsz)) != (is64 ? 64 : 40))
		return false;
	stroff = is64 ? rd(sh + 24, 8, le) : rd(sh + 16, 4, le);
	strsz = is64 ? rd(sh + 32, 8, le) : rd(sh + 20, 4, le);
	if (strsz > sizeof(names))
		strsz = sizeof(names); /* Go's names come early; enough */
	n = pread(fd, names, (size_t)strsz, (off_t)stroff);
	if (n <= 0)
		return false;
	for (i = 0; i < num; i++) {
		if (pread(fd, sh, 4, (off_t)(shoff + (uint64_t)i * entsz)) != 4)
			return false;
		name = rd(sh, 4, le);
		if (name < (uint64_t)n && (uint64_t)n - name >= sizeof(want) &&
		    memcmp(names + name, want, sizeof(want)) == 0)
			return true;
	}
	return false;
}

static bool
read_facts(const char *path, unsigned char *buf, size_t *len,
    struct elf_facts *f)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	bool ok;

	if (fd < 0)
		return false;
	n = read(fd, buf, HEAD);
	ok = n >= 0 && judge_parse(buf, (size_t)n, f);
	if (ok) {
		*len = (size_t)n;
		if (f->elf && !f->go)
			f->go = go_section(fd, buf, *len);
	}
	plat_close(fd);
	return ok;
}

static bool
member_of(gid_t g)
{
	gid_t groups[256];
	int i, n = getgroups(256, groups);

	for (i = 0; i < n; i++)
		if (groups[i] == g)
			return true;
	return false;
}

/* snprintf's truncating copy without stdio: the shim runs this in vfork
 * children. */
static void
copy_name(char *to, size_t len, const char *from)
{
	size_t n = strlen(from);

	if (len == 0)
		return;
	if (n >= len)
		n = len - 1;
	memcpy(to, from, n);
	to[n] = '\0';
}

static enum judge_verdict
check_file(const char *path, const struct elf_facts *self, int depth,
    char *judged, size_t judgedlen)
{
	unsigned char buf[HEAD];
	struct judge_facts f;
	struct stat st;
	size_t len;

	memset(&f, 0, sizeof(f));
	if (stat(path, &st) < 0 || !read_facts(path, buf, &len, &f.target))
		return JUDGE_NOT_ELF;
	/* A script: the kernel runs its interpreter, which is what the
	 * loader judges. One level, as the kernel allows few. */
	if (f.target.shebang[0] != '\0')
		return depth > 0 ?
		    JUDGE_NOT_ELF :
		    check_file(f.target.shebang, self, 1, judged, judgedlen);
	copy_name(judged, judgedlen, path);
	f.self = *self;
	f.mode = st.st_mode;
	f.owner = st.st_uid;
	f.group = st.st_gid;
	f.ruid = getuid();
	f.rgid = getgid();
	f.in_group = member_of(st.st_gid);
	f.file_caps = plat_file_caps(path);
	f.sip = plat_sip_protected(path);
	return judge_program(&f);
}

bool
judge_self(const char *path, struct elf_facts *self)
{
	unsigned char buf[HEAD];
	size_t len;

	memset(self, 0, sizeof(*self));
	if (!read_head(path, buf, &len) || !judge_parse(buf, len, self))
		return false;
	/* A static launcher names no loader; its C library's is the one the
	 * shim needs. */
	if (self->elf && self->interp[0] == '\0')
		snprintf(self->interp, sizeof(self->interp), "%s",
		    plat_loader_name());
	return true;
}

enum judge_verdict
judge_program_file(const char *exe, const struct elf_facts *self, char *judged,
    size_t judgedlen)
{
	copy_name(judged, judgedlen, exe);
	return check_file(exe, self, 0, judged, judgedlen);
}

/* ---- translation ---- */

struct translation {
	const char *tool;
	const char *opt;
};

/* iputils ping and traceroute (Gavrilov's) bind to an interface name.
 * mtr is not here: its -I only picks the interface's address as source
 * (measured: its probes still followed the capture into the tunnel). */
static const struct translation linux_tools[] = {
	{ "ping", "-I" },
	{ "ping4", "-I" },
	{ "ping6", "-I" },
	{ "traceroute", "-i" },
	{ "traceroute6", "-i" },
	{ NULL, NULL },
};
/* macOS ping -b and ping6 -B bind to an interface; its traceroute's -i
 * is a source address, so it is not here. */
static const struct translation darwin_tools[] = {
	{ "ping", "-b" },
	{ "ping6", "-B" },
	{ NULL, NULL },
};

const char *
judge_helper(const char *exe)
{
	/* mtr probes from mtr-packet, installed with cap_net_raw. */
	return strcmp(base(exe), "mtr") == 0 ? "mtr-packet" : NULL;
}

const char *
judge_tool_option(const char *exe, char *const *argv, bool darwin,
    bool *already)
{
	const struct translation *t = darwin ? darwin_tools : linux_tools;
	const char *name = base(exe);
	size_t n, olen;

	*already = false;
	for (; t->tool != NULL; t++)
		if (strcmp(t->tool, name) == 0)
			break;
	if (t->tool == NULL)
		return NULL;
	olen = strlen(t->opt);
	for (n = 1; argv[0] != NULL && argv[n] != NULL; n++) {
		/* The user's own -I eth1 (or -Ieth1) stands. */
		if (strcmp(argv[n], "--") == 0)
			break;
		if (strncmp(argv[n], t->opt, olen) == 0)
			*already = true;
	}
	return *already ? NULL : t->opt;
}

void
judge_argv_with(char **out, char *const *argv, size_t n, const char *opt,
    const char *iface)
{
	size_t i;

	out[0] = argv[0];
	out[1] = (char *)opt;
	out[2] = (char *)iface;
	for (i = 1; i < n; i++)
		out[i + 2] = argv[i];
	out[n + 2] = NULL;
}

char **
judge_translate(const char *exe, char *const *argv, const char *iface,
    bool darwin, bool *already)
{
	const char *opt = judge_tool_option(exe, argv, darwin, already);
	size_t n;
	char **out;

	if (opt == NULL || iface == NULL || iface[0] == '\0')
		return NULL;
	for (n = 0; argv[n] != NULL; n++)
		;
	if ((out = calloc(n + 3, sizeof(*out))) == NULL)
		return NULL;
	judge_argv_with(out, argv, n, opt, iface);
	return out;
}
