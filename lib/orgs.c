/*
 * orgs.c - typed AWS Organizations calls over bw_call.  This file turns
 * JSON into small structs and folds "already done" answers into success;
 * deciding what to call, and in which order, is the engine's (live.c,
 * apply.c).
 */
#include <jansson.h>

#include "bulwark/client.h"
#include "bulwark/orgs.h"
#include "internal.h"

#define ORG BW_SVC_ORGANIZATIONS

static const char *jstr(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

static bool aws_code_is(const struct bw_error *err, const char *code)
{
	return err && err->code == BW_ERR_AWS && !strcmp(err->aws_code, code);
}

static void copy_field(char *dst, size_t n, const json_t *o, const char *key)
{
	const char *s = jstr(o, key);

	bw_strlcpy(dst, s ? s : "", n);
}

static int org_call(json_t **out, struct bw_client *c, const char *op, json_t *in,
		    struct bw_error *err)
{
	int rc = bw_call(out, c, ORG, op, in, err);

	json_decref(in);
	return rc;
}

static int org_call_all(json_t **out, struct bw_client *c, const char *op, json_t *in,
			const char *key, struct bw_error *err)
{
	int rc = bw_call_all(out, c, ORG, op, in, key, err);

	json_decref(in);
	return rc;
}

static int org_do(struct bw_client *c, const char *op, json_t *in, struct bw_error *err)
{
	json_t *out = NULL;
	int rc = org_call(&out, c, op, in, err);

	json_decref(out);
	return rc;
}

static void org_fill(struct bw_org *out, const json_t *resp)
{
	const json_t *o = json_object_get(resp, "Organization");

	copy_field(out->id, sizeof(out->id), o, "Id");
	copy_field(out->master_account_id, sizeof(out->master_account_id), o, "MasterAccountId");
	copy_field(out->feature_set, sizeof(out->feature_set), o, "FeatureSet");
}

int bw_orgs_describe(struct bw_org *out, struct bw_client *c, struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *resp = NULL;
	int rc;

	if (!err)
		err = &local;
	memset(out, 0, sizeof(*out));
	rc = org_call(&resp, c, "DescribeOrganization", NULL, err);
	if (rc) {
		if (aws_code_is(err, "AWSOrganizationsNotInUseException"))
			rc = BW_ERR_NOTFOUND;
		return rc;
	}
	org_fill(out, resp);
	json_decref(resp);
	if (!out->id[0])
		return bw_error_set(err, BW_ERR_PARSE, "DescribeOrganization returned no organization id");
	return 0;
}

int bw_orgs_create(struct bw_org *out, struct bw_client *c, const char *feature_set,
		   struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *resp = NULL;
	int rc;

	if (!err)
		err = &local;
	rc = org_call(&resp, c, "CreateOrganization",
		      json_pack("{s:s}", "FeatureSet", feature_set ? feature_set : "ALL"), err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "AlreadyInOrganizationException"))
		return bw_orgs_describe(out, c, err);
	if (rc)
		return rc;
	org_fill(out, resp);
	json_decref(resp);
	return 0;
}

int bw_orgs_root(struct bw_org_root *out, struct bw_client *c, struct bw_error *err)
{
	json_t *resp = NULL, *root, *t;
	size_t i;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((rc = org_call_all(&resp, c, "ListRoots", NULL, "Roots", err)))
		return rc;
	root = json_array_get(json_object_get(resp, "Roots"), 0);
	copy_field(out->id, sizeof(out->id), root, "Id");
	json_array_foreach(json_object_get(root, "PolicyTypes"), i, t) {
		const char *type = jstr(t, "Type"), *status = jstr(t, "Status");

		if (type && status && !strcmp(type, "SERVICE_CONTROL_POLICY") &&
		    !strcmp(status, "ENABLED"))
			out->scp_enabled = true;
	}
	json_decref(resp);
	if (!out->id[0])
		return bw_error_set(err, BW_ERR_PARSE, "ListRoots returned no root");
	return 0;
}

