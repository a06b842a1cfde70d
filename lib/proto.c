/*
 * proto.c - the wire protocols: JSON 1.1 and Query (form-encoded) request
 * bodies, the mapping of Query XML responses to the JSON shape the JSON
 * services and the AWS CLI use, error bodies of both protocols, and where
 * the next page starts.  XML is parsed by libxml2 with network access,
 * DTDs and entity expansion refused.  Sending is the client's job.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/uri.h>
#include <libxml/xmlversion.h>
#include <openssl/crypto.h>

#include "bulwark/sigv4.h"
#include "proto.h"

#include "internal.h"

/*
 * What the IAM (2010-05-08) and STS (2011-06-15) models declare for the
 * members of their output shapes, by member name (only "Reason" has two
 * types, and is left out), generated from botocore 1.43's service-2.json
 * files.  Without it an empty <Roles/> or <RoleLastUsed/> could not be
 * told from an empty string, nor "true" from a name.  Sorted for bsearch
 * (strcmp order).
 */
enum xml_kind { XK_STRING, XK_LIST, XK_MAP, XK_BOOL, XK_INT, XK_STRUCT };

struct xml_member {
	const char *name;
	enum xml_kind kind;
};

static const struct xml_member xml_members[] = {
	{ "AccessDetails", XK_LIST },
	{ "AccessKey", XK_STRUCT },
	{ "AccessKeyLastUsed", XK_STRUCT },
	{ "AccessKeyMetadata", XK_LIST },
	{ "AccountAliases", XK_LIST },
	{ "AllowUsersToChangePassword", XK_BOOL },
	{ "AllowedByOrganizations", XK_BOOL },
	{ "AllowedByPermissionsBoundary", XK_BOOL },
	{ "AssumedRoleUser", XK_STRUCT },
	{ "AttachedManagedPolicies", XK_LIST },
	{ "AttachedPolicies", XK_LIST },
	{ "AttachmentCount", XK_INT },
	{ "Certificate", XK_STRUCT },
	{ "Certificates", XK_LIST },
	{ "Certifications", XK_MAP },
	{ "ClientIDList", XK_LIST },
	{ "Column", XK_INT },
	{ "ContextKeyNames", XK_LIST },
	{ "Credentials", XK_STRUCT },
	{ "DelegationRequest", XK_STRUCT },
	{ "DelegationRequests", XK_LIST },
	{ "EnabledFeatures", XK_LIST },
	{ "EndPosition", XK_STRUCT },
	{ "EntityDetailsList", XK_LIST },
	{ "EntityInfo", XK_STRUCT },
	{ "Error", XK_STRUCT },
	{ "ErrorDetails", XK_STRUCT },
	{ "EvalDecisionDetails", XK_MAP },
	{ "EvaluationResults", XK_LIST },
	{ "ExpirePasswords", XK_BOOL },
	{ "FederatedUser", XK_STRUCT },
	{ "Group", XK_STRUCT },
	{ "GroupDetailList", XK_LIST },
	{ "GroupList", XK_LIST },
	{ "GroupPolicyList", XK_LIST },
	{ "Groups", XK_LIST },
	{ "HardExpiry", XK_BOOL },
	{ "InstanceProfile", XK_STRUCT },
	{ "InstanceProfileList", XK_LIST },
	{ "InstanceProfiles", XK_LIST },
	{ "IsAttachable", XK_BOOL },
	{ "IsDefaultVersion", XK_BOOL },
	{ "IsTruncated", XK_BOOL },
	{ "JwtVendingEnabled", XK_BOOL },
	{ "Line", XK_INT },
	{ "LoginProfile", XK_STRUCT },
	{ "MFADevices", XK_LIST },
	{ "MatchedStatements", XK_LIST },
	{ "MaxPasswordAge", XK_INT },
	{ "MaxSessionDuration", XK_INT },
	{ "MinimumPasswordLength", XK_INT },
	{ "MissingContextValues", XK_LIST },
	{ "NumberOfServicesAccessible", XK_INT },
	{ "NumberOfServicesNotAccessed", XK_INT },
	{ "OnlySendByOwner", XK_BOOL },
	{ "OpenIDConnectProviderList", XK_LIST },
	{ "OrganizationsDecisionDetail", XK_STRUCT },
	{ "PackedPolicySize", XK_INT },
	{ "Parameters", XK_LIST },
	{ "PasswordPolicy", XK_STRUCT },
	{ "PasswordResetRequired", XK_BOOL },
	{ "PasswordReusePrevention", XK_INT },
	{ "Permissions", XK_STRUCT },
	{ "PermissionsBoundary", XK_STRUCT },
	{ "PermissionsBoundaryDecisionDetail", XK_STRUCT },
	{ "PermissionsBoundaryUsageCount", XK_INT },
	{ "Policies", XK_LIST },
	{ "PoliciesGrantingServiceAccess", XK_LIST },
	{ "Policy", XK_STRUCT },
	{ "PolicyGroups", XK_LIST },
	{ "PolicyNames", XK_LIST },
	{ "PolicyRoles", XK_LIST },
	{ "PolicyUsers", XK_LIST },
	{ "PolicyVersion", XK_STRUCT },
	{ "PolicyVersionList", XK_LIST },
	{ "PrivateKeyList", XK_LIST },
	{ "RequireLowercaseCharacters", XK_BOOL },
	{ "RequireNumbers", XK_BOOL },
	{ "RequireSymbols", XK_BOOL },
	{ "RequireUppercaseCharacters", XK_BOOL },
	{ "ResourceSpecificResults", XK_LIST },
	{ "Resources", XK_LIST },
	{ "Role", XK_STRUCT },
	{ "RoleDetailList", XK_LIST },
	{ "RoleLastUsed", XK_STRUCT },
	{ "RolePermissionRestrictionArns", XK_LIST },
	{ "RolePolicyList", XK_LIST },
	{ "RoleUsageList", XK_LIST },
	{ "Roles", XK_LIST },
	{ "SAMLProviderList", XK_LIST },
	{ "SSHPublicKey", XK_STRUCT },
	{ "SSHPublicKeys", XK_LIST },
	{ "ServerCertificate", XK_STRUCT },
	{ "ServerCertificateMetadata", XK_STRUCT },
	{ "ServerCertificateMetadataList", XK_LIST },
	{ "ServiceSpecificCredential", XK_STRUCT },
	{ "ServiceSpecificCredentials", XK_LIST },
	{ "ServicesLastAccessed", XK_LIST },
	{ "SessionDuration", XK_INT },
	{ "StartPosition", XK_STRUCT },
	{ "SummaryMap", XK_MAP },
	{ "Tags", XK_LIST },
	{ "ThumbprintList", XK_LIST },
	{ "TotalAuthenticatedEntities", XK_INT },
	{ "TrackedActionsLastAccessed", XK_LIST },
	{ "User", XK_STRUCT },
	{ "UserDetailList", XK_LIST },
	{ "UserPolicyList", XK_LIST },
	{ "Users", XK_LIST },
	{ "Values", XK_LIST },
	{ "Versions", XK_LIST },
	{ "VirtualMFADevice", XK_STRUCT },
	{ "VirtualMFADevices", XK_LIST },
	{ "isTruncated", XK_BOOL },
};

