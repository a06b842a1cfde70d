/*
 * test_proto.c - the wire protocols: Query encoding of nested inputs and
 * awkward characters, JSON 1.1 bodies, the XML->JSON mapping on IAM and
 * STS responses shaped as the AWS documentation shows them, error bodies
 * of both protocols, pagination tokens, and hostile XML (DTDs, entities,
 * billion laughs, deep nesting, huge input, invalid UTF-8).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "bulwark/endpoint.h"
#include "../../lib/proto.h"

static json_t *J(const char *text)
{
	json_error_t e;
	json_t *v = json_loads(text, 0, &e);

	if (!v)
		fail_msg("bad JSON in test: %s", e.text);
	return v;
}

static char *query_of(const char *input)
{
	struct bw_buf b = BW_BUF_INIT;
	struct bw_error err = { 0 };
	json_t *in = J(input);

	assert_int_equal(bw_proto_query_params(&b, in, &err), 0);
	json_decref(in);
	return bw_buf_detach(&b, NULL);
}

static void test_query_scalars_and_escapes(void **state)
{
	char *q;

	(void)state;
	q = query_of("{\"RoleName\":\"a b+c/d~e_f.g-h\",\"Count\":5,\"Real\":7.0,"
		     "\"On\":true,\"Off\":false,\"Skip\":null,"
		     "\"Doc\":\"{\\\"k\\\":\\\"v=1&x\\\"}\",\"Uni\":\"\\u00e9\\u20ac\"}");
	/* Byte-for-byte what botocore sends: urlencode() with quote_plus. */
	assert_string_equal(q, "&RoleName=a+b%2Bc%2Fd~e_f.g-h&Count=5&Real=7&On=true&Off=false"
			    "&Doc=%7B%22k%22%3A%22v%3D1%26x%22%7D&Uni=%C3%A9%E2%82%AC");
	free(q);
}

static void test_query_nested(void **state)
{
	char *q;

	(void)state;
	q = query_of("{\"Tags\":[{\"Key\":\"env\",\"Value\":\"prod\"},{\"Key\":\"team\",\"Value\":\"a&b\"}],"
		     "\"Empty\":[],\"Obj\":{\"A\":{\"B\":[\"x\",\"y\"]}},"
		     "\"Lists\":[[\"p\"],[\"q\",\"r\"]]}");
	assert_string_equal(q, "&Tags.member.1.Key=env&Tags.member.1.Value=prod"
			    "&Tags.member.2.Key=team&Tags.member.2.Value=a%26b"
			    "&Empty="
			    "&Obj.A.B.member.1=x&Obj.A.B.member.2=y"
			    "&Lists.member.1.member.1=p&Lists.member.2.member.1=q"
			    "&Lists.member.2.member.2=r");
	free(q);
}

static void test_query_too_deep_and_not_object(void **state)
{
	struct bw_buf b = BW_BUF_INIT;
	struct bw_error err = { 0 };
	json_t *v = json_string("x"), *top;
	int i;

	(void)state;
	for (i = 0; i < 200; i++) {
		json_t *a = json_array();

		json_array_append_new(a, v);
		v = a;
	}
	top = json_object();
	json_object_set_new(top, "Deep", v);
	assert_int_equal(bw_proto_query_params(&b, top, &err), BW_ERR_INVALID);
	assert_non_null(strstr(err.message, "deeper"));
	json_decref(top);
	bw_buf_release(&b);

	v = json_array();
	memset(&err, 0, sizeof(err));
	assert_int_equal(bw_proto_query_params(&b, v, &err), BW_ERR_INVALID);
	json_decref(v);
	bw_buf_release(&b);
}

