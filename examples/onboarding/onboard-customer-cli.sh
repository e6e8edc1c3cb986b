#!/usr/bin/env bash
# The same with the CLI (docs/cli.md), on the store the servers use (REDIS_URL or Sentinel or
# Cluster, GATEHOUSE_CONFIG), audited as `cli`; every running instance follows within a second.
set -euo pipefail
ORIGIN=${ORIGIN:-https://app.initech.example}

gatehouse tenant create initech --name Initech --consent approval --approvers it@initech.example --domain "$ORIGIN"
gatehouse tenant show initech | grep '^domain:'     # the token its owner serves to prove control
read -r
gatehouse domain verify initech "${ORIGIN#*://}"    # or --dns, for a TXT record at _gatehouse.<host>
SECRET=$(gatehouse client create initech-app --tenant initech --redirect-uri "$ORIGIN/callback")
gatehouse tenant update initech --require-second-admin true
gatehouse client rotate-secret initech-app --overlap 3600 >/dev/null   # the old secret works one more hour
echo "initech-app has a secret of ${#SECRET} characters"
