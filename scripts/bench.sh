#!/usr/bin/env bash
# make bench: every figure of issue 12's target table, measured in one run,
# each printed with its target and "met" or "not met". Prints figures;
# asserts nothing.
#
#   1. `engine ingest` of a generated 1,000,000-record file (about 1 GB of
#      Graph NDJSON) into an empty SQLite store, against a jq filter over the
#      same file timed in the same run;
#   2. the peak RSS of every ingest below;
#   3. the same file into a store that already holds BENCH_GROWTH_BASE
#      records of another seed (default 5,000,000: some 5 GB of input,
#      generated once, and a store built once and kept; set it lower for a
#      shorter run), against the empty-store rate;
#   4. the same ingest with GOMAXPROCS=1, against GOMAXPROCS=2;
#   5. the alert queries at 1,000,000 alerts, in process (go test -bench,
#      SQLite and PostgreSQL; the alert store is built once and kept, see
#      internal/engine/store/alertfixture), and an idp_alerts read end to
#      end through the provider's protocol server (embedded mode);
#   6. `engine ingest` of the same file into PostgreSQL, one process, on a
#      throwaway cluster (scripts/postgres.sh) unless IDP_TEST_DATABASE_URL
#      names a server.
#
# BENCH_JSON=FILE also writes every figure to FILE as one JSON object.
# BENCH_RECORDS and BENCH_SEED choose the input (default 1,000,000, seed 1);
# BENCH_COUNT is how many times each Go benchmark runs (default 3; the
# median is reported). Ingests run once each: on a shared machine, repeat
# the run and compare.
set -euo pipefail
cd "$(dirname "$0")/.."

PROVIDER=${PROVIDER:-bin/terraform-provider-idp}
RECORDS=${BENCH_RECORDS:-1000000}
SEED=${BENCH_SEED:-1}
GROWTH_BASE=${BENCH_GROWTH_BASE:-5000000}
COUNT=${BENCH_COUNT:-3}
OUT=bench/out
INPUT=$OUT/detections-$RECORDS-seed$SEED.ndjson
BASE_SEED=$((SEED + 1))
BASE_INPUT=$OUT/detections-$GROWTH_BASE-seed$BASE_SEED.ndjson
BASE_STORE=$OUT/store-$GROWTH_BASE-seed$BASE_SEED
export IDP_BENCH_CACHE=${IDP_BENCH_CACHE:-$PWD/$OUT/cache}

need() { # need COMMAND PACKAGE: install a Debian package when a tool is missing
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "installing $2 (for $1)"
    if [ "$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq "$2" >/dev/null
    else sudo apt-get update -qq && sudo apt-get install -y -qq "$2" >/dev/null; fi
  fi
}
need jq jq
need /usr/bin/time time
need psql postgresql-client

[ -x "$PROVIDER" ] || go build -o "$PROVIDER" .
mkdir -p "$OUT"
scratch=$(mktemp -d "$OUT/run.XXXXXX")
cleanup() {
  rm -rf "$scratch"
  if [ -n "${pg_started:-}" ]; then scripts/postgres.sh stop; fi
}
trap cleanup EXIT

generate() { # generate RECORDS SEED FILE, once
  if [ ! -s "$3" ]; then
    echo "generating $1 records (seed $2) into $3"
    "$PROVIDER" engine generate --records "$1" --seed "$2" >"$3.tmp"
    mv "$3.tmp" "$3"
  fi
}
generate "$RECORDS" "$SEED" "$INPUT"
size=$(stat -c %s "$INPUT")

peak_kb=0
procs="" # GOMAXPROCS of the next ingest; empty: Go's default
# ingest NAME ARGS...: one timed `engine ingest`; sets secs and read_n
ingest() {
  local name=$1
  shift
  /usr/bin/time -f '%e %M' -o "$scratch/$name.time" \
    env ${procs:+GOMAXPROCS=$procs} "$PROVIDER" engine ingest --output json "$@" >"$scratch/$name.json"
  local kb
  read -r secs kb <"$scratch/$name.time"
  read_n=$(jq .read "$scratch/$name.json")
  if [ "$kb" -gt "$peak_kb" ]; then peak_kb=$kb; fi
}
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / s }'; }

