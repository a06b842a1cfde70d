# api: JSON and Query services end to end in strict mode, pagination,
# URL-decoded policy documents, redaction, input errors.
. "$TOP/tests/integration/common.sh"
sim_start --strict || exit 1
bw() { "$BULWARK" --endpoint-url "$SIM_URL" --region eu-west-1 "$@"; }

expect_status 0 bw api sts GetCallerIdentity
contains "$OUT" '"Account": "123456789012"'

expect_status 0 bw api organizations CreateOrganization --input '{"FeatureSet":"ALL"}'
contains "$OUT" '"FeatureSet": "ALL"'
expect_status 1 bw api organizations CreateOrganization --input '{"FeatureSet":"ALL"}'
contains "$ERR" "organizations CreateOrganization: AlreadyInOrganizationException"

trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::123456789012:root"},"Action":"sts:AssumeRole"}]}'
printf '{"RoleName":"probe","AssumeRolePolicyDocument":%s,"Tags":[{"Key":"team","Value":"platform"}]}' \
	"$(printf '%s' "$trust" | python3 -c 'import json,sys;print(json.dumps(sys.stdin.read()))')" >"$WORK/role.json"
expect_status 0 bw api iam CreateRole --input @"$WORK/role.json"
contains "$OUT" '"RoleName": "probe"'
expect_status 0 bw api iam GetRole --input '{"RoleName":"probe"}'
contains "$OUT" '"AssumeRolePolicyDocument": "{'	# decoded, not %7B
contains "$OUT" '"Value": "platform"'

for i in 1 2 3 4 5; do
	bw api iam CreateRole --input "{\"RoleName\":\"page-$i\",\"AssumeRolePolicyDocument\":$(printf '%s' "$trust" | python3 -c 'import json,sys;print(json.dumps(sys.stdin.read()))')}" >/dev/null || fail "create page-$i"
done
expect_status 0 bw api iam ListRoles --input '{"MaxItems":2}' --all Roles
n=$(printf '%s' "$OUT" | python3 -c 'import json,sys;print(len(json.load(sys.stdin)["Roles"]))')
[ "$n" -ge 6 ] || fail "ListRoles --all returned $n roles"

# Secrets: input from a file, output redacted.
printf '{"Name":"app/db","SecretString":"hunter2-do-not-print"}' >"$WORK/secret.json"
expect_status 0 bw api secretsmanager CreateSecret --input @"$WORK/secret.json"
expect_status 0 bw --debug api secretsmanager GetSecretValue --input '{"SecretId":"app/db"}'
contains "$OUT" '"SecretString": "<redacted>"'
lacks "$OUT$ERR" "hunter2"
lacks "$ERR" "$AWS_SECRET_ACCESS_KEY"
expect_status 2 bw api secretsmanager PutSecretValue --input '{"SecretId":"app/db","SecretString":"x"}'
contains "$ERR" "refusing a secret value on the command line"

expect_status 2 bw api iam GetRole --input '{"RoleName":'
contains "$ERR" "invalid JSON in --input at line 1"
expect_status 2 bw api ec2 DescribeInstances
contains "$ERR" "unknown service 'ec2'"
