#!/usr/bin/env bash
# The whole suite, as CI runs it. Prints what it runs; stops at the first
# failure.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== gofmt"
unformatted=$(gofmt -l $(git ls-files '*.go' 2>/dev/null || find . -name '*.go' -not -path './bin/*'))
if [ -n "$unformatted" ]; then
  echo "these files need gofmt:"; echo "$unformatted"; exit 1
fi

echo "== go vet"
go vet ./...

if [ -n "${GOLANGCI_LINT:-}" ]; then
  echo "== golangci-lint"
  # Another checkout's make test may lint at the same time; each lints its
  # own tree, so waiting for the other's lock is all that is needed.
  "$GOLANGCI_LINT" run --allow-serial-runners ./...
fi

# The PostgreSQL tests (store and client conformance, three engine
# processes on one database) run against a throwaway cluster of our own,
# unless IDP_TEST_DATABASE_URL already names a server; either way they must
# run, not skip.
if [ -z "${IDP_TEST_DATABASE_URL:-}" ]; then
  echo "== PostgreSQL (scripts/postgres.sh)"
  export IDP_PG_STATE="$PWD/.scratch/postgres-test.env"
  trap 'scripts/postgres.sh stop' EXIT
  IDP_TEST_DATABASE_URL=$(scripts/postgres.sh start)
  export IDP_TEST_DATABASE_URL
fi
export IDP_TEST_POSTGRES=required

# The console's browser tests drive Debian's Chromium, installed when
# missing; they run, never skip.
echo "== Chromium (scripts/chromium.sh)"
IDP_CHROMIUM=$(scripts/chromium.sh)
export IDP_CHROMIUM

echo "== unit, conformance and fuzz-seed tests"
go test -count=1 ./...

if [ -x scripts/acceptance.sh ]; then
  echo "== acceptance tests"
  ./scripts/acceptance.sh
fi

if [ -x scripts/docs.sh ]; then
  echo "== generated docs are current"
  ./scripts/docs.sh check
fi
echo "== all tests passed"
