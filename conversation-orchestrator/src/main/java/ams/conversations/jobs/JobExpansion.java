package ams.conversations.jobs;

import ams.events.conversation.ConversationRequested;
import ams.events.job.JobCartesian;
import java.util.List;

/**
 * Conversation {@code i} of a cartesian job, computed from the job's small definition when it is
 * started, never listed in full: topic {@code topics[i % T]}, agents {@code agentGroups[(i / T) %
 * G]}, seed {@code template.seed + i} when the template has a seed (so every conversation of the
 * job differs and the same job run again is the same dataset).
 */
public final class JobExpansion {

    private JobExpansion() {}

    public static ConversationRequested conversation(JobCartesian spec, int index) {
        List<String> topics = spec.getTopics();
        List<List<String>> groups = spec.getAgentGroups();
        ConversationRequested template = spec.getTemplate();
        String topic = topics.get(index % topics.size());
        List<String> agents = groups.get((index / topics.size()) % groups.size());
        return ConversationRequested.newBuilder(template)
                .setParticipants(agents)
                .setTopic(topic)
                .setSeed(template.getSeed() == null ? null : template.getSeed() + index)
                .build();
    }
}
