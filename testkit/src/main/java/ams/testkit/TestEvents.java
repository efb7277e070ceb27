package ams.testkit;

import ams.events.Envelopes;
import ams.events.GenerationParameters;
import ams.events.MediaRef;
import ams.events.TokenUsage;
import ams.events.agent.AgentConfigChanged;
import ams.events.agent.AgentCreated;
import ams.events.agent.AgentDeactivated;
import ams.events.agent.AgentEvent;
import ams.events.agent.AgentFlagSet;
import ams.events.agent.AgentPromptSet;
import ams.events.agent.AgentReactivated;
import ams.events.conversation.ConversationCancelled;
import ams.events.conversation.ConversationCompleted;
import ams.events.conversation.ConversationEvent;
import ams.events.conversation.ConversationFailed;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.events.conversation.TurnSkipped;
import ams.events.job.JobCancelled;
import ams.events.job.JobCartesian;
import ams.events.job.JobEvent;
import ams.events.job.JobSubmitted;
import ams.events.knowledge.DocumentAdded;
import ams.events.knowledge.DocumentRemoved;
import ams.events.knowledge.DocumentUpdated;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.media.MediaEvent;
import ams.events.media.MediaStored;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

/** Builders of valid events with sensible defaults, so a test states only what it is about. */
public final class TestEvents {

    public static final String SOURCE = "test";

    private TestEvents() {}

    /** The smallest configuration document in the original AMS-DB's shape. */
    public static String minimalConfig(String agentId) {
        return """
                {"agent_id":"%s","model_config":{},"prompt_config":{"userInput":"","agent":{"llmSystem":"You are %s.",\
                "llmBooster":"","visionSystem":"","visionBooster":""},"primeDirective":"Help."},\
                "command_flags":{"LLM_SYSTEM_PROMPT_FLAG":true,"LLM_BOOSTER_PROMPT_FLAG":false},"databases":{},\
                "database_config":{}}"""
                .formatted(agentId, agentId);
    }

    // --- agent-events -------------------------------------------------------------------------

    public static AgentEvent agentCreated(String agentId, String name) {
        return agentCreated(agentId, name, minimalConfig(agentId));
    }

    public static AgentEvent agentCreated(String agentId, String name, String configJson) {
        return agentEvent(
                agentId,
                AgentCreated.newBuilder()
                        .setAgentName(name)
                        .setDescription("Agent " + name)
                        .setTags(List.of("test"))
                        .setConfigJson(configJson)
                        .setActive(true)
                        .build());
    }

    public static AgentEvent configChanged(String agentId, String mergePatchJson) {
        return agentEvent(
                agentId, AgentConfigChanged.newBuilder().setMergePatchJson(mergePatchJson).build());
    }

    public static AgentEvent promptSet(String agentId, String promptType, String text) {
        return agentEvent(
                agentId,
                AgentPromptSet.newBuilder().setPromptType(promptType).setText(text).build());
    }

    /**
     * {@code value} may be a Boolean (valid) or a String, Long or Double (rejected by the
     * processor).
     */
    public static AgentEvent flagSet(String agentId, String flag, Object value) {
        return agentEvent(agentId, AgentFlagSet.newBuilder().setFlag(flag).setValue(value).build());
    }

    public static AgentEvent deactivated(String agentId) {
        return agentEvent(agentId, AgentDeactivated.newBuilder().setReason("test").build());
    }

    public static AgentEvent reactivated(String agentId) {
        return agentEvent(agentId, AgentReactivated.newBuilder().setReason("test").build());
    }

    public static AgentEvent agentEvent(String agentId, Object payload) {
        return AgentEvent.newBuilder()
                .setEnvelope(Envelopes.create(SOURCE))
                .setAgentId(agentId)
                .setPayload(payload)
                .build();
    }

    // --- conversation-events ------------------------------------------------------------------

