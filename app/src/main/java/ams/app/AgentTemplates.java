package ams.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The original AMS-DB's three agent templates, shipped unchanged inside the app. */
final class AgentTemplates {

    static final List<String> NAMES =
            List.of(
                    "wizard_agent_template.json",
                    "minecraft_agent_template.json",
                    "expert_coder_agent_template.json");

    private AgentTemplates() {}

    static String read(String name) {
        try (InputStream in = AgentTemplates.class.getResourceAsStream("/ams/templates/" + name)) {
            if (in == null) {
                throw new IllegalStateException(
                        "Template " + name + " is missing from the app jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
