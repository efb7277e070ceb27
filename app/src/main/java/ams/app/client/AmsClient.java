package ams.app.client;

import ams.agents.AgentCommands;
import ams.events.InvalidRequestException;
import ams.events.agent.AgentEvent;
import ams.events.conversation.ConversationEvent;
import ams.events.knowledge.KnowledgeEvent;
import ams.events.topics.TopicCatalogue;
import ams.knowledge.KnowledgeCommands;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * The Java client of AMS-DB: publishes typed events straight to Kafka (the log is the API for
 * writes) and asks the running system's REST API for state (the views are the API for reads).
 *
 * <pre>{@code
 * try (AmsClient ams = AmsClient.connect("127.0.0.1:9092", "http://127.0.0.1:8080")) {
 *     ams.createAgent("owl", "Owl", configJson);
 *     ams.awaitAgent("owl", Duration.ofSeconds(30));
 *     String id = ams.generateConversation(List.of("owl", "wizard_agent_001"), "Night flights", 4);
 *     JsonNode done = ams.awaitConversation(id, Duration.ofMinutes(2));
 * }
 * }</pre>
 */
public final class AmsClient implements AutoCloseable {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final EventPublisher publisher;
    private final RestClient rest;
    private final AgentCommands agents = new AgentCommands("java-client");
    private final KnowledgeCommands knowledge = new KnowledgeCommands("java-client");

    private AmsClient(EventPublisher publisher, RestClient rest) {
        this.publisher = publisher;
        this.rest = rest;
    }

    /** Default topic prefix ({@code ams.}), no API token. */
    public static AmsClient connect(String bootstrapServers, String apiBaseUrl) {
        return connect(bootstrapServers, apiBaseUrl, TopicCatalogue.DEFAULT_PREFIX, null);
    }

    public static AmsClient connect(
            String bootstrapServers, String apiBaseUrl, String topicPrefix, String apiToken) {
        TopicCatalogue topics =
                new TopicCatalogue(topicPrefix, TopicCatalogue.DEFAULT_PARTITIONS, (short) 1);
        return new AmsClient(
                new EventPublisher(bootstrapServers, topics), new RestClient(apiBaseUrl, apiToken));
    }

    // --- writes: typed events into the log ---------------------------------------------------

    public void publish(AgentEvent event) {
        publisher.publish(event);
    }

    public void publish(ConversationEvent event) {
        publisher.publish(event);
    }

    public void publish(KnowledgeEvent event) {
        publisher.publish(event);
    }

    /** Publishes AgentCreated; {@code configJson} is an original AMS-DB agent config document. */
    public String createAgent(String agentId, String name, String configJson) {
        AgentEvent event = agents.create(agentId, name, "", List.of(), readObject(configJson));
        publisher.publish(event);
        return event.getEnvelope().getEventId().toString();
    }

    /**
     * The agent as one portable JSON document (row, config, knowledge references), as {@code GET
     * /agents/{id}/export} answers it; write it to a file to move the agent to another system.
     */
    public JsonNode exportAgent(String agentId) {
        return rest.get("/agents/" + RestClient.encode(agentId) + "/export");
    }

    /**
     * Recreates an exported agent ({@link #exportAgent}) through {@code POST /agents/import};
     * answers the agent id and the ids of the events published.
     */
    public JsonNode importAgent(JsonNode export) {
        return rest.post("/agents/import", export);
    }

    public String updateAgentConfig(String agentId, String mergePatchJson) {
        AgentEvent event = agents.changeConfig(agentId, readObject(mergePatchJson));
        publisher.publish(event);
        return event.getEnvelope().getEventId().toString();
    }

    public String addKnowledge(String agentId, String documentId, String title, String content) {
        KnowledgeEvent event =
                knowledge.add(
                        agentId,
                        documentId,
                        title,
                        content,
                        "text",
                        "java-client",
                        List.of(),
                        "{}");
        publisher.publish(event);
        return event.getEnvelope().getEventId().toString();
    }

    /**
     * Asks the system to generate a conversation; returns its id. The id is chosen here, so a
     * request whose answer was lost is sent again safely: the system starts the conversation once.
     */
    public String generateConversation(List<String> agentIds, String topic, int turns) {
        return generateConversation(agentIds, topic, turns, null);
    }

    /**
     * Like {@link #generateConversation(List, String, int)}, ending earlier when {@code until} (a
     * termination expression such as {@code stop_phrase("DONE") & min_turns(4)}) holds after a
     * turn; null for none.
     */
    public String generateConversation(
            List<String> agentIds, String topic, int turns, String until) {
        ObjectNode body = JSON.createObjectNode();
        body.put("conversation_id", UUID.randomUUID().toString());
        body.set("agents", JSON.valueToTree(agentIds));
        body.put("topic", topic);
        body.put("num_turns", turns);
        if (until != null) {
            body.put("termination", until);
        }
        return rest.postIdempotent("/conversations/generate", body)
                .path("conversation_id")
                .asText();
    }