static int member_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct xml_member *)elem)->name);
}

static enum xml_kind member_kind(const char *name)
{
	const struct xml_member *m;

	if (!name)
		return XK_STRING;
	m = bsearch(name, xml_members, BW_ARRAY_SIZE(xml_members), sizeof(xml_members[0]),
		    member_cmp);
	return m ? m->kind : XK_STRING;
}

/*
 * libxml2 keeps response text (session tokens, secret keys) in memory it
 * frees itself: make that memory be wiped first (see bw_wipe_free).
 */
static char *xml_strdup(const char *s)
{
	return bw_strdup(s);
}

/* libxml2 2.13 can refuse external entities by itself; older ones rely on us. */
#if LIBXML_VERSION >= 21300
#define XML_NO_XXE XML_PARSE_NO_XXE
#else
#define XML_NO_XXE 0
#endif

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlMemSetup(bw_wipe_free, malloc, bw_wipe_realloc, xml_strdup);
	xmlInitParser();
}

const char *bw_proto_content_type(enum bw_protocol p)
{
	return p == BW_PROTO_JSON ? "application/x-amz-json-1.1" :
		"application/x-www-form-urlencoded; charset=utf-8";
}

static int query_value(struct bw_buf *out, const char *name, const json_t *v, int depth,
		       struct bw_error *err);

