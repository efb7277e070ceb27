package ams.export.dataset;

import ams.events.JobIds;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationRequested;
import java.util.HashSet;
import java.util.Set;

/**
 * Keeps the events of one job's conversations: those whose ConversationRequested the job driver
 * published (conversation id {@code <jobId>-<index>} and correlationId {@code jobId}). A client's
 * own conversation whose id merely looks like a job's is left out. Events of a conversation follow
 * its request on the same partition, so one pass over the log is enough.
 */
public final class JobFilter {

    private final String jobId;
    private final Set<String> members = new HashSet<>();

    public JobFilter(String jobId) {
        this.jobId = JobIds.require(jobId);
    }

    public boolean accept(ConversationEvent event) {
        String id = event.getConversationId();
        if (event.getPayload() instanceof ConversationRequested
                && jobId.equals(event.getEnvelope().getCorrelationId())
                && JobIds.parse(id).map(j -> j.jobId().equals(jobId)).orElse(false)) {
            members.add(id);
        }
        return members.contains(id);
    }

    public int conversations() {
        return members.size();
    }
}
