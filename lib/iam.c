/*
 * iam.c - typed IAM calls in one account over bw_call.  It reads and
 * writes single resources and folds "already exists" into success; the
 * comparison with the spec and the order of changes are the engine's.
 */
#include <stdio.h>

#include <jansson.h>

#include "bulwark/client.h"
#include "bulwark/iam.h"
#include "internal.h"

#define IAM BW_SVC_IAM

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool aws_code_is(const struct bw_error *err, const char *code)
{
	return err && err->code == BW_ERR_AWS && !strcmp(err->aws_code, code);
}

long bw_json_long(const json_t *v, long dflt)
{
	char *end;
	long n;

	if (json_is_integer(v))
		return (long)json_integer_value(v);
	if (json_is_string(v)) {
		errno = 0;
		n = strtol(json_string_value(v), &end, 10);
		if (!errno && end != json_string_value(v) && !*end)
			return n;
	}
	return dflt;
}

bool bw_json_bool(const json_t *v)
{
	return json_is_true(v) || (json_is_string(v) && !strcmp(json_string_value(v), "true"));
}

/* bw_call consuming in; NoSuchEntity becomes BW_ERR_NOTFOUND. */
static int iam_call(json_t **out, struct bw_client *c, const char *op, json_t *in,
		    struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *tmp = NULL;
	int rc;

	if (!err)
		err = &local;
	rc = bw_call(out ? out : &tmp, c, IAM, op, in, err);
	json_decref(in);
	json_decref(tmp);
	if (rc == BW_ERR_AWS && aws_code_is(err, "NoSuchEntity"))
		rc = BW_ERR_NOTFOUND;
	return rc;
}

static int iam_do(struct bw_client *c, const char *op, json_t *in, struct bw_error *err)
{
	return iam_call(NULL, c, op, in, err);
}

/* A mutation that may find its work done already. */
static int iam_do_exists_ok(struct bw_client *c, const char *op, json_t *in,
			    struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = iam_do(c, op, in, err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "EntityAlreadyExists")) {
		bw_error_clear(err);
		rc = 0;
	}
	return rc;
}

void bw_iam_role_release(struct bw_iam_role *r)
{
	if (!r)
		return;
	free(r->name);
	free(r->arn);
	free(r->path);
	free(r->trust);
	free(r->description);
	free(r->boundary_arn);
	json_decref(r->tags);
	memset(r, 0, sizeof(*r));
}

int bw_iam_get_role(struct bw_iam_role *out, struct bw_client *c, const char *name,
		    struct bw_error *err)
{
	json_t *resp = NULL, *role, *tags;
	const char *b;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = iam_call(&resp, c, "GetRole", json_pack("{s:s}", "RoleName", name), err)))
		return rc;
	role = json_object_get(resp, "Role");
	out->name = bw_strdup(jstr(role, "RoleName") ? jstr(role, "RoleName") : name);
	out->arn = bw_strdup(jstr(role, "Arn") ? jstr(role, "Arn") : "");
	out->path = bw_strdup(jstr(role, "Path") ? jstr(role, "Path") : "/");
	out->trust = bw_strdup(jstr(role, "AssumeRolePolicyDocument"));
	out->description = bw_strdup(jstr(role, "Description") ? jstr(role, "Description") : "");
	b = jstr(json_object_get(role, "PermissionsBoundary"), "PermissionsBoundaryArn");
	out->boundary_arn = bw_strdup(b);
	out->max_session = (int)bw_json_long(json_object_get(role, "MaxSessionDuration"), 3600);
	tags = json_object_get(role, "Tags");
	out->tags = json_is_array(tags) ? json_incref(tags) : json_array();
	json_decref(resp);
	if (!out->name || !out->arn || !out->path || !out->description || !out->tags ||
	    (b && !out->boundary_arn)) {
		bw_iam_role_release(out);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	if (!out->trust) {
		bw_iam_role_release(out);
		return bw_error_set(err, BW_ERR_PARSE, "GetRole '%s' returned no trust policy", name);
	}
	return 0;
}