/*
 * Form-encode as botocore does (urlencode with quote_plus): a space is '+',
 * the rest as bw_uri_encode (RFC 3986 unreserved kept).  The bytes must match the SDK's exactly:
 * moto checks a Query request's signature by re-encoding the parsed form
 * with botocore and hashing that, so a "%20" would not verify there.
 */
static int form_encode(struct bw_buf *out, const char *s, size_t len)
{
	size_t start = 0, i;
	int rc;

	for (i = 0; i <= len; i++) {
		if (i < len && s[i] != ' ')
			continue;
		if ((rc = bw_uri_encode(out, s + start, i - start, 0)))
			return rc;
		if (i < len && (rc = bw_buf_addch(out, '+')))
			return rc;
		start = i + 1;
	}
	return 0;
}

static int query_pair(struct bw_buf *out, const char *name, const char *value, size_t len)
{
	int rc;

	if ((rc = bw_buf_addch(out, '&')) || (rc = form_encode(out, name, strlen(name))) ||
	    (rc = bw_buf_addch(out, '=')) || (rc = form_encode(out, value, len)))
		return rc;
	return 0;
}

static int query_value(struct bw_buf *out, const char *name, const json_t *v, int depth,
		       struct bw_error *err)
{
	struct bw_buf sub = BW_BUF_INIT;
	char num[64];
	const char *key;
	json_t *item;
	size_t i;
	int rc = 0;

	if (depth > BW_PROTO_MAX_DEPTH)
		return bw_error_set(err, BW_ERR_INVALID,
				    "input nests deeper than %d levels at '%s': flatten it",
				    BW_PROTO_MAX_DEPTH, name);
	switch (json_typeof(v)) {
	case JSON_NULL:
		return 0;
	case JSON_STRING:
		rc = query_pair(out, name, json_string_value(v), json_string_length(v));
		break;
	case JSON_TRUE:
	case JSON_FALSE:
		rc = query_pair(out, name, json_is_true(v) ? "true" : "false",
				json_is_true(v) ? 4 : 5);
		break;
	case JSON_INTEGER:
		snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
		rc = query_pair(out, name, num, strlen(num));
		break;
	case JSON_REAL: {
		double d = json_real_value(v);

		if (d == (double)(long long)d)
			snprintf(num, sizeof(num), "%lld", (long long)d);
		else
			snprintf(num, sizeof(num), "%.17g", d);
		rc = query_pair(out, name, num, strlen(num));
		break;
	}
	case JSON_ARRAY:
		/* botocore sends an empty list as "Name=" */
		if (!json_array_size(v)) {
			rc = query_pair(out, name, "", 0);
			break;
		}
		json_array_foreach(v, i, item) {
			bw_buf_reset(&sub);
			if ((rc = bw_buf_addf(&sub, "%s.member.%zu", name, i + 1)) ||
			    (rc = query_value(out, sub.ptr, item, depth + 1, err)))
				break;
		}
		break;
	case JSON_OBJECT:
		json_object_foreach((json_t *)v, key, item) {
			bw_buf_reset(&sub);
			if ((rc = bw_buf_addf(&sub, "%s.%s", name, key)) ||
			    (rc = query_value(out, sub.ptr, item, depth + 1, err)))
				break;
		}
		break;
	}
	bw_buf_release_secure(&sub);
	if (rc && err && !err->code)
		bw_error_set(err, rc, "cannot encode input field '%s': %s", name, bw_strerror(rc));
	return rc;
}

