/*
 * uaccess.c - see uaccess.h. The probe itself is a system call of the
 * platform layer that reports EFAULT instead of faulting.
 */
#include <stdint.h>
#include <string.h>

#include "../common/plat.h"
#include "uaccess.h"

__thread uintptr_t ua_good_page; /* 0: none yet */

bool
ua_readable_probe(const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, page, last;

	if (len == 0)
		return true;
	if (a < UA_PAGE_SIZE || a + len < a)
		return false; /* NULL and its neighbours; wrap-around */
	last = (a + len - 1) & ~(uintptr_t)(UA_PAGE_SIZE - 1);
	for (page = a & ~(uintptr_t)(UA_PAGE_SIZE - 1);; page += UA_PAGE_SIZE) {
		const void *probe = page < a ? p : (const void *)page;

		if (page != ua_good_page) {
			if (plat_probe_read(probe) < 0)
				return false;
			ua_good_page = page;
		}
		if (page == last)
			return true;
	}
}

bool
ua_string(const char *s, size_t *len)
{
	uintptr_t a = (uintptr_t)s;
	size_t n = 0;

	for (;;) {
		size_t room = UA_PAGE_SIZE - ((a + n) & (UA_PAGE_SIZE - 1));
		const char *p = s + n, *nul;

		/* The rest of this page only: the next may not exist. */
		if (!ua_readable(p, room))
			return false;
		if ((nul = memchr(p, '\0', room)) != NULL) {
			*len = n + (size_t)(nul - p);
			return true;
		}
		n += room;
	}
}

/* The pages one ua_strings walk found readable, replaced in turn. */
struct seen {
	uintptr_t page[8];
	unsigned n, next;
};

static bool
seen_page(struct seen *s, uintptr_t page, const void *probe)
{
	unsigned i;

	for (i = 0; i < s->n; i++)
		if (s->page[i] == page)
			return true;
	if (plat_probe_read(probe) < 0)
		return false;
	s->page[s->next] = page;
	s->next = (s->next + 1) % 8;
	if (s->n < 8)
		s->n++;
	return true;
}

/* [p, p + len) readable, len at most one page's worth past p. */
static bool
seen_range(struct seen *s, const void *p, size_t len)
{
	uintptr_t a = (uintptr_t)p, first, last;

	if (a < UA_PAGE_SIZE || a + len < a)
		return false;
	first = a & ~(uintptr_t)(UA_PAGE_SIZE - 1);
	last = (a + len - 1) & ~(uintptr_t)(UA_PAGE_SIZE - 1);
	return seen_page(s, first, p) &&
	    (last == first || seen_page(s, last, (const void *)last));
}

bool
ua_strings(char *const *v)
{
	struct seen s = { { 0 }, 0, 0 };
	size_t i;

	if (v == NULL)
		return true;
	for (i = 0;; i++) {
		const char *str, *nul;

		if (!seen_range(&s, &v[i], sizeof(v[i])))
			return false;
		if ((str = v[i]) == NULL)
			return true;
		for (;;) {
			size_t room = UA_PAGE_SIZE -
			    ((uintptr_t)str & (UA_PAGE_SIZE - 1));

			if (!seen_range(&s, str, 1))
				return false;
			if ((nul = memchr(str, '\0', room)) != NULL)
				break;
			str += room;
		}
	}
}
