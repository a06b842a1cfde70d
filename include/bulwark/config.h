/*
 * config.h - the resolved AWS configuration: profile, region, retry and TLS
 * settings from the environment, the command line and the shared files
 * (~/.aws/config and ~/.aws/credentials, parsed with inih).
 *
 * A struct bw_config is immutable after bw_config_load and may be read by
 * any thread.  It does not resolve credentials (creds.h) or endpoints
 * (endpoint.h); it holds what they need.
 */
#ifndef BULWARK_CONFIG_H
#define BULWARK_CONFIG_H

#include <stdbool.h>

#include "bulwark/error.h"
#include "bulwark/retry.h"

struct bw_config_opts {
	const char *profile;		/* --profile, or NULL */
	const char *region;		/* --region, or NULL */
	const char *endpoint_url;	/* --endpoint-url, or NULL */
};

struct bw_config;

/*
 * Read the environment (AWS_PROFILE, AWS_DEFAULT_PROFILE, AWS_REGION,
 * AWS_DEFAULT_REGION, AWS_CONFIG_FILE, AWS_SHARED_CREDENTIALS_FILE,
 * AWS_MAX_ATTEMPTS, AWS_RETRY_MODE, AWS_CA_BUNDLE, AWS_ENDPOINT_URL*,
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS) and the shared files.  Missing files
 * are fine; a named profile that exists nowhere is BW_ERR_INVALID unless
 * the environment supplies credentials.  Malformed files are BW_ERR_INVALID
 * with file:line.
 */
int bw_config_load(struct bw_config **out, const struct bw_config_opts *opts,
		   struct bw_error *err) BW_WARN_UNUSED;
void bw_config_free(struct bw_config *cfg);

/* The active profile name ("default" when none was chosen). */
const char *bw_config_profile(const struct bw_config *cfg);
/* True if the profile was chosen explicitly (--profile or AWS_PROFILE). */
bool bw_config_profile_explicit(const struct bw_config *cfg);

/* Region and where it came from ("--region", "AWS_REGION", "profile dev"). NULL if none. */
const char *bw_config_region(const struct bw_config *cfg);
const char *bw_config_region_source(const struct bw_config *cfg);

enum bw_retry_mode bw_config_retry_mode(const struct bw_config *cfg);
int bw_config_max_attempts(const struct bw_config *cfg);
/* True if the user set the retry mode or attempts (env or profile). */
bool bw_config_retry_explicit(const struct bw_config *cfg);
const char *bw_config_ca_bundle(const struct bw_config *cfg);	/* or NULL */
const char *bw_config_endpoint_url_flag(const struct bw_config *cfg);	/* --endpoint-url */
bool bw_config_ignore_configured_endpoints(const struct bw_config *cfg);

/*
 * A key of a profile.  bw_config_get reads the config file's [profile NAME]
 * ([default] for "default"); bw_config_get_cred reads the credentials
 * file's [NAME] first and the config file second.  Borrowed, or NULL.
 */
const char *bw_config_get(const struct bw_config *cfg, const char *profile, const char *key);
const char *bw_config_get_cred(const struct bw_config *cfg, const char *profile, const char *key);
bool bw_config_has_profile(const struct bw_config *cfg, const char *profile);

/*
 * A key of a nested block in [services NAME], e.g. for
 *   [services local]
 *   iam =
 *     endpoint_url = http://127.0.0.1:5000
 * bw_config_services_get(cfg, "local", "iam", "endpoint_url").
 */
const char *bw_config_services_get(const struct bw_config *cfg, const char *services,
				   const char *service_key, const char *key);

/* Paths of the two files actually consulted (for whoami and errors). */
const char *bw_config_config_file(const struct bw_config *cfg);
const char *bw_config_credentials_file(const struct bw_config *cfg);

#endif