int bw_proto_query_params(struct bw_buf *out, const json_t *input, struct bw_error *err)
{
	const char *key;
	json_t *v;
	int rc;

	if (!input)
		return 0;
	if (!json_is_object(input))
		return bw_error_set(err, BW_ERR_INVALID, "operation input is not a JSON object");
	json_object_foreach((json_t *)input, key, v) {
		rc = query_value(out, key, v, 1, err);
		if (rc)
			return rc;
	}
	return 0;
}

static int dump_cb(const char *buffer, size_t size, void *data)
{
	return bw_buf_add(data, buffer, size) ? -1 : 0;
}

int bw_proto_build_body(struct bw_buf *body, const struct bw_service_info *si,
			const char *op, const json_t *input, struct bw_error *err)
{
	int rc;

	if (input && !json_is_object(input))
		return bw_error_set(err, BW_ERR_INVALID,
				    "%s %s: input is not a JSON object", si->name, op);
	if (si->protocol == BW_PROTO_JSON) {
		if (!input || !json_object_size(input))
			return bw_buf_adds(body, "{}") ?
				bw_error_set(err, BW_ERR_NOMEM, "out of memory") : 0;
		if (json_dump_callback(input, dump_cb, body, JSON_COMPACT | JSON_ENCODE_ANY))
			return bw_error_set(err, BW_ERR_TOOBIG, "%s %s: cannot encode the input",
					    si->name, op);
		return 0;
	}
	if ((rc = bw_buf_adds(body, "Action=")) ||
	    (rc = bw_uri_encode(body, op, strlen(op), 0)) ||
	    (rc = bw_buf_adds(body, "&Version=")) ||
	    (rc = bw_uri_encode(body, si->api_version, strlen(si->api_version), 0)))
		return bw_error_set(err, rc, "%s %s: cannot encode the input", si->name, op);
	return bw_proto_query_params(body, input, err);
}

/* ---- XML ---- */

struct xml_guard {
	int refused;
};

/* Any DTD means entities we will not expand: stop right there. */
static void xml_refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext,
			   const xmlChar *sys)
{
	xmlParserCtxtPtr ctxt = ctx;
	struct xml_guard *g = ctxt->_private;

	(void)name;
	(void)ext;
	(void)sys;
	g->refused = 1;
	xmlStopParser(ctxt);
}

static void xml_refuse_entity(void *ctx, const xmlChar *name, int type,
			      const xmlChar *public_id, const xmlChar *system_id,
			      xmlChar *content)
{
	(void)name;
	(void)type;
	(void)public_id;
	(void)system_id;
	(void)content;
	xml_refuse_dtd(ctx, NULL, NULL, NULL);
}

static int xml_parse(xmlDocPtr *out, const char *xml, size_t len, struct bw_error *err)
{
	struct xml_guard g = { 0 };
	xmlParserCtxtPtr ctxt;
	xmlDocPtr doc;

	*out = NULL;
	pthread_once(&xml_once, xml_init);
	if (len > BW_PROTO_XML_MAX || len > INT32_MAX)
		return bw_error_set(err, BW_ERR_TOOBIG, "XML response of %zu bytes is too large",
				    len);
	ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	ctxt->_private = &g;
	ctxt->sax->internalSubset = xml_refuse_dtd;
	ctxt->sax->externalSubset = xml_refuse_dtd;
	ctxt->sax->entityDecl = xml_refuse_entity;
	/* No XML_PARSE_NOENT (no expansion), no DTD loading, no network. */
	doc = xmlCtxtReadMemory(ctxt, xml, (int)len, NULL, NULL,
				XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
				XML_PARSE_NOCDATA | XML_NO_XXE);
	if (doc && (g.refused || doc->intSubset || doc->extSubset)) {
		xmlFreeDoc(doc);
		doc = NULL;
		g.refused = 1;
	}
	xmlFreeParserCtxt(ctxt);
	if (g.refused)
		return bw_error_set(err, BW_ERR_PARSE,
				    "XML response has a document type declaration: refused");
	if (!doc || !xmlDocGetRootElement(doc)) {
		if (doc)
			xmlFreeDoc(doc);
		return bw_error_set(err, BW_ERR_PARSE, "response is not well-formed XML");
	}
	*out = doc;
	return 0;
}

