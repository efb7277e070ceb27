package ams.app.cli;

import ams.app.client.RestClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/**
 * {@code --wait}: after an accepted write (202), wait for its fate ({@code GET /events/{id}}) and
 * say it, so a script learns that a write it sent was refused (exit 1) instead of finding a dead
 * letter later.
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
        long deadline = System.nanoTime() + seconds * 1_000_000_000L;
        long pauseMs = 20;
        while (true) {
            try {
                JsonNode fate = client.get("/events/" + RestClient.encode(eventId));
                if ("applied".equals(fate.path("status").asText())) {
                    out.printf(
                            "Applied: agent %s at version %d%n",
                            fate.path("agent_id").asText(), fate.path("version").asLong());
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
}
