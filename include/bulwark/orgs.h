/*
 * orgs.h - typed AWS Organizations calls: the organization, its root,
 * organizational units, accounts, service control policies and their
 * attachments.
 *
 * Each function is one API operation (or one paginated listing) with the
 * answers AWS gives for "already done" folded into success where that is
 * safe: DuplicateOrganizationalUnitException, DuplicatePolicyException,
 * DuplicatePolicyAttachmentException, PolicyTypeAlreadyEnabledException,
 * AlreadyInOrganizationException.  Retries and rate limits are the
 * client's.  Strings in the structs are owned by the struct and freed by
 * the matching *_release / *_free function.
 */
#ifndef BULWARK_ORGS_H
#define BULWARK_ORGS_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "bulwark/buf.h"
#include "bulwark/client.h"
#include "bulwark/error.h"

struct bw_org {
	char id[40];			/* "o-abcd1234" */
	char master_account_id[16];	/* the management account */
	char feature_set[24];		/* "ALL" or "CONSOLIDATED_BILLING" */
};

/*
 * DescribeOrganization.  BW_ERR_NOTFOUND when the caller is in no
 * organization (AWSOrganizationsNotInUseException).
 */
int bw_orgs_describe(struct bw_org *out, struct bw_client *c, struct bw_error *err) BW_WARN_UNUSED;

/* CreateOrganization (feature_set NULL: "ALL"); an existing one is described. */
int bw_orgs_create(struct bw_org *out, struct bw_client *c, const char *feature_set,
		   struct bw_error *err) BW_WARN_UNUSED;

struct bw_org_root {
	char id[40];		/* "r-ab12" */
	bool scp_enabled;	/* SERVICE_CONTROL_POLICY is ENABLED on it */
};

/* ListRoots: the (only) root. */
int bw_orgs_root(struct bw_org_root *out, struct bw_client *c, struct bw_error *err) BW_WARN_UNUSED;

/* EnablePolicyType SERVICE_CONTROL_POLICY on root_id (already enabled: 0). */
int bw_orgs_enable_scp(struct bw_client *c, const char *root_id, struct bw_error *err) BW_WARN_UNUSED;

struct bw_org_unit {
	char *id;
	char *name;
	char *parent_id;
};

struct bw_org_account {
	char *id;
	char *name;
	char *email;
	char *status;		/* ACTIVE, SUSPENDED, PENDING_CLOSURE */
	char *parent_id;	/* NULL until known */
};

struct bw_org_policy {
	char *id;
	char *name;
	char *description;
	char *content;		/* NULL until described */
	bool aws_managed;
	char **targets;		/* target ids; NULL until listed */
	size_t n_targets;
	bool targets_known;
};

void bw_org_unit_release(struct bw_org_unit *u);
void bw_org_account_release(struct bw_org_account *a);
void bw_org_policy_release(struct bw_org_policy *p);

/*
 * ListOrganizationalUnitsForParent (all pages).  *out is a new array the
 * caller releases item by item and frees; *n its length.
 */
int bw_orgs_list_units(struct bw_org_unit **out, size_t *n, struct bw_client *c,
		       const char *parent_id, struct bw_error *err) BW_WARN_UNUSED;

/* ListAccountsForParent (all pages); parent_id is set on each. */
int bw_orgs_list_accounts_for_parent(struct bw_org_account **out, size_t *n,
				     struct bw_client *c, const char *parent_id,
				     struct bw_error *err) BW_WARN_UNUSED;

/* ListAccounts (all pages); parent_id is NULL on each. */
int bw_orgs_list_accounts(struct bw_org_account **out, size_t *n, struct bw_client *c,
			  struct bw_error *err) BW_WARN_UNUSED;

/* ListPolicies SERVICE_CONTROL_POLICY (all pages), without content or targets. */
int bw_orgs_list_scps(struct bw_org_policy **out, size_t *n, struct bw_client *c,
		      struct bw_error *err) BW_WARN_UNUSED;

/* DescribePolicy: fill p->content (and description). */
int bw_orgs_describe_policy(struct bw_org_policy *p, struct bw_client *c,
			    struct bw_error *err) BW_WARN_UNUSED;

/* ListTargetsForPolicy (all pages): fill p->targets. */
int bw_orgs_policy_targets(struct bw_org_policy *p, struct bw_client *c,
			   struct bw_error *err) BW_WARN_UNUSED;