static bool is_elem(const xmlNode *n, const char *name)
{
	return n->type == XML_ELEMENT_NODE && (!name || !strcmp((const char *)n->name, name));
}

static xmlNode *first_child(xmlNode *n, const char *name)
{
	for (n = n ? n->children : NULL; n; n = n->next)
		if (is_elem(n, name))
			return n;
	return NULL;
}

/* Text of n's direct text children (a new string, "" if none; NULL on ENOMEM). */
static char *xml_text(const xmlNode *n)
{
	struct bw_buf b = BW_BUF_INIT;
	const xmlNode *c;

	for (c = n->children; c; c = c->next) {
		if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
		    c->content && bw_buf_adds(&b, (const char *)c->content)) {
			bw_buf_release_secure(&b);
			return NULL;
		}
	}
	return bw_buf_detach(&b, NULL);
}

char *bw_proto_url_decode(const char *s)
{
	char *d, *out;

	pthread_once(&xml_once, xml_init);
	d = xmlURIUnescapeString(s, 0, NULL);
	if (!d)
		return NULL;
	out = bw_strdup(d);
	xmlFree(d);
	return out;
}

/*
 * IAM's policyDocumentType fields, which IAM percent-encodes: every
 * *PolicyDocument, and PolicyVersion's Document (GetPolicyVersion,
 * GetAccountAuthorizationDetails).
 */
static bool is_policy_document(const char *name)
{
	size_t n = name ? strlen(name) : 0;

	if (n == 8 && !strcmp(name, "Document"))
		return true;
	return n >= 14 && !strcmp(name + n - 14, "PolicyDocument");
}

static json_t *xml_value(xmlNode *n, const char *name, int depth, int *rc);

/* A leaf: string, or boolean/integer as the model says. */
static json_t *xml_leaf(xmlNode *n, const char *name, int *rc)
{
	enum xml_kind kind = member_kind(name);
	char *text = xml_text(n), *end;
	json_t *v = NULL;

	if (!text) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	if (kind == XK_LIST) {
		v = json_array();	/* <Roles/>: an empty list */
	} else if (kind == XK_MAP || kind == XK_STRUCT) {
		v = json_object();
	} else if (kind == XK_BOOL && (!strcmp(text, "true") || !strcmp(text, "false"))) {
		v = json_boolean(!strcmp(text, "true"));
	} else if (kind == XK_INT && *text) {
		long long ll;

		errno = 0;
		ll = strtoll(text, &end, 10);
		v = !*end && !errno ? json_integer(ll) : json_string(text);
	} else if (is_policy_document(name) && !strchr(text, '{')) {
		/*
		 * IAM percent-encodes policy documents in responses.  One with
		 * a raw '{' was never encoded (moto's ListRoles, say): decoding
		 * it would corrupt any "%41" inside.
		 */
		char *dec = bw_proto_url_decode(text);

		v = dec ? json_string(dec) : json_string(text);
		free(dec);
	} else {
		v = json_string(text);
	}
	if (!v)	/* also invalid UTF-8, which jansson refuses */
		*rc = BW_ERR_PARSE;
	bw_free_secret(text);
	return v;
}

static json_t *xml_list(xmlNode *n, int depth, int *rc)
{
	json_t *arr = json_array(), *v;
	xmlNode *c;

	if (!arr) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	for (c = n->children; c; c = c->next) {
		if (!is_elem(c, NULL))
			continue;
		v = xml_value(c, NULL, depth + 1, rc);
		if (!v || json_array_append_new(arr, v)) {
			json_decref(arr);
			if (!*rc)
				*rc = BW_ERR_NOMEM;
			return NULL;
		}
	}
	return arr;
}

