package ams.events.serde;

import ams.events.DeadLetter;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.job.JobEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;

/**
 * The Serde of each topic's value type. New instances each call: Serdes hold no mutable shared
 * state.
 */
public final class EventSerdes {

    private EventSerdes() {}

    public static SingleObjectSerde<AgentEvent> agentEvents() {
        return new SingleObjectSerde<>(AgentEvent.class);
    }

    public static SingleObjectSerde<ConversationEvent> conversationEvents() {
        return new SingleObjectSerde<>(ConversationEvent.class);
    }

    public static SingleObjectSerde<JobEvent> jobEvents() {
        return new SingleObjectSerde<>(JobEvent.class);
    }

    public static SingleObjectSerde<KnowledgeEvent> knowledgeEvents() {
        return new SingleObjectSerde<>(KnowledgeEvent.class);
    }

    public static SingleObjectSerde<MediaEvent> mediaEvents() {
        return new SingleObjectSerde<>(MediaEvent.class);
    }

    public static SingleObjectSerde<DeadLetter> deadLetters() {
        return new SingleObjectSerde<>(DeadLetter.class);
    }
}