static void test_build_body(void **state)
{
	const struct bw_service_info *iam = bw_service_info(BW_SVC_IAM);
	const struct bw_service_info *org = bw_service_info(BW_SVC_ORGANIZATIONS);
	struct bw_buf b = BW_BUF_INIT;
	json_t *in = J("{\"RoleName\":\"r1\"}");

	(void)state;
	assert_int_equal(bw_proto_build_body(&b, iam, "GetRole", in, NULL), 0);
	assert_string_equal(b.ptr, "Action=GetRole&Version=2010-05-08&RoleName=r1");
	bw_buf_reset(&b);
	assert_int_equal(bw_proto_build_body(&b, iam, "ListRoles", NULL, NULL), 0);
	assert_string_equal(b.ptr, "Action=ListRoles&Version=2010-05-08");
	bw_buf_reset(&b);
	assert_int_equal(bw_proto_build_body(&b, org, "DescribeOrganization", NULL, NULL), 0);
	assert_string_equal(b.ptr, "{}");
	bw_buf_reset(&b);
	assert_int_equal(bw_proto_build_body(&b, org, "ListAccounts", in, NULL), 0);
	assert_string_equal(b.ptr, "{\"RoleName\":\"r1\"}");
	bw_buf_release(&b);
	json_decref(in);
	assert_string_equal(bw_proto_content_type(BW_PROTO_JSON), "application/x-amz-json-1.1");
	assert_string_equal(bw_proto_content_type(BW_PROTO_QUERY),
			    "application/x-www-form-urlencoded; charset=utf-8");
}

static json_t *xml(const char *text, const char *op)
{
	struct bw_error err = { 0 };
	json_t *out = NULL;
	int rc = bw_proto_xml_to_json(&out, text, strlen(text), op, &err);

	if (rc)
		fail_msg("xml_to_json: %d: %s", rc, err.message);
	return out;
}

static void assert_json(json_t *got, const char *want)
{
	json_t *w = J(want);

	if (!json_equal(got, w)) {
		char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT);

		fail_msg("got %s\nwant %s", g, want);
	}
	json_decref(w);
}

static void test_xml_get_role(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetRoleResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
		"  <GetRoleResult>\n"
		"    <Role>\n"
		"      <Path>/application_abc/component_xyz/</Path>\n"
		"      <Arn>arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access</Arn>\n"
		"      <RoleName>S3Access</RoleName>\n"
		"      <AssumeRolePolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Service%22%3A%5B%22ec2.amazonaws.com%22%5D%7D%2C%22Action%22%3A%5B%22sts%3AAssumeRole%22%5D%7D%5D%7D</AssumeRolePolicyDocument>\n"
		"      <CreateDate>2012-05-08T23:34:01Z</CreateDate>\n"
		"      <RoleId>AROADBQP57FF2AEXAMPLE</RoleId>\n"
		"      <RoleLastUsed>\n"
		"        <LastUsedDate>2019-11-20T17:09:20Z</LastUsedDate>\n"
		"        <Region>us-east-1</Region>\n"
		"      </RoleLastUsed>\n"
		"      <MaxSessionDuration>3600</MaxSessionDuration>\n"
		"      <Tags><member><Key>env</Key><Value>a &amp; b</Value></member></Tags>\n"
		"    </Role>\n"
		"  </GetRoleResult>\n"
		"  <ResponseMetadata>\n"
		"    <RequestId>df37e965-9967-11e1-a4c3-270EXAMPLE04</RequestId>\n"
		"  </ResponseMetadata>\n"
		"</GetRoleResponse>\n", "GetRole");
	assert_json(v, "{\"Role\":{\"Path\":\"/application_abc/component_xyz/\","
		    "\"Arn\":\"arn:aws:iam::123456789012:role/application_abc/component_xyz/S3Access\","
		    "\"RoleName\":\"S3Access\","
		    "\"AssumeRolePolicyDocument\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Principal\\\":{\\\"Service\\\":[\\\"ec2.amazonaws.com\\\"]},\\\"Action\\\":[\\\"sts:AssumeRole\\\"]}]}\","
		    "\"CreateDate\":\"2012-05-08T23:34:01Z\",\"RoleId\":\"AROADBQP57FF2AEXAMPLE\","
		    "\"RoleLastUsed\":{\"LastUsedDate\":\"2019-11-20T17:09:20Z\",\"Region\":\"us-east-1\"},"
		    "\"MaxSessionDuration\":3600,"
		    "\"Tags\":[{\"Key\":\"env\",\"Value\":\"a & b\"}]}}");
	json_decref(v);
}

