#!/usr/bin/env bash
# Conversation orchestrator benchmark on an embedded broker (bench/run --only conversations runs the
# same class against a broker in its own JVM): the raw read_committed transactional hop; scripted
# responder at N conversations in flight (closed loop): turns/s, turn cycle and hops p50/p99, CPU per
# turn of the stream thread and the workers; a batch requested at once; the fake OpenAI server at
# 500 ms per call at each cap against the ideal turns x 500 ms / cap.
# Usage: bench/conversation-orchestrator.sh [inFlight=1,10,100,1000] [turns=10] [batch=10000] [slowCaps=50,200] [slowTurns=5] [slowConversationsPerCap=4]
# Always wrap it in the shared build lock: flock /tmp/ams-build.lock bench/conversation-orchestrator.sh ...
set -euo pipefail
cd "$(dirname "$0")/.."
export MAVEN_OPTS="${MAVEN_OPTS:--Xmx2g}"
./mvnw -q -B -pl conversation-orchestrator test-compile exec:java -Dexec.classpathScope=test \
  -Dexec.mainClass=ams.conversations.bench.ConversationBench \
  -Dexec.args="${1:-1,10,100,1000} ${2:-10} ${3:-10000} ${4:-50,200} ${5:-5} ${6:-4}"
