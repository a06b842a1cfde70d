/*
 * fuzz_spec.c - libFuzzer target for lib/spec.c: arbitrary bytes as a
 * spec, read with policy paths relative to templates/ (so the shipped
 * policies are found when the input names them).  Besides memory safety
 * it checks invariants: a refused spec has at least one error and no
 * model, an accepted one renders every guardrail, and every problem has a
 * message and a position.  The standalone driver (tests/fuzz/driver.c)
 * replays the corpus in tests/fuzz/corpus/spec/ during make check.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bulwark/spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct bw_spec_runtime rt = { "123456789012", "o-a1b2c3d4e5",
						   "210987654321" };
	struct bw_spec_diag d = BW_SPEC_DIAG_INIT;
	struct bw_buf out = BW_BUF_INIT;
	struct bw_spec *spec = NULL;
	struct bw_error err;
	int rc;

	rc = bw_spec_load_mem(&spec, "fuzz.yaml", "templates", (const char *)data, size, &d, &err);
	if (rc && (spec || (rc == BW_ERR_INVALID && !d.errors)))
		abort();
	for (size_t i = 0; i < d.n; i++) {
		if (!d.items[i].message[0] || d.items[i].line < 0 || d.items[i].column < 0)
			abort();
		if (bw_spec_problem_format(&out, &d.items[i]))
			break;
	}
	if (spec) {
		size_t n;
		const struct bw_spec_guardrail *g = bw_spec_guardrails(spec, &n);

		for (size_t i = 0; i < n; i++) {
			char *json = NULL;
			/* Validation already rendered it with placeholders. */
			if (bw_spec_render(&json, spec, &g[i].doc, &rt, NULL, &err))
				abort();
			free(json);
		}
	}
	bw_buf_release(&out);
	bw_spec_free(spec);
	bw_spec_diag_release(&d);
	return 0;
}
