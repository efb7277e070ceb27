#!/usr/bin/env bash
# Conversation orchestrator benchmark on an embedded broker: scripted provider (turns/s, event-hop
# p50/p99, raw consumer and raw transactional hop in the same run), then the fake OpenAI server at
# 500 ms per call against the ideal turns x 500 ms / concurrency.
# Usage: bench/conversation-orchestrator.sh [conversations=1000] [turns=10] [latencyConversations=200] [concurrency=50] [latencyTurns=5]
set -euo pipefail
cd "$(dirname "$0")/.."
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}"
./mvnw -q -B -pl conversation-orchestrator test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=ams.conversations.bench.ConversationBench \
  -Dexec.args="${1:-1000} ${2:-10} ${3:-200} ${4:-50} ${5:-5}"