    public static ConversationEvent conversationRequested(
            String conversationId, String topic, int maxTurns, String... participants) {
        return conversationEvent(
                conversationId,
                ConversationRequested.newBuilder()
                        .setParticipants(List.of(participants))
                        .setTopic(topic)
                        .setMaxTurns(maxTurns)
                        .setSpeakerPolicy(SpeakerPolicy.ROUND_ROBIN)
                        .setGeneration(
                                GenerationParameters.newBuilder().setProvider("scripted").build())
                        .setSeed(42L)
                        .setTermination(Termination.newBuilder().build())
                        .build());
    }

    public static ConversationEvent turnRequested(String conversationId, int turn, String speaker) {
        return conversationEvent(
                conversationId,
                TurnRequested.newBuilder().setTurnNumber(turn).setSpeakerAgentId(speaker).build());
    }

    public static ConversationEvent messageAppended(
            String conversationId, int turn, String agentId, String content) {
        return conversationEvent(
                conversationId,
                MessageAppended.newBuilder()
                        .setTurnNumber(turn)
                        .setMessageId(UUID.randomUUID().toString())
                        .setAgentId(agentId)
                        .setRole(MessageRole.ASSISTANT)
                        .setContent(content)
                        .setModel("scripted")
                        .setUsage(
                                TokenUsage.newBuilder()
                                        .setPromptTokens(10)
                                        .setCompletionTokens(5)
                                        .setTotalTokens(15)
                                        .setEstimated(true)
                                        .build())
                        .setLatencyMillis(1L)
                        .setKnowledgeIds(List.of())
                        .build());
    }

    /** A person's message (role USER) as {@code POST /conversations/{id}/messages} publishes it. */
    public static ConversationEvent humanMessage(
            String conversationId, int turn, String author, String content) {
        return conversationEvent(
                conversationId,
                MessageAppended.newBuilder()
                        .setTurnNumber(turn)
                        .setMessageId(UUID.randomUUID().toString())
                        .setAgentId(author)
                        .setRole(MessageRole.USER)
                        .setContent(content)
                        .setKnowledgeIds(List.of())
                        .build());
    }

    public static ConversationEvent turnSkipped(
            String conversationId, int turn, String speaker, String reason) {
        return conversationEvent(
                conversationId,
                TurnSkipped.newBuilder()
                        .setTurnNumber(turn)
                        .setSpeakerAgentId(speaker)
                        .setReason(reason)
                        .build());
    }

    public static ConversationEvent turnFailed(
            String conversationId, int turn, String speaker, int attempt, String reason) {
        return conversationEvent(
                conversationId,
                TurnFailed.newBuilder()
                        .setTurnNumber(turn)
                        .setSpeakerAgentId(speaker)
                        .setAttempt(attempt)
                        .setReason(reason)
                        .setRetriable(true)
                        .build());
    }

    public static ConversationEvent completed(String conversationId, int turns) {
        return conversationEvent(
                conversationId,
                ConversationCompleted.newBuilder().setTurnsCompleted(turns).build());
    }

    public static ConversationEvent failed(String conversationId, String reason) {
        return conversationEvent(
                conversationId, ConversationFailed.newBuilder().setReason(reason).build());
    }

    public static ConversationEvent cancelled(String conversationId) {
        return conversationEvent(
                conversationId, ConversationCancelled.newBuilder().setReason("test").build());
    }

    public static ConversationEvent conversationEvent(String conversationId, Object payload) {
        return ConversationEvent.newBuilder()
                .setEnvelope(Envelopes.create(SOURCE))
                .setConversationId(conversationId)
                .setPayload(payload)
                .build();
    }

    // --- job-events ---------------------------------------------------------------------------

    /**
     * A cartesian job: {@code total} conversations over the topics with one group of agents, two
     * turns each, scripted.
     */
    public static JobEvent jobSubmitted(
            String jobId, int total, int concurrency, List<String> topics, String... agents) {
        ConversationRequested template =
                (ConversationRequested)
                        conversationRequested(jobId, topics.get(0), 2, agents).getPayload();
        return jobEvent(
                jobId,
                JobSubmitted.newBuilder()
                        .setTotal(total)
                        .setConcurrency(concurrency)
                        .setCartesian(
                                JobCartesian.newBuilder()
                                        .setTopics(topics)
                                        .setAgentGroups(List.of(List.of(agents)))
                                        .setTemplate(template)
                                        .build())
                        .build());
    }

