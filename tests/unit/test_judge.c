/*
 * test_judge.c - common/judge.c: ELF and #! headers built in the
 * test, the loader's verdict for every kind of refusal, and the
 * translation to a tool's own interface option.
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf64.h"
#include "../../common/plat.h"
#include "../../common/judge.h"
#include "tmpdir.h"

static void
test_parse(void **state)
{
	unsigned char buf[1024];
	struct elf_facts f;
	size_t n;

	(void)state;
	n = elf64(buf, 62, "/lib64/ld-linux-x86-64.so.2");
	assert_true(judge_parse(buf, n, &f));
	assert_true(f.elf);
	assert_int_equal(f.cls, 2);
	assert_int_equal(f.machine, 62);
	assert_true(f.dynamic);
	assert_string_equal(f.interp, "/lib64/ld-linux-x86-64.so.2");

	n = elf64(buf, 62, NULL);
	assert_true(judge_parse(buf, n, &f));
	assert_string_equal(f.interp, "");

	/* Program headers beyond what was read are not invented. */
	n = elf64(buf, 62, "/lib/ld-musl-x86_64.so.1");
	assert_true(judge_parse(buf, 100, &f));
	assert_string_equal(f.interp, "");

	assert_true(
	    judge_parse((const unsigned char *)"#!/bin/sh -e\n", 13, &f));
	assert_false(f.elf);
	assert_string_equal(f.shebang, "/bin/sh");
	assert_true(
	    judge_parse((const unsigned char *)"#! /usr/bin/env python3", 23,
	        &f));
	assert_string_equal(f.shebang, "/usr/bin/env");
	assert_false(judge_parse((const unsigned char *)"#!", 2, &f));
	assert_false(judge_parse((const unsigned char *)"plain text", 10, &f));
	memset(buf, 0xff, sizeof(buf));
	assert_false(judge_parse(buf, sizeof(buf), &f));
}

static struct judge_facts
facts(void)
{
	struct judge_facts f;
	unsigned char buf[1024];

	memset(&f, 0, sizeof(f));
	judge_parse(buf, elf64(buf, 62, "/lib64/ld-linux-x86-64.so.2"),
	    &f.self);
	f.target = f.self;
	f.mode = S_IFREG | 0755;
	f.owner = 0;
	f.group = 0;
	f.ruid = 1000;
	f.rgid = 1000;
	return f;
}

static void
test_judge(void **state)
{
	struct judge_facts f = facts();
	unsigned char buf[1024];

	(void)state;
	assert_int_equal(judge_program(&f), JUDGE_OK);

	f.mode |= S_ISUID;
	assert_int_equal(judge_program(&f), JUDGE_SETUID);
	f.ruid = 0; /* root running a root-owned setuid program */
	assert_int_equal(judge_program(&f), JUDGE_OK);
	f.owner = 1000;
	f.ruid = 1000; /* our own setuid program: nothing changes */
	assert_int_equal(judge_program(&f), JUDGE_OK);

	f = facts();
	f.mode |= S_ISGID;
	assert_int_equal(judge_program(&f), JUDGE_SETGID);
	f.in_group = true;
	assert_int_equal(judge_program(&f), JUDGE_OK);

	f = facts();
	f.file_caps = true;
	assert_int_equal(judge_program(&f), JUDGE_FCAPS);
	f.ruid = 0;
	assert_int_equal(judge_program(&f), JUDGE_OK);

	f = facts();
	judge_parse(buf, elf64(buf, 62, NULL), &f.target);
	assert_int_equal(judge_program(&f), JUDGE_STATIC);

	f = facts();
	judge_parse(buf, elf64(buf, 183, "/lib/ld-linux-aarch64.so.1"),
	    &f.target);
	assert_int_equal(judge_program(&f), JUDGE_FOREIGN_ELF);

	f = facts();
	judge_parse(buf, elf64(buf, 62, "/lib/ld-musl-x86_64.so.1"), &f.target);
	assert_int_equal(judge_program(&f), JUDGE_FOREIGN_LOADER);

	f = facts();
	f.sip = true;
	assert_int_equal(judge_program(&f), JUDGE_SIP);

	f = facts();
	f.target.elf = false; /* Mach-O, or something else */
	assert_int_equal(judge_program(&f), JUDGE_NOT_ELF);

	assert_non_null(strstr(judge_reason(JUDGE_FCAPS), "file capabilities"));
	assert_non_null(
	    strstr(judge_reason(JUDGE_STATIC), "statically linked"));
}