    /**
     * Starts a chat in which the person {@code person} takes turns with the agents (request field
     * {@code human_turns}): the speaker policy (round robin) runs over the person first, then the
     * agents, and the conversation waits at the person's turns for {@link #sendMessage}; {@code GET
     * /conversations/{id}} says {@code awaiting_human}. A turn the person leaves unanswered for
     * {@code timeout} is skipped ({@code skipOnTimeout}) or ends the conversation (reason {@code
     * human_timeout: <person>}). Returns the conversation id (chosen here, so a retry is safe).
     */
    public String startChat(
            List<String> agentIds,
            String topic,
            int turns,
            String person,
            Duration timeout,
            boolean skipOnTimeout) {
        ObjectNode body = JSON.createObjectNode();
        body.put("conversation_id", UUID.randomUUID().toString());
        body.set("agents", JSON.valueToTree(agentIds));
        body.put("topic", topic);
        body.put("num_turns", turns);
        body.set("human_participants", JSON.valueToTree(List.of(person)));
        body.putObject("human_turns")
                .put("timeout_ms", timeout.toMillis())
                .put("on_timeout", skipOnTimeout ? "skip" : "end");
        return rest.postIdempotent("/conversations/generate", body)
                .path("conversation_id")
                .asText();
    }

    /**
     * A person's message into a conversation ({@code POST /conversations/{id}/messages}): their
     * turn when the conversation awaits them ({@code awaiting_human}), otherwise an interjection
     * that the next prompt shows. Returns the message id.
     */
    public String sendMessage(String conversationId, String author, String content) {
        ObjectNode body = JSON.createObjectNode().put("author", author).put("content", content);
        return rest.post("/conversations/" + RestClient.encode(conversationId) + "/messages", body)
                .path("message_id")
                .asText();
    }

    // --- media by reference ------------------------------------------------------------------

    /**
     * Uploads a file to the media store ({@code POST /media}); answers {@code sha256}, {@code
     * content_type}, {@code size_bytes} and {@code url}. The server reads the type from the bytes;
     * the same bytes twice are one object.
     */
    public JsonNode addMedia(java.nio.file.Path file) {
        java.nio.file.Path name = file.getFileName();
        return rest.postFile(
                "/media?uploaded_by=java-client"
                        + (name == null ? "" : "&file_name=" + RestClient.encode(name.toString())),
                file,
                "application/octet-stream");
    }

    /** What the media store holds under {@code sha256} ({@code GET /media/{sha256}/info}). */
    public JsonNode mediaInfo(String sha256) {
        return rest.get("/media/" + RestClient.encode(sha256) + "/info");
    }

    /**
     * A person's message into a conversation, carrying the media objects named by their hashes
     * (from {@link #addMedia}); returns the message id.
     */
    public String sendMessage(
            String conversationId, String author, String content, List<String> mediaHashes) {
        ObjectNode body = JSON.createObjectNode();
        body.put("author", author);
        body.put("content", content);
        body.set("media", JSON.valueToTree(mediaHashes));
        return rest.post("/conversations/" + RestClient.encode(conversationId) + "/messages", body)
                .path("message_id")
                .asText();
    }

    /** Uploads each image, then sends the message carrying them; returns the message id. */
    public String sendMessageWithImages(
            String conversationId, String author, String content, List<java.nio.file.Path> images) {
        return sendMessageWithMedia(conversationId, author, content, images);
    }

    /**
     * Uploads each recording (wav, mp3, ogg, webm), then sends the message carrying them; an agent
     * with {@code STT_FLAG} hears their transcripts. Returns the message id.
     */
    public String sendMessageWithAudio(
            String conversationId,
            String author,
            String content,
            List<java.nio.file.Path> recordings) {
        return sendMessageWithMedia(conversationId, author, content, recordings);
    }

    /** Uploads each file (images, audio), then sends the message carrying them. */
    public String sendMessageWithMedia(
            String conversationId, String author, String content, List<java.nio.file.Path> files) {
        List<String> hashes =
                files.stream().map(file -> addMedia(file).path("sha256").asText()).toList();
        return sendMessage(conversationId, author, content, hashes);
    }

    /**
     * Writes a snapshot next to the datasets ({@code POST /export/snapshots}): agents.parquet,
     * knowledge.parquet, the media they and the conversations refer to under {@code media/}, and
     * snapshot.json; answers their paths and the media counts (bundled, present, missing).
     */
    public JsonNode snapshot() {
        return rest.post("/export/snapshots", JSON.createObjectNode());
    }

    // --- batch generation jobs ------------------------------------------------------------------

    /**
     * Submits a job (the body of {@code POST /jobs}: {@code conversations} or {@code cartesian});
     * returns its id. Without a {@code job_id} one is chosen here, so a submission whose answer was
     * lost is sent again safely: the system runs the job once.
     */
    public String submitJob(JsonNode job) {
        ObjectNode body = job.deepCopy();
        if (!body.hasNonNull("job_id")) {
            body.put("job_id", ams.events.JobIds.newJobId());
        }
        return rest.postIdempotent("/jobs", body).path("job_id").asText();
    }