static void test_xml_list_roles(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<ListRolesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<ListRolesResult>"
		"<IsTruncated>true</IsTruncated>"
		"<Marker>AWceSSsKsazQ4IEplT9o4hURCzBs00iavlEvEXAMPLE</Marker>"
		"<Roles>"
		"<member><Path>/</Path><RoleName>r1</RoleName><Arn>arn:aws:iam::1:role/r1</Arn>"
		"<AssumeRolePolicyDocument>%7B%7D</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration></member>"
		"<member><Path>/x/</Path><RoleName>r2</RoleName><Arn>arn:aws:iam::1:role/x/r2</Arn><Tags/></member>"
		"</Roles>"
		"</ListRolesResult>"
		"<ResponseMetadata><RequestId>20f7279f-99ee-11e1-a4c3-27EXAMPLE804</RequestId></ResponseMetadata>"
		"</ListRolesResponse>", "ListRoles");
	assert_json(v, "{\"IsTruncated\":true,\"Marker\":\"AWceSSsKsazQ4IEplT9o4hURCzBs00iavlEvEXAMPLE\","
		    "\"Roles\":[{\"Path\":\"/\",\"RoleName\":\"r1\",\"Arn\":\"arn:aws:iam::1:role/r1\","
		    "\"AssumeRolePolicyDocument\":\"{}\",\"MaxSessionDuration\":3600},"
		    "{\"Path\":\"/x/\",\"RoleName\":\"r2\",\"Arn\":\"arn:aws:iam::1:role/x/r2\",\"Tags\":[]}]}");
	json_decref(v);
}

static void test_xml_empty_lists_and_aliases(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<ListRolesResponse><ListRolesResult><IsTruncated>false</IsTruncated>"
		"<Roles/></ListRolesResult></ListRolesResponse>", "ListRoles");
	assert_json(v, "{\"IsTruncated\":false,\"Roles\":[]}");
	json_decref(v);

	v = xml("<ListRolesResponse><ListRolesResult><Roles>\n  </Roles>"
		"</ListRolesResult></ListRolesResponse>", "ListRoles");
	assert_json(v, "{\"Roles\":[]}");
	json_decref(v);

	v = xml("<ListAccountAliasesResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<ListAccountAliasesResult><IsTruncated>false</IsTruncated>"
		"<AccountAliases><member>foocorporation</member><member>bar</member></AccountAliases>"
		"</ListAccountAliasesResult>"
		"<ResponseMetadata><RequestId>c5a076e9-f1b0-11df-8fbe-45274EXAMPLE</RequestId></ResponseMetadata>"
		"</ListAccountAliasesResponse>", "ListAccountAliases");
	assert_json(v, "{\"IsTruncated\":false,\"AccountAliases\":[\"foocorporation\",\"bar\"]}");
	json_decref(v);

	/* no Result element at all: DeleteRole */
	v = xml("<DeleteRoleResponse><ResponseMetadata><RequestId>x</RequestId>"
		"</ResponseMetadata></DeleteRoleResponse>", "DeleteRole");
	assert_json(v, "{}");
	json_decref(v);

	/* an empty Result element */
	v = xml("<CreateAccountAliasResponse><CreateAccountAliasResult/></CreateAccountAliasResponse>",
		"CreateAccountAlias");
	assert_json(v, "{}");
	json_decref(v);

	/* an empty modelled structure is {} (moto and AWS: <RoleLastUsed/>) */
	v = xml("<GetRoleResponse><GetRoleResult><Role><RoleName>r</RoleName><RoleLastUsed/>"
		"</Role></GetRoleResult></GetRoleResponse>", "GetRole");
	assert_json(v, "{\"Role\":{\"RoleName\":\"r\",\"RoleLastUsed\":{}}}");
	json_decref(v);

	/* moto's ListRoles sends the policy unencoded: it must stay intact */
	v = xml("<ListRolesResponse><ListRolesResult><Roles><member>"
		"<AssumeRolePolicyDocument>{\"Condition\":{\"StringLike\":{\"a\":\"100%41\"}}}"
		"</AssumeRolePolicyDocument></member></Roles></ListRolesResult></ListRolesResponse>",
		"ListRoles");
	assert_json(v, "{\"Roles\":[{\"AssumeRolePolicyDocument\":"
		    "\"{\\\"Condition\\\":{\\\"StringLike\\\":{\\\"a\\\":\\\"100%41\\\"}}}\"}]}");
	json_decref(v);

	/* an unknown element whose children are all <member> is a list */
	v = xml("<XResponse><XResult><Unknown><member>a</member></Unknown><Blank></Blank>"
		"</XResult></XResponse>", "X");
	assert_json(v, "{\"Unknown\":[\"a\"],\"Blank\":\"\"}");
	json_decref(v);
}

