/*
 * preload.h - will the dynamic loader put the shim into this program?
 * It silently will not for setuid/setgid and file-capability programs
 * run by an ordinary user (secure mode), for static programs, and for
 * programs of another architecture or C library; then the program's
 * traffic would go into the tunnel with no error at all. The launcher
 * asks before exec, and translates or refuses.
 */
#ifndef BINDIF_PRELOAD_H
#define BINDIF_PRELOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum preload_verdict {
	PRELOAD_OK,
	PRELOAD_SETUID,	       /* runs as another user: secure mode */
	PRELOAD_SETGID,	       /* runs as another group: secure mode */
	PRELOAD_FCAPS,	       /* file capabilities raise privileges */
	PRELOAD_STATIC,	       /* no dynamic loader at all */
	PRELOAD_FOREIGN_ELF,   /* another class or machine than the shim */
	PRELOAD_FOREIGN_LOADER, /* another C library's loader (musl...) */
	PRELOAD_SIP,	       /* macOS: under System Integrity Protection */
	PRELOAD_NOT_ELF	       /* not a program we can judge: trust it */
};

/* What an executable file's header says, from its first bytes. */
struct elf_facts {
	bool elf;	   /* an ELF file at all */
	int cls;	   /* ELFCLASS32 or ELFCLASS64 */
	int data;	   /* ELFDATA2LSB or ELFDATA2MSB */
	unsigned machine;  /* e_machine */
	bool dynamic;	   /* has PT_DYNAMIC */
	char interp[256];  /* PT_INTERP, "" when none (static) */
	char shebang[256]; /* "#!" interpreter path, "" when not a script */
};

/* Parses the first len bytes of a file; false when they cannot be read as
 * an ELF header or a #! line (then nothing is known). */
bool preload_parse(const unsigned char *buf, size_t len,
    struct elf_facts *f);

/* Everything the verdict depends on, gathered from the system. */
struct preload_facts {
	struct elf_facts target, self; /* self: the launcher, built as the shim */
	mode_t mode;
	uid_t owner, ruid;
	gid_t group, rgid;
	bool in_group; /* the file's group is one of ours */
	bool file_caps; /* security.capability is set */
	bool sip;	/* macOS: protected path with SIP on */
};

/* The verdict, pure. */
enum preload_verdict preload_judge(const struct preload_facts *f);

/* One phrase for messages: "file capabilities", "statically linked"... */
const char *preload_reason(enum preload_verdict v);

/*
 * Gathers the facts for exe (following one #! to its interpreter, whose
 * name goes into interp_out when it is the one judged) and judges.
 * Unreadable files are PRELOAD_NOT_ELF: exec will say what is wrong.
 */
enum preload_verdict preload_check(const char *exe, char *judged,
    size_t judgedlen);

/* The OS part: file capabilities and SIP (plat_<os>.c of the launcher). */
bool lplat_file_caps(const char *path);
bool lplat_sip_protected(const char *path);
bool lplat_is_darwin(void);

/*
 * The tools that have their own interface option, for when the loader
 * refuses them: a new argv with "OPT IFACE" after argv[0], or NULL when
 * there is nothing to translate (*already is set when the user gave the
 * option). The table is per platform; darwin selects macOS's.
 */
char **preload_translate(const char *exe, char *const *argv,
    const char *iface, bool darwin, bool *already);

/* The program that does a tool's probing, started from the same
 * directory, which the loader judges on its own (mtr: "mtr-packet"). */
const char *preload_helper(const char *exe);

#endif
