/*
 * redact.h - one place that knows which fields hold secrets.
 *
 * Used before anything reaches a terminal or a log: debug lines, `bulwark
 * api` output, error messages that quote a body.  A field is secret by its
 * name, whatever the service (SecretString, SecretAccessKey, SessionToken...).
 */
#ifndef BULWARK_REDACT_H
#define BULWARK_REDACT_H

#include <stdbool.h>

#include <jansson.h>

#define BW_REDACTED "<redacted>"

/* True if a JSON key or query parameter named key carries a secret. */
bool bw_redact_is_secret_key(const char *key);

/*
 * Replace, in place and recursively, every secret field's value of v
 * (borrowed; objects and arrays walked) with BW_REDACTED.  Returns the
 * number of values replaced.
 */
int bw_json_redact(json_t *v);

/* True if v (borrowed) holds any secret field anywhere. */
bool bw_json_has_secret(const json_t *v);

#endif
