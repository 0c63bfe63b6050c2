#!/usr/bin/env bash
# `npm run check:prod-install`: installs the committed tree (HEAD) in a scratch directory with
# `npm ci --omit=dev` and runs `sentinel --help` there, so the CLI is known to work without dev
# dependencies. Needs the npm registry; the offline part of this check runs in `npm test`
# (test/infra/cli-prod-deps.test.ts).
set -euo pipefail
root=$(git rev-parse --show-toplevel)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
git -C "$root" archive HEAD | tar -x -C "$scratch"
cd "$scratch"
npm ci --omit=dev --no-audit --no-fund 2>&1 | tee npm-ci.log
if grep -qi '^npm warn' npm-ci.log; then echo "check-prod-install: npm ci printed warnings" >&2; exit 1; fi
# (typescript may be there: valibot names it as an optional peer.)
[ ! -e node_modules/jest ] && [ ! -e node_modules/aws-cdk-lib ] || { echo "check-prod-install: dev dependencies were installed" >&2; exit 1; }
node cli/bin/sentinel.js --help >/dev/null
npx --no-install sentinel --version
echo "check-prod-install: sentinel runs from npm ci --omit=dev"
