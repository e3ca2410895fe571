#!/usr/bin/env bash
# make demo: apply examples/quickstart with the freshly built provider in a
# scratch directory, have the engine process the sample (the idp_sync
# action on Terraform 1.14 and later, `engine sync` before that), refresh
# the data source, show the alerts (the custom policy's among them) and
# the remediated users, then show that a second plan is empty. Offline:
# Terraform finds the provider through dev_overrides in a CLI
# configuration this script writes for itself (the user's own is never
# read or touched), so no `terraform init` is needed.
#
# Environment: PROVIDER (the provider binary; built when missing),
# TERRAFORM_116 (Terraform 1.16.0, used when no terraform is on PATH and
# installed with `make terraform` when missing), DEMO_DIR (scratch
# directory, default .scratch/demo).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

PROVIDER=${PROVIDER:-$root/bin/terraform-provider-idp}
TERRAFORM_116=${TERRAFORM_116:-$root/bin/terraform-1.16.0/terraform}
DEMO_DIR=${DEMO_DIR:-$root/.scratch/demo}
case $PROVIDER in /*) ;; *) PROVIDER=$root/$PROVIDER ;; esac
case $TERRAFORM_116 in /*) ;; *) TERRAFORM_116=$root/$TERRAFORM_116 ;; esac

step() { printf '\n==> %s\n' "$*"; }

if [ ! -x "$PROVIDER" ]; then
  step "building the provider"
  CGO_ENABLED=0 go build -o "$PROVIDER" .
fi

if command -v terraform >/dev/null 2>&1; then
  terraform=$(command -v terraform)
else
  if [ ! -x "$TERRAFORM_116" ]; then
    step "no terraform on PATH: installing Terraform 1.16.0"
    make --no-print-directory "$TERRAFORM_116" TERRAFORM_116="$TERRAFORM_116"
  fi
  terraform=$TERRAFORM_116
fi
# Actions (the idp_sync action) exist from Terraform 1.14 on.
tf_version=$("$terraform" version -json | sed -n 's/.*"terraform_version": *"\([^"]*\)".*/\1/p' | head -n 1)
has_actions() {
  local major minor
  IFS=. read -r major minor _ <<<"$tf_version"
  [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 14 ]; }
}

step "scratch directory $DEMO_DIR"
rm -rf "$DEMO_DIR"
mkdir -p "$DEMO_DIR"
cp -R examples/quickstart/. "$DEMO_DIR/"
cat >"$DEMO_DIR/terraform.rc" <<EOF
# Written by scripts/demo.sh: use the provider built in this checkout.
provider_installation {
  dev_overrides {
    "registry.terraform.io/idp/idp" = "$(dirname "$PROVIDER")"
    "registry.opentofu.org/idp/idp" = "$(dirname "$PROVIDER")"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE=$DEMO_DIR/terraform.rc
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1
# The quick start keeps its engine data in .idp beside the configuration.
unset IDP_DATA_DIR TF_DATA_DIR TF_WORKSPACE
# Colours only on a terminal: CI logs stay readable.
color=()
[ -t 1 ] || color=(-no-color)
tf() {
  local cmd=$1
  shift
  "$terraform" -chdir="$DEMO_DIR" "$cmd" ${color[@]+"${color[@]}"} "$@"
}
# sed reads to the end: head would close the pipe early, and pipefail turn
# the SIGPIPE Terraform may then get into a failure.
"$terraform" version | sed -n 1p

step "terraform apply (settings only: applying never processes the source)"
tf apply -auto-approve -input=false

if has_actions; then
  step "terraform apply -invoke=action.idp_sync.now (Terraform $tf_version has actions)"
  printf '# Written by scripts/demo.sh: the action that processes the source.\naction "idp_sync" "now" {}\n' >"$DEMO_DIR/sync.tf"
  tf apply -auto-approve -input=false -invoke=action.idp_sync.now
else
  step "terraform-provider-idp engine sync (Terraform $tf_version has no actions)"
  "$PROVIDER" engine sync --data-dir "$DEMO_DIR/.idp"
fi

step "terraform apply -refresh-only (the data source reads what the sync processed)"
tf apply -refresh-only -auto-approve -input=false >/dev/null
echo "last synced at $(tf output -raw last_synced_at)"

total=$(tf output -raw alerts_total)
step "alerts per policy and severity ($total in all)"
tf output alerts_by_policy_and_severity
step "open alerts per policy"
tf output open_alerts_by_policy

custom_policy=anonymous-ip-abroad
step "the custom policy $custom_policy: its newest alerts (terraform-provider-idp engine alerts --policy $custom_policy)"
"$PROVIDER" engine alerts --data-dir "$DEMO_DIR/.idp" --policy "$custom_policy" --limit 5 --output table
custom=$("$PROVIDER" engine alerts --data-dir "$DEMO_DIR/.idp" --policy "$custom_policy" --limit 0 --output json | grep -c '"policy"' || true)

step "remediated users and the actions enforced on them (terraform-provider-idp engine users)"
"$PROVIDER" engine users --data-dir "$DEMO_DIR/.idp" --output table
users=$("$PROVIDER" engine users --data-dir "$DEMO_DIR/.idp" --output json | grep -c '"user_id"' || true)

step "terraform plan -detailed-exitcode (a second plan must be empty)"
set +e
tf plan -detailed-exitcode -input=false
plan_status=$?
set -e

echo
if [ "$total" -eq 0 ] || [ "$custom" -eq 0 ] || [ "$users" -eq 0 ]; then
  echo "demo FAILED: the sample gave $total alerts ($custom of the custom policy $custom_policy) and $users remediated users; all should be above zero" >&2
  exit 1
fi
case $plan_status in
  0) echo "demo OK: $total alerts ($custom of the custom policy $custom_policy), $users remediated users, and the second plan is empty." ;;
  2) echo "demo FAILED: the second plan is not empty (see above)" >&2; exit 1 ;;
  *) echo "demo FAILED: terraform plan exited with status $plan_status" >&2; exit 1 ;;
esac
echo "The configuration and its engine data stay in $DEMO_DIR; try:"
echo "  $PROVIDER engine alerts --data-dir $DEMO_DIR/.idp --limit 10"

# The web console: `engine serve` shows what the demo's engine did at /.
# The demo writes a token file of its own (readable by its owner only)
# and prints how to serve its data directory and sign in.
console_port=${DEMO_CONSOLE_PORT:-8443}
console_token=$DEMO_DIR/console.token
(umask 077 && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$console_token")
step "the web console"
echo "Serve the demo's engine data, with the console beside the API:"
echo "  $PROVIDER engine serve --listen 127.0.0.1:$console_port --data-dir $DEMO_DIR/.idp --token-file $console_token"
echo "then open http://127.0.0.1:$console_port/ and sign in with the token in $console_token:"
echo "  $(cat "$console_token")"
