#!/usr/bin/env bash
# The provider's acceptance tests against real Terraform CLIs: on
# Terraform 1.5.7 (TERRAFORM_157) and 1.16.0 (TERRAFORM_116), both
# installed with `make terraform` when missing, and again on the terraform
# found on PATH when it is of another version. Tests of newer features
# skip on older CLIs: the idp_sync action below 1.14, examples/tests
# (terraform test) below 1.7. On each, the whole suite runs in the three
# modes of the provider (IDP_ACC_MODE, see internal/provider/provider_test.go):
# embedded (SQLite), postgres (the embedded engine on PostgreSQL) and
# remote (an engine serve started by each test). ACC_MODES="embedded
# remote" runs some of them only.
#
# The postgres mode needs a server: IDP_TEST_DATABASE_URL when set (as
# scripts/test.sh sets it), else a throwaway cluster that
# scripts/postgres.sh starts here and stops at the end. Either way its
# tests must run: a server that does not answer fails them.
#
# Nothing is downloaded: the tests serve the provider in-process and
# Terraform is pointed at a CLI configuration written here, so the user's
# own (or a TF_CLI_CONFIG_FILE that points nowhere) is never read.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

TERRAFORM_157=${TERRAFORM_157:-$root/bin/terraform-1.5.7/terraform}
TERRAFORM_116=${TERRAFORM_116:-$root/bin/terraform-1.16.0/terraform}
case $TERRAFORM_157 in /*) ;; *) TERRAFORM_157=$root/$TERRAFORM_157 ;; esac
case $TERRAFORM_116 in /*) ;; *) TERRAFORM_116=$root/$TERRAFORM_116 ;; esac
if [ ! -x "$TERRAFORM_157" ] || [ ! -x "$TERRAFORM_116" ]; then
  make --no-print-directory terraform TERRAFORM_157="$TERRAFORM_157" TERRAFORM_116="$TERRAFORM_116"
fi
# The example tests' sync steps run the engine's command line: the
# provider binary, built when missing.
PROVIDER=${PROVIDER:-$root/bin/terraform-provider-idp}
case $PROVIDER in /*) ;; *) PROVIDER=$root/$PROVIDER ;; esac
if [ ! -x "$PROVIDER" ]; then
  CGO_ENABLED=0 go build -o "$PROVIDER" .
fi
export IDP_TEST_ENGINE=$PROVIDER

ACC_MODES=${ACC_MODES:-embedded postgres remote}
# ACC_MODES="embedded remote" runs some modes only; ACC_TERRAFORM (below)
# one CLI only.

scratch=$(mktemp -d)
pg_started=
cleanup() {
  if [ -n "$pg_started" ]; then scripts/postgres.sh stop; fi
  rm -rf "$scratch"
}
trap cleanup EXIT
case " $ACC_MODES " in
  *" postgres "*)
    if [ -z "${IDP_TEST_DATABASE_URL:-}" ]; then
      echo "== PostgreSQL for the postgres mode (scripts/postgres.sh)"
      export IDP_PG_STATE="$root/.scratch/postgres-acceptance.env"
      pg_started=1
      IDP_TEST_DATABASE_URL=$(scripts/postgres.sh start)
      export IDP_TEST_DATABASE_URL
    fi
    export IDP_TEST_POSTGRES=required
    ;;
esac
cat >"$scratch/terraform.rc" <<'EOF'
# Written by scripts/acceptance.sh. The tests serve the provider
# in-process (TF_REATTACH_PROVIDERS), so no installation settings are
# needed and none may reach a registry.
EOF
export TF_CLI_CONFIG_FILE=$scratch/terraform.rc
export CHECKPOINT_DISABLE=1
# A version to download would fail offline; the binary is chosen below.
# The provider's own settings would reach the providers under test (the
# test binary unsets them too).
unset TF_ACC_TERRAFORM_VERSION TF_ACC_TEMP_DIR IDP_DATA_DIR IDP_DATABASE_URL IDP_ENDPOINT IDP_TOKEN IDP_CA_FILE \
  IDP_SECRET_KEY_FILE IDP_GRAPH_ALLOWED_HOSTS IDP_SOURCE_ROOTS IDP_TOKENS

version_of() {
  "$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1
}

# run TERRAFORM MODE: the suite on one CLI in one mode.
run() {
  local tf=$1 mode=$2 version log start status
  version=$(version_of "$tf")
  log=$scratch/acceptance-$version-$mode.log
  echo "== acceptance tests on Terraform $version ($tf), $mode mode"
  start=$(date +%s)
  set +e
  # On PostgreSQL a stored client secret is sealed with a key file that its
  # operator names (no default location fits engines on several hosts).
  key=
  if [ "$mode" = postgres ]; then key=$scratch/secret.key; fi
  IDP_SECRET_KEY_FILE=$key IDP_ACC_MODE=$mode TF_ACC=1 TF_ACC_TERRAFORM_PATH=$tf go test ./internal/provider/... -count=1 -v >"$log" 2>&1
  status=$?
  set -e
  if [ $status -ne 0 ]; then
    cat "$log"
    echo "== acceptance tests FAILED on Terraform $version, $mode mode" >&2
    exit $status
  fi
  printf '   %d acceptance tests passed, %d skipped (not for this mode), on Terraform %s, %s mode, in %ds\n' \
    "$(grep -c '^--- PASS: TestAcc' "$log")" "$(grep -c '^--- SKIP: TestAcc' "$log")" "$version" "$mode" \
    "$(($(date +%s) - start))"
}

run_modes() {
  local mode
  for mode in $ACC_MODES; do
    run "$1" "$mode"
  done
}

# ACC_TERRAFORM=PATH runs the suite on that CLI alone (for development).
if [ -n "${ACC_TERRAFORM:-}" ]; then
  run_modes "$ACC_TERRAFORM"
  exit 0
fi
run_modes "$TERRAFORM_157"
run_modes "$TERRAFORM_116"
ran="$(version_of "$TERRAFORM_157") $(version_of "$TERRAFORM_116")"
if other=$(command -v terraform); then
  case " $ran " in
    *" $(version_of "$other") "*) echo "== terraform on PATH is $(version_of "$other"), run already" ;;
    *) run_modes "$other" ;;
  esac
else
  echo "== no terraform on PATH: ran on Terraform $ran only"
fi
