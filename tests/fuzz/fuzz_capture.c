/*
 * fuzz_capture.c - libFuzzer target for the firewall ruleset reader: the
 * input as nftables JSON (what nft -j list ruleset prints), every capture
 * found described and asked what it takes. Seeds: the recorded rulesets of
 * tests/unit/fixtures/capture/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capture_set s = { 0 };
	char *text = malloc(size + 1), why[256], line[1024];
	unsigned mark = 0;
	size_t i;

	if (text == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (capture_parse_json(&s, text, why, sizeof(why)) == 0) {
		for (i = 0; i < s.n; i++) {
			capture_describe(&s.v[i], line, sizeof(line));
			(void)capture_takes(&s.v[i], 0, true, 0x2024);
		}
		(void)capture_exempt_mark(&s, &mark);
	}
	capture_set_free(&s);
	free(text);
	return 0;
}