void bw_iam_strings_free(struct bw_iam_strings *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int strings_from(struct bw_iam_strings *out, const json_t *items, const char *key,
			struct bw_error *err)
{
	const json_t *o;
	size_t i;

	out->n = 0;
	out->v = calloc(json_array_size(items) + 1, sizeof(*out->v));
	if (!out->v)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	json_array_foreach(items, i, o) {
		const char *s = key ? jstr(o, key) : json_string_value(o);

		if (!s)
			continue;
		if (!(out->v[out->n] = bw_strdup(s))) {
			bw_iam_strings_free(out);
			return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
		}
		out->n++;
	}
	return 0;
}

/* A role's list (op, all pages) as strings: items, or their item_key field. */
static int role_list(struct bw_iam_strings *out, struct bw_client *c, const char *role,
		     const char *op, const char *list_key, const char *item_key,
		     struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *resp = NULL, *in = json_pack("{s:s}", "RoleName", role);
	int rc;

	if (!err)
		err = &local;
	memset(out, 0, sizeof(*out));
	rc = bw_call_all(&resp, c, IAM, op, in, list_key, err);
	json_decref(in);
	if (!rc)
		rc = strings_from(out, json_object_get(resp, list_key), item_key, err);
	else if (aws_code_is(err, "NoSuchEntity"))
		rc = BW_ERR_NOTFOUND;
	json_decref(resp);
	return rc;
}

int bw_iam_role_inline_names(struct bw_iam_strings *out, struct bw_client *c,
			     const char *role, struct bw_error *err)
{
	return role_list(out, c, role, "ListRolePolicies", "PolicyNames", NULL, err);
}

int bw_iam_role_attached_arns(struct bw_iam_strings *out, struct bw_client *c,
			      const char *role, struct bw_error *err)
{
	return role_list(out, c, role, "ListAttachedRolePolicies", "AttachedPolicies",
			 "PolicyArn", err);
}

int bw_iam_get_role_policy(char **doc, struct bw_client *c, const char *role,
			   const char *name, struct bw_error *err)
{
	json_t *resp = NULL;
	int rc;

	*doc = NULL;
	rc = iam_call(&resp, c, "GetRolePolicy",
		      json_pack("{s:s, s:s}", "RoleName", role, "PolicyName", name), err);
	if (rc)
		return rc;
	*doc = bw_strdup(jstr(resp, "PolicyDocument"));
	json_decref(resp);
	return *doc ? 0 : bw_error_set(err, BW_ERR_PARSE, "GetRolePolicy '%s' returned no document",
				       name);
}

void bw_iam_policy_release(struct bw_iam_policy *p)
{
	if (!p)
		return;
	free(p->arn);
	free(p->description);
	free(p->default_version);
	free(p->document);
	memset(p, 0, sizeof(*p));
}

int bw_iam_get_policy(struct bw_iam_policy *out, struct bw_client *c, const char *arn,
		      struct bw_error *err)
{
	json_t *resp = NULL, *pol;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = iam_call(&resp, c, "GetPolicy", json_pack("{s:s}", "PolicyArn", arn), err)))
		return rc;
	pol = json_object_get(resp, "Policy");
	out->arn = bw_strdup(arn);
	out->description = bw_strdup(jstr(pol, "Description") ? jstr(pol, "Description") : "");
	out->default_version = bw_strdup(jstr(pol, "DefaultVersionId"));
	json_decref(resp);
	resp = NULL;
	if (!out->arn || !out->description || !out->default_version) {
		rc = bw_error_set(err, BW_ERR_PARSE, "GetPolicy '%s' returned no default version", arn);
		goto out;
	}
	rc = iam_call(&resp, c, "GetPolicyVersion",
		      json_pack("{s:s, s:s}", "PolicyArn", arn, "VersionId", out->default_version),
		      err);
	if (rc)
		goto out;
	out->document = bw_strdup(jstr(json_object_get(resp, "PolicyVersion"), "Document"));
	if (!out->document)
		rc = bw_error_set(err, BW_ERR_PARSE, "GetPolicyVersion '%s' returned no document", arn);
out:
	json_decref(resp);
	if (rc)
		bw_iam_policy_release(out);
	return rc;
}

int bw_iam_get_password_policy(json_t **out, struct bw_client *c, struct bw_error *err)
{
	json_t *resp = NULL;
	int rc;

	*out = NULL;
	if ((rc = iam_call(&resp, c, "GetAccountPasswordPolicy", NULL, err)))
		return rc;
	*out = json_incref(json_object_get(resp, "PasswordPolicy"));
	json_decref(resp);
	if (!*out)
		return bw_error_set(err, BW_ERR_PARSE, "GetAccountPasswordPolicy returned no policy");
	return 0;
}

int bw_iam_get_alias(char **out, struct bw_client *c, struct bw_error *err)
{
	json_t *resp = NULL;
	const char *a;
	int rc;

	*out = NULL;
	if ((rc = bw_call_all(&resp, c, IAM, "ListAccountAliases", NULL, "AccountAliases", err)))
		return rc;
	a = json_string_value(json_array_get(json_object_get(resp, "AccountAliases"), 0));
	if (a && !(*out = bw_strdup(a)))
		rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	json_decref(resp);
	return rc;
}

