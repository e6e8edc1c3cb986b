#!/usr/bin/env bash
# Onboard a customer through the management API (docs/manage-api.md): a tenant, its custom
# domain proven over HTTP, its app's client. Needs curl and jq; MGMT_ID and MGMT_SECRET are
# a management client's (`gatehouse client create ops --role management --scope ...`).
set -euo pipefail
ISSUER=${ISSUER:-http://localhost:3000}
ORIGIN=${ORIGIN:-https://app.initrode.example}
API="$ISSUER/manage/v1"
JSON='Content-Type: application/json'

# A management token: client credentials for the management API's resource (RFC 8707).
TOKEN=$(curl -sf -u "$MGMT_ID:$MGMT_SECRET" "$ISSUER/token" -d grant_type=client_credentials \
  -d resource="$ISSUER/manage" -d scope='manage:tenants manage:clients' | jq -r .access_token)
AUTH="Authorization: Bearer $TOKEN"

# The tenant: support needs an approved access request for each session.
curl -sf -H "$AUTH" -H "$JSON" "$API/tenants" \
  -d '{"id":"initrode","name":"Initrode","consent":"approval","approvers":["it@initrode.example"]}' | jq -c '{id, consent}'

# Its custom domain stays pending until the customer serves this token on it.
PROOF=$(curl -sf -H "$AUTH" -H "$JSON" "$API/tenants/initrode/domains" -d "{\"origin\":\"$ORIGIN\"}" | jq -r .verification.http.body)
echo "serve $PROOF at $ORIGIN/.well-known/gatehouse-domain-verification, then press Enter"
read -r
curl -sf -H "$AUTH" -X POST "$API/tenants/initrode/domains/${ORIGIN#*://}/verify" | jq -c '{origin, status}'

# The customer's app: the secret is in this answer only (Gatehouse keeps its hash).
curl -sf -H "$AUTH" -H "$JSON" "$API/tenants/initrode/clients" -d "{\"clientId\":\"initrode-app\",
  \"redirectUris\":[\"$ORIGIN/callback\"], \"backchannelLogoutUri\":\"$ORIGIN/impersonate/backchannel-logout\",
  \"grantTypes\":[\"authorization_code\",\"refresh_token\",\"urn:ietf:params:oauth:grant-type:token-exchange\"]}" \
  | jq -r '"client_id=\(.clientId) client_secret=\(.clientSecret)"'

# A later change names the version it read (ETag): a concurrent one is refused with 412.
ETAG=$(curl -sf -o /dev/null -D - -H "$AUTH" "$API/tenants/initrode" | tr -d '\r' | sed -n 's/^etag: //Ip')
curl -sf -X PATCH -H "$AUTH" -H "If-Match: $ETAG" -H "$JSON" "$API/tenants/initrode" \
  -d '{"requireSecondAdmin":true}' | jq -c '{id, requireSecondAdmin}'
