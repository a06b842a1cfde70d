/*
 * proto.h - the wire protocols of our services, private to lib/: JSON 1.1
 * and Query request bodies, the XML-to-JSON mapping of Query responses,
 * error bodies of both, and pagination tokens.  No I/O here.  It includes
 * no lib/ private header so the unit tests can use it.
 */
#ifndef BULWARK_PROTO_H
#define BULWARK_PROTO_H

#include <stddef.h>

#include <jansson.h>

#include "bulwark/buf.h"
#include "bulwark/endpoint.h"
#include "bulwark/error.h"

/* XML responses larger than this are refused before parsing. */
#define BW_PROTO_XML_MAX ((size_t)16 << 20)
/* Nesting deeper than this is refused (input JSON and response XML). */
#define BW_PROTO_MAX_DEPTH 48

/* "application/x-amz-json-1.1" or the form type with charset. */
const char *bw_proto_content_type(enum bw_protocol p);

/*
 * Append the request body of op with input (borrowed object, NULL for
 * none) to body: JSON 1.1 sends the input ("{}" if none); Query sends
 * Action=op&Version=...&params.  BW_ERR_INVALID for input that is not an
 * object or nests too deep.
 */
int bw_proto_build_body(struct bw_buf *body, const struct bw_service_info *si,
			const char *op, const json_t *input, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Append input's members as Query parameters ("&Name=value..."), each
 * prefixed by '&': lists as Name.member.N (1-based, an empty list as
 * "Name="), objects as Name.Key, booleans true/false, numbers as integers,
 * nulls left out.
 */
int bw_proto_query_params(struct bw_buf *out, const json_t *input, struct bw_error *err) BW_WARN_UNUSED;

/*
 * The output of a 2xx response as a JSON object (*out: new reference).
 * JSON bodies pass through (empty: {}); Query XML is mapped by
 * bw_proto_xml_to_json.  BW_ERR_PARSE for a body we cannot read.
 */
int bw_proto_parse_output(json_t **out, const struct bw_service_info *si, const char *op,
			  const char *body, size_t len, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Map a Query response <OpResponse><OpResult>...</OpResult>... to the
 * children of OpResult as JSON (new reference; {} when there is no
 * result element).  Lists (<member> children, and members the IAM and STS
 * models declare as lists even when empty) become arrays, <entry>
 * key/value maps objects, modelled booleans and integers JSON booleans and
 * integers, empty modelled structures {}, other leaves strings (timestamps
 * too); *PolicyDocument fields are URL-decoded unless they hold a raw '{'
 * (never encoded) and stay JSON text, not objects.
 * DTDs and entities are refused; size and depth are capped.
 */
int bw_proto_xml_to_json(json_t **out, const char *xml, size_t len, const char *op,
			 struct bw_error *err) BW_WARN_UNUSED;

/*
 * Fill err from an error response: code BW_ERR_AWS, http_status, service,
 * operation, aws_code (JSON __type with any "prefix#" removed, or
 * x-amzn-ErrorType, or Query <Error><Code>), message and request id
 * (x-amzn-RequestId, else the body's RequestId).  errtype and reqid are
 * the headers' values or NULL.  Returns BW_ERR_AWS.
 */
int bw_proto_parse_error(struct bw_error *err, const struct bw_service_info *si,
			 const char *op, long status, const char *body, size_t len,
			 const char *errtype, const char *reqid);

/*
 * Where output says the next page starts: sets *key to "NextToken" or
 * "Marker" and *token to the value (borrowed from output), or both NULL
 * on the last page.
 */
void bw_proto_next_page(const json_t *output, const char **key, const char **token);

/* URL-decode s into a new string (caller frees); NULL on bad input. */
char *bw_proto_url_decode(const char *s);

#endif