static void test_xml_get_role_policy(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetRolePolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<GetRolePolicyResult>"
		"<PolicyName>S3AccessPolicy</PolicyName>"
		"<RoleName>S3Access</RoleName>"
		"<PolicyDocument>%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%5B%22s3%3A%2A%22%5D%2C%22Resource%22%3A%5B%22arn%3Aaws%3As3%3A%3A%3Amy%20bucket%2B1%2F%2A%22%5D%7D%5D%7D</PolicyDocument>"
		"</GetRolePolicyResult>"
		"<ResponseMetadata><RequestId>7e7cd8bc-99ef-11e1-a4c3-27EXAMPLE804</RequestId></ResponseMetadata>"
		"</GetRolePolicyResponse>", "GetRolePolicy");
	assert_json(v, "{\"PolicyName\":\"S3AccessPolicy\",\"RoleName\":\"S3Access\","
		    "\"PolicyDocument\":\"{\\\"Version\\\":\\\"2012-10-17\\\",\\\"Statement\\\":[{\\\"Effect\\\":\\\"Allow\\\",\\\"Action\\\":[\\\"s3:*\\\"],\\\"Resource\\\":[\\\"arn:aws:s3:::my bucket+1/*\\\"]}]}\"}");
	json_decref(v);
}

static void test_xml_policy_version_document(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetPolicyVersionResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<GetPolicyVersionResult><PolicyVersion>"
		"<Document>%7B%22Version%22%3A%222012-10-17%22%7D</Document>"
		"<IsDefaultVersion>true</IsDefaultVersion><VersionId>v1</VersionId>"
		"</PolicyVersion></GetPolicyVersionResult>"
		"<ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>"
		"</GetPolicyVersionResponse>", "GetPolicyVersion");
	assert_json(v, "{\"PolicyVersion\":{\"Document\":\"{\\\"Version\\\":\\\"2012-10-17\\\"}\","
		    "\"IsDefaultVersion\":true,\"VersionId\":\"v1\"}}");
	json_decref(v);
}

static void test_xml_password_policy(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetAccountPasswordPolicyResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">"
		"<GetAccountPasswordPolicyResult><PasswordPolicy>"
		"<AllowUsersToChangePassword>true</AllowUsersToChangePassword>"
		"<RequireUppercaseCharacters>true</RequireUppercaseCharacters>"
		"<RequireSymbols>true</RequireSymbols>"
		"<ExpirePasswords>false</ExpirePasswords>"
		"<PasswordReusePrevention>12</PasswordReusePrevention>"
		"<RequireLowercaseCharacters>true</RequireLowercaseCharacters>"
		"<MaxPasswordAge>90</MaxPasswordAge>"
		"<HardExpiry>false</HardExpiry>"
		"<RequireNumbers>true</RequireNumbers>"
		"<MinimumPasswordLength>12</MinimumPasswordLength>"
		"</PasswordPolicy></GetAccountPasswordPolicyResult>"
		"<ResponseMetadata><RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId></ResponseMetadata>"
		"</GetAccountPasswordPolicyResponse>", "GetAccountPasswordPolicy");
	assert_json(v, "{\"PasswordPolicy\":{\"AllowUsersToChangePassword\":true,"
		    "\"RequireUppercaseCharacters\":true,\"RequireSymbols\":true,"
		    "\"ExpirePasswords\":false,\"PasswordReusePrevention\":12,"
		    "\"RequireLowercaseCharacters\":true,\"MaxPasswordAge\":90,\"HardExpiry\":false,"
		    "\"RequireNumbers\":true,\"MinimumPasswordLength\":12}}");
	json_decref(v);
}