int bw_iam_create_role(struct bw_client *c, const char *name, const char *path,
		       const char *trust, const char *description, int max_session,
		       const char *boundary_arn, const json_t *tags, struct bw_error *err)
{
	json_t *in = json_pack("{s:s, s:s, s:s, s:i}", "RoleName", name, "Path", path ? path : "/",
			       "AssumeRolePolicyDocument", trust,
			       "MaxSessionDuration", max_session ? max_session : 3600);

	if (in && description && *description)
		json_object_set_new(in, "Description", json_string(description));
	if (in && boundary_arn)
		json_object_set_new(in, "PermissionsBoundary", json_string(boundary_arn));
	if (in && tags && json_array_size(tags))
		json_object_set_new(in, "Tags", json_deep_copy(tags));
	return iam_do_exists_ok(c, "CreateRole", in, err);
}

int bw_iam_update_trust(struct bw_client *c, const char *role, const char *trust,
			struct bw_error *err)
{
	return iam_do(c, "UpdateAssumeRolePolicy",
		      json_pack("{s:s, s:s}", "RoleName", role, "PolicyDocument", trust), err);
}

int bw_iam_update_role(struct bw_client *c, const char *role, const char *description,
		       int max_session, struct bw_error *err)
{
	return iam_do(c, "UpdateRole",
		      json_pack("{s:s, s:s, s:i}", "RoleName", role,
				"Description", description ? description : "",
				"MaxSessionDuration", max_session ? max_session : 3600), err);
}

int bw_iam_set_boundary(struct bw_client *c, const char *role, const char *arn,
			struct bw_error *err)
{
	if (!arn)
		return iam_do(c, "DeleteRolePermissionsBoundary",
			      json_pack("{s:s}", "RoleName", role), err);
	return iam_do(c, "PutRolePermissionsBoundary",
		      json_pack("{s:s, s:s}", "RoleName", role, "PermissionsBoundary", arn), err);
}

int bw_iam_put_role_policy(struct bw_client *c, const char *role, const char *name,
			   const char *doc, struct bw_error *err)
{
	return iam_do(c, "PutRolePolicy",
		      json_pack("{s:s, s:s, s:s}", "RoleName", role, "PolicyName", name,
				"PolicyDocument", doc), err);
}

int bw_iam_delete_role_policy(struct bw_client *c, const char *role, const char *name,
			      struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = iam_do(c, "DeleteRolePolicy",
		    json_pack("{s:s, s:s}", "RoleName", role, "PolicyName", name), err);
	return rc == BW_ERR_NOTFOUND ? (bw_error_clear(err), 0) : rc;
}

int bw_iam_attach_role_policy(struct bw_client *c, const char *role, const char *arn,
			      struct bw_error *err)
{
	return iam_do(c, "AttachRolePolicy",
		      json_pack("{s:s, s:s}", "RoleName", role, "PolicyArn", arn), err);
}

int bw_iam_detach_role_policy(struct bw_client *c, const char *role, const char *arn,
			      struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = iam_do(c, "DetachRolePolicy",
		    json_pack("{s:s, s:s}", "RoleName", role, "PolicyArn", arn), err);
	return rc == BW_ERR_NOTFOUND ? (bw_error_clear(err), 0) : rc;
}

int bw_iam_tag_role(struct bw_client *c, const char *role, const json_t *tags,
		    struct bw_error *err)
{
	return iam_do(c, "TagRole", json_pack("{s:s, s:O}", "RoleName", role, "Tags", tags), err);
}

int bw_iam_policy_arn(char **out, const char *partition, const char *account_id,
		      const char *path, const char *name)
{
	struct bw_buf b = BW_BUF_INIT;

	if (bw_buf_addf(&b, "arn:%s:iam::%s:policy%s%s", partition ? partition : "aws",
			account_id, path && *path ? path : "/", name) ||
	    !(*out = bw_buf_detach(&b, NULL))) {
		bw_buf_release(&b);
		*out = NULL;
		return BW_ERR_NOMEM;
	}
	return 0;
}

int bw_iam_create_policy(char **arn_out, struct bw_client *c, const char *account_id,
			 const char *name, const char *path, const char *description,
			 const char *doc, struct bw_error *err)
{
	const struct bw_endpoint *ep;
	struct bw_error local = { 0 };
	json_t *resp = NULL, *in;
	int rc;

	if (!err)
		err = &local;
	*arn_out = NULL;
	in = json_pack("{s:s, s:s, s:s}", "PolicyName", name, "Path", path ? path : "/",
		       "PolicyDocument", doc);
	if (in && description && *description)
		json_object_set_new(in, "Description", json_string(description));
	rc = iam_call(&resp, c, "CreatePolicy", in, err);
	if (!rc) {
		*arn_out = bw_strdup(jstr(json_object_get(resp, "Policy"), "Arn"));
		json_decref(resp);
		if (*arn_out)
			return 0;
	} else if (!aws_code_is(err, "EntityAlreadyExists")) {
		return rc;
	}
	/* It exists (an earlier attempt got through): make sure it says doc. */
	bw_error_clear(err);
	ep = bw_client_endpoint(c, BW_SVC_IAM, err);
	if (!ep)
		return BW_ERR_INVALID;
	if (bw_iam_policy_arn(arn_out, ep->partition, account_id, path, name))
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	return rc ? bw_iam_set_policy_document(c, *arn_out, doc, err) : 0;
}

