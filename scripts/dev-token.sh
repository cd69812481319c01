#!/usr/bin/env bash
# Prints a development bearer token for the edge API: an HS256 JWT with iss=wallet,
# aud=wallet-api, exp=now+1h, signed with $WALLET_JWT_SECRET, or when it is not set with the
# development secret published in this repository, which only an edge in development mode
# (WALLET_MODE=development, as scripts/run.sh starts it) accepts. With WALLET_MODE=production and
# no WALLET_JWT_SECRET it refuses. Needs only bash and openssl.
#
#   scripts/dev-token.sh <sub> [roles...]     roles default to: user
#   TOKEN=$(scripts/dev-token.sh alice user merchant)
#
# The secret is handed to openssl on its command line: fine for the dev default, not for a
# real secret on a shared machine.
set -euo pipefail

# Must equal Secrets.DEV_JWT_SECRET (a test in edge-api checks that it does).
DEV_JWT_SECRET=wallet-dev-only-jwt-secret-never-use-in-production
if [ -z "${WALLET_JWT_SECRET:-}" ] && [ "${WALLET_MODE:-development}" != development ]; then
  echo "WALLET_JWT_SECRET is not set: outside WALLET_MODE=development there is no default secret" >&2
  exit 2
fi
secret=${WALLET_JWT_SECRET:-$DEV_JWT_SECRET}
[ ${#secret} -ge 32 ] || { echo "WALLET_JWT_SECRET must be at least 32 bytes" >&2; exit 2; }
ttl_seconds=${WALLET_DEV_TOKEN_TTL_SECONDS:-3600}

usage() { echo "usage: $0 <sub> [roles...]   (roles: user, merchant, admin, risk; default user)" >&2; exit 2; }

[ $# -ge 1 ] || usage
sub=$1; shift
[[ $sub =~ ^[A-Za-z0-9._:@-]{1,128}$ ]] || { echo "sub must be 1-128 of [A-Za-z0-9._:@-]" >&2; exit 2; }
roles=("$@")
[ ${#roles[@]} -gt 0 ] || roles=(user)
for role in "${roles[@]}"; do
  [[ $role =~ ^[a-z]{1,32}$ ]] || { echo "role '$role' must be lower-case letters" >&2; exit 2; }
done

b64url() { openssl base64 -A | tr '+/' '-_' | tr -d '='; }

now=$(date +%s)
roles_json=$(printf '"%s",' "${roles[@]}")
header='{"alg":"HS256","typ":"JWT"}'
claims=$(printf '{"iss":"wallet","aud":"wallet-api","sub":"%s","roles":[%s],"iat":%d,"exp":%d}' \
  "$sub" "${roles_json%,}" "$now" "$((now + ttl_seconds))")
signing_input="$(printf '%s' "$header" | b64url).$(printf '%s' "$claims" | b64url)"
signature=$(printf '%s' "$signing_input" | openssl dgst -sha256 -hmac "$secret" -binary | b64url)
echo "$signing_input.$signature"
