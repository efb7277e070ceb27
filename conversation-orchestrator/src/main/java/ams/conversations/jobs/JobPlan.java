package ams.conversations.jobs;

import ams.events.conversation.ConversationRequested;
import ams.events.job.JobCartesian;
import java.util.List;
import java.util.Set;

/**
 * A validated job, ready to publish: either a cartesian definition (expanded by index when each
 * conversation starts) or the listed conversations.
 *
 * @param listed the conversations of a listed job, in order (empty for a cartesian one)
 * @param agents every agent the job names, sorted, for the directory check
 */
public record JobPlan(
        String jobId,
        String name,
        int concurrency,
        int total,
        JobCartesian cartesian,
        List<ConversationRequested> listed,
        Set<String> agents) {

    public JobPlan {
        listed = List.copyOf(listed);
        // Sorted, so an error naming several of them names them in a stable order.
        agents = java.util.Collections.unmodifiableSortedSet(new java.util.TreeSet<>(agents));
    }
}
