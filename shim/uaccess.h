/*
 * uaccess.h - reading the caller's memory without faulting. Given a bad
 * pointer, connect/sendto/sendmsg answer EFAULT; a shim that dereferenced
 * it first would crash the program instead.
 */
#ifndef BINDIF_UACCESS_H
#define BINDIF_UACCESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* No larger than any real page size, so a probed "page" is always inside
 * one mapping. */
#define UA_PAGE_SIZE 4096u

/* The page last found readable on this thread (0: none yet), and the
 * probe that asks the kernel about any other. */
extern __thread uintptr_t ua_good_page;
bool ua_readable_probe(const void *p, size_t len);

/*
 * True when [p, p + len) can be read. The last page found readable is
 * remembered per thread, so a program that reuses one buffer per datagram
 * pays no system call after the first. Not covered: a page unmapped after
 * it was found readable and then passed again (a dangling pointer, which
 * the kernel would have answered with EFAULT or stale data), and one
 * unmapped by another thread between this check and our read. In line
 * for the hot path: inside the remembered page it is two compares.
 */
static inline bool
ua_readable(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, page = a & ~(uintptr_t)(UA_PAGE_SIZE - 1);

	if (len != 0 && page != 0 && page == ua_good_page &&
	    len <= UA_PAGE_SIZE - (a - page))
		return true;
	return ua_readable_probe(p, len);
}

/* True when the string at s can be read up to its NUL, whose offset goes
 * into *len: one probe per page it spans, as for ua_readable. */
bool ua_string(const char *s, size_t *len);

/* True when v is NULL, or it and every string in it can be read up to its
 * NULL. An argv or environment spans a few pages, visited in turn (array,
 * string, array...): they are remembered for the walk, so each is probed
 * once. */
bool ua_strings(char *const *v);

#endif