static json_t *xml_map(xmlNode *n, const char *name, int depth, int *rc)
{
	json_t *obj = json_object(), *v;
	xmlNode *c, *k, *val;
	char *key;

	if (!obj) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	for (c = n->children; c; c = c->next) {
		if (!is_elem(c, NULL))
			continue;
		k = first_child(c, "key");
		val = first_child(c, "value");
		if (!k) {
			*rc = BW_ERR_PARSE;
			goto fail;
		}
		key = xml_text(k);
		if (!key) {
			*rc = BW_ERR_NOMEM;
			goto fail;
		}
		if (!val)
			v = json_string("");
		else if (!strcmp(name, "SummaryMap"))	/* the model's only integer map */
			v = xml_leaf(val, "AttachmentCount", rc);
		else
			v = xml_value(val, NULL, depth + 1, rc);
		if (!v || json_object_set_new(obj, key, v)) {
			free(key);
			if (!*rc)
				*rc = BW_ERR_PARSE;
			goto fail;
		}
		free(key);
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static json_t *xml_value(xmlNode *n, const char *name, int depth, int *rc)
{
	enum xml_kind kind = member_kind(name);
	bool any = false, all_member = true, all_entry = true;
	json_t *obj, *v, *prev;
	xmlNode *c;

	if (depth > BW_PROTO_MAX_DEPTH) {
		*rc = BW_ERR_TOOBIG;
		return NULL;
	}
	for (c = n->children; c; c = c->next) {
		if (!is_elem(c, NULL))
			continue;
		any = true;
		if (strcmp((const char *)c->name, "member"))
			all_member = false;
		if (strcmp((const char *)c->name, "entry"))
			all_entry = false;
	}
	if (!any)
		return xml_leaf(n, name, rc);
	if (kind == XK_LIST || (kind == XK_STRING && all_member))
		return xml_list(n, depth, rc);
	if (kind == XK_MAP || (kind == XK_STRING && all_entry))
		return xml_map(n, name ? name : "", depth, rc);
	obj = json_object();
	if (!obj) {
		*rc = BW_ERR_NOMEM;
		return NULL;
	}
	for (c = n->children; c; c = c->next) {
		const char *cn = (const char *)c->name;

		if (!is_elem(c, NULL))
			continue;
		v = xml_value(c, cn, depth + 1, rc);
		if (!v)
			goto fail;
		prev = json_object_get(obj, cn);
		if (prev) {
			/* a repeated element (flattened list): collect an array */
			if (!json_is_array(prev) || member_kind(cn) == XK_LIST) {
				json_t *arr = json_array();

				if (!arr || json_array_append(arr, prev) ||
				    json_object_set_new(obj, cn, arr)) {
					json_decref(arr);
					json_decref(v);
					*rc = BW_ERR_NOMEM;
					goto fail;
				}
				prev = arr;
			}
			if (json_array_append_new(prev, v)) {
				*rc = BW_ERR_NOMEM;
				goto fail;
			}
		} else if (json_object_set_new(obj, cn, v)) {
			*rc = BW_ERR_NOMEM;
			goto fail;
		}
	}
	return obj;
fail:
	json_decref(obj);
	return NULL;
}

static const char *xml_rc_message(int rc)
{
	switch (rc) {
	case BW_ERR_TOOBIG: return "XML response nests too deep";
	case BW_ERR_NOMEM: return "out of memory";
	default: return "XML response has a malformed value";
	}
}

int bw_proto_xml_to_json(json_t **out, const char *xml, size_t len, const char *op,
			 struct bw_error *err)
{
	char want[128];
	xmlDocPtr doc;
	xmlNode *root, *result = NULL, *c;
	json_t *obj;
	int rc;

	*out = NULL;
	rc = xml_parse(&doc, xml, len, err);
	if (rc)
		return rc;
	root = xmlDocGetRootElement(doc);
	snprintf(want, sizeof(want), "%sResult", op ? op : "");
	result = op ? first_child(root, want) : NULL;
	for (c = root->children; !result && c; c = c->next) {
		size_t n = is_elem(c, NULL) ? strlen((const char *)c->name) : 0;

		if (n > 6 && !strcmp((const char *)c->name + n - 6, "Result"))
			result = c;
	}
	rc = 0;
	if (!result) {
		obj = json_object();	/* DeleteRole and friends answer nothing */
		if (!obj)
			rc = BW_ERR_NOMEM;
	} else {
		bool any = false;

		for (c = result->children; c; c = c->next)
			any = any || is_elem(c, NULL);
		/* The result is always a structure, even an empty one. */
		obj = any ? xml_value(result, NULL, 1, &rc) : json_object();
		if (obj && !json_is_object(obj)) {
			/* <XResult><member>..: not a shape we know; keep it whole */
			json_t *wrap = json_object();

			if (!wrap || json_object_set_new(wrap, "member", obj)) {
				json_decref(wrap);
				obj = NULL;
				rc = BW_ERR_NOMEM;
			} else {
				obj = wrap;
			}
		}
		if (!obj && !rc)
			rc = BW_ERR_NOMEM;
	}
	xmlFreeDoc(doc);
	if (rc)
		return bw_error_set(err, rc == BW_ERR_NOMEM ? BW_ERR_NOMEM : BW_ERR_PARSE, "%s",
				    xml_rc_message(rc));
	*out = obj;
	return 0;
}

int bw_proto_parse_output(json_t **out, const struct bw_service_info *si, const char *op,
			  const char *body, size_t len, struct bw_error *err)
{
	json_error_t jerr;
	json_t *v;
	size_t i;

	*out = NULL;
	if (si->protocol == BW_PROTO_QUERY)
		return bw_proto_xml_to_json(out, body, len, op, err);
	for (i = 0; i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r' ||
				body[i] == '\t'); i++)
		;
	if (i == len) {
		*out = json_object();
		return *out ? 0 : bw_error_set(err, BW_ERR_NOMEM, "out of memory");
	}
	v = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!v)
		return bw_error_set(err, BW_ERR_PARSE, "response is not valid JSON: %s (line %d)",
				    jerr.text, jerr.line);
	if (!json_is_object(v)) {
		json_decref(v);
		return bw_error_set(err, BW_ERR_PARSE, "response is not a JSON object");
	}
	*out = v;
	return 0;
}