    public static JobEvent jobCancelled(String jobId, boolean cancelRunning) {
        return jobEvent(
                jobId,
                JobCancelled.newBuilder()
                        .setReason("test")
                        .setCancelRunning(cancelRunning)
                        .build());
    }

    public static JobEvent jobEvent(String jobId, Object payload) {
        return JobEvent.newBuilder()
                .setEnvelope(Envelopes.create(SOURCE))
                .setJobId(jobId)
                .setPayload(payload)
                .build();
    }

    // --- media-events -------------------------------------------------------------------------

    /** A media object as {@code POST /media} records it (the bytes stay in the media store). */
    public static MediaEvent mediaStored(
            String sha256, String contentType, long sizeBytes, String fileName) {
        return MediaEvent.newBuilder()
                .setEnvelope(Envelopes.create(SOURCE))
                .setSha256(sha256)
                .setPayload(
                        MediaStored.newBuilder()
                                .setMedia(
                                        MediaRef.newBuilder()
                                                .setSha256(sha256)
                                                .setContentType(contentType)
                                                .setSizeBytes(sizeBytes)
                                                .build())
                                .setUploadedBy("test")
                                .setFileName(fileName)
                                .build())
                .build();
    }

    // --- knowledge-events ---------------------------------------------------------------------

    public static KnowledgeEvent documentAdded(
            String agentId, String documentId, String title, String content) {
        return knowledgeEvent(
                agentId,
                DocumentAdded.newBuilder()
                        .setKbId("kb-" + agentId)
                        .setDocumentId(documentId)
                        .setTitle(title)
                        .setContent(content)
                        .setSource("test")
                        .setTags(List.of("test"))
                        .setCreatedAt(Instant.now())
                        .build());
    }

    public static KnowledgeEvent documentUpdated(
            String agentId, String documentId, String title, String content) {
        return knowledgeEvent(
                agentId,
                DocumentUpdated.newBuilder()
                        .setKbId("kb-" + agentId)
                        .setDocumentId(documentId)
                        .setTitle(title)
                        .setContent(content)
                        .setSource("test")
                        .setTags(List.of("test"))
                        .build());
    }

    public static KnowledgeEvent documentRemoved(String agentId, String documentId) {
        return knowledgeEvent(
                agentId, DocumentRemoved.newBuilder().setDocumentId(documentId).build());
    }

    public static KnowledgeEvent knowledgeEvent(String agentId, Object payload) {
        return KnowledgeEvent.newBuilder()
                .setEnvelope(Envelopes.create(SOURCE))
                .setAgentId(agentId)
                .setPayload(payload)
                .build();
    }

    // --- one of each --------------------------------------------------------------------------

    public static List<AgentEvent> everyAgentEventType(String agentId) {
        return List.of(
                agentCreated(agentId, "Agent"),
                configChanged(agentId, "{\"description\":\"x\"}"),
                promptSet(agentId, "llmSystem", "Be brief."),
                flagSet(agentId, "TTS_FLAG", true),
                deactivated(agentId),
                reactivated(agentId));
    }

    public static List<ConversationEvent> everyConversationEventType(String conversationId) {
        return List.of(
                conversationRequested(conversationId, "topic", 2, "a", "b"),
                turnRequested(conversationId, 0, "a"),
                messageAppended(conversationId, 0, "a", "hello"),
                turnFailed(conversationId, 1, "b", 1, "timeout"),
                completed(conversationId, 2),
                failed(conversationId, "gave up"),
                cancelled(conversationId),
                turnSkipped(conversationId, 1, "alice", "human_timeout: alice"));
    }

    public static List<KnowledgeEvent> everyKnowledgeEventType(String agentId) {
        return List.of(
                documentAdded(agentId, "d1", "Title", "Content"),
                documentUpdated(agentId, "d1", "Title 2", "More"),
                documentRemoved(agentId, "d1"));
    }
}