    /** Submits a job file (JSON Lines, YAML or JSON; see {@link JobFiles}). */
    public String submitJob(java.nio.file.Path file) {
        JobFiles.JobFile job = JobFiles.read(file);
        try {
            return submitJob(job.body());
        } catch (RestClient.ApiException e) {
            throw new RestClient.ApiException(e.status(), job.where(file, e.getMessage()));
        }
    }

    /** A job's status: total, done, failed, cancelled, running, pending, turns, rates, ETA. */
    public JsonNode job(String jobId) {
        return rest.get("/jobs/" + RestClient.encode(jobId));
    }

    public JsonNode jobs() {
        return rest.get("/jobs");
    }

    /**
     * Cancels a job: no more conversations start; with {@code cancelRunning} those in flight are
     * cancelled too.
     */
    public JsonNode cancelJob(String jobId, boolean cancelRunning) {
        ObjectNode body = JSON.createObjectNode();
        body.put("cancel_running", cancelRunning);
        return rest.post("/jobs/" + RestClient.encode(jobId) + "/cancel", body);
    }

    /** Waits until the job is COMPLETED or CANCELLED, and returns its status. */
    public JsonNode awaitJob(String jobId, Duration timeout) {
        return poll(
                timeout,
                () -> job(jobId),
                j -> List.of("COMPLETED", "CANCELLED").contains(j.path("status").asText()),
                "job " + jobId);
    }

    // --- reads: the views, over the REST API ---------------------------------------------------

    public JsonNode agent(String agentId) {
        return rest.get("/agents/" + RestClient.encode(agentId));
    }

    public JsonNode agents() {
        return rest.get("/agents");
    }

    public JsonNode searchKnowledge(String agentId, String query, int k) {
        return rest.get(
                "/agents/"
                        + RestClient.encode(agentId)
                        + "/knowledge/search?q="
                        + RestClient.encode(query)
                        + "&k="
                        + k);
    }

    public JsonNode conversation(String conversationId) {
        return rest.get("/conversations/" + RestClient.encode(conversationId));
    }

    /**
     * Resumes a FAILED conversation (or re-requests the pending turn of a stuck RUNNING one) from
     * its last appended turn; answers 409 (an {@link RestClient.ApiException}) for COMPLETED or
     * CANCELLED ones.
     */
    public JsonNode resumeConversation(String conversationId) {
        return rest.post("/conversations/" + RestClient.encode(conversationId) + "/resume", "{}");
    }

    public JsonNode messages(String conversationId) {
        return rest.get("/conversations/" + RestClient.encode(conversationId) + "/messages");
    }

    /**
     * Follows a conversation live: every stored message, the tokens of replies as they are written,
     * status changes and the end ({@code GET /conversations/{id}/stream}). Events reach {@code
     * listener} on a client thread; close the stream to stop. Reconnecting is the caller's job:
     * pass {@link ConversationStream#lastIndex()} as {@code afterIndex}.
     *
     * @param afterIndex the index of the last message already had, -1 for all
     */
    public ConversationStream streamConversation(
            String conversationId, int afterIndex, ConversationStream.Listener listener) {
        return rest.streamConversation(conversationId, afterIndex, listener);
    }

    /**
     * Waits until the agent-processor has applied the agent's creation (views are eventually
     * consistent).
     */
    public JsonNode awaitAgent(String agentId, Duration timeout) {
        return poll(timeout, () -> agent(agentId), a -> true, "agent " + agentId);
    }

    /** Waits until the conversation is COMPLETED, FAILED or CANCELLED, and returns its state. */
    public JsonNode awaitConversation(String conversationId, Duration timeout) {
        return poll(
                timeout,
                () -> conversation(conversationId),
                c ->
                        List.of("COMPLETED", "FAILED", "CANCELLED")
                                .contains(c.path("status").asText()),
                "conversation " + conversationId);
    }

    private static JsonNode poll(
            Duration timeout,
            java.util.function.Supplier<JsonNode> query,
            java.util.function.Predicate<JsonNode> done,
            String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try {
                JsonNode answer = query.get();
                if (done.test(answer)) {
                    return answer;
                }
            } catch (RestClient.ApiException e) {
                if (e.status() != 404 && e.status() != 503) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new RestClient.ApiException(
                        0, "timed out after " + timeout + " waiting for " + what);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new RestClient.ApiException(0, "interrupted");
            }
        }
    }

    private static JsonNode readObject(String json) {
        try {
            return JSON.readTree(json);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new InvalidRequestException("not valid JSON: " + e.getOriginalMessage());
        }
    }

    /** A map view of a JSON answer, for callers who prefer plain Java types. */
    public static Map<String, Object> asMap(JsonNode node) {
        return JSON.convertValue(
                node, new com.fasterxml.jackson.core.type.TypeReference<Map<String, Object>>() {});
    }

    @Override
    public void close() {
        publisher.close();
    }
}