static void
test_translate(void **state)
{
	char *argv[] = { "ping", "-c1", "198.51.100.10", NULL };
	char *own[] = { "ping", "-c1", "-Ieth1", "198.51.100.10", NULL };
	char *tr[] = { "traceroute", "-n", "198.51.100.10", NULL };
	char **out;
	bool already;

	(void)state;
	out = judge_translate("/usr/bin/ping", argv, "phy0", false, &already);
	assert_non_null(out);
	assert_false(already);
	assert_string_equal(out[0], "ping");
	assert_string_equal(out[1], "-I");
	assert_string_equal(out[2], "phy0");
	assert_string_equal(out[3], "-c1");
	assert_string_equal(out[4], "198.51.100.10");
	assert_null(out[5]);
	free(out);

	/* The user's own option stands; never added twice. */
	assert_null(
	    judge_translate("/usr/bin/ping", own, "phy0", false, &already));
	assert_true(already);

	out = judge_translate("/usr/sbin/traceroute6", tr, "phy0", false,
	    &already);
	assert_non_null(out);
	assert_string_equal(out[1], "-i");
	free(out);

	/* macOS: ping -b, ping6 -B, and traceroute has no interface option. */
	out = judge_translate("/sbin/ping", argv, "en0", true, &already);
	assert_non_null(out);
	assert_string_equal(out[1], "-b");
	free(out);
	out = judge_translate("/sbin/ping6", argv, "en0", true, &already);
	assert_non_null(out);
	assert_string_equal(out[1], "-B");
	free(out);
	assert_null(
	    judge_translate("/usr/sbin/traceroute", tr, "en0", true, &already));
	assert_false(already);

	/* Nothing to translate to without an interface, or for others. */
	assert_null(
	    judge_translate("/usr/bin/ping", argv, "", false, &already));
	assert_null(
	    judge_translate("/usr/bin/curl", argv, "phy0", false, &already));
	assert_null(
	    judge_translate("/usr/bin/mtr", argv, "phy0", false, &already));
	assert_string_equal(judge_helper("/usr/bin/mtr"), "mtr-packet");
	assert_null(judge_helper("/usr/bin/ping"));
}

static void
test_check_real_files(void **state)
{
	char judged[4096], copy[sizeof(tmpdir) + 16], cmd[sizeof(copy) + 64];
	char script[sizeof(tmpdir) + 16], line[sizeof(copy) + 8];

	(void)state;
	make_tmpdir("preload");
	/* This test program: dynamically linked like the launcher. */
	assert_int_equal(judge_check("/proc/self/exe", judged, sizeof(judged)),
	    JUDGE_OK);
	/* Our own setuid file changes no identity: still entered. */
	snprintf(copy, sizeof(copy), "%s/copy", tmpdir);
	snprintf(cmd, sizeof(cmd), "cp /proc/%d/exe %s", (int)getpid(), copy);
	assert_int_equal(system(cmd), 0);
	assert_int_equal(chmod(copy, 04755), 0);
	assert_int_equal(judge_check(copy, judged, sizeof(judged)), JUDGE_OK);
	/* A script is judged by its interpreter. */
	snprintf(script, sizeof(script), "%s/script", tmpdir);
	snprintf(line, sizeof(line), "#!%s\n", copy);
	write_file("script", line);
	assert_int_equal(judge_check(script, judged, sizeof(judged)), JUDGE_OK);
	assert_string_equal(judged, copy);
	remove_tmpdir();
	assert_int_equal(judge_check("/nonexistent/x", judged, sizeof(judged)),
	    JUDGE_NOT_ELF);
}

/* A static launcher has no PT_INTERP of its own: the loader it compares
 * targets with is its C library's, so a program of another C library is
 * still refused before it runs. */