/* Delete the oldest version that is not the default. */
static int policy_prune_version(struct bw_client *c, const char *arn, struct bw_error *err)
{
	json_t *resp = NULL, *v, *in = json_pack("{s:s}", "PolicyArn", arn);
	const char *oldest = NULL, *oldest_date = NULL;
	size_t i;
	int rc;

	rc = bw_call_all(&resp, c, IAM, "ListPolicyVersions", in, "Versions", err);
	json_decref(in);
	if (rc)
		return rc;
	json_array_foreach(json_object_get(resp, "Versions"), i, v) {
		const char *date = jstr(v, "CreateDate");

		if (bw_json_bool(json_object_get(v, "IsDefaultVersion")))
			continue;
		if (!oldest || (date && oldest_date && strcmp(date, oldest_date) < 0)) {
			oldest = jstr(v, "VersionId");
			oldest_date = date;
		}
	}
	if (oldest)
		rc = iam_do(c, "DeletePolicyVersion",
			    json_pack("{s:s, s:s}", "PolicyArn", arn, "VersionId", oldest), err);
	json_decref(resp);
	return rc;
}

int bw_iam_set_policy_document(struct bw_client *c, const char *arn, const char *doc,
			       struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	for (int tries = 0; tries < 2; tries++) {
		rc = iam_do(c, "CreatePolicyVersion",
			    json_pack("{s:s, s:s, s:b}", "PolicyArn", arn, "PolicyDocument", doc,
				      "SetAsDefault", 1), err);
		if (rc != BW_ERR_AWS || !aws_code_is(err, "LimitExceeded"))
			return rc;
		bw_error_clear(err);
		if ((rc = policy_prune_version(c, arn, err)))
			return rc;
	}
	return rc;
}

int bw_iam_set_password_policy(struct bw_client *c, const json_t *pp, struct bw_error *err)
{
	return iam_do(c, "UpdateAccountPasswordPolicy", json_deep_copy(pp), err);
}

int bw_iam_authorization_details(json_t **out, struct bw_client *c, bool with_policies,
				 struct bw_error *err)
{
	json_t *in, *one = NULL, *pols = NULL;
	int rc;

	*out = NULL;
	in = with_policies ? json_pack("{s:[s,s], s:i}", "Filter", "Role", "LocalManagedPolicy",
				       "MaxItems", 1000) :
			     json_pack("{s:[s], s:i}", "Filter", "Role", "MaxItems", 1000);
	rc = bw_call(&one, c, IAM, "GetAccountAuthorizationDetails", in, err);
	json_decref(in);
	if (rc)
		return rc;
	if (!bw_json_bool(json_object_get(one, "IsTruncated"))) {
		*out = one;
		return 0;
	}
	/* More than one page: gather each list on its own, all pages. */
	json_decref(one);
	one = NULL;
	in = json_pack("{s:[s], s:i}", "Filter", "Role", "MaxItems", 1000);
	rc = bw_call_all(&one, c, IAM, "GetAccountAuthorizationDetails", in, "RoleDetailList", err);
	json_decref(in);
	if (!rc && with_policies) {
		in = json_pack("{s:[s], s:i}", "Filter", "LocalManagedPolicy", "MaxItems", 1000);
		rc = bw_call_all(&pols, c, IAM, "GetAccountAuthorizationDetails", in, "Policies",
				 err);
		json_decref(in);
		if (!rc)
			json_object_set(one, "Policies", json_object_get(pols, "Policies"));
		json_decref(pols);
	}
	if (rc) {
		json_decref(one);
		return rc;
	}
	*out = one;
	return 0;
}

int bw_iam_set_alias(struct bw_client *c, const char *old, const char *alias,
		     struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	if (old && (rc = iam_do(c, "DeleteAccountAlias",
				json_pack("{s:s}", "AccountAlias", old), err)) &&
	    rc != BW_ERR_NOTFOUND)
		return rc;
	bw_error_clear(err);
	/* Not folded: EntityAlreadyExists here means another account owns it. */
	return iam_do(c, "CreateAccountAlias",
				json_pack("{s:s}", "AccountAlias", alias), err);
}
