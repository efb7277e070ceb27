#!/usr/bin/env bash
# Exporter benchmark: messages from conversation-events to Parquet and JSONL files, beside a raw
# consumer of the same topic and DuckDB's Parquet writer on the same rows, all in one run on an
# embedded broker. Usage: bench/exporter.sh [messages]   (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
MESSAGES="${1:-1000000}"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}"
./mvnw -q -B -pl exporter test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=ams.export.bench.ExporterBench -Dexec.args="$MESSAGES"