static void
test_static_self(void **state)
{
	unsigned char buf[1024];
	char path[sizeof(tmpdir) + 16];
	struct elf_facts self, target;
	struct judge_facts f;
	FILE *fp;
	size_t n;

	(void)state;
	make_tmpdir("self");
	snprintf(path, sizeof(path), "%s/static", tmpdir);
	n = elf64(buf, 62, NULL);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, n, fp), n);
	fclose(fp);
	assert_true(judge_self(path, &self));
	assert_string_equal(self.interp, plat_loader_name());
	assert_true(self.interp[0] != '\0');
	unlink(path);
	remove_tmpdir();

	memset(&f, 0, sizeof(f));
	f.self = self;
	f.mode = 0755;
	n = elf64(buf, 62, "/lib/ld-musl-x86_64.so.1");
	assert_true(judge_parse(buf, n, &target));
	f.target = target;
	assert_int_equal(judge_program(&f), JUDGE_FOREIGN_LOADER);
	snprintf(path, sizeof(path), "/lib64/%s", plat_loader_name());
	n = elf64(buf, 62, path);
	assert_true(judge_parse(buf, n, &f.target));
	assert_int_equal(judge_program(&f), JUDGE_OK);
}

/* A static ELF with one PT_NOTE at offset 600 holding note (n bytes). */
static size_t
static_with_note(unsigned char *buf, const unsigned char *note, size_t n,
    unsigned align)
{
	size_t len = elf64(buf, 62, NULL);
	unsigned char *ph = buf + 64 + 56;

	put(buf + 56, 2, 2); /* two program headers */
	put(ph, 4, 4);       /* PT_NOTE */
	put(ph + 8, 600, 8);
	put(ph + 32, n, 8);
	put(ph + 48, align, 8);
	memcpy(buf + 600, note, n);
	return len;
}

static void
test_bindif_mark(void **state)
{
	/* A GNU build-id note first, then bindif's. */
	static const unsigned char two[] = { 4, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0, 0,
		'G', 'N', 'U', 0, 1, 2, 3, 4, 7, 0, 0, 0, 0, 0, 0, 0, 0x66,
		0x69, 0x64, 0x62, 'b', 'i', 'n', 'd', 'i', 'f', 0, 0 };
	static const unsigned char other_type[] = { 7, 0, 0, 0, 0, 0, 0, 0, 1,
		0, 0, 0, 'b', 'i', 'n', 'd', 'i', 'f', 0, 0 };
	static const unsigned char huge_name[] = { 0xff, 0xff, 0xff, 0x7f, 0, 0,
		0, 0, 0x66, 0x69, 0x64, 0x62, 'b', 'i', 'n', 'd' };
	unsigned char buf[1024];
	struct judge_facts f;
	size_t n;

	(void)state;
	memset(&f, 0, sizeof(f));
	n = elf64(buf, 62, "/lib64/ld-linux-x86-64.so.2");
	assert_true(judge_parse(buf, n, &f.self));
	f.mode = 0755;

	n = static_with_note(buf, two, sizeof(two), 4);
	assert_true(judge_parse(buf, n, &f.target));
	assert_true(f.target.bindif);
	assert_int_equal(judge_program(&f), JUDGE_BINDIF);
	/* Root's setuid copy of someone else's is still judged as setuid. */
	f.mode = 04755;
	f.owner = 1000;
	f.ruid = 1001;
	assert_int_equal(judge_program(&f), JUDGE_SETUID);
	f.mode = 0755;

	n = static_with_note(buf, other_type, sizeof(other_type), 4);
	assert_true(judge_parse(buf, n, &f.target));
	assert_false(f.target.bindif);
	assert_int_equal(judge_program(&f), JUDGE_STATIC);

	n = static_with_note(buf, huge_name, sizeof(huge_name), 4);
	assert_true(judge_parse(buf, n, &f.target));
	assert_false(f.target.bindif);

	/* A note segment past what was read is not looked into. */
	n = static_with_note(buf, two, sizeof(two), 4);
	assert_true(judge_parse(buf, 610, &f.target));
	assert_false(f.target.bindif);
	assert_string_equal(judge_reason(JUDGE_BINDIF),
	    "it is bindif, which preloads the shim into its own command");
}

/* Go's build ID note (name "Go", type 4), as its linker writes it first
 * in the text segment, static (CGO_ENABLED=0) or with a loader (cgo). */
