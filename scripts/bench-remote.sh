#!/usr/bin/env bash
# Remote-mode and PostgreSQL throughput, each next to single-process SQLite
# on the same input:
#   - `engine ingest`: one process into SQLite, one into PostgreSQL, three at
#     once into one PostgreSQL database (disjoint and overlapping slices);
#   - push-ingest: one POST /v1/detections through `engine serve`'s handler,
#     on SQLite and on PostgreSQL;
#   - in-process ingest on SQLite and PostgreSQL.
# IDP_BENCH_RECORDS sets the input size of the process benchmark (default
# 300,000); IDP_TX_RECORDS the processes' --tx-records (default 50,000);
# IDP_BENCH_TIME the runs of each (go test -benchtime, default 1x).
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${IDP_BENCH_TIME:-1x}

if [ -z "${IDP_TEST_DATABASE_URL:-}" ]; then
  export IDP_PG_STATE="$PWD/.scratch/postgres-bench.env"
  trap 'scripts/postgres.sh stop' EXIT
  IDP_TEST_DATABASE_URL=$(scripts/postgres.sh start)
  export IDP_TEST_DATABASE_URL
fi
export IDP_TEST_POSTGRES=required

go test -run '^$' -bench 'BenchmarkIngestProcesses' -benchtime "$benchtime" ./internal/cli/
go test -run '^$' -bench 'BenchmarkPushIngest' -benchtime "$benchtime" ./internal/server/
go test -run '^$' -bench 'BenchmarkIngest$' -benchtime "$benchtime" ./internal/engine/service/ ./internal/engine/store/postgres/
