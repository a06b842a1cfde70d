/*
 * redact.c - recognising and masking secret fields in JSON values and query
 * parameters.  Names are matched case-insensitively on the last path
 * component, so "Credentials.SessionToken" and "SessionToken" both count.
 */
#include <strings.h>

#include "bulwark/redact.h"
#include "internal.h"

static const char *const secret_keys[] = {
	"SecretString",		/* secretsmanager */
	"SecretBinary",
	"SecretAccessKey",	/* sts, iam CreateAccessKey */
	"SessionToken",
	"aws_secret_access_key",
	"aws_session_token",
	"Password",		/* iam CreateLoginProfile, ChangePassword */
	"OldPassword",
	"NewPassword",
	"WebIdentityToken",	/* sts AssumeRoleWithWebIdentity */
	"SAMLAssertion",
	"RandomPassword",	/* secretsmanager GetRandomPassword */
	"PrivateKey",
	"ClientSecret",		/* OIDC client secrets */
	"Base32StringSeed",	/* iam CreateVirtualMFADevice */
	"QRCodePNG",
};

bool bw_redact_is_secret_key(const char *key)
{
	const char *last;

	if (!key)
		return false;
	last = strrchr(key, '.');
	last = last ? last + 1 : key;
	for (size_t i = 0; i < BW_ARRAY_SIZE(secret_keys); i++)
		if (!strcasecmp(last, secret_keys[i]))
			return true;
	return false;
}

int bw_json_redact(json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;
	int n = 0;

	if (json_is_object(v)) {
		json_object_foreach(v, key, child) {
			if (bw_redact_is_secret_key(key) && !json_is_null(child)) {
				json_object_set_new(v, key, json_string(BW_REDACTED));
				n++;
			} else {
				n += bw_json_redact(child);
			}
		}
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			n += bw_json_redact(child);
	}
	return n;
}

bool bw_json_has_secret(const json_t *v)
{
	const char *key;
	json_t *child;
	size_t i;

	if (json_is_object(v)) {
		json_object_foreach((json_t *)v, key, child)
			if ((bw_redact_is_secret_key(key) && !json_is_null(child)) ||
			    bw_json_has_secret(child))
				return true;
	} else if (json_is_array(v)) {
		json_array_foreach(v, i, child)
			if (bw_json_has_secret(child))
				return true;
	}
	return false;
}