static void test_xml_sts(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
		"  <GetCallerIdentityResult>\n"
		"   <Arn>arn:aws:iam::123456789012:user/Alice</Arn>\n"
		"    <UserId>AIDACKCEVSQ6C2EXAMPLE</UserId>\n"
		"    <Account>123456789012</Account>\n"
		"  </GetCallerIdentityResult>\n"
		"  <ResponseMetadata>\n"
		"    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n"
		"  </ResponseMetadata>\n"
		"</GetCallerIdentityResponse>\n", "GetCallerIdentity");
	assert_json(v, "{\"Arn\":\"arn:aws:iam::123456789012:user/Alice\","
		    "\"UserId\":\"AIDACKCEVSQ6C2EXAMPLE\",\"Account\":\"123456789012\"}");
	json_decref(v);

	v = xml("<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">"
		"<AssumeRoleResult>"
		"<SourceIdentity>DevUser123</SourceIdentity>"
		"<AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>"
		"<AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId></AssumedRoleUser>"
		"<Credentials><AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>"
		"<SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>"
		"<SessionToken>AQoDYXdzEPT//////////wEXAMPLEtc764=</SessionToken>"
		"<Expiration>2019-11-09T13:34:41Z</Expiration></Credentials>"
		"<PackedPolicySize>6</PackedPolicySize>"
		"</AssumeRoleResult>"
		"<ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>"
		"</AssumeRoleResponse>", "AssumeRole");
	assert_json(v, "{\"SourceIdentity\":\"DevUser123\","
		    "\"AssumedRoleUser\":{\"Arn\":\"arn:aws:sts::123456789012:assumed-role/demo/John\","
		    "\"AssumedRoleId\":\"ARO123EXAMPLE123:John\"},"
		    "\"Credentials\":{\"AccessKeyId\":\"ASIAIOSFODNN7EXAMPLE\","
		    "\"SecretAccessKey\":\"wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY\","
		    "\"SessionToken\":\"AQoDYXdzEPT//////////wEXAMPLEtc764=\","
		    "\"Expiration\":\"2019-11-09T13:34:41Z\"},\"PackedPolicySize\":6}");
	json_decref(v);
}

static void test_xml_map_and_cdata(void **state)
{
	json_t *v;

	(void)state;
	v = xml("<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap>"
		"<entry><key>Groups</key><value>31</value></entry>"
		"<entry><key>Users</key><value>7</value></entry>"
		"</SummaryMap></GetAccountSummaryResult></GetAccountSummaryResponse>",
		"GetAccountSummary");
	assert_json(v, "{\"SummaryMap\":{\"Groups\":31,\"Users\":7}}");
	json_decref(v);

	v = xml("<XResponse><XResult><Note><![CDATA[<b>&]]></Note></XResult></XResponse>", "X");
	assert_json(v, "{\"Note\":\"<b>&\"}");
	json_decref(v);
}

static int xml_fails(const char *text, size_t len, struct bw_error *err)
{
	json_t *out = NULL;
	int rc;

	memset(err, 0, sizeof(*err));
	rc = bw_proto_xml_to_json(&out, text, len, "X", err);
	assert_null(out);
	return rc;
}

static void test_xml_hostile(void **state)
{
	static const char *const bad[] = {
		/* billion laughs */
		"<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
		"<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">"
		"<!ENTITY lol3 \"&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;\">"
		"<!ENTITY lol4 \"&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;\">"
		"<!ENTITY lol5 \"&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;\">"
		"<!ENTITY lol6 \"&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;\">"
		"<!ENTITY lol7 \"&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;\">"
		"<!ENTITY lol8 \"&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;\">"
		"<!ENTITY lol9 \"&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;\">"
		"]><XResponse><XResult><A>&lol9;</A></XResult></XResponse>",
		/* XXE: external entity reading a local file */
		"<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>"
		"<XResponse><XResult><A>&xxe;</A></XResult></XResponse>",
		/* external DTD over the network */
		"<?xml version=\"1.0\"?><!DOCTYPE r SYSTEM \"http://127.0.0.1:1/evil.dtd\">"
		"<XResponse><XResult><A>x</A></XResult></XResponse>",
		/* parameter entities */
		"<!DOCTYPE r [<!ENTITY % p SYSTEM \"file:///etc/hostname\"> %p;]><r/>",
		/* an undeclared entity */
		"<XResponse><XResult><A>&nope;</A></XResult></XResponse>",
		/* not XML at all, truncated, two roots */
		"{\"json\":true}",
		"<XResponse><XResult><A>x</A></XResult>",
		"<a/><b/>",
		"",
	};
	struct bw_error err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc = xml_fails(bad[i], strlen(bad[i]), &err);

		if (rc != BW_ERR_PARSE)
			fail_msg("case %zu: rc %d (%s)", i, rc, err.message);
	}
	assert_int_equal(xml_fails(bad[0], strlen(bad[0]), &err), BW_ERR_PARSE);
	assert_non_null(strstr(err.message, "document type"));
}