static void
test_go_note(void **state)
{
	static const unsigned char go[] = { 3, 0, 0, 0, 4, 0, 0, 0, 4, 0, 0, 0,
		'G', 'o', 0, 0, 'i', 'd', '/', '1' };
	static const unsigned char other[] = { 3, 0, 0, 0, 4, 0, 0, 0, 3, 0, 0,
		0, 'G', 'o', 0, 0, 'i', 'd', '/', '1' };
	unsigned char buf[1024];
	struct judge_facts f;
	size_t n;

	(void)state;
	memset(&f, 0, sizeof(f));
	n = elf64(buf, 62, "/lib64/ld-linux-x86-64.so.2");
	assert_true(judge_parse(buf, n, &f.self));
	f.mode = 0755;
	assert_false(f.self.go);

	n = static_with_note(buf, go, sizeof(go), 4);
	assert_true(judge_parse(buf, n, &f.target));
	assert_true(f.target.go);
	assert_int_equal(judge_program(&f), JUDGE_GO);
	/* Dynamically linked (cgo): the loader would take the shim, and the
	 * runtime would still go past it. */
	memcpy(buf + 512, "/lib64/ld-linux-x86-64.so.2", 28);
	put(buf + 56, 3, 2);
	put(buf + 64 + 2 * 56, 3, 4); /* PT_INTERP */
	put(buf + 64 + 2 * 56 + 8, 512, 8);
	put(buf + 64 + 2 * 56 + 32, 28, 8);
	assert_true(judge_parse(buf, n, &f.target));
	assert_string_equal(f.target.interp, "/lib64/ld-linux-x86-64.so.2");
	assert_true(f.target.go);
	assert_int_equal(judge_program(&f), JUDGE_GO);
	/* Setuid still wins: the supervisor could not keep its privileges. */
	f.mode = 04755;
	f.owner = 1000;
	f.ruid = 1001;
	assert_int_equal(judge_program(&f), JUDGE_SETUID);
	f.mode = 0755;

	/* Another note type under the same name is no Go build ID. */
	n = static_with_note(buf, other, sizeof(other), 4);
	assert_true(judge_parse(buf, n, &f.target));
	assert_false(f.target.go);
	assert_int_equal(judge_program(&f), JUDGE_STATIC);
	assert_non_null(strstr(judge_reason(JUDGE_GO), "Go program"));
	assert_non_null(strstr(judge_advice(JUDGE_GO, false), "--supervise"));
	assert_non_null(
	    strstr(judge_advice(JUDGE_FOREIGN_LOADER, false), "--supervise"));
}

/* A dynamically linked program with section headers at the end of the
 * file (past the head the parser sees), one of them named name. */
static void
write_with_section(const char *path, const char *name)
{
	static const char loader[] = "/lib64/ld-linux-x86-64.so.2";
	unsigned char buf[8192], *sh;
	size_t strtab = 5000, shoff = 6000, nlen = strlen(name) + 1;
	FILE *fp;

	memset(buf, 0, sizeof(buf));
	(void)elf64(buf, 62, loader);
	/* Names: "", ".shstrtab", then name. */
	memcpy(buf + strtab + 1, ".shstrtab", 10);
	memcpy(buf + strtab + 11, name, nlen);
	put(buf + 40, shoff, 8); /* e_shoff */
	put(buf + 58, 64, 2);    /* e_shentsize */
	put(buf + 60, 3, 2);     /* e_shnum */
	put(buf + 62, 1, 2);     /* e_shstrndx */
	sh = buf + shoff + 64;   /* [1] .shstrtab */
	put(sh, 1, 4);
	put(sh + 24, strtab, 8);
	put(sh + 32, 11 + nlen, 8);
	sh += 64; /* [2] name */
	put(sh, 11, 4);
	assert_non_null(fp = fopen(path, "wb"));
	assert_int_equal(fwrite(buf, 1, shoff + 3 * 64, fp), shoff + 3 * 64);
	fclose(fp);
	assert_int_equal(chmod(path, 0755), 0);
}

/* Without the note (an empty -buildid), Go's .go.buildinfo section tells. */
static void
test_go_section(void **state)
{
	char judged[4096], path[sizeof(tmpdir) + 16];

	(void)state;
	make_tmpdir("gosect");
	snprintf(path, sizeof(path), "%s/prog", tmpdir);
	write_with_section(path, ".go.buildinfo");
	assert_int_equal(judge_check(path, judged, sizeof(judged)), JUDGE_GO);
	write_with_section(path, ".go.buildinfx");
	assert_int_equal(judge_check(path, judged, sizeof(judged)), JUDGE_OK);
	write_with_section(path, ".data");
	assert_int_equal(judge_check(path, judged, sizeof(judged)), JUDGE_OK);
	unlink(path);
	remove_tmpdir();
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_translate),
		cmocka_unit_test(test_check_real_files),
		cmocka_unit_test(test_static_self),
		cmocka_unit_test(test_bindif_mark),
		cmocka_unit_test(test_go_note),
		cmocka_unit_test(test_go_section),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
