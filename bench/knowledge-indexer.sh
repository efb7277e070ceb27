#!/usr/bin/env bash
# Knowledge indexer benchmark: embedding throughput (indexer vs raw model, same run), search latency
# over 10k/100k chunks of 384 dimensions, memory of the in-memory index.
# Usage: bench/knowledge-indexer.sh [documents]   (0 = search and memory only, no broker)
set -euo pipefail
cd "$(dirname "$0")/.."
DOCS="${1:-2000}"
# exec:java runs in Maven's JVM: the search's SIMD kernel needs the Vector API module there.
export MAVEN_OPTS="${MAVEN_OPTS:-} --add-modules jdk.incubator.vector"
./mvnw -q -B -pl knowledge-indexer test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=ams.knowledge.bench.KnowledgeIndexerBench -Dexec.args="$DOCS"