# Warm the page cache so neither contender pays for the first read.
cat "$INPUT" >/dev/null
echo "jq filter..."
/usr/bin/time -f '%e %M' -o "$scratch/jq.time" \
  jq -c 'select(.riskLevel=="high" or .riskEventType=="leakedCredentials")' "$INPUT" >/dev/null
read -r jq_s _ <"$scratch/jq.time"

echo "engine ingest, empty store..."
ingest empty --data-dir "$scratch/empty" "$INPUT"
empty_s=$secs n=$read_n
empty_rate=$(rate "$n" "$empty_s")
cp "$scratch/empty.json" "$OUT/ingest.json"
rm -rf "$scratch/empty"

# The ratio compares two and one cores; on a machine with other than two,
# the empty-store run above is not the two-core one.
if [ "$(nproc)" = 2 ] && [ -z "${GOMAXPROCS:-}" ]; then
  two_rate=$empty_rate
else
  echo "engine ingest, GOMAXPROCS=2..."
  procs=2 ingest two --data-dir "$scratch/two" "$INPUT"
  two_rate=$(rate "$read_n" "$secs")
  rm -rf "$scratch/two"
fi
echo "engine ingest, GOMAXPROCS=1..."
procs=1 ingest one --data-dir "$scratch/one" "$INPUT"
one_rate=$(rate "$read_n" "$secs")
rm -rf "$scratch/one"

# The store holding GROWTH_BASE records is built once and copied for each
# run, so that the timed ingest always starts from the same store.
generate "$GROWTH_BASE" "$BASE_SEED" "$BASE_INPUT"
if [ ! -s "$BASE_STORE/done" ]; then
  echo "building the store of $GROWTH_BASE records (once)..."
  rm -rf "$BASE_STORE"
  ingest base --data-dir "$BASE_STORE" "$BASE_INPUT"
  echo "$GROWTH_BASE" >"$BASE_STORE/done"
fi
echo "engine ingest, into the store of $GROWTH_BASE..."
cp -a "$BASE_STORE" "$scratch/grown"
ingest grown --data-dir "$scratch/grown" "$INPUT"
grown_rate=$(rate "$read_n" "$secs")
rm -rf "$scratch/grown"

# PostgreSQL: a throwaway cluster unless one is named.
if [ -z "${IDP_TEST_DATABASE_URL:-}" ]; then
  export IDP_PG_STATE="$PWD/.scratch/postgres-bench.env"
  IDP_TEST_DATABASE_URL=$(scripts/postgres.sh start)
  pg_started=1
  export IDP_TEST_DATABASE_URL
fi
export IDP_TEST_POSTGRES=required
pg_db="idp_bench_ingest_$$"
pg_url=$(echo "$IDP_TEST_DATABASE_URL" | sed -E "s#/[^/?]*(\?|$)#/$pg_db\1#")
psql -q "$IDP_TEST_DATABASE_URL" -c "CREATE DATABASE $pg_db" >/dev/null
echo "engine ingest, PostgreSQL..."
ingest pg --database-url "$pg_url" "$INPUT"
pg_rate=$(rate "$read_n" "$secs")
psql -q "$IDP_TEST_DATABASE_URL" -c "DROP DATABASE $pg_db WITH (FORCE)" >/dev/null

