/*
 * judge.h - will the dynamic loader put the shim into this program?
 * It silently will not for setuid/setgid and file-capability programs
 * run by an ordinary user (secure mode), for static programs, and for
 * programs of another architecture or C library; then the program's
 * traffic would go into the tunnel with no error at all. The launcher
 * asks before it runs the command, the shim before the programs it is in
 * start another (hooks_exec.c); both translate or refuse.
 */
#ifndef BINDIF_JUDGE_H
#define BINDIF_JUDGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum judge_verdict {
	JUDGE_OK,
	JUDGE_SETUID,         /* runs as another user: secure mode */
	JUDGE_SETGID,         /* runs as another group: secure mode */
	JUDGE_FCAPS,          /* file capabilities raise privileges */
	JUDGE_STATIC,         /* no dynamic loader at all */
	JUDGE_FOREIGN_ELF,    /* another class or machine than the shim */
	JUDGE_FOREIGN_LOADER, /* another C library's loader (musl...) */
	JUDGE_GO,             /* Go: its runtime makes raw system calls */
	JUDGE_SIP,            /* macOS: under System Integrity Protection */
	JUDGE_NOT_ELF,        /* not a program we can judge: trust it */
	JUDGE_BINDIF          /* bindif itself (its mark): static, but it
	                       * preloads the shim into its own command */
};

/* What an executable file's header says, from its first bytes. */
struct elf_facts {
	bool elf;          /* an ELF file at all */
	int cls;           /* ELFCLASS32 or ELFCLASS64 */
	int data;          /* ELFDATA2LSB or ELFDATA2MSB */
	unsigned machine;  /* e_machine */
	bool dynamic;      /* has PT_DYNAMIC */
	char interp[256];  /* PT_INTERP, "" when none (static) */
	char shebang[256]; /* "#!" interpreter path, "" when not a script */
	bool bindif;       /* carries bindif's mark (JUDGE_MARK_NAME) */
	bool go;           /* Go's build ID note, or (from the file, not the
	                    * head) its .go.buildinfo section */
};

/* The launcher's mark: an ELF note of this name and type, so that the
 * checks guarding the shim know bindif itself from other static programs. */
#define JUDGE_MARK_NAME "bindif"
#define JUDGE_MARK_TYPE 0x62646966u

/* Parses the first len bytes of a file; false when they cannot be read as
 * an ELF header or a #! line (then nothing is known). */
bool judge_parse(const unsigned char *buf, size_t len, struct elf_facts *f);

/* Everything the verdict depends on, gathered from the system. */
struct judge_facts {
	struct elf_facts target,
	    self; /* self: the launcher, built as the shim */
	mode_t mode;
	uid_t owner, ruid;
	gid_t group, rgid;
	bool in_group;  /* the file's group is one of ours */
	bool file_caps; /* security.capability is set */
	bool sip;       /* macOS: protected path with SIP on */
};

/* The verdict, pure. */
enum judge_verdict judge_program(const struct judge_facts *f);

/* One phrase for messages: "file capabilities", "statically linked"... */
const char *judge_reason(enum judge_verdict v);

/* What to do about a refusal, for the launcher's message or (child) the
 * shim's, when a program it is in starts one as root. */
const char *judge_advice(enum judge_verdict v, bool child_of_root);

/* The header of the program the shim is built like (the launcher's own
 * file, or the program the shim is in); false when it cannot be read. */
bool judge_self(const char *path, struct elf_facts *self);

/*
 * Gathers the facts for exe (following one #! to its interpreter, whose
 * name goes into judged when it is the one judged) and judges against
 * self. Unreadable files are JUDGE_NOT_ELF: exec will say what is wrong.
 * Only system calls and the stack (about 9 KB): fit for a vfork child.
 */
enum judge_verdict judge_program_file(const char *exe,
    const struct elf_facts *self, char *judged, size_t judgedlen);

/* The same, against the launcher's own header (launcher/target.c). */
enum judge_verdict judge_check(const char *exe, char *judged, size_t judgedlen);

/*
 * The tools that have their own interface option, for when the loader
 * refuses them: the option ("-I"), or NULL when exe is not one of them or
 * argv already has it (*already is then set: the user's own choice
 * stands). The table is per platform; darwin selects macOS's.
 */
const char *judge_tool_option(const char *exe, char *const *argv, bool darwin,
    bool *already);

/* argv (n entries and its NULL) with "OPT IFACE" after argv[0], into out,
 * which has room for n + 3 pointers. */
void judge_argv_with(char **out, char *const *argv, size_t n, const char *opt,
    const char *iface);

/* The two above on the heap, for the launcher: NULL when there is nothing
 * to translate (or no interface to translate to, or no memory). */
char **judge_translate(const char *exe, char *const *argv, const char *iface,
    bool darwin, bool *already);

/* The program that does a tool's probing, started from the same
 * directory, which the loader judges on its own (mtr: "mtr-packet"). */
const char *judge_helper(const char *exe);

#endif
