#!/usr/bin/env bash
# Agent processor benchmark: materialization throughput (EOS and ALOS) vs a raw consumer, and HTTP
# point-query latency with 32 clients, on an embedded broker. Usage: bench/agent-processor.sh [events] [partitions]
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS="${1:-1000000}"
PARTITIONS="${2:-2}"
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx3g}"
./mvnw -q -B -pl agent-processor test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=ams.agents.bench.AgentProcessorBench -Dexec.args="$EVENTS $PARTITIONS"
