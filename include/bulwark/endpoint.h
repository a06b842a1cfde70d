/*
 * endpoint.h - the services bulwark speaks to and where they are.
 *
 * The static table knows each service's protocol, API version, JSON target
 * prefix, signing name and whether it is global (IAM, Organizations: one
 * endpoint per partition, signed in its home region) or regional (STS,
 * Secrets Manager).  Overrides follow the SDKs: --endpoint-url,
 * AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL, the profile's
 * [services] section and endpoint_url, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is set.
 */
#ifndef BULWARK_ENDPOINT_H
#define BULWARK_ENDPOINT_H

#include "bulwark/config.h"
#include "bulwark/error.h"

enum bw_service {
	BW_SVC_ORGANIZATIONS,
	BW_SVC_IAM,
	BW_SVC_STS,
	BW_SVC_SECRETSMANAGER,
	BW_SVC__COUNT
};

enum bw_protocol {
	BW_PROTO_JSON,	/* awsJson1_1: POST /, X-Amz-Target */
	BW_PROTO_QUERY,	/* awsQuery: form-encoded POST, XML response */
};

struct bw_service_info {
	enum bw_service id;
	const char *name;		/* CLI name: "organizations", "secretsmanager" */
	const char *env_suffix;		/* AWS_ENDPOINT_URL_<suffix>: "ORGANIZATIONS", "SECRETS_MANAGER" */
	const char *config_key;		/* key in [services]: "organizations", "secrets_manager" */
	const char *signing_name;	/* "organizations", "iam", "sts", "secretsmanager" */
	enum bw_protocol protocol;
	const char *api_version;	/* Query: "2010-05-08"; JSON: "" */
	const char *target_prefix;	/* JSON: "AWSOrganizationsV20161128"; Query: "" */
	int global;			/* one endpoint per partition */
};

const struct bw_service_info *bw_service_info(enum bw_service svc);
/* By CLI name; NULL if unknown. */
const struct bw_service_info *bw_service_lookup(const char *name);

struct bw_endpoint {
	char url[512];			/* "https://iam.amazonaws.com" */
	char signing_region[32];	/* "us-east-1" */
	char source[96];		/* "default", "AWS_ENDPOINT_URL_IAM", "--endpoint-url", "profile dev" */
	char partition[16];		/* "aws", "aws-cn", "aws-us-gov" */
};

/*
 * Resolve where svc is for cfg.  region may be NULL for global services.
 * BW_ERR_INVALID if a regional service has no region, or an override URL is
 * not acceptable (see bw_url_check).
 */
int bw_endpoint_resolve(struct bw_endpoint *out, const struct bw_config *cfg,
			enum bw_service svc, struct bw_error *err) BW_WARN_UNUSED;

/* The partition of region: "aws-cn" for cn-*, "aws-us-gov" for us-gov-*, else "aws". */
const char *bw_region_partition(const char *region);

#endif
