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
  "$GOLANGCI_LINT" run ./...
fi

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
