#!/usr/bin/env bash
# The provider's acceptance tests against real Terraform CLIs: once on
# Terraform 1.5.7 (TERRAFORM_157, installed with `make terraform` when
# missing), and again on the terraform found on PATH when there is one of
# another version. Nothing is downloaded: the tests serve the provider
# in-process and Terraform is pointed at a CLI configuration written here,
# so the user's own (or a TF_CLI_CONFIG_FILE that points nowhere) is never
# read.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

TERRAFORM_157=${TERRAFORM_157:-$root/bin/terraform-1.5.7/terraform}
case $TERRAFORM_157 in /*) ;; *) TERRAFORM_157=$root/$TERRAFORM_157 ;; esac
if [ ! -x "$TERRAFORM_157" ]; then
  make --no-print-directory terraform TERRAFORM_157="$TERRAFORM_157"
fi

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
cat >"$scratch/terraform.rc" <<'EOF'
# Written by scripts/acceptance.sh. The tests serve the provider
# in-process (TF_REATTACH_PROVIDERS), so no installation settings are
# needed and none may reach a registry.
EOF
export TF_CLI_CONFIG_FILE=$scratch/terraform.rc
export CHECKPOINT_DISABLE=1
# A version to download would fail offline; the binary is chosen below.
unset TF_ACC_TERRAFORM_VERSION TF_ACC_TEMP_DIR IDP_DATA_DIR

version_of() {
  "$1" version -json 2>/dev/null | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1
}

run() {
  local tf=$1 version log start status
  version=$(version_of "$tf")
  log=$scratch/acceptance-$version.log
  echo "== acceptance tests on Terraform $version ($tf)"
  start=$(date +%s)
  set +e
  TF_ACC=1 TF_ACC_TERRAFORM_PATH=$tf go test ./internal/provider/... -count=1 -v >"$log" 2>&1
  status=$?
  set -e
  if [ $status -ne 0 ]; then
    cat "$log"
    echo "== acceptance tests FAILED on Terraform $version" >&2
    exit $status
  fi
  printf '   %d tests passed (%d acceptance) on Terraform %s in %ds\n' \
    "$(grep -c '^--- PASS' "$log")" "$(grep -c '^--- PASS: TestAcc' "$log")" "$version" "$(($(date +%s) - start))"
}

run "$TERRAFORM_157"
base=$(version_of "$TERRAFORM_157")
if other=$(command -v terraform); then
  if [ "$(version_of "$other")" != "$base" ]; then
    run "$other"
  else
    echo "== terraform on PATH is also $base: not run twice"
  fi
else
  echo "== no terraform on PATH: ran on Terraform $base only"
fi
