package ams.app.examples;

import ams.app.client.AmsClient;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.List;

/**
 * Runnable example of the Java client against a running system ({@code ams up}): {@code java -cp
 * "app/target/ams-app-0.1.0-SNAPSHOT.jar:app/target/lib/*" ams.app.examples.QuickStart [bootstrap]
 * [api]}. Creates an agent, gives it knowledge, has it talk with the original wizard, prints the
 * result.
 */
public final class QuickStart {

    private QuickStart() {}

    public static void main(String[] args) {
        String bootstrap = args.length > 0 ? args[0] : "127.0.0.1:9092";
        String api = args.length > 1 ? args[1] : "http://127.0.0.1:8080";
        String config =
                """
                {"agent_id":"owl","prompt_config":{"agent":{"llmSystem":"You are a wise owl who speaks briefly."},
                 "primeDirective":"Share what you know about the night."},"command_flags":{"LLM_SYSTEM_PROMPT_FLAG":true}}""";
        try (AmsClient ams = AmsClient.connect(bootstrap, api)) {
            ams.createAgent("owl", "Owl", config);
            ams.addKnowledge(
                    "owl",
                    "owl-night",
                    "Night flight",
                    "Owls fly silently thanks to the soft fringes of their feathers.");
            ams.awaitAgent("owl", Duration.ofSeconds(30));
            String id =
                    ams.generateConversation(
                            List.of("owl", "wizard_agent_001"), "How to move silently", 4);
            JsonNode state = ams.awaitConversation(id, Duration.ofMinutes(2));
            System.out.println("Conversation " + id + ": " + state.path("status").asText());
            for (JsonNode message : ams.messages(id).path("messages")) {
                System.out.println(
                        message.path("agent_id").asText()
                                + ": "
                                + message.path("content").asText());
            }
        }
    }
}
