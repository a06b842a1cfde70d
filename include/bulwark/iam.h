/*
 * iam.h - typed IAM calls in one (member) account: the roles of a
 * baseline, their inline, attached and boundary policies, customer managed
 * policies, the password policy and the account alias.
 *
 * c is a client whose credentials are in that account (usually from
 * bw_client_assume_role into the spec's access role).  NoSuchEntity comes
 * back as BW_ERR_NOTFOUND; EntityAlreadyExists on a create is success,
 * because it only happens when an earlier attempt of the same change got
 * through.  Policy documents are returned as AWS gives them (decoded JSON
 * text); compare them with bw_policy_equal_text.
 */
#ifndef BULWARK_IAM_H
#define BULWARK_IAM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bulwark/client.h"
#include "bulwark/error.h"

struct bw_iam_role {
	char *name;
	char *arn;
	char *path;
	char *trust;		/* the assume-role policy document */
	char *description;	/* "" when none */
	char *boundary_arn;	/* NULL when none */
	int max_session;	/* seconds */
	json_t *tags;		/* [{"Key":..,"Value":..}], owned */
};

void bw_iam_role_release(struct bw_iam_role *r);

/* GetRole.  BW_ERR_NOTFOUND when there is no such role. */
int bw_iam_get_role(struct bw_iam_role *out, struct bw_client *c, const char *name,
		    struct bw_error *err) BW_WARN_UNUSED;

/* A list of strings; free with bw_iam_strings_free. */
struct bw_iam_strings {
	char **v;
	size_t n;
};
void bw_iam_strings_free(struct bw_iam_strings *s);

/* ListRolePolicies (names) and ListAttachedRolePolicies (ARNs), all pages. */
int bw_iam_role_inline_names(struct bw_iam_strings *out, struct bw_client *c,
			     const char *role, struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_role_attached_arns(struct bw_iam_strings *out, struct bw_client *c,
			      const char *role, struct bw_error *err) BW_WARN_UNUSED;

/* GetRolePolicy: *doc is the caller's to free(). */
int bw_iam_get_role_policy(char **doc, struct bw_client *c, const char *role,
			   const char *name, struct bw_error *err) BW_WARN_UNUSED;

struct bw_iam_policy {
	char *arn;
	char *description;
	char *default_version;	/* "v3" */
	char *document;		/* the default version's document */
};
void bw_iam_policy_release(struct bw_iam_policy *p);

/*
 * GetPolicy then GetPolicyVersion of its default version.
 * BW_ERR_NOTFOUND when there is no such policy.
 */
int bw_iam_get_policy(struct bw_iam_policy *out, struct bw_client *c, const char *arn,
		      struct bw_error *err) BW_WARN_UNUSED;

/*
 * GetAccountPasswordPolicy: *out is a new reference to the PasswordPolicy
 * object.  BW_ERR_NOTFOUND when the account has none.
 */
int bw_iam_get_password_policy(json_t **out, struct bw_client *c,
			       struct bw_error *err) BW_WARN_UNUSED;

/* ListAccountAliases: *out is the alias (free()) or NULL when none. */
int bw_iam_get_alias(char **out, struct bw_client *c, struct bw_error *err) BW_WARN_UNUSED;

/*
 * CreateRole.  description may be "" or NULL, boundary_arn NULL, tags NULL
 * (borrowed [{"Key","Value"}]).
 */
int bw_iam_create_role(struct bw_client *c, const char *name, const char *path,
		       const char *trust, const char *description, int max_session,
		       const char *boundary_arn, const json_t *tags,
		       struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_update_trust(struct bw_client *c, const char *role, const char *trust,
			struct bw_error *err) BW_WARN_UNUSED;
/* UpdateRole: description and maximum session duration. */
int bw_iam_update_role(struct bw_client *c, const char *role, const char *description,
		       int max_session, struct bw_error *err) BW_WARN_UNUSED;
/* PutRolePermissionsBoundary, or DeleteRolePermissionsBoundary for NULL. */
int bw_iam_set_boundary(struct bw_client *c, const char *role, const char *arn,
			struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_put_role_policy(struct bw_client *c, const char *role, const char *name,
			   const char *doc, struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_delete_role_policy(struct bw_client *c, const char *role, const char *name,
			      struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_attach_role_policy(struct bw_client *c, const char *role, const char *arn,
			      struct bw_error *err) BW_WARN_UNUSED;
int bw_iam_detach_role_policy(struct bw_client *c, const char *role, const char *arn,
			      struct bw_error *err) BW_WARN_UNUSED;
/* TagRole with tags (borrowed [{"Key","Value"}]). */
int bw_iam_tag_role(struct bw_client *c, const char *role, const json_t *tags,
		    struct bw_error *err) BW_WARN_UNUSED;

/* CreatePolicy; *arn_out (free()) is its ARN, also when it existed. */
int bw_iam_create_policy(char **arn_out, struct bw_client *c, const char *account_id,
			 const char *name, const char *path, const char *description,
			 const char *doc, struct bw_error *err) BW_WARN_UNUSED;

/*
 * Make doc the default version of the policy at arn (CreatePolicyVersion
 * with SetAsDefault).  When the policy has its five versions already, the
 * oldest non-default one is deleted first.
 */
int bw_iam_set_policy_document(struct bw_client *c, const char *arn, const char *doc,
			       struct bw_error *err) BW_WARN_UNUSED;

/* UpdateAccountPasswordPolicy with the fields of pp (borrowed object). */
int bw_iam_set_password_policy(struct bw_client *c, const json_t *pp,
			       struct bw_error *err) BW_WARN_UNUSED;

/*
 * GetAccountAuthorizationDetails for roles (and customer managed policies
 * when with_policies), all pages: one call where reading each role's
 * inline and attached policies takes three or more.  It lacks a role's
 * description and maximum session, so GetRole is still needed for those.
 * *out is a new reference to {"RoleDetailList": [...], "Policies": [...]}.
 */
int bw_iam_authorization_details(json_t **out, struct bw_client *c, bool with_policies,
				 struct bw_error *err) BW_WARN_UNUSED;

/* CreateAccountAlias, deleting old (may be NULL) first. */
int bw_iam_set_alias(struct bw_client *c, const char *old, const char *alias,
		     struct bw_error *err) BW_WARN_UNUSED;

/* The ARN of a customer managed policy: arn:aws:iam::ACCOUNT:policy{path}{name}. */
int bw_iam_policy_arn(char **out, const char *partition, const char *account_id,
		      const char *path, const char *name) BW_WARN_UNUSED;

/* An integer field that may come as a JSON number or a numeric string. */
long bw_json_long(const json_t *v, long dflt);
/* A boolean field that may come as true/false or "true"/"false". */
bool bw_json_bool(const json_t *v);

#endif