/*
 * CreateOrganizationalUnit name under parent_id.  If it exists already
 * (DuplicateOrganizationalUnitException) it is looked up by name.  *id_out
 * is the caller's to free().
 */
int bw_orgs_create_unit(char **id_out, struct bw_client *c, const char *parent_id,
			const char *name, const json_t *tags, struct bw_error *err) BW_WARN_UNUSED;

/*
 * ListTagsForResource of an account, unit or policy id (all pages).  *out
 * is a new reference to an array of {"Key","Value"}.
 */
int bw_orgs_list_tags(json_t **out, struct bw_client *c, const char *resource_id,
		      struct bw_error *err) BW_WARN_UNUSED;

/* TagResource with tags (borrowed array of {"Key","Value"}): adds or overwrites. */
int bw_orgs_tag(struct bw_client *c, const char *resource_id, const json_t *tags,
		struct bw_error *err) BW_WARN_UNUSED;

/* DeleteOrganizationalUnit. */
int bw_orgs_delete_unit(struct bw_client *c, const char *id, struct bw_error *err) BW_WARN_UNUSED;

/*
 * CreatePolicy of type SERVICE_CONTROL_POLICY.  If a policy of that name
 * exists (DuplicatePolicyException), it is looked up and updated to
 * content instead.  *id_out is the caller's to free().
 */
int bw_orgs_create_scp(char **id_out, struct bw_client *c, const char *name,
		       const char *description, const char *content,
		       struct bw_error *err) BW_WARN_UNUSED;

/* UpdatePolicy content and description (either may be NULL: unchanged). */
int bw_orgs_update_scp(struct bw_client *c, const char *id, const char *description,
		       const char *content, struct bw_error *err) BW_WARN_UNUSED;

int bw_orgs_delete_policy(struct bw_client *c, const char *id, struct bw_error *err) BW_WARN_UNUSED;

/* AttachPolicy (already attached: 0) and DetachPolicy (not attached: 0). */
int bw_orgs_attach(struct bw_client *c, const char *policy_id, const char *target_id,
		   struct bw_error *err) BW_WARN_UNUSED;
int bw_orgs_detach(struct bw_client *c, const char *policy_id, const char *target_id,
		   struct bw_error *err) BW_WARN_UNUSED;

/* MoveAccount (already there: 0, as DuplicateAccountException says). */
int bw_orgs_move_account(struct bw_client *c, const char *account_id, const char *from_id,
			 const char *to_id, struct bw_error *err) BW_WARN_UNUSED;

enum bw_create_state { BW_CREATE_IN_PROGRESS, BW_CREATE_SUCCEEDED, BW_CREATE_FAILED };

struct bw_create_status {
	char request_id[96];
	char account_name[64];
	char account_id[16];		/* once SUCCEEDED */
	char failure_reason[64];	/* once FAILED: EMAIL_ALREADY_EXISTS, ... */
	enum bw_create_state state;
};

/*
 * CreateAccount.  It is not idempotent, so c should be a client that does
 * not retry (max attempts 1): after an ambiguous failure the caller looks
 * for the account by email and for an IN_PROGRESS request by name before
 * it tries again.  *out has the request id and first state.
 */
int bw_orgs_create_account(struct bw_create_status *out, struct bw_client *c,
			   const char *name, const char *email, const char *role_name,
			   const json_t *tags, struct bw_error *err) BW_WARN_UNUSED;

/* DescribeCreateAccountStatus.  BW_ERR_NOTFOUND for an unknown id. */
int bw_orgs_create_status(struct bw_create_status *out, struct bw_client *c,
			  const char *request_id, struct bw_error *err) BW_WARN_UNUSED;

/*
 * ListCreateAccountStatus for state (IN_PROGRESS, ...; NULL: all), all
 * pages.  *out is a new array the caller frees; *n its length.
 */
int bw_orgs_list_create_status(struct bw_create_status **out, size_t *n,
			       struct bw_client *c, const char *state,
			       struct bw_error *err) BW_WARN_UNUSED;

/*
 * A FAILED CreateAccount reason in plain words, with what to do about it;
 * name is the spec's account name.  Appends to out.
 */
int bw_orgs_explain_failure(struct bw_buf *out, const char *reason, const char *name,
			    const char *email) BW_WARN_UNUSED;

#endif
