#!/usr/bin/env bash
# make bench: ingest throughput on a generated 1,000,000-record file (about
# 1 GB of Graph NDJSON), timed against a jq filter over the same file in the
# same run, with the ingest's peak memory. Prints figures; asserts nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVIDER=${PROVIDER:-bin/terraform-provider-idp}
RECORDS=${BENCH_RECORDS:-1000000}
SEED=${BENCH_SEED:-1}
OUT=bench/out
INPUT=$OUT/detections-$RECORDS-seed$SEED.ndjson

need() { # need COMMAND PACKAGE: install a Debian package when a tool is missing
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2 (for $1)"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
  fi
}
need jq jq
need /usr/bin/time time

[ -x "$PROVIDER" ] || go build -o "$PROVIDER" .
mkdir -p "$OUT"
if [ ! -s "$INPUT" ]; then
  echo "generating $RECORDS records (seed $SEED) into $INPUT"
  "$PROVIDER" engine generate --records "$RECORDS" --seed "$SEED" >"$INPUT.tmp"
  mv "$INPUT.tmp" "$INPUT"
fi
size=$(stat -c %s "$INPUT")

# Warm the page cache so neither contender pays for the first read.
cat "$INPUT" >/dev/null

echo "jq filter..."
/usr/bin/time -f '%e %M' -o "$OUT/jq.time" \
  jq -c 'select(.riskLevel=="high" or .riskEventType=="leakedCredentials")' "$INPUT" >/dev/null
read -r jq_s jq_kb <"$OUT/jq.time"

data=$(mktemp -d "$OUT/data.XXXXXX")
trap 'rm -rf "$data"' EXIT
echo "engine ingest..."
/usr/bin/time -f '%e %M' -o "$OUT/ingest.time" \
  "$PROVIDER" engine ingest --data-dir "$data" --output json "$INPUT" >"$OUT/ingest.json"
read -r ing_s ing_kb <"$OUT/ingest.time"
read_records=$(jq .read "$OUT/ingest.json")

awk -v n="$read_records" -v bytes="$size" -v js="$jq_s" -v is="$ing_s" -v ikb="$ing_kb" -v jkb="$jq_kb" 'BEGIN {
  printf "\ninput:            %d records, %.2f GB\n", n, bytes/1e9
  printf "jq filter:        %6.2f s  %9.0f records/s  (peak %d MiB)\n", js, n/js, jkb/1024
  printf "engine ingest:    %6.2f s  %9.0f records/s  (peak %d MiB)\n", is, n/is, ikb/1024
  printf "ingest vs jq:     %.2fx faster\n", js/is
  printf "targets:          >= 150000 records/s: %s; >= 3x jq: %s; peak < 256 MiB: %s\n",
    (n/is >= 150000 ? "met" : "not met"), (js/is >= 3 ? "met" : "not met"), (ikb/1024 < 256 ? "met" : "not met")
}'
echo "ingest summary:   $(jq -c . "$OUT/ingest.json")"
