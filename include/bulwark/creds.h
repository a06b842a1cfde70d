/*
 * creds.h - AWS credentials and the providers that yield them, resolved in
 * the SDKs' order: environment, web identity, shared files (static keys,
 * role_arn with source_profile or credential_source, credential_process),
 * ECS container credentials, EC2 instance metadata (IMDSv2).
 *
 * A provider is thread-safe: it caches temporary credentials and refreshes
 * them some minutes before they expire.  bw_creds_get hands out a copy so
 * no thread ever reads credentials another is refreshing.  Every secret is
 * wiped with OPENSSL_cleanse before its memory is released.
 */
#ifndef BULWARK_CREDS_H
#define BULWARK_CREDS_H

#include <time.h>

#include "bulwark/config.h"
#include "bulwark/error.h"

struct bw_client;

struct bw_credentials {
	char *access_key_id;
	char *secret_access_key;	/* secret: never printed or logged */
	char *session_token;		/* secret; NULL for long-term keys */
	time_t expiration;		/* 0: does not expire */
	char source[96];		/* "environment", "profile dev", "assume-role ...", "imds" */
};

/* Wipe and free (NULL-safe). */
void bw_credentials_free(struct bw_credentials *c);
/* Deep copy; secrets copied, never logged. */
int bw_credentials_dup(struct bw_credentials **out, const struct bw_credentials *c,
		       struct bw_error *err) BW_WARN_UNUSED;

struct bw_creds;

/*
 * The default chain for cfg.  Nothing is fetched yet: the first
 * bw_creds_get resolves (and BW_ERR_CREDS says what was tried, or names the
 * profile and key that is wrong).  Cycles in source_profile are
 * BW_ERR_INVALID naming the profiles.
 */
int bw_creds_default_chain(struct bw_creds **out, const struct bw_config *cfg,
			   struct bw_error *err) BW_WARN_UNUSED;

/* Fixed keys (session_token may be NULL).  The strings are copied. */
int bw_creds_static(struct bw_creds **out, const char *access_key_id,
		    const char *secret_access_key, const char *session_token,
		    struct bw_error *err) BW_WARN_UNUSED;

struct bw_assume_role_opts {
	const char *role_arn;
	const char *session_name;	/* NULL: "bulwark-<time>" */
	const char *external_id;	/* or NULL */
	int duration_seconds;		/* 0: 3600 */
};

/*
 * Credentials of role_arn, assumed through sts (borrowed: it must outlive
 * the provider).  Cached and refreshed before expiry.
 */
int bw_creds_assume_role(struct bw_creds **out, struct bw_client *sts,
			 const struct bw_assume_role_opts *opts,
			 struct bw_error *err) BW_WARN_UNUSED;

/* A copy of the current credentials, refreshed if due.  Caller frees. */
int bw_creds_get(struct bw_credentials **out, struct bw_creds *p,
		 struct bw_error *err) BW_WARN_UNUSED;

/*
 * Where the credentials came from, once resolved ("environment",
 * "shared credentials file (profile dev)", "assume role <arn> via profile
 * base", "credential_process", "container", "instance metadata").  Borrowed.
 */
const char *bw_creds_source(struct bw_creds *p);

void bw_creds_free(struct bw_creds *p);

#endif
