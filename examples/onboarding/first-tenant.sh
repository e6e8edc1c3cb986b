#!/usr/bin/env bash
# Beside `npm start`: the dev config's management client (dev-ops) creates a tenant.
set -euo pipefail
ISSUER=${ISSUER:-http://localhost:3000}
TOKEN=$(curl -sf -u dev-ops:dev-ops-secret "$ISSUER/token" -d grant_type=client_credentials \
  -d resource="$ISSUER/manage" -d scope=manage:tenants | jq -r .access_token)
curl -sf -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' "$ISSUER/manage/v1/tenants" \
  -d '{"id":"initrode","name":"Initrode","consent":"approval","approvers":["it@initrode.example"]}' | jq -c '{id, consent}'
curl -sf -H "Authorization: Bearer $TOKEN" "$ISSUER/manage/v1/tenants" | jq -r '[.items[].id] | join(" ")'
# {"id":"initrode","consent":"approval"}
# acme globex initrode wonka