# medians PREFIX FILE: "name milliseconds" for each sub-benchmark of PREFIX,
# the median of its runs.
medians() {
  awk -v p="$1/" 'index($1, p) == 1 && $4 == "ns/op" {
      name = substr($1, length(p) + 1); sub(/-[0-9]+$/, "", name); print name, $3 / 1e6 }' "$2" |
    sort -k1,1 -k2,2n |
    awk '{ v[$1] = v[$1] " " $2 } END { for (k in v) { n = split(substr(v[k], 2), a, " "); printf "%s %.3f\n", k, a[int((n + 1) / 2)] } }'
}
echo "alert queries over ${IDP_BENCH_ALERTS:-1000000} alerts (the first run builds the alert store)..."
go test -run '^$' -bench 'BenchmarkQueryAlerts$' -count "$COUNT" -timeout 60m ./internal/engine/store/sqlite >"$scratch/q-sqlite.txt"
go test -run '^$' -bench 'BenchmarkQueryAlerts$' -count "$COUNT" -timeout 60m ./internal/engine/store/postgres >"$scratch/q-pg.txt"
go test -run '^$' -bench 'BenchmarkAlertsRead$' -benchtime 10x -count "$COUNT" -timeout 60m ./internal/provider >"$scratch/read.txt"
# The reading side alone (decode, and pack the kept texts), no store: the
# ceiling it sets on any ingest, on one core and on two.
echo "decoding without a store, one core and two..."
go test -run '^$' -bench 'BenchmarkPipeline$' -benchtime 5x -count "$COUNT" -cpu 1 ./internal/engine/ingest >"$scratch/front-1.txt"
go test -run '^$' -bench 'BenchmarkPipeline$' -benchtime 5x -count "$COUNT" -cpu 2 ./internal/engine/ingest >"$scratch/front-2.txt"
medians BenchmarkPipeline "$scratch/front-1.txt" >"$scratch/front-1.med"
medians BenchmarkPipeline "$scratch/front-2.txt" >"$scratch/front-2.med"
medians BenchmarkQueryAlerts "$scratch/q-sqlite.txt" >"$scratch/q-sqlite.med"
medians BenchmarkQueryAlerts "$scratch/q-pg.txt" >"$scratch/q-pg.med"
medians BenchmarkAlertsRead "$scratch/read.txt" >"$scratch/read.med"
ms() { awk -v k="$2" '$1 == k { print $2 }' "$1"; }
per_s() { awk -v k="$2" '$1 == k { printf "%.0f", 100000 / ($2 / 1000) }' "$1"; } # BenchmarkPipeline's 100,000 records

# One JSON object of every figure, printed as a table.
jq -n \
  --argjson records "$n" --argjson bytes "$size" --argjson jq_s "$jq_s" --argjson ingest_s "$empty_s" \
  --argjson rate "$empty_rate" --argjson peak_kb "$peak_kb" --argjson growth_base "$GROWTH_BASE" \
  --argjson grown_rate "$grown_rate" --argjson one_rate "$one_rate" --argjson two_rate "$two_rate" \
  --argjson pg_rate "$pg_rate" \
  --argjson fe_dec1 "$(per_s "$scratch/front-1.med" decode)" --argjson fe_dec2 "$(per_s "$scratch/front-2.med" decode)" \
  --argjson fe_keep1 "$(per_s "$scratch/front-1.med" kept-texts)" --argjson fe_keep2 "$(per_s "$scratch/front-2.med" kept-texts)" \
  --argjson sq_policy "$(ms "$scratch/q-sqlite.med" policy-min-severity)" \
  --argjson sq_user "$(ms "$scratch/q-sqlite.med" one-user)" \
  --argjson sq_range "$(ms "$scratch/q-sqlite.med" since-until)" \
  --argjson pg_policy "$(ms "$scratch/q-pg.med" policy-min-severity)" \
  --argjson pg_user "$(ms "$scratch/q-pg.med" one-user)" \
  --argjson pg_range "$(ms "$scratch/q-pg.med" since-until)" \
  --argjson rd_policy "$(ms "$scratch/read.med" policy-min-severity)" \
  --argjson rd_user "$(ms "$scratch/read.med" one-user)" \
  --argjson rd_range "$(ms "$scratch/read.med" since-until)" \
  --arg date "$(date -u +%Y-%m-%dT%H:%M:%SZ)" --arg commit "$(git rev-parse --short HEAD 2>/dev/null || echo unknown)" \
  --argjson cores "$(nproc)" --argjson alerts "${IDP_BENCH_ALERTS:-1000000}" '
  def fig(v; unit; target; met): {value: v, unit: unit, target: target, met: met};
  def query(v): fig(v; "ms"; "< 50 ms"; v < 50);
  {
    date: $date, commit: $commit, cores: $cores, records: $records, input_bytes: $bytes, alerts: $alerts,
    jq_seconds: $jq_s, ingest_seconds: $ingest_s, growth_base_records: $growth_base,
    ingest_rate: fig($rate; "records/s"; ">= 150000 records/s"; $rate >= 150000),
    ingest_vs_jq: fig(($jq_s / $ingest_s * 100 | round / 100); "x"; ">= 3x jq"; $jq_s / $ingest_s >= 3),
    peak_rss: fig(($peak_kb / 1024 | floor); "MiB"; "< 256 MiB"; $peak_kb / 1024 < 256),
    growth: (fig(($grown_rate / $rate * 100 | round / 100); "x the empty-store rate"; ">= 0.8x"; $grown_rate / $rate >= 0.8)
      + {rate: $grown_rate}),
    cores_ratio: (fig(($two_rate / $one_rate * 100 | round / 100); "x"; ">= 1.6x"; $two_rate / $one_rate >= 1.6)
      + {gomaxprocs_1_rate: $one_rate, gomaxprocs_2_rate: $two_rate}),
    query_sqlite: {policy_min_severity: query($sq_policy), one_user: query($sq_user), since_until: query($sq_range)},
    query_postgres: {policy_min_severity: query($pg_policy), one_user: query($pg_user), since_until: query($pg_range)},
    idp_alerts_read: (([$rd_policy, $rd_user, $rd_range] | max) as $worst
      | fig($worst; "ms"; "< 300 ms"; $worst < 300)
      + {policy_min_severity: $rd_policy, one_user: $rd_user, since_until: $rd_range}),
    postgres_ingest_rate: fig($pg_rate; "records/s"; ">= 100000 records/s"; $pg_rate >= 100000),
    reading_side_without_store: {unit: "records/s", decode_1_core: $fe_dec1, decode_2_cores: $fe_dec2,
      kept_texts_1_core: $fe_keep1, kept_texts_2_cores: $fe_keep2}
  }' >"$scratch/figures.json"

