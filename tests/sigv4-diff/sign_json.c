/*
 * sign_json.c - sign each request of a JSON array with bulwark's signer
 * and write the results as JSON, for botocore_diff.py to compare with
 * botocore.  Test equipment: run through tests/sigv4-diff/run.
 *
 * Usage: sign_json IN.json OUT.json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bulwark/sigv4.h"

#define MAX_HEADERS 64

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

int main(int argc, char **argv)
{
	json_error_t je;
	json_t *in, *out;
	size_t i, j;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN.json OUT.json\n", argv[0]);
		return 2;
	}
	in = json_load_file(argv[1], 0, &je);
	out = json_array();
	if (!in || !out) {
		fprintf(stderr, "%s: %s: %s\n", argv[0], argv[1], je.text);
		return 1;
	}
	for (i = 0; i < json_array_size(in); i++) {
		json_t *r = json_array_get(in, i), *hs = json_object_get(r, "headers");
		struct bw_header h[MAX_HEADERS];
		size_t n = json_array_size(hs);
		const char *body = str(r, "body"), *q = str(r, "query");
		struct bw_sigv4_request req = { str(r, "method"), str(r, "path"),
						q && q[0] ? q : NULL, h, n, body, strlen(body) };
		struct bw_sigv4_key key = { "AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
					    str(r, "token") };
		struct bw_sigv4_params p = { str(r, "region"), str(r, "service"),
					     (time_t)json_integer_value(json_object_get(r, "when")),
					     BW_SIGV4_SERVICE_FLAGS, 0 };
		struct bw_sigv4_result res;
		struct bw_error e;

		if (n > MAX_HEADERS)
			return 1;
		for (j = 0; j < n; j++) {
			h[j].name = json_string_value(json_array_get(json_array_get(hs, j), 0));
			h[j].value = json_string_value(json_array_get(json_array_get(hs, j), 1));
		}
		bw_sigv4_result_init(&res);
		bw_error_clear(&e);
		if (bw_sigv4_sign(&res, &req, &key, &p, &e))
			json_array_append_new(out, json_pack("{s:s}", "error", e.message));
		else
			json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "signature", res.signature,
							     "canonical_request", res.canonical_request.ptr,
							     "amz_date", res.amz_date));
		bw_sigv4_result_release(&res);
	}
	bw_sigv4_cache_clear();
	if (json_dump_file(out, argv[2], JSON_INDENT(1)))
		return 1;
	json_decref(in);
	json_decref(out);
	return 0;
}
