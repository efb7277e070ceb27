package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --wait}: after an accepted write (202), wait for its fate ({@code GET /events/{id}}) and
 * say it, so a script learns that a write it sent was refused (exit 1) instead of finding a dead
 * letter later. Agent, knowledge and conversation writes alike: the answer says which it was.
 */
final class WaitOption {

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
     * Exit code of the command: 0 without {@code --wait}, or once applied; 1 when rejected or not
     * settled in time.
     */
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
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long pauseMs = 20;
        while (true) {
            try {
                JsonNode fate = client.get("/events/" + RestClient.encode(eventId));
                if ("applied".equals(fate.path("status").asText())) {
                    out.println("Applied: " + applied(fate));
                    return 0;
                }
                out.printf(
                        "Rejected (%s): %s%n",
                        fate.path("reason").asText(), fate.path("detail").asText());
                return 1;
            } catch (RestClient.ApiException e) {
                if (e.status() != 404 && !e.retriable()) {
                    throw e;
                }
            }
            if (System.nanoTime() > deadline) {
                out.printf(
                        "Event %s not applied or rejected after %d s: the processor may be behind;"
                                + " ask again with GET /events/%s%n",
                        eventId, seconds, eventId);
                return 1;
            }
            try {
                Thread.sleep(pauseMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 1;
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