jq -r '
  def met: if .met then "met" else "not met" end;
  def row(name; f): "\(name)|\(f.value) \(f.unit)|\(f.target)|\(f | met)";
  "input: \(.records) records, \(.input_bytes / 1e9 * 100 | round / 100) GB; jq \(.jq_seconds) s, ingest \(.ingest_seconds) s; \(.cores) cores",
  "figure|value|target|",
  row("engine ingest, empty store"; .ingest_rate),
  row("ingest against jq, same file, same run"; .ingest_vs_jq),
  row("peak RSS, every ingest of this run"; .peak_rss),
  row("the same file into a store of \(.growth_base_records) (\(.growth.rate) records/s)"; .growth),
  row("GOMAXPROCS=2 against 1 (\(.cores_ratio.gomaxprocs_2_rate) vs \(.cores_ratio.gomaxprocs_1_rate) records/s)"; .cores_ratio),
  row("SQLite query: policy + min severity, \(.alerts) alerts"; .query_sqlite.policy_min_severity),
  row("SQLite query: one user"; .query_sqlite.one_user),
  row("SQLite query: since/until"; .query_sqlite.since_until),
  row("PostgreSQL query: policy + min severity"; .query_postgres.policy_min_severity),
  row("PostgreSQL query: one user"; .query_postgres.one_user),
  row("PostgreSQL query: since/until"; .query_postgres.since_until),
  row("idp_alerts read end to end, slowest of the three"; .idp_alerts_read),
  row("PostgreSQL ingest, one process"; .postgres_ingest_rate),
  (.reading_side_without_store | "reading side, no store (decode + kept texts)|\(.kept_texts_2_cores) records/s on 2 cores, \(.kept_texts_1_core) on 1|(the ceiling it sets)|")
' "$scratch/figures.json" | column -t -s '|'
echo "ingest summary: $(jq -c . "$OUT/ingest.json")"
if [ -n "${BENCH_JSON:-}" ]; then
  cp "$scratch/figures.json" "$BENCH_JSON"
  echo "figures written to $BENCH_JSON"
fi
