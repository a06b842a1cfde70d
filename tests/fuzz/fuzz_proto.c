/*
 * fuzz_proto.c - libFuzzer target for lib/proto.c: the XML->JSON mapping
 * of Query responses, error bodies of both protocols, JSON outputs, and
 * Query encoding of whatever those produced.  The first byte picks the
 * path; the rest is the response body.  Invariants checked besides memory
 * safety: a mapped response is a JSON object, an error always comes back
 * as BW_ERR_AWS with a message, and anything mapped can be re-encoded.
 * The standalone driver (tests/fuzz/driver.c) replays tests/fuzz/corpus/proto/.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "bulwark/endpoint.h"
#include "../../lib/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void reencode(const json_t *v)
{
	struct bw_buf b = BW_BUF_INIT;
	int rc = bw_proto_query_params(&b, v, NULL);

	if (rc && rc != BW_ERR_INVALID && rc != BW_ERR_TOOBIG && rc != BW_ERR_NOMEM)
		abort();
	bw_buf_release(&b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct bw_service_info *iam = bw_service_info(BW_SVC_IAM);
	const struct bw_service_info *org = bw_service_info(BW_SVC_ORGANIZATIONS);
	const char *body = (const char *)data + 1;
	struct bw_error err;
	json_t *out = NULL;
	const char *key, *tok;
	size_t len;

	if (size < 1)
		return 0;
	len = size - 1;
	switch (data[0] % 4) {
	case 0:
		if (!bw_proto_xml_to_json(&out, body, len, "GetRole", NULL)) {
			if (!json_is_object(out))
				abort();
			bw_proto_next_page(out, &key, &tok);
			if ((key == NULL) != (tok == NULL))
				abort();
			reencode(out);
		} else if (out) {
			abort();
		}
		break;
	case 1:
	case 2:
		memset(&err, 0, sizeof(err));
		if (bw_proto_parse_error(&err, data[0] % 4 == 1 ? iam : org, "Op", 400, body, len,
					 data[0] & 0x80 ? "Hdr:x" : NULL, NULL) != BW_ERR_AWS ||
		    err.code != BW_ERR_AWS || !err.message[0] ||
		    !memchr(err.aws_code, '\0', sizeof(err.aws_code)) ||
		    !memchr(err.message, '\0', sizeof(err.message)) ||
		    !memchr(err.request_id, '\0', sizeof(err.request_id)))
			abort();
		break;
	case 3:
		if (!bw_proto_parse_output(&out, org, "ListAccounts", body, len, NULL)) {
			if (!json_is_object(out))
				abort();
			reencode(out);
		}
		break;
	}
	json_decref(out);
	return 0;
}
