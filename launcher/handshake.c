/*
 * handshake.c - the pure parts of the handshake: reading the auxiliary
 * vector and the memory map of a stopped program. No system calls, so
 * they are tested on any OS with captured bytes.
 */
#define _DEFAULT_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "handshake.h"

#define AT_NULL_ 0
#define AT_ENTRY_ 9
#define AT_SECURE_ 23

static uint64_t
word(const unsigned char *p, size_t size)
{
	uint32_t w4;
	uint64_t w8;

	if (size == 4) {
		memcpy(&w4, p, 4);
		return w4;
	}
	memcpy(&w8, p, 8);
	return w8;
}

int
handshake_auxv(const unsigned char *buf, size_t len, size_t wordsize,
    uint64_t *entry, bool *secure)
{
	size_t off;
	bool found = false;

	*entry = 0;
	*secure = false;
	if (wordsize != 4 && wordsize != 8)
		return -1;
	for (off = 0; off + 2 * wordsize <= len; off += 2 * wordsize) {
		uint64_t type = word(buf + off, wordsize),
			 val = word(buf + off + wordsize, wordsize);

		if (type == AT_NULL_)
			break;
		if (type == AT_ENTRY_) {
			*entry = val;
			found = true;
		} else if (type == AT_SECURE_) {
			*secure = val != 0;
		}
	}
	return found && *entry != 0 ? 0 : -1;
}

/* One maps line: "start-end perms offset major:minor inode   path". */
static bool
line_maps(const char *line, size_t len, const char *path, unsigned dev_major,
    unsigned dev_minor, uint64_t ino)
{
	char buf[4352];
	unsigned maj, min;
	uint64_t inode;
	int at = 0;

	if (len >= sizeof(buf))
		return false;
	memcpy(buf, line, len);
	buf[len] = '\0';
	if (sscanf(buf, "%*x-%*x %*s %*x %x:%x %" SCNu64 " %n", &maj, &min,
		&inode, &at) < 3)
		return false;
	if (inode != 0 && inode == ino && maj == dev_major && min == dev_minor)
		return true;
	return at > 0 && strcmp(buf + at, path) == 0;
}

bool
handshake_maps_has(const char *maps, const char *path, unsigned dev_major,
    unsigned dev_minor, uint64_t ino)
{
	const char *p = maps, *nl;

	while (*p != '\0') {
		nl = strchr(p, '\n');
		if (line_maps(p, nl ? (size_t)(nl - p) : strlen(p), path,
			dev_major, dev_minor, ino))
			return true;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return false;
}
