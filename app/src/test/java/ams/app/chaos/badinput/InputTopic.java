package ams.app.chaos.badinput;

import ams.events.serde.EventSerdes;
import ams.events.serde.SingleObjectSerde;
import ams.events.topics.TopicCatalogue;
import ams.testkit.TestEvents;
import java.util.List;
import java.util.function.Function;
import org.apache.avro.specific.SpecificRecordBase;

/**
 * The three input topics bad records go to, each with its serde and a supply of valid events to
 * spoil: the bad records are made from real events so that they look as close to right as possible.
 */
enum InputTopic {
    AGENT_EVENTS(
            c -> c.agentEvents().name(),
            EventSerdes.agentEvents(),
            id -> TestEvents.everyAgentEventType(id)),
    KNOWLEDGE_EVENTS(
            c -> c.knowledgeEvents().name(),
            EventSerdes.knowledgeEvents(),
            id -> TestEvents.everyKnowledgeEventType(id)),
    CONVERSATION_EVENTS(
            c -> c.conversationEvents().name(),
            EventSerdes.conversationEvents(),
            id -> TestEvents.everyConversationEventType(id));

    private final Function<TopicCatalogue, String> name;
    private final SingleObjectSerde<? extends SpecificRecordBase> serde;
    private final Function<String, List<? extends SpecificRecordBase>> validEvents;

    <T extends SpecificRecordBase> InputTopic(
            Function<TopicCatalogue, String> name,
            SingleObjectSerde<T> serde,
            Function<String, List<T>> validEvents) {
        this.name = name;
        this.serde = serde;
        this.validEvents = validEvents::apply;
    }

    String name(TopicCatalogue catalogue) {
        return name.apply(catalogue);
    }

    /**
     * One valid event of every type of this topic, all about {@code id} (an agentId or
     * conversationId).
     */
    List<? extends SpecificRecordBase> validEvents(String id) {
        return validEvents.apply(id);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    byte[] encode(SpecificRecordBase event) {
        return ((SingleObjectSerde) serde).encode(event);
    }

    /** True when this topic's serde reads the bytes as an event (then they are not undecodable). */
    boolean decodes(byte[] value) {
        try {
            serde.decode(value);
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }
}
