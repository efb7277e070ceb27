package ams.export.dataset;

import ams.events.Envelopes;
import ams.events.GenerationParameters;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.testkit.TestEvents;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/** Builds small logs with controlled event times for the dataset tests. */
final class Logs {

    static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    private final List<ConversationEvent> events = new ArrayList<>();
    private final AgentPrompts prompts = new AgentPrompts();
    private int clock;

    Instant tick() {
        return T0.plusSeconds(clock++);
    }

    Logs agent(String id, String name, String system) {
        prompts.apply(at(TestEvents.agentCreated(id, name)));
        return prompt(id, system);
    }

    Logs prompt(String id, String system) {
        prompts.apply(at(TestEvents.promptSet(id, "llmSystem", system)));
        return this;
    }

    Logs requested(String conversation, String topic, String... participants) {
        return event(TestEvents.conversationRequested(conversation, topic, 10, participants));
    }

    Logs say(String conversation, int turn, String agent, String text) {
        return say(conversation, turn, agent, text, MessageRole.ASSISTANT, "openai");
    }

    Logs human(String conversation, int turn, String human, String text) {
        return say(conversation, turn, human, text, MessageRole.USER, null);
    }

    Logs say(
            String conversation,
            int turn,
            String agent,
            String text,
            MessageRole role,
            String provider) {
        MessageAppended.Builder m =
                MessageAppended.newBuilder()
                        .setTurnNumber(turn)
                        .setMessageId(UUID.randomUUID().toString())
                        .setAgentId(agent)
                        .setRole(role)
                        .setContent(text)
                        .setKnowledgeIds(List.of());
        if (provider != null) {
            m.setModel(provider.equals("scripted") ? "scripted" : "gpt-test")
                    .setGeneration(GenerationParameters.newBuilder().setProvider(provider).build());
        }
        return event(TestEvents.conversationEvent(conversation, m.build()));
    }

    Logs completed(String conversation) {
        return event(TestEvents.completed(conversation, 0));
    }

    Logs failed(String conversation) {
        return event(TestEvents.failed(conversation, "test"));
    }

    Logs event(ConversationEvent e) {
        events.add(
                ConversationEvent.newBuilder(e)
                        .setEnvelope(Envelopes.create("test", tick()))
                        .build());
        return this;
    }

    private AgentEvent at(AgentEvent e) {
        return AgentEvent.newBuilder(e).setEnvelope(Envelopes.create("test", tick())).build();
    }

    AgentPrompts prompts() {
        return prompts;
    }

    List<LogConversation> conversations() {
        ConversationLog log = new ConversationLog();
        events.forEach(log::apply);
        return log.conversations();
    }
}
