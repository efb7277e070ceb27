package ams.app.chaos;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * What users do during the run, through {@code ams api} like any client: create agents with
 * knowledge, then request the conversations. A request that meets a dead or restarting process
 * (connection refused, 5xx) is retried; every conversation id is chosen here, so a generate whose
 * answer was lost is simply sent again: the API answers the same request 202 and starts it once.
 */
final class Workload {

    /**
     * The conversations requested: ids of all, and of those whose first speaker's provider always
     * fails.
     */
    record Requested(List<String> all, List<String> doomed, int retries) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final String api;
    private final String run;
    private final ChaosSizes sizes;
    private final Random random;
    private final List<String> agents = new ArrayList<>();
    private String doomedAgent;
    private int retries;

    Workload(String api, String run, ChaosSizes sizes) {
        this.api = api;
        this.run = run;
        this.sizes = sizes;
        this.random = new Random(sizes.seed());
    }

    /**
     * A pool of agents, each with two knowledge documents, and one doomed agent when some
     * conversations must fail.
     */
    void createAgents(Duration timeout) throws InterruptedException {
        int pool = Math.max(sizes.agentsPerConversation() * 4, 12);
        for (int i = 0; i < pool; i++) {
            agents.add(
                    createAgent(
                            "agent-" + run + "-" + i,
                            "Agent" + i,
                            "You are Agent" + i + ", curious and precise.",
                            timeout));
        }
        if (sizes.failingConversations() > 0) {
            doomedAgent =
                    createAgent(
                            "doomed-" + run,
                            "Doomed",
                            "You are Doomed. " + FlakyLlm.DOOMED,
                            timeout);
        }
        List<String> all = new ArrayList<>(agents);
        if (doomedAgent != null) {
            all.add(doomedAgent);
        }
        for (String agent : all) {
            for (int d = 0; d < 2; d++) {
                ObjectNode doc = JSON.createObjectNode();
                doc.put("document_id", "doc-" + d);
                doc.put("title", "Fact " + d + " of " + agent);
                doc.put(
                        "content",
                        "Fact "
                                + d
                                + ": "
                                + agent
                                + " knows that chaos engineering kills processes on purpose"
                                + (d == 0
                                        ? " to prove nothing is lost."
                                        : " and restarts them to prove recovery."));
                post("/agents/" + agent + "/knowledge", doc, timeout);
            }
        }
        for (String agent : all) {
            awaitStatus("/agents/" + agent, 200, timeout);
        }
    }

    private String createAgent(String id, String name, String system, Duration timeout)
            throws InterruptedException {
        ObjectNode body = JSON.createObjectNode();
        body.put("agent_id", id);
        body.put("agent_name", name);
        body.put("description", "chaos run agent");
        ObjectNode config = body.putObject("config");
        config.put("agent_id", id);
        config.putObject("model_config");
        ObjectNode prompts = config.putObject("prompt_config");
        prompts.put("userInput", "");
        prompts.putObject("agent")
                .put("llmSystem", system)
                .put("llmBooster", "")
                .put("visionSystem", "")
                .put("visionBooster", "");
        prompts.put("primeDirective", "Keep the conversation going.");
        config.putObject("command_flags")
                .put("LLM_SYSTEM_PROMPT_FLAG", true)
                .put("LLM_BOOSTER_PROMPT_FLAG", false);
        config.putObject("databases");
        config.putObject("database_config");
        post("/agents", body, timeout);
        return id;
    }

    /**
     * Requests every conversation; the first {@code failingConversations} start with the doomed
     * agent.
     */
    Requested requestConversations(Duration timeout) throws InterruptedException {
        List<String> ids = new ArrayList<>();
        List<String> doomed = new ArrayList<>();
        for (int i = 0; i < sizes.conversations(); i++) {
            String id = String.format("chaos-%s-%04d", run, i);
            List<String> shuffled = new ArrayList<>(agents);
            Collections.shuffle(shuffled, random);
            List<String> participants =
                    new ArrayList<>(shuffled.subList(0, sizes.agentsPerConversation()));
            if (i < sizes.failingConversations()) {
                participants.set(0, doomedAgent);
                doomed.add(id);
            }
            ObjectNode body = JSON.createObjectNode();
            body.put("conversation_id", id);
            ArrayNode list = body.putArray("agents");
            participants.forEach(list::add);
            body.put("topic", "Why recovery matters, conversation " + i);
            body.put("num_turns", sizes.turns());
            body.put("speaker_policy", "round_robin");
            post("/conversations/generate", body, timeout);
            ids.add(id);
        }
        return new Requested(ids, doomed, retries);
    }

    private void post(String path, ObjectNode body, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(api + path))
                                        .timeout(Duration.ofSeconds(15))
                                        .header("Content-Type", "application/json")
                                        .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                int status = response.statusCode();
                if (status / 100 == 2) {
                    return;
                }
                last = status + " " + response.body();
                if (status / 100 == 4 && status != 404 && status != 408 && status != 429) {
                    throw new IllegalStateException("POST " + path + " refused: " + last);
                }
            } catch (IOException e) {
                last = e.toString();
            }
            retries++;
            Thread.sleep(300);
        }
        throw new IllegalStateException(
                "POST " + path + " did not get through in " + timeout + ": " + last);
    }

    private void awaitStatus(String path, int expected, Duration timeout)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            try {
                HttpResponse<String> response =
                        HTTP.send(
                                HttpRequest.newBuilder(URI.create(api + path))
                                        .timeout(Duration.ofSeconds(15))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() == expected) {
                    return;
                }
                last = response.statusCode() + " " + response.body();
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(300);
        }
        throw new IllegalStateException(
                "GET " + path + " did not answer " + expected + " in " + timeout + ": " + last);
    }
}