static void test_xml_deep_huge_utf8(void **state)
{
	struct bw_error err;
	size_t n = 100, i, len = 0;
	char *deep = malloc(n * 8 + 64), *huge;

	(void)state;
	len += (size_t)sprintf(deep, "<XResponse><XResult>");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(deep + len, "<a>");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(deep + len, "</a>");
	len += (size_t)sprintf(deep + len, "</XResult></XResponse>");
	assert_int_equal(xml_fails(deep, len, &err), BW_ERR_PARSE);
	assert_non_null(strstr(err.message, "deep"));
	free(deep);

	/* 10000 levels: libxml2's own depth limit or ours, never a crash */
	n = 10000;
	deep = malloc(n * 8 + 64);
	len = 0;
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(deep + len, "<a>");
	for (i = 0; i < n; i++)
		len += (size_t)sprintf(deep + len, "</a>");
	assert_int_equal(xml_fails(deep, len, &err), BW_ERR_PARSE);
	free(deep);

	/* over the cap: refused before parsing */
	len = BW_PROTO_XML_MAX + 1;
	huge = malloc(len);
	memset(huge, ' ', len);
	memcpy(huge, "<a>", 3);
	assert_int_equal(xml_fails(huge, len, &err), BW_ERR_TOOBIG);
	free(huge);

	/* bytes that are not UTF-8 */
	assert_int_equal(xml_fails("<XResponse><XResult><A>\xff\xfe</A></XResult></XResponse>",
				   45, &err), BW_ERR_PARSE);
}

static void test_error_json(void **state)
{
	const struct bw_service_info *org = bw_service_info(BW_SVC_ORGANIZATIONS);
	struct bw_error err;
	const char *b1 = "{\"__type\":\"com.amazonaws.organizations.v20161128#AccessDeniedException\","
			 "\"Message\":\"You don't have permissions to access this resource.\"}";
	const char *b2 = "{\"message\":\"Rate exceeded\"}";

	(void)state;
	assert_int_equal(bw_proto_parse_error(&err, org, "ListAccounts", 400, b1, strlen(b1), NULL,
					      "rid-1"), BW_ERR_AWS);
	assert_int_equal(err.code, BW_ERR_AWS);
	assert_int_equal(err.http_status, 400);
	assert_string_equal(err.service, "organizations");
	assert_string_equal(err.operation, "ListAccounts");
	assert_string_equal(err.aws_code, "AccessDeniedException");
	assert_string_equal(err.message, "You don't have permissions to access this resource.");
	assert_string_equal(err.request_id, "rid-1");

	/* no __type: the x-amzn-ErrorType header, with its ":url" tail */
	bw_proto_parse_error(&err, org, "ListAccounts", 400, b2, strlen(b2),
			     "TooManyRequestsException:http://internal.amazon.com/coral/", NULL);
	assert_string_equal(err.aws_code, "TooManyRequestsException");
	assert_string_equal(err.message, "Rate exceeded");

	/* a proxy's HTML page */
	bw_proto_parse_error(&err, org, "ListAccounts", 502, "<html>\n<b>Bad gateway</b>", 25,
			     NULL, NULL);
	assert_string_equal(err.aws_code, "");
	assert_non_null(strstr(err.message, "HTTP status 502"));
	assert_non_null(strstr(err.message, "Bad gateway"));

	/* empty body */
	bw_proto_parse_error(&err, org, "ListAccounts", 503, "", 0, NULL, NULL);
	assert_string_equal(err.message, "HTTP status 503");
}

static void test_error_query(void **state)
{
	const struct bw_service_info *iam = bw_service_info(BW_SVC_IAM);
	struct bw_error err;
	const char *b = "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\">\n"
			"  <Error>\n    <Type>Sender</Type>\n    <Code>NoSuchEntity</Code>\n"
			"    <Message>The role with name nope cannot be found.</Message>\n  </Error>\n"
			"  <RequestId>4a9ef6b4-7a7c-4b48-a4b6-EXAMPLE</RequestId>\n</ErrorResponse>\n";
	const char *ec2 = "<Response><Errors><Error><Code>RequestLimitExceeded</Code>"
			  "<Message>slow down</Message></Error></Errors>"
			  "<RequestID>ec2-rid</RequestID></Response>";
	const char *dtd = "<!DOCTYPE x [<!ENTITY a \"b\">]><ErrorResponse><Error><Code>&a;</Code>"
			  "</Error></ErrorResponse>";

	(void)state;
	bw_proto_parse_error(&err, iam, "GetRole", 404, b, strlen(b), NULL, NULL);
	assert_string_equal(err.aws_code, "NoSuchEntity");
	assert_string_equal(err.message, "The role with name nope cannot be found.");
	assert_string_equal(err.request_id, "4a9ef6b4-7a7c-4b48-a4b6-EXAMPLE");
	assert_int_equal(err.http_status, 404);

	/* the header's request id wins */
	bw_proto_parse_error(&err, iam, "GetRole", 404, b, strlen(b), NULL, "hdr-rid");
	assert_string_equal(err.request_id, "hdr-rid");

	bw_proto_parse_error(&err, iam, "GetRole", 503, ec2, strlen(ec2), NULL, NULL);
	assert_string_equal(err.aws_code, "RequestLimitExceeded");
	assert_string_equal(err.request_id, "ec2-rid");

	/* a DTD in an error body is refused too: no code from it */
	bw_proto_parse_error(&err, iam, "GetRole", 400, dtd, strlen(dtd), NULL, NULL);
	assert_string_equal(err.aws_code, "");
}

