/*
 * creds_priv.h - private helpers of creds.c, for lib/ and the unit tests.
 * Not part of the public API; it includes no lib/ header so tests can use
 * it next to cmocka.
 */
#ifndef BULWARK_CREDS_PRIV_H
#define BULWARK_CREDS_PRIV_H

#include <stddef.h>
#include <time.h>

struct bw_error;

/*
 * Parse an RFC 3339 / ISO 8601 UTC time ("2026-11-22T10:00:00Z", with
 * optional fraction and a "Z" or +hh:mm offset) into *out.  0, or -1 if s
 * is not such a time.
 */
int bw_time__parse_iso8601(time_t *out, const char *s);

/*
 * The URL the container provider would fetch, from
 * AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (http://169.254.170.2 + uri) or
 * AWS_CONTAINER_CREDENTIALS_FULL_URI (checked as the SDKs do).  *out is
 * NULL (and 0 returned) when neither is set; the caller frees it.
 */
int bw_creds__container_url(char **out, struct bw_error *err);

/* Seconds before expiry at which cached credentials are refreshed. */
#define BW_CREDS_REFRESH_WINDOW 300

#endif