/* Copy code into dst, dropping a "namespace#" prefix and a ":url" suffix. */
static void set_code(char *dst, size_t n, const char *code)
{
	const char *hash = strrchr(code, '#'), *colon;
	size_t len;

	if (hash)
		code = hash + 1;
	colon = strchr(code, ':');
	len = colon ? (size_t)(colon - code) : strlen(code);
	if (len >= n)
		len = n - 1;
	memcpy(dst, code, len);
	dst[len] = '\0';
}

static void parse_json_error(struct bw_error *err, const char *body, size_t len)
{
	static const char *const code_keys[] = { "__type", "code", "Code" };
	static const char *const msg_keys[] = { "message", "Message", "errorMessage" };
	json_t *v = json_loadb(body, len, 0, NULL), *f;
	size_t i;

	if (!json_is_object(v))
		goto out;
	for (i = 0; i < BW_ARRAY_SIZE(code_keys) && !err->aws_code[0]; i++) {
		f = json_object_get(v, code_keys[i]);
		if (json_is_string(f))
			set_code(err->aws_code, sizeof(err->aws_code), json_string_value(f));
	}
	for (i = 0; i < BW_ARRAY_SIZE(msg_keys); i++) {
		f = json_object_get(v, msg_keys[i]);
		if (json_is_string(f)) {
			bw_strlcpy(err->message, json_string_value(f), sizeof(err->message));
			break;
		}
	}
out:
	json_decref(v);
}

static xmlNode *find_elem(xmlNode *n, const char *name, int depth)
{
	xmlNode *c, *f;

	if (depth > 8)
		return NULL;
	for (c = n ? n->children : NULL; c; c = c->next) {
		if (!is_elem(c, NULL))
			continue;
		if (!strcmp((const char *)c->name, name))
			return c;
		f = find_elem(c, name, depth + 1);
		if (f)
			return f;
	}
	return NULL;
}

