/*
 * handshake.c - the pure part of the handshake: reading the auxiliary
 * vector of a stopped program. No system calls, so it is tested on any OS
 * with made-up bytes.
 */
#define _DEFAULT_SOURCE
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
