/*
 * elf64.h - an ELF header built in the test, for the loader's verdict
 * (test_judge.c) and the exec hooks' (test_children.c). Header-only.
 */
#ifndef BINDIF_TEST_ELF64_H
#define BINDIF_TEST_ELF64_H

#include <stdint.h>
#include <string.h>

static void
put(unsigned char *p, uint64_t v, int size)
{
	int i;

	for (i = 0; i < size; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A little-endian ELF64 header with PT_DYNAMIC and, when interp is not
 * NULL, PT_INTERP pointing at it. */
static size_t
elf64(unsigned char *buf, unsigned machine, const char *interp)
{
	size_t phoff = 64, n = 0;

	memset(buf, 0, 1024);
	memcpy(buf, "\177ELF", 4);
	buf[4] = 2; /* ELFCLASS64 */
	buf[5] = 1; /* little-endian */
	put(buf + 18, machine, 2);
	put(buf + 32, phoff, 8);
	put(buf + 54, 56, 2);
	put(buf + 56, interp ? 2 : 1, 2);
	put(buf + phoff, 2, 4); /* PT_DYNAMIC */
	n++;
	if (interp != NULL) {
		unsigned char *ph = buf + phoff + 56;

		put(ph, 3, 4); /* PT_INTERP */
		put(ph + 8, 512, 8);
		put(ph + 32, strlen(interp) + 1, 8);
		strcpy((char *)buf + 512, interp);
	}
	return 1024;
}

#endif