int bw_orgs_enable_scp(struct bw_client *c, const char *root_id, struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = org_do(c, "EnablePolicyType",
		    json_pack("{s:s, s:s}", "RootId", root_id,
			      "PolicyType", "SERVICE_CONTROL_POLICY"), err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "PolicyTypeAlreadyEnabledException")) {
		bw_error_clear(err);
		return 0;
	}
	return rc;
}

void bw_org_unit_release(struct bw_org_unit *u)
{
	if (!u)
		return;
	free(u->id);
	free(u->name);
	free(u->parent_id);
	memset(u, 0, sizeof(*u));
}

void bw_org_account_release(struct bw_org_account *a)
{
	if (!a)
		return;
	free(a->id);
	free(a->name);
	free(a->email);
	free(a->status);
	free(a->parent_id);
	memset(a, 0, sizeof(*a));
}

void bw_org_policy_release(struct bw_org_policy *p)
{
	if (!p)
		return;
	free(p->id);
	free(p->name);
	free(p->description);
	free(p->content);
	for (size_t i = 0; i < p->n_targets; i++)
		free(p->targets[i]);
	free(p->targets);
	memset(p, 0, sizeof(*p));
}

int bw_orgs_list_units(struct bw_org_unit **out, size_t *n, struct bw_client *c,
		       const char *parent_id, struct bw_error *err)
{
	json_t *resp = NULL, *items, *o;
	struct bw_org_unit *v = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = org_call_all(&resp, c, "ListOrganizationalUnitsForParent",
			  json_pack("{s:s}", "ParentId", parent_id), "OrganizationalUnits", err);
	if (rc)
		return rc;
	items = json_object_get(resp, "OrganizationalUnits");
	if (json_array_size(items) && !(v = calloc(json_array_size(items), sizeof(*v)))) {
		json_decref(resp);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	json_array_foreach(items, i, o) {
		v[i].id = bw_strdup(jstr(o, "Id"));
		v[i].name = bw_strdup(jstr(o, "Name"));
		v[i].parent_id = bw_strdup(parent_id);
		if (!v[i].id || !v[i].name || !v[i].parent_id)
			rc = bw_error_set(err, BW_ERR_PARSE, "ListOrganizationalUnitsForParent: "
					  "a unit without Id or Name");
	}
	*n = json_array_size(items);
	*out = v;
	json_decref(resp);
	return rc;
}

static int accounts_from(struct bw_org_account **out, size_t *n, json_t *items,
			 const char *parent_id, struct bw_error *err)
{
	struct bw_org_account *v = NULL;
	json_t *o;
	size_t i;
	int rc = 0;

	if (json_array_size(items) && !(v = calloc(json_array_size(items), sizeof(*v))))
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	json_array_foreach(items, i, o) {
		v[i].id = bw_strdup(jstr(o, "Id"));
		v[i].name = bw_strdup(jstr(o, "Name"));
		v[i].email = bw_strdup(jstr(o, "Email"));
		v[i].status = bw_strdup(jstr(o, "Status") ? jstr(o, "Status") : "ACTIVE");
		v[i].parent_id = bw_strdup(parent_id);
		if (!v[i].id || !v[i].email)
			rc = bw_error_set(err, BW_ERR_PARSE, "an account without Id or Email");
	}
	*n = json_array_size(items);
	*out = v;
	return rc;
}

int bw_orgs_list_accounts_for_parent(struct bw_org_account **out, size_t *n,
				     struct bw_client *c, const char *parent_id,
				     struct bw_error *err)
{
	json_t *resp = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = org_call_all(&resp, c, "ListAccountsForParent",
			  json_pack("{s:s}", "ParentId", parent_id), "Accounts", err);
	if (!rc)
		rc = accounts_from(out, n, json_object_get(resp, "Accounts"), parent_id, err);
	json_decref(resp);
	return rc;
}

int bw_orgs_list_accounts(struct bw_org_account **out, size_t *n, struct bw_client *c,
			  struct bw_error *err)
{
	json_t *resp = NULL;
	int rc;

	*out = NULL;
	*n = 0;
	rc = org_call_all(&resp, c, "ListAccounts", NULL, "Accounts", err);
	if (!rc)
		rc = accounts_from(out, n, json_object_get(resp, "Accounts"), NULL, err);
	json_decref(resp);
	return rc;
}

int bw_orgs_list_scps(struct bw_org_policy **out, size_t *n, struct bw_client *c,
		      struct bw_error *err)
{
	json_t *resp = NULL, *items, *o, *m;
	struct bw_org_policy *v = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	rc = org_call_all(&resp, c, "ListPolicies",
			  json_pack("{s:s}", "Filter", "SERVICE_CONTROL_POLICY"), "Policies", err);
	if (rc)
		return rc;
	items = json_object_get(resp, "Policies");
	if (json_array_size(items) && !(v = calloc(json_array_size(items), sizeof(*v)))) {
		json_decref(resp);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	json_array_foreach(items, i, o) {
		v[i].id = bw_strdup(jstr(o, "Id"));
		v[i].name = bw_strdup(jstr(o, "Name"));
		v[i].description = bw_strdup(jstr(o, "Description") ? jstr(o, "Description") : "");
		m = json_object_get(o, "AwsManaged");
		v[i].aws_managed = json_is_true(m) || (json_is_string(m) &&
							!strcmp(json_string_value(m), "true"));
		if (!v[i].id || !v[i].name)
			rc = bw_error_set(err, BW_ERR_PARSE, "ListPolicies: a policy without Id or Name");
	}
	*n = json_array_size(items);
	*out = v;
	json_decref(resp);
	return rc;
}

int bw_orgs_describe_policy(struct bw_org_policy *p, struct bw_client *c, struct bw_error *err)
{
	json_t *resp = NULL, *pol;
	const char *content, *desc;
	int rc;

	rc = org_call(&resp, c, "DescribePolicy", json_pack("{s:s}", "PolicyId", p->id), err);
	if (rc)
		return rc;
	pol = json_object_get(resp, "Policy");
	content = jstr(pol, "Content");
	desc = jstr(json_object_get(pol, "PolicySummary"), "Description");
	if (!content) {
		rc = bw_error_set(err, BW_ERR_PARSE, "DescribePolicy '%s' returned no content", p->name);
	} else {
		free(p->content);
		p->content = bw_strdup(content);
		if (desc) {
			free(p->description);
			p->description = bw_strdup(desc);
		}
		if (!p->content || !p->description)
			rc = bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	json_decref(resp);
	return rc;
}

int bw_orgs_policy_targets(struct bw_org_policy *p, struct bw_client *c, struct bw_error *err)
{
	json_t *resp = NULL, *items, *o;
	size_t i;
	int rc;

	rc = org_call_all(&resp, c, "ListTargetsForPolicy",
			  json_pack("{s:s}", "PolicyId", p->id), "Targets", err);
	if (rc)
		return rc;
	items = json_object_get(resp, "Targets");
	for (i = 0; i < p->n_targets; i++)
		free(p->targets[i]);
	free(p->targets);
	p->n_targets = 0;
	p->targets = calloc(json_array_size(items) + 1, sizeof(*p->targets));
	if (!p->targets) {
		json_decref(resp);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	json_array_foreach(items, i, o) {
		const char *id = jstr(o, "TargetId");

		if (id && (p->targets[p->n_targets] = bw_strdup(id)))
			p->n_targets++;
	}
	p->targets_known = true;
	json_decref(resp);
	return 0;
}

/* The id of the unit called name under parent_id, or BW_ERR_NOTFOUND. */
static int unit_find(char **id_out, struct bw_client *c, const char *parent_id,
		     const char *name, struct bw_error *err)
{
	struct bw_org_unit *units = NULL;
	size_t n = 0;
	int rc;

	*id_out = NULL;
	if ((rc = bw_orgs_list_units(&units, &n, c, parent_id, err)))
		goto out;
	rc = BW_ERR_NOTFOUND;
	for (size_t i = 0; i < n; i++)
		if (!*id_out && !strcmp(units[i].name, name)) {
			*id_out = units[i].id;
			units[i].id = NULL;
			rc = 0;
		}
	if (rc)
		bw_error_set(err, rc, "organizational unit '%s' not found under '%s'", name, parent_id);
out:
	for (size_t i = 0; i < n; i++)
		bw_org_unit_release(&units[i]);
	free(units);
	return rc;
}

int bw_orgs_create_unit(char **id_out, struct bw_client *c, const char *parent_id,
			const char *name, const json_t *tags, struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *resp = NULL, *in;
	int rc;

	if (!err)
		err = &local;
	*id_out = NULL;
	in = json_pack("{s:s, s:s}", "ParentId", parent_id, "Name", name);
	if (in && tags && json_array_size(tags))
		json_object_set_new(in, "Tags", json_deep_copy(tags));
	rc = org_call(&resp, c, "CreateOrganizationalUnit", in, err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "DuplicateOrganizationalUnitException")) {
		bw_error_clear(err);
		return unit_find(id_out, c, parent_id, name, err);
	}
	if (rc)
		return rc;
	*id_out = bw_strdup(jstr(json_object_get(resp, "OrganizationalUnit"), "Id"));
	json_decref(resp);
	if (!*id_out)
		return bw_error_set(err, BW_ERR_PARSE, "CreateOrganizationalUnit returned no id");
	return 0;
}

int bw_orgs_list_tags(json_t **out, struct bw_client *c, const char *resource_id,
		      struct bw_error *err)
{
	json_t *resp = NULL, *tags;
	int rc;

	*out = NULL;
	rc = org_call_all(&resp, c, "ListTagsForResource",
			  json_pack("{s:s}", "ResourceId", resource_id), "Tags", err);
	if (rc)
		return rc;
	tags = json_object_get(resp, "Tags");
	*out = json_is_array(tags) ? json_incref(tags) : json_array();
	json_decref(resp);
	return *out ? 0 : bw_error_set(err, BW_ERR_NOMEM, "out of memory");
}

int bw_orgs_tag(struct bw_client *c, const char *resource_id, const json_t *tags,
		struct bw_error *err)
{
	return org_do(c, "TagResource",
		      json_pack("{s:s, s:O}", "ResourceId", resource_id, "Tags", tags), err);
}

int bw_orgs_delete_unit(struct bw_client *c, const char *id, struct bw_error *err)
{
	return org_do(c, "DeleteOrganizationalUnit",
		      json_pack("{s:s}", "OrganizationalUnitId", id), err);
}

int bw_orgs_create_scp(char **id_out, struct bw_client *c, const char *name,
		       const char *description, const char *content, struct bw_error *err)
{
	struct bw_error local = { 0 };
	struct bw_org_policy *pols = NULL;
	json_t *resp = NULL;
	size_t n = 0;
	int rc;

	if (!err)
		err = &local;
	*id_out = NULL;
	rc = org_call(&resp, c, "CreatePolicy",
		      json_pack("{s:s, s:s, s:s, s:s}", "Name", name,
				"Description", description ? description : "",
				"Content", content, "Type", "SERVICE_CONTROL_POLICY"), err);
	if (!rc) {
		*id_out = bw_strdup(jstr(json_object_get(json_object_get(resp, "Policy"),
							 "PolicySummary"), "Id"));
		json_decref(resp);
		return *id_out ? 0 : bw_error_set(err, BW_ERR_PARSE, "CreatePolicy returned no id");
	}
	if (!aws_code_is(err, "DuplicatePolicyException"))
		return rc;
	/* An earlier, interrupted run created it: adopt it and make it right. */
	bw_error_clear(err);
	if ((rc = bw_orgs_list_scps(&pols, &n, c, err)))
		goto out;
	rc = bw_error_set(err, BW_ERR_NOTFOUND, "policy '%s' exists but cannot be found", name);
	for (size_t i = 0; i < n; i++)
		if (!*id_out && !strcmp(pols[i].name, name)) {
			*id_out = pols[i].id;
			pols[i].id = NULL;
			bw_error_clear(err);
			rc = bw_orgs_update_scp(c, *id_out, description, content, err);
		}
out:
	for (size_t i = 0; i < n; i++)
		bw_org_policy_release(&pols[i]);
	free(pols);
	return rc;
}

int bw_orgs_update_scp(struct bw_client *c, const char *id, const char *description,
		       const char *content, struct bw_error *err)
{
	json_t *in = json_pack("{s:s}", "PolicyId", id);

	if (in && description)
		json_object_set_new(in, "Description", json_string(description));
	if (in && content)
		json_object_set_new(in, "Content", json_string(content));
	return org_do(c, "UpdatePolicy", in, err);
}

int bw_orgs_delete_policy(struct bw_client *c, const char *id, struct bw_error *err)
{
	return org_do(c, "DeletePolicy", json_pack("{s:s}", "PolicyId", id), err);
}

int bw_orgs_attach(struct bw_client *c, const char *policy_id, const char *target_id,
		   struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = org_do(c, "AttachPolicy",
		    json_pack("{s:s, s:s}", "PolicyId", policy_id, "TargetId", target_id), err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "DuplicatePolicyAttachmentException")) {
		bw_error_clear(err);
		return 0;
	}
	return rc;
}

int bw_orgs_detach(struct bw_client *c, const char *policy_id, const char *target_id,
		   struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = org_do(c, "DetachPolicy",
		    json_pack("{s:s, s:s}", "PolicyId", policy_id, "TargetId", target_id), err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "PolicyNotAttachedException")) {
		bw_error_clear(err);
		return 0;
	}
	return rc;
}

int bw_orgs_move_account(struct bw_client *c, const char *account_id, const char *from_id,
			 const char *to_id, struct bw_error *err)
{
	struct bw_error local = { 0 };
	int rc;

	if (!err)
		err = &local;
	rc = org_do(c, "MoveAccount",
		    json_pack("{s:s, s:s, s:s}", "AccountId", account_id,
			      "SourceParentId", from_id, "DestinationParentId", to_id), err);
	if (rc == BW_ERR_AWS && aws_code_is(err, "DuplicateAccountException")) {
		bw_error_clear(err);
		return 0;
	}
	return rc;
}

static void status_fill(struct bw_create_status *out, const json_t *s)
{
	const char *state = jstr(s, "State");

	memset(out, 0, sizeof(*out));
	copy_field(out->request_id, sizeof(out->request_id), s, "Id");
	copy_field(out->account_name, sizeof(out->account_name), s, "AccountName");
	copy_field(out->account_id, sizeof(out->account_id), s, "AccountId");
	copy_field(out->failure_reason, sizeof(out->failure_reason), s, "FailureReason");
	if (state && !strcmp(state, "SUCCEEDED"))
		out->state = BW_CREATE_SUCCEEDED;
	else if (state && !strcmp(state, "FAILED"))
		out->state = BW_CREATE_FAILED;
	else
		out->state = BW_CREATE_IN_PROGRESS;
}

int bw_orgs_create_account(struct bw_create_status *out, struct bw_client *c,
			   const char *name, const char *email, const char *role_name,
			   const json_t *tags, struct bw_error *err)
{
	json_t *resp = NULL, *in;
	int rc;

	in = json_pack("{s:s, s:s}", "AccountName", name, "Email", email);
	if (in && role_name)
		json_object_set_new(in, "RoleName", json_string(role_name));
	if (in && tags && json_array_size(tags))
		json_object_set_new(in, "Tags", json_deep_copy(tags));
	if ((rc = org_call(&resp, c, "CreateAccount", in, err)))
		return rc;
	status_fill(out, json_object_get(resp, "CreateAccountStatus"));
	json_decref(resp);
	if (!out->request_id[0])
		return bw_error_set(err, BW_ERR_PARSE, "CreateAccount returned no request id");
	return 0;
}

int bw_orgs_create_status(struct bw_create_status *out, struct bw_client *c,
			  const char *request_id, struct bw_error *err)
{
	struct bw_error local = { 0 };
	json_t *resp = NULL;
	int rc;

	if (!err)
		err = &local;
	rc = org_call(&resp, c, "DescribeCreateAccountStatus",
		      json_pack("{s:s}", "CreateAccountRequestId", request_id), err);
	if (rc) {
		if (aws_code_is(err, "CreateAccountStatusNotFoundException") ||
		    aws_code_is(err, "AccountNotFoundException"))
			rc = BW_ERR_NOTFOUND;
		return rc;
	}
	status_fill(out, json_object_get(resp, "CreateAccountStatus"));
	json_decref(resp);
	return 0;
}

int bw_orgs_list_create_status(struct bw_create_status **out, size_t *n,
			       struct bw_client *c, const char *state, struct bw_error *err)
{
	json_t *resp = NULL, *items, *o, *in = NULL;
	size_t i;
	int rc;

	*out = NULL;
	*n = 0;
	if (state)
		in = json_pack("{s:[s]}", "States", state);
	rc = org_call_all(&resp, c, "ListCreateAccountStatus", in, "CreateAccountStatuses", err);
	if (rc)
		return rc;
	items = json_object_get(resp, "CreateAccountStatuses");
	if (json_array_size(items) && !(*out = calloc(json_array_size(items), sizeof(**out)))) {
		json_decref(resp);
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	json_array_foreach(items, i, o)
		status_fill(&(*out)[i], o);
	*n = json_array_size(items);
	json_decref(resp);
	return 0;
}

int bw_orgs_explain_failure(struct bw_buf *out, const char *reason, const char *name,
			    const char *email)
{
	static const struct { const char *code, *text; } why[] = {
		{ "EMAIL_ALREADY_EXISTS",
		  "the email '%2$s' is already used by another AWS account; "
		  "choose another email for account '%1$s' in the spec" },
		{ "ACCOUNT_LIMIT_EXCEEDED",
		  "the organization has reached its quota of accounts; ask AWS Support "
		  "to raise it (Service Quotas, AWS Organizations), then run bulwark again" },
		{ "CONCURRENT_ACCOUNT_MODIFICATION",
		  "another change to the organization was in progress; run bulwark again "
		  "(it already retried)" },
		{ "INVALID_EMAIL",
		  "AWS refused the email '%2$s' of account '%1$s'; fix it in the spec" },
		{ "INVALID_ADDRESS",
		  "the management account's address is not valid; fix it in the Billing "
		  "console, then run bulwark again" },
		{ "INTERNAL_FAILURE",
		  "AWS had an internal failure creating account '%1$s'; run bulwark again, "
		  "and contact AWS Support if it persists" },
		{ "MISSING_PAYMENT_INSTRUMENT",
		  "the management account has no payment method; add one in the Billing "
		  "console, then run bulwark again" },
		{ "INVALID_PAYMENT_INSTRUMENT",
		  "the management account's payment method is not valid; fix it in the "
		  "Billing console, then run bulwark again" },
		{ "GOVCLOUD_ACCOUNT_ALREADY_EXISTS",
		  "a GovCloud account already exists for this account; contact AWS Support" },
	};

	for (size_t i = 0; i < BW_ARRAY_SIZE(why); i++)
		if (reason && !strcmp(reason, why[i].code)) {
			/* The texts use positional arguments so each names what it needs. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
			return bw_buf_addf(out, why[i].text, name, email ? email : "");
#pragma GCC diagnostic pop
		}
	if (reason && strstr(reason, "BUSINESS_VALIDATION"))
		return bw_buf_addf(out, "AWS has not validated the management account's business "
				   "details (%s); complete the validation AWS asked for by email, "
				   "then run bulwark again", reason);
	return bw_buf_addf(out, "AWS could not create account '%s' (%s); see the "
			   "CreateAccountStatus FailureReason in the AWS documentation",
			   name, reason && *reason ? reason : "no reason given");
}
