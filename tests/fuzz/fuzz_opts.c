/*
 * fuzz_opts.c - libFuzzer target for the launcher's command line:
 * opts_parse on an argv split from the input (one argument a line), and
 * explain_parse on each argument and on what --explain was given.
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "launcher.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXARGS 64

static void
explain_one(const char *text)
{
	struct sockaddr_storage ss;
	socklen_t len = 0;
	unsigned proto = 0;
	char why[256];

	if (explain_parse(text, &ss, &len, &proto, why, sizeof(why)) == 0) {
		if (len > sizeof(ss) || proto == 0 || (proto & (proto - 1)))
			__builtin_trap();
	} else if (memchr(why, '\0', sizeof(why)) == NULL)
		__builtin_trap();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *buf, *argv[MAXARGS + 2], why[256], *p, *end;
	struct opts o;
	int argc = 0, i;

	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	argv[argc++] = "bindif";
	for (p = buf, end = buf + size; p <= end && argc <= MAXARGS;) {
		char *nl = memchr(p, '\n', (size_t)(end - p));

		if (nl != NULL)
			*nl = '\0';
		argv[argc++] = p;
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	argv[argc] = NULL;
	for (i = 1; i < argc; i++)
		explain_one(argv[i]);
	optind = 0; /* glibc: start over, as a fresh process would */
	if (opts_parse(argc, argv, &o, why, sizeof(why)) == 0) {
		if (o.argc < 0 || o.argc > argc)
			__builtin_trap();
		if (o.explain != NULL)
			explain_one(o.explain);
		if (memchr(o.dns, '\0', sizeof(o.dns)) == NULL)
			__builtin_trap();
	}
	free(buf);
	return 0;
}
