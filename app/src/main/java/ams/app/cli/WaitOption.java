package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/**
 * {@code --wait}: after an accepted write (202), wait for its fate ({@code GET /events/{id}}) and
 * say it, so a script learns that a write it sent was refused (exit 1) instead of finding a dead
 * letter later. Agent, knowledge and conversation writes alike: the answer says which it was.
 */
final class WaitOption {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Option(
            names = "--wait",
            arity = "0..1",
            fallbackValue = "30",
            paramLabel = "SECONDS",
            description =
                    "Wait (default 30 s when given without a value) until the write is applied or"
                            + " rejected, and exit 1 if it was rejected or not settled in time.")
    Integer seconds;

    /**
     * Prints an accepted write's answer and, with {@code --wait}, its fate; returns the exit code:
     * 0 without {@code --wait} or once applied, 1 when rejected or not settled in time. With {@code
     * --json} the output stays one JSON document: the answer with its fate under {@code "fate"}
     * (what {@code GET /events/{id}} answered, or {@code {"status": "unsettled"}}), printed once
     * the wait is over.
     */
    int printAndSettle(
            ApiOptions api, PrintWriter out, JsonNode accepted, Consumer<JsonNode> human) {
        if (seconds == null) {
            api.print(out, accepted, human);
            return 0;
        }
        if (!api.json()) {
            human.accept(accepted);
            return settle(api.client(), accepted, out);
        }
        String eventId = accepted.path("event_id").asText("");
        Outcome outcome =
                eventId.isEmpty()
                        ? Outcome.unsettled("The answer carries no event id to wait for")
                        : await(api.client(), eventId, seconds);
        ObjectNode withFate =
                accepted.isObject()
                        ? ((ObjectNode) accepted).deepCopy()
                        : JSON.createObjectNode().set("answer", accepted);
        withFate.set("fate", outcome.fate());
        api.print(out, withFate, human);
        return outcome.applied() ? 0 : 1;
    }

    /** As {@link #printAndSettle}, for an answer already printed in words. */
    int settle(RestClient client, JsonNode accepted, PrintWriter out) {
        if (seconds == null) {
            return 0;
        }
        String eventId = accepted.path("event_id").asText("");
        if (eventId.isEmpty()) {
            out.println("The answer carries no event id to wait for");
            return 1;
        }
        return settle(client, eventId, seconds, out);
    }

    /**
     * Waits up to {@code seconds} for the fate of {@code eventId} and says it: 0 once applied, 1
     * when rejected or not settled in time.
     */
    static int settle(RestClient client, String eventId, long seconds, PrintWriter out) {
        Outcome outcome = await(client, eventId, seconds);
        out.println(outcome.text());
        return outcome.applied() ? 0 : 1;
    }

    /** A write's fate: as the API answered it (or unsettled), whether applied, and in words. */
    record Outcome(JsonNode fate, boolean applied, String text) {

        static Outcome unsettled(String text) {
            ObjectNode fate = JSON.createObjectNode();
            fate.put("status", "unsettled");
            fate.put("detail", text);
            return new Outcome(fate, false, text);
        }
    }

    /** Polls {@code GET /events/{id}} until the write is applied or rejected, or time is up. */
    static Outcome await(RestClient client, String eventId, long seconds) {
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long pauseMs = 20;
        while (true) {
            try {
                JsonNode fate = client.get("/events/" + RestClient.encode(eventId));
                if ("applied".equals(fate.path("status").asText())) {
                    return new Outcome(fate, true, "Applied: " + applied(fate));
                }
                return new Outcome(
                        fate,
                        false,
                        String.format(
                                "Rejected (%s): %s",
                                fate.path("reason").asText(), fate.path("detail").asText()));
            } catch (RestClient.ApiException e) {
                if (e.status() != 404 && !e.retriable()) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                return Outcome.unsettled(
                        String.format(
                                "Event %s not applied or rejected after %d s: the processor may be"
                                        + " behind; ask again with GET /events/%s",
                                eventId, seconds, eventId));
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Outcome.unsettled("Interrupted while waiting for event " + eventId);
            }
            pauseMs = Math.min(pauseMs * 2, 500);
        }
    }

    /** What an applied write did, in words. */
    static String applied(JsonNode fate) {
        String agent = fate.path("agent_id").asText();
        String document = fate.path("document_id").asText();
        return switch (fate.path("kind").asText()) {
            case "knowledge" ->
                    switch (fate.path("operation").asText()) {
                        case "indexed" ->
                                String.format(
                                        "document %s of agent %s indexed (%d chunks)",
                                        document, agent, fate.path("chunks").asInt());
                        case "removed" ->
                                String.format("document %s removed from agent %s", document, agent);
                        default ->
                                String.format(
                                        "agent %s had no document %s: nothing removed",
                                        agent, document);
                    };
            case "conversation" ->
                    String.format(
                            "conversation %s is %s%s",
                            fate.path("conversation_id").asText(),
                            fate.path("conversation_status").asText(),
                            fate.path("changed").asBoolean(true) ? "" : " (nothing changed)");
            default ->
                    String.format("agent %s at version %d", agent, fate.path("version").asLong());
        };
    }
}
