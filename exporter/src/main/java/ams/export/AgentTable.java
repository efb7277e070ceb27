package ams.export;

import java.util.List;

/**
 * The agent matrix as the agent-processor knows it. The exporter does not fold agent events itself;
 * the {@code app} module implements this port from the agent-processor's query API.
 */
@FunctionalInterface
public interface AgentTable {

    List<AgentRow> agents();
}
