/*
 * fuzz_policy.c - libFuzzer target for lib/policy.c: validation of every
 * kind, rendering, normalization and diffs on arbitrary bytes.  Besides
 * memory safety it checks invariants: the canonical form is a fixed point,
 * a document equals itself, and a document's diff against itself has no
 * change lines.  The standalone driver (tests/fuzz/driver.c) replays the
 * corpus in tests/fuzz/corpus/policy/ during make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/policy.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void count(void *ctx, int line, int column, const char *message)
{
	(void)line;
	(void)column;
	if (!message || !*message)
		abort();	/* every problem says something */
	(*(int *)ctx)++;
}

static const char *const regions[] = { "eu-west-1", "eu-central-1" };

static const struct bw_policy_var vars[] = {
	{ "account_id", "123456789012", NULL, 0 },
	{ "organization_id", "o-a1b2c3d4e5", NULL, 0 },
	{ "access_role", "OrganizationAccountAccessRole", NULL, 0 },
	{ "allowed_regions", NULL, regions, 2 },
};

static void check_canonical(const char *text)
{
	json_t *c = NULL, *c2 = NULL;
	struct bw_buf diff = BW_BUF_INIT;
	char *s;

	if (bw_policy_normalize(&c, text, NULL))
		return;
	s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER);
	if (!s)
		abort();
	if (bw_policy_normalize(&c2, s, NULL) || !json_equal(c, c2) || !bw_policy_equal(c, c2))
		abort();	/* canonical form must be a fixed point */
	if (!bw_policy_equal_text(text, text))
		abort();
	if (bw_policy_diff(&diff, text, text, 2, NULL))
		abort();
	if (strstr(diff.ptr, "  - ") == diff.ptr || strstr(diff.ptr, "\n  - ") ||
	    strstr(diff.ptr, "  + ") == diff.ptr || strstr(diff.ptr, "\n  + "))
		abort();	/* no change against itself */
	bw_buf_release(&diff);
	free(s);
	json_decref(c);
	json_decref(c2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum bw_policy_kind kinds[] = {
		BW_POLICY_SCP, BW_POLICY_IDENTITY, BW_POLICY_TRUST, BW_POLICY_BOUNDARY,
	};
	char *text, *out = NULL;
	size_t i;
	int n;

	text = malloc(size + 1);
	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';

	if (bw_policy_minified_len(text, size) > size)
		abort();
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		n = 0;
		if (bw_policy_validate(text, size, kinds[i], i & 1 ? BW_POLICY_INLINE : 0, count, &n) != n)
			abort();	/* the count returned is the count reported */
	}
	check_canonical(text);

	if (!bw_policy_render(&out, text, size, vars, sizeof(vars) / sizeof(vars[0]), NULL, NULL, NULL)) {
		size_t len = strlen(out);

		if (bw_policy_minified_len(out, len) > len)
			abort();
		n = 0;
		(void)bw_policy_validate(out, len, BW_POLICY_SCP, 0, count, &n);
		check_canonical(out);
		free(out);
	}
	free(text);
	return 0;
}