static void copy_text(char *dst, size_t n, xmlNode *e)
{
	char *t = e ? xml_text(e) : NULL;

	if (t && *t)
		bw_strlcpy(dst, t, n);
	free(t);
}

static void parse_xml_error(struct bw_error *err, const char *body, size_t len)
{
	xmlDocPtr doc;
	xmlNode *root, *e, *r;

	if (xml_parse(&doc, body, len, NULL))
		return;
	root = xmlDocGetRootElement(doc);
	/* <ErrorResponse><Error>..</Error><RequestId>, or EC2's <Response><Errors> */
	e = is_elem(root, "Error") ? root : find_elem(root, "Error", 0);
	if (e) {
		char code[sizeof(err->aws_code)] = "";

		copy_text(code, sizeof(code), first_child(e, "Code"));
		if (code[0])
			set_code(err->aws_code, sizeof(err->aws_code), code);
		copy_text(err->message, sizeof(err->message), first_child(e, "Message"));
	}
	if (!err->request_id[0]) {
		r = find_elem(root, "RequestId", 0);
		if (!r)
			r = find_elem(root, "RequestID", 0);
		copy_text(err->request_id, sizeof(err->request_id), r);
	}
	xmlFreeDoc(doc);
}

int bw_proto_parse_error(struct bw_error *err, const struct bw_service_info *si,
			 const char *op, long status, const char *body, size_t len,
			 const char *errtype, const char *reqid)
{
	struct bw_error tmp;
	size_t i, skip;

	if (!err)
		err = &tmp;
	bw_error_clear(err);
	err->code = BW_ERR_AWS;
	err->http_status = status;
	bw_strlcpy(err->service, si ? si->name : "", sizeof(err->service));
	bw_strlcpy(err->operation, op ? op : "", sizeof(err->operation));
	if (reqid && *reqid)
		bw_strlcpy(err->request_id, reqid, sizeof(err->request_id));
	for (skip = 0; skip < len && (body[skip] == ' ' || body[skip] == '\n' ||
				      body[skip] == '\r' || body[skip] == '\t'); skip++)
		;
	if (skip < len && body[skip] == '{')
		parse_json_error(err, body, len);
	else if (skip < len && body[skip] == '<')
		parse_xml_error(err, body, len);
	/* The header is what JSON services guarantee; the body may lack __type. */
	if (!err->aws_code[0] && errtype && *errtype)
		set_code(err->aws_code, sizeof(err->aws_code), errtype);
	if (!err->message[0]) {
		int n = snprintf(err->message, sizeof(err->message), "HTTP status %ld", status);

		if (!err->aws_code[0] && len) {
			/* a proxy's page, say: show a printable start of it */
			size_t o = (size_t)n;

			o += (size_t)snprintf(err->message + o, sizeof(err->message) - o,
					      " with an unrecognised body: ");
			for (i = skip; i < len && i < skip + 160 && o + 1 < sizeof(err->message); i++)
				err->message[o++] = body[i] >= 0x20 && body[i] < 0x7f ? body[i] : ' ';
			err->message[o] = '\0';
		}
	}
	return BW_ERR_AWS;
}

void bw_proto_next_page(const json_t *output, const char **key, const char **token)
{
	json_t *t, *trunc;

	*key = NULL;
	*token = NULL;
	t = json_object_get(output, "NextToken");
	if (json_is_string(t) && json_string_length(t)) {
		*key = "NextToken";
		*token = json_string_value(t);
		return;
	}
	trunc = json_object_get(output, "IsTruncated");
	t = json_object_get(output, "Marker");
	if ((json_is_true(trunc) ||
	     (json_is_string(trunc) && !strcmp(json_string_value(trunc), "true"))) &&
	    json_is_string(t) && json_string_length(t)) {
		*key = "Marker";
		*token = json_string_value(t);
	}
}
