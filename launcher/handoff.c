/*
 * handoff.c - the compiled rules, handed to the shim so no wrapped process
 * parses them again: the bundle goes into a sealed descriptor the command
 * inherits, named with a fresh random token (also in the bundle's header)
 * by BINDIF_POLICY=<fd>:<token>. The shim checks both and falls back to
 * BINDIF_RULES when the program has closed or reused the descriptor.
 * A bundle compiled by this run was built in that descriptor already.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "launcher.h"

int
handoff(struct lrules *r, char *env, size_t envlen, char *why, size_t whylen)
{
	uint8_t token[RULES_TOKEN_LEN];
	const char *p = r->bundle;
	size_t done = 0, i;
	ssize_t n;
	int fd, len;

	if (r->bundle == NULL) {
		snprintf(why, whylen, "nothing compiled");
		return -1;
	}
	if (lplat_random(token, sizeof(token)) < 0) {
		snprintf(why, whylen, "no random token: %s", strerror(errno));
		return -1;
	}
	rules_bundle_set_token(r->bundle, r->bundle_len, token);
	if (r->in_policy) {
		/* Its exact size, and no writable mapping left: a seal
		 * against writes waits for none. */
		fd = r->policy_fd;
		if (ftruncate(fd, (off_t)r->bundle_len) < 0) {
			snprintf(why, whylen, "sizing the policy: %s",
			    strerror(errno));
			return -1;
		}
		(void)lplat_policy_resize(fd, r->bundle, r->policy_map, 0);
		r->bundle = NULL;
		r->in_policy = false;
		done = r->bundle_len;
	} else if ((fd = lplat_policy_fd(why, whylen)) < 0)
		return -1;
	while (done < r->bundle_len) {
		if ((n = write(fd, p + done, r->bundle_len - done)) < 0 &&
		    errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(why, whylen, "writing the policy: %s",
			    n < 0 ? strerror(errno) : "short write");
			close(fd);
			return -1;
		}
		done += (size_t)n;
	}
	if (lplat_policy_seal(fd, why, whylen) < 0) {
		close(fd);
		return -1;
	}
	len = snprintf(env, envlen, "%d:", fd);
	for (i = 0; i < sizeof(token) && len > 0 && (size_t)len + 2 < envlen;
	     i++)
		len +=
		    snprintf(env + len, envlen - (size_t)len, "%02x", token[i]);
	if (i < sizeof(token)) {
		snprintf(why, whylen, "no room for the token");
		close(fd);
		return -1;
	}
	return 0;
}
