/*
 * endpoint.c - the four services bulwark speaks to, and where each one is
 * for a configuration: the static per-partition table (checked against
 * botocore's endpoint rule sets) and the SDKs' endpoint overrides in their
 * order.  Reading the shared files is config.c's job; this file only asks.
 */
#include <ctype.h>
#include <stdio.h>

#include "bulwark/endpoint.h"
#include "bulwark/http.h"

#include "internal.h"

static const struct bw_service_info services[BW_SVC__COUNT] = {
	[BW_SVC_ORGANIZATIONS] = {
		BW_SVC_ORGANIZATIONS, "organizations", "ORGANIZATIONS", "organizations",
		"organizations", BW_PROTO_JSON, "", "AWSOrganizationsV20161128", 1,
	},
	[BW_SVC_IAM] = {
		BW_SVC_IAM, "iam", "IAM", "iam",
		"iam", BW_PROTO_QUERY, "2010-05-08", "", 1,
	},
	[BW_SVC_STS] = {
		BW_SVC_STS, "sts", "STS", "sts",
		"sts", BW_PROTO_QUERY, "2011-06-15", "", 0,
	},
	[BW_SVC_SECRETSMANAGER] = {
		BW_SVC_SECRETSMANAGER, "secretsmanager", "SECRETS_MANAGER", "secrets_manager",
		"secretsmanager", BW_PROTO_JSON, "", "secretsmanager", 0,
	},
};

/*
 * Global services: one endpoint per partition, signed in the partition's
 * home region (botocore 1.43 rule sets for organizations and iam).
 */
struct global_ep {
	enum bw_service svc;
	const char *partition;
	const char *url;
	const char *region;
};

static const struct global_ep global_eps[] = {
	{ BW_SVC_ORGANIZATIONS, "aws", "https://organizations.us-east-1.amazonaws.com", "us-east-1" },
	{ BW_SVC_ORGANIZATIONS, "aws-cn", "https://organizations.cn-northwest-1.amazonaws.com.cn", "cn-northwest-1" },
	{ BW_SVC_ORGANIZATIONS, "aws-us-gov", "https://organizations.us-gov-west-1.amazonaws.com", "us-gov-west-1" },
	{ BW_SVC_IAM, "aws", "https://iam.amazonaws.com", "us-east-1" },
	{ BW_SVC_IAM, "aws-cn", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1" },
	{ BW_SVC_IAM, "aws-us-gov", "https://iam.us-gov.amazonaws.com", "us-gov-west-1" },
};

const struct bw_service_info *bw_service_info(enum bw_service svc)
{
	if ((int)svc < 0 || svc >= BW_SVC__COUNT)
		return NULL;
	return &services[svc];
}

const struct bw_service_info *bw_service_lookup(const char *name)
{
	size_t i;

	for (i = 0; name && i < BW_ARRAY_SIZE(services); i++)
		if (!strcmp(services[i].name, name))
			return &services[i];
	return NULL;
}

const char *bw_region_partition(const char *region)
{
	if (region && !strncmp(region, "cn-", 3))
		return "aws-cn";
	if (region && !strncmp(region, "us-gov-", 7))
		return "aws-us-gov";
	return "aws";
}

/* A region goes into a host name: letters, digits and dashes only. */
static bool region_ok(const char *region)
{
	const char *p;

	if (!*region || strlen(region) > 31)
		return false;
	for (p = region; *p; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p) && *p != '-')
			return false;
	return true;
}

static int set_override(struct bw_endpoint *out, const struct bw_service_info *si,
			const char *region, const char *url, const char *source,
			struct bw_error *err)
{
	int rc = bw_url_check(url, err);

