package ams.conversations.llm;

import ams.conversations.AgentProfile;
import ams.events.GenerationParameters;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Which models may write an agent's turn, in the order they are tried. The agent's own settings
 * come from its config's {@code model_config.largeLanguageModel} (the original's shape):
 *
 * <pre>{"names": ["llama3.1:70b", "qwen2.5:32b"], "instances": ["primary", "backup"],
 *  "model_config_template": {"temperature": 0.7, "max_tokens": 4096, "top_p": 0.9}}</pre>
 *
 * {@code instances[i]} is served by model {@code names[i]} (else the endpoint's own model). An
 * instance is the name of an endpoint this process configures ({@link ModelEndpoints}; a name it
 * does not configure means the primary endpoint's server, as in the original, where the instances
 * were slots of one local model server), or an object {@code {"provider", "base_url", "model"}} for
 * agents on another server. No instances: the primary endpoint alone. Empty lists (the seed
 * templates) mean the process's defaults.
 *
 * <p>What the generate request sets wins: a provider or model in the request replaces the agent's
 * candidates with that one model, and its temperature, top_p and max_tokens replace the template's.
 */
public final class AgentModels {

    /** Where a turn's model came from, for its provenance. */
    public enum Source {
        /** The speaking agent's {@code model_config}. */
        AGENT,
        /** The generate request's provider or model. */
        REQUEST,
        /** Neither says: the process's primary endpoint. */
        PROCESS
    }

    /**
     * One model that may write the turn: its instance label ({@code primary}, {@code backup}, ...),
     * where it runs, and the generation settings it is called with.
     */
    public record Candidate(
            String instance,
            ModelEndpoint endpoint,
            GenerationParameters settings,
            Source source) {}

    /** An agent config whose model settings cannot be used; the message names the field. */
    public static final class ModelConfigException extends IllegalArgumentException {
        private static final long serialVersionUID = 1L;

        ModelConfigException(String message) {
            super(message);
        }
    }

    private final ModelEndpoints endpoints;

    public AgentModels(ModelEndpoints endpoints) {
        this.endpoints = endpoints;
    }

    /** The candidates for a turn of {@code agent}, first choice first; never empty. */
    public List<Candidate> candidates(AgentProfile agent, GenerationParameters request) {
        GenerationParameters asked =
                request == null ? GenerationParameters.newBuilder().build() : request;
        JsonNode llm = agent.config().path("model_config").path("largeLanguageModel");
        String where = "agent '" + agent.agentId() + "' model_config.largeLanguageModel";
        GenerationParameters template = template(llm.path("model_config_template"), where);
        if (!blank(asked.getProvider()) || !blank(asked.getModel())) {
            ModelEndpoint endpoint =
                    endpoints.forProvider(asked.getProvider()).withModel(asked.getModel());
            return List.of(
                    new Candidate(
                            "request",
                            endpoint,
                            settings(endpoint, asked, template),
                            Source.REQUEST));
        }
        List<JsonNode> instances = list(llm.path("instances"), where + ".instances");
        List<JsonNode> names = list(llm.path("names"), where + ".names");
        List<Candidate> out = new ArrayList<>();
        if (instances.isEmpty()) {
            String name = names.isEmpty() ? "" : text(names.get(0), where + ".names[0]");
            ModelEndpoint endpoint = endpoints.primary().withModel(name);
            out.add(
                    new Candidate(
                            ModelEndpoints.PRIMARY,
                            endpoint,
                            settings(endpoint, asked, template),
                            name.isEmpty() && template.equals(empty())
                                    ? Source.PROCESS
                                    : Source.AGENT));
            return out;
        }
        for (int i = 0; i < instances.size(); i++) {
            String name = i < names.size() ? text(names.get(i), where + ".names[" + i + "]") : "";
            JsonNode instance = instances.get(i);
            String at = where + ".instances[" + i + "]";
            String label;
            ModelEndpoint endpoint;
            if (instance.isTextual() && !instance.asText().isBlank()) {
                label = instance.asText();
                endpoint = endpoints.named(label).orElseGet(endpoints::primary).withModel(name);
            } else if (instance.isObject()) {
                label =
                        instance.path("name").isTextual()
                                ? instance.path("name").asText()
                                : i == 0
                                        ? ModelEndpoints.PRIMARY
                                        : i == 1 ? "backup" : "backup-" + i;
                ModelEndpoint given = inline(instance, at);
                endpoint =
                        instance.path("model").asText("").isBlank() ? given.withModel(name) : given;
            } else {
                throw new ModelConfigException(
                        at
                                + " must be an endpoint name (like \"primary\") or an object"
                                + " {\"provider\", \"base_url\", \"model\"}");
            }
            out.add(
                    new Candidate(
                            label, endpoint, settings(endpoint, asked, template), Source.AGENT));
        }
        return out;
    }

    /** An endpoint given in the agent config; its API key is never read from there. */
    private ModelEndpoint inline(JsonNode spec, String where) {
        JsonNode provider = spec.path("provider");
        if (!provider.isTextual() || provider.asText().isBlank()) {
            throw new ModelConfigException(
                    where + ".provider is required (scripted, openai or ollama)");
        }
        for (String field : new String[] {"base_url", "model"}) {
            JsonNode n = spec.path(field);
            if (!n.isMissingNode() && !n.isNull() && !n.isTextual()) {
                throw new ModelConfigException(where + "." + field + " must be a string");
            }
        }
        ModelEndpoint keyless;
        try {
            keyless =
                    new ModelEndpoint(
                            provider.asText(),
                            spec.path("base_url").asText(""),
                            spec.path("model").asText(""),
                            "");
        } catch (IllegalArgumentException e) {
            throw new ModelConfigException(where + ": " + e.getMessage());
        }
        return new ModelEndpoint(
                keyless.provider(),
                keyless.baseUrl(),
                keyless.model(),
                endpoints.apiKeyFor(keyless.server()));
    }

    /** The request's settings, else the agent's template; provider and model of the endpoint. */
    private static GenerationParameters settings(
            ModelEndpoint endpoint, GenerationParameters asked, GenerationParameters template) {
        return GenerationParameters.newBuilder()
                .setProvider(endpoint.provider())
                .setModel(endpoint.model())
                .setTemperature(
                        asked.getTemperature() != null
                                ? asked.getTemperature()
                                : template.getTemperature())
                .setTopP(asked.getTopP() != null ? asked.getTopP() : template.getTopP())
                .setMaxTokens(
                        asked.getMaxTokens() != null
                                ? asked.getMaxTokens()
                                : template.getMaxTokens())
                .build();
    }

    private static GenerationParameters empty() {
        return GenerationParameters.newBuilder().build();
    }

    private static GenerationParameters template(JsonNode t, String where) {
        GenerationParameters.Builder b = GenerationParameters.newBuilder();
        if (t.isMissingNode() || t.isNull()) {
            return b.build();
        }
        if (!t.isObject()) {
            throw new ModelConfigException(where + ".model_config_template must be an object");
        }
        String at = where + ".model_config_template";
        b.setTemperature(number(t.path("temperature"), at + ".temperature"));
        b.setTopP(number(t.path("top_p"), at + ".top_p"));
        JsonNode max = t.path("max_tokens");
        if (!max.isMissingNode() && !max.isNull()) {
            if (!max.isIntegralNumber() || max.asLong() < 1 || max.asLong() > Integer.MAX_VALUE) {
                throw new ModelConfigException(at + ".max_tokens must be a positive integer");
            }
            b.setMaxTokens(max.asInt());
        }
        return b.build();
    }

    private static Double number(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) {
            return null;
        }
        if (!n.isNumber()) {
            throw new ModelConfigException(where + " must be a number");
        }
        return n.asDouble();
    }

    private static List<JsonNode> list(JsonNode n, String where) {
        if (n.isMissingNode() || n.isNull()) {
            return List.of();
        }
        if (!n.isArray()) {
            throw new ModelConfigException(where + " must be a list");
        }
        List<JsonNode> out = new ArrayList<>();
        n.forEach(out::add);
        return out;
    }

    private static String text(JsonNode n, String where) {
        if (!n.isTextual()) {
            throw new ModelConfigException(where + " must be a model name (a string)");
        }
        return n.asText().strip();
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
