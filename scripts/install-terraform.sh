#!/usr/bin/env bash
# Installs Terraform VERSION as DEST (a binary path), from the Go module
# proxy only: no other download site is needed.
#
#   scripts/install-terraform.sh 1.5.7  bin/terraform-1.5.7/terraform
#   scripts/install-terraform.sh 1.16.0 bin/terraform-1.16.0/terraform
#
# Up to 1.5, `go install` builds it. From 1.6 on, Terraform's go.mod
# replaces nested modules (the remote-state backends and internal/legacy)
# with directories that the module zip leaves out, so `go install` fails:
# the module is copied, the backends that live in those nested modules are
# dropped (local, remote, cloud, http and inmem stay: they are in the main
# module), and the copy is built with the release's version stamp.
set -euo pipefail
version=${1:?usage: $0 VERSION DEST}
dest=${2:?usage: $0 VERSION DEST}
case $dest in /*) ;; *) dest=$PWD/$dest ;; esac
mkdir -p "$(dirname "$dest")"
export CGO_ENABLED=0

case $version in
  0.* | 1.[0-5].*)
    GOBIN=$(dirname "$dest") go install "github.com/hashicorp/terraform@v$version"
    [ "$(basename "$dest")" = terraform ] || mv "$(dirname "$dest")/terraform" "$dest"
    exit 0
    ;;
esac

module=$(go mod download -json "github.com/hashicorp/terraform@v$version" |
  sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
[ -d "$module" ] || { echo "go mod download gave no directory for terraform v$version" >&2; exit 1; }

work=$(mktemp -d)
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cp -R "$module/." "$work/src"
chmod -R u+w "$work/src"
cd "$work/src"

dropped='Azure|Consul|Cos|GCS|Kubernetes|OCI|OSS|Pg|S3'
sed -E -i "/backend($dropped)[[:space:]\.]/d" internal/backend/init/init.go
sed -E -i '/github\.com\/hashicorp\/terraform\/internal\//d' go.mod
if grep -Eq "backend($dropped)" internal/backend/init/init.go; then
  echo "install-terraform.sh: could not drop the nested backends of terraform v$version" >&2
  exit 1
fi
go build -trimpath -ldflags "-X github.com/hashicorp/terraform/version.dev=no" -o "$dest" .
"$dest" version | sed -n 1p
