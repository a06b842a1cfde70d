# whoami against the emulator, strict and plain: identity, sources, endpoints;
# a wrong secret key is refused by signature verification.
. "$TOP/tests/integration/common.sh"
sim_start --strict || exit 1

expect_status 0 "$BULWARK" --endpoint-url "$SIM_URL" --region eu-west-1 whoami
contains "$OUT" "account      123456789012"
contains "$OUT" "arn          arn:aws:iam::123456789012:user/"
contains "$OUT" "credentials  environment"
contains "$OUT" "region       eu-west-1 (from --region)"
contains "$OUT" "organizations   $SIM_URL"

expect_status 0 env AWS_ENDPOINT_URL_IAM="$SIM_URL" AWS_ENDPOINT_URL="$SIM_URL" \
	AWS_REGION=us-west-2 "$BULWARK" whoami --json
contains "$OUT" '"source": "AWS_ENDPOINT_URL_IAM"'
contains "$OUT" '"region": "us-west-2"'

# A wrong secret key: the emulator verifies the signature and refuses it.
expect_status 1 env AWS_SECRET_ACCESS_KEY=wrongwrongwrongwrongwrongwrongwrongwrong \
	"$BULWARK" --endpoint-url "$SIM_URL" --region eu-west-1 whoami
contains "$ERR" "SignatureDoesNotMatch"
contains "$ERR" "sts GetCallerIdentity"
lacks "$ERR" "wrongwrong"

# Plain http is accepted only on loopback.
expect_status 2 "$BULWARK" --endpoint-url http://example.com --region eu-west-1 whoami
contains "$ERR" "http://example.com"

# Plain moto (no signature checks) works the same way, with any key.
sim_stop
sim_start || exit 1
expect_status 0 env AWS_ACCESS_KEY_ID=AKIDPLAIN AWS_SECRET_ACCESS_KEY=anything \
	"$BULWARK" --endpoint-url "$SIM_URL" --region eu-west-1 whoami
contains "$OUT" "account      123456789012"
expect_status 0 env AWS_ACCESS_KEY_ID=AKIDPLAIN AWS_SECRET_ACCESS_KEY=anything \
	"$BULWARK" --endpoint-url "$SIM_URL" --region eu-west-1 api iam ListRoles
contains "$OUT" '"Roles": ['