	if (rc) {
		bw_error_prefix(err, "%s endpoint from %s", si->name, source);
		return rc;
	}
	if (strlen(url) >= sizeof(out->url))
		return bw_error_set(err, BW_ERR_INVALID,
				    "%s endpoint from %s is longer than %zu characters: shorten it",
				    si->name, source, sizeof(out->url) - 1);
	bw_strlcpy(out->url, url, sizeof(out->url));
	/* Trailing slashes would double up with the request path "/". */
	while (strlen(out->url) > 8 && out->url[strlen(out->url) - 1] == '/')
		out->url[strlen(out->url) - 1] = '\0';
	/* With an override the SDKs sign for the configured region. */
	bw_strlcpy(out->signing_region, region ? region : "us-east-1",
		   sizeof(out->signing_region));
	bw_strlcpy(out->source, source, sizeof(out->source));
	bw_strlcpy(out->partition, bw_region_partition(region), sizeof(out->partition));
	return 0;
}

int bw_endpoint_resolve(struct bw_endpoint *out, const struct bw_config *cfg,
			enum bw_service svc, struct bw_error *err)
{
	const struct bw_service_info *si = bw_service_info(svc);
	const char *region, *url, *profile, *section;
	char env[64], source[96];
	const char *partition;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (!si)
		return bw_error_set(err, BW_ERR_INTERNAL, "unknown service %d", (int)svc);
	region = cfg ? bw_config_region(cfg) : NULL;
	if (region && !*region)
		region = NULL;
	if (region && !region_ok(region))
		return bw_error_set(err, BW_ERR_INVALID,
				    "region '%s' is not a valid region name: use a name such as 'us-east-1'",
				    region);
	if (!si->global && !region)
		return bw_error_set(err, BW_ERR_INVALID,
				    "no region for %s: set --region, AWS_REGION or region in the profile",
				    si->name);

	/* 1. --endpoint-url, which the ignore setting never affects. */
	url = cfg ? bw_config_endpoint_url_flag(cfg) : NULL;
	if (url && *url)
		return set_override(out, si, region, url, "--endpoint-url", err);

	if (cfg && !bw_config_ignore_configured_endpoints(cfg)) {
		profile = bw_config_profile(cfg);

		/* 2. AWS_ENDPOINT_URL_<SERVICE> */
		snprintf(env, sizeof(env), "AWS_ENDPOINT_URL_%s", si->env_suffix);
		url = getenv(env);
		if (url && *url)
			return set_override(out, si, region, url, env, err);

		/* 3. the profile's services section */
		section = bw_config_get(cfg, profile, "services");
		if (section && *section) {
			url = bw_config_services_get(cfg, section, si->config_key, "endpoint_url");
			if (url && *url) {
				snprintf(source, sizeof(source), "services %s (profile %s)",
					 section, profile);
				return set_override(out, si, region, url, source, err);
			}
		}

		/* 4. AWS_ENDPOINT_URL */
		url = getenv("AWS_ENDPOINT_URL");
		if (url && *url)
			return set_override(out, si, region, url, "AWS_ENDPOINT_URL", err);

		/* 5. the profile's endpoint_url */
		url = bw_config_get(cfg, profile, "endpoint_url");
		if (url && *url) {
			snprintf(source, sizeof(source), "profile %s", profile);
			return set_override(out, si, region, url, source, err);
		}
	}

	partition = bw_region_partition(region);
	bw_strlcpy(out->partition, partition, sizeof(out->partition));
	bw_strlcpy(out->source, "default", sizeof(out->source));
	if (si->global) {
		for (i = 0; i < BW_ARRAY_SIZE(global_eps); i++) {
			if (global_eps[i].svc != svc || strcmp(global_eps[i].partition, partition))
				continue;
			bw_strlcpy(out->url, global_eps[i].url, sizeof(out->url));
			bw_strlcpy(out->signing_region, global_eps[i].region,
				   sizeof(out->signing_region));
			return 0;
		}
		return bw_error_set(err, BW_ERR_INTERNAL, "no %s endpoint for partition '%s'",
				    si->name, partition);
	}
	snprintf(out->url, sizeof(out->url), "https://%s.%s.amazonaws.com%s", si->name, region,
		 !strcmp(partition, "aws-cn") ? ".cn" : "");
	bw_strlcpy(out->signing_region, region, sizeof(out->signing_region));
	return 0;
}