static void test_parse_output_json(void **state)
{
	const struct bw_service_info *sm = bw_service_info(BW_SVC_SECRETSMANAGER);
	struct bw_error err = { 0 };
	json_t *v = NULL;

	(void)state;
	assert_int_equal(bw_proto_parse_output(&v, sm, "GetSecretValue", "", 0, &err), 0);
	assert_json(v, "{}");
	json_decref(v);
	assert_int_equal(bw_proto_parse_output(&v, sm, "X", "{\"A\":1}", 7, &err), 0);
	assert_json(v, "{\"A\":1}");
	json_decref(v);
	assert_int_equal(bw_proto_parse_output(&v, sm, "X", "[1]", 3, &err), BW_ERR_PARSE);
	assert_int_equal(bw_proto_parse_output(&v, sm, "X", "{\"A\":1,\"A\":2}", 13, &err),
			 BW_ERR_PARSE);
	assert_int_equal(bw_proto_parse_output(&v, sm, "X", "{\"A\":", 5, &err), BW_ERR_PARSE);
	assert_null(v);
}

static void test_next_page(void **state)
{
	const char *key, *tok;
	json_t *v;

	(void)state;
	v = J("{\"NextToken\":\"abc\",\"Accounts\":[]}");
	bw_proto_next_page(v, &key, &tok);
	assert_string_equal(key, "NextToken");
	assert_string_equal(tok, "abc");
	json_decref(v);
	v = J("{\"IsTruncated\":true,\"Marker\":\"m1\"}");
	bw_proto_next_page(v, &key, &tok);
	assert_string_equal(key, "Marker");
	assert_string_equal(tok, "m1");
	json_decref(v);
	v = J("{\"IsTruncated\":false,\"Marker\":\"m1\"}");
	bw_proto_next_page(v, &key, &tok);
	assert_null(key);
	json_decref(v);
	v = J("{\"NextToken\":\"\"}");
	bw_proto_next_page(v, &key, &tok);
	assert_null(key);
	assert_null(tok);
	json_decref(v);
}

static void test_url_decode(void **state)
{
	char *s;

	(void)state;
	s = bw_proto_url_decode("%7B%22a%22%3A%20%22b+c%22%7D");
	assert_string_equal(s, "{\"a\": \"b+c\"}");
	free(s);
	s = bw_proto_url_decode("plain");
	assert_string_equal(s, "plain");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_scalars_and_escapes),
		cmocka_unit_test(test_query_nested),
		cmocka_unit_test(test_query_too_deep_and_not_object),
		cmocka_unit_test(test_build_body),
		cmocka_unit_test(test_xml_get_role),
		cmocka_unit_test(test_xml_list_roles),
		cmocka_unit_test(test_xml_empty_lists_and_aliases),
		cmocka_unit_test(test_xml_get_role_policy),
		cmocka_unit_test(test_xml_policy_version_document),
		cmocka_unit_test(test_xml_password_policy),
		cmocka_unit_test(test_xml_sts),
		cmocka_unit_test(test_xml_map_and_cdata),
		cmocka_unit_test(test_xml_hostile),
		cmocka_unit_test(test_xml_deep_huge_utf8),
		cmocka_unit_test(test_error_json),
		cmocka_unit_test(test_error_query),
		cmocka_unit_test(test_parse_output_json),
		cmocka_unit_test(test_next_page),
		cmocka_unit_test(test_url_decode),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
