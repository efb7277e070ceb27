package ams.conversations.http;

import ams.conversations.statemachine.EndCondition;
import ams.events.GenerationParameters;
import ams.events.InvalidRequestException;
import ams.events.conversation.ConversationRequested;
import ams.events.conversation.HumanTimeoutAction;
import ams.events.conversation.HumanTurns;
import ams.events.conversation.SpeakerPolicy;
import ams.events.conversation.Termination;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The body of {@code POST /conversations/generate}, read by {@code ServiceJson.read} (snake_case
 * field names, wrong types refused) and checked here: everything that can be said about a request
 * without the broker or the agent directory. Absent optional fields take their defaults, so the
 * accessors never answer null for a list or for {@code num_turns}.
 */
public record GenerateRequest(
        List<String> agents,
        String topic,
        Long numTurns,
        String speakerPolicy,
        List<String> speakerOrder,
        Long seed,
        String provider,
        String model,
        Double temperature,
        Double topP,
        Long maxTokens,
        List<String> stopPhrases,
        Long tokenBudget,
        Long timeoutMs,
        String sessionId,
        List<String> humanParticipants,
        String conversationId,
        String termination,
        HumanTurnsRequest humanTurns) {

    /** {@code human_turns}: people take turns; how long one waits and what a timeout does. */
    public record HumanTurnsRequest(Long timeoutMs, String onTimeout) {

        public static final long DEFAULT_TIMEOUT_MS = 900_000;

        public HumanTurnsRequest {
            if (timeoutMs == null) {
                timeoutMs = DEFAULT_TIMEOUT_MS;
            }
            if (timeoutMs < 1) {
                throw new InvalidRequestException(
                        "'human_turns.timeout_ms' must be a positive integer (milliseconds)");
            }
            onTimeout = onTimeout == null ? "end" : onTimeout;
            action(onTimeout);
        }

        static HumanTimeoutAction action(String name) {
            return switch (name) {
                case "skip" -> HumanTimeoutAction.SKIP;
                case "end" -> HumanTimeoutAction.END;
                default ->
                        throw new InvalidRequestException(
                                "'human_turns.on_timeout' must be skip or end, was '" + name + "'");
            };
        }

        HumanTurns toEvent() {
            return HumanTurns.newBuilder()
                    .setTimeoutMillis(timeoutMs)
                    .setOnTimeout(action(onTimeout))
                    .build();
        }
    }

    public static final int DEFAULT_TURNS = 10;
    public static final int MAX_TURNS = 10_000;
    public static final List<String> PROVIDERS = List.of("scripted", "openai", "ollama");

    public GenerateRequest {
        agents = strings(agents, "agents");
        speakerOrder = strings(speakerOrder, "speaker_order");
        stopPhrases = strings(stopPhrases, "stop_phrases");
        humanParticipants = strings(humanParticipants, "human_participants");
        if (agents.isEmpty()) {
            throw new InvalidRequestException("'agents' must list at least one agent id");
        }
        if (topic == null || topic.isBlank()) {
            throw new InvalidRequestException("'topic' is required");
        }
        if (numTurns == null) {
            numTurns = (long) DEFAULT_TURNS;
        }
        if (numTurns < 1 || numTurns > MAX_TURNS) {
            throw new InvalidRequestException(
                    "'num_turns' must be an integer from 1 to " + MAX_TURNS);
        }
        SpeakerPolicy policy = policy(speakerPolicy);
        if (policy == SpeakerPolicy.EXPLICIT && speakerOrder.isEmpty()) {
            throw new InvalidRequestException(
                    "'speaker_order' is required for speaker_policy explicit");
        }
        if (humanTurns != null) {
            if (humanParticipants.isEmpty()) {
                throw new InvalidRequestException(
                        "'human_turns' needs 'human_participants': name the people who take"
                                + " turns, e.g. \"human_participants\": [\"alice\"]");
            }
            List<String> clash = humanParticipants.stream().filter(agents::contains).toList();
            if (!clash.isEmpty()) {
                throw new InvalidRequestException(
                        "'human_participants' "
                                + clash
                                + " are also agent ids in 'agents';"
                                + " give the people names no agent has");
            }
            if (new LinkedHashSet<>(humanParticipants).size() != humanParticipants.size()) {
                throw new InvalidRequestException("'human_participants' must not repeat a name");
            }
        }
        List<String> speakers = new java.util.ArrayList<>(agents);
        if (humanTurns != null) {
            speakers.addAll(humanParticipants);
        }
        if (!speakers.containsAll(speakerOrder)) {
            throw new InvalidRequestException(
                    humanTurns == null
                            ? "'speaker_order' may only name agents listed in 'agents'"
                            : "'speaker_order' may only name agents listed in 'agents' or people"
                                    + " in 'human_participants'");
        }
        if (new LinkedHashSet<>(agents).size() != agents.size()) {
            throw new InvalidRequestException("'agents' must not repeat an agent");
        }
        if (provider != null && !PROVIDERS.contains(provider)) {
            throw new InvalidRequestException("'provider' must be scripted, openai or ollama");
        }
        positive(tokenBudget, "token_budget");
        positive(timeoutMs, "timeout_ms");
        positive(maxTokens, "max_tokens");
        if (termination != null) {
            EndCondition condition;
            try {
                condition = EndCondition.parse(termination);
            } catch (EndCondition.InvalidException e) {
                throw new InvalidRequestException("'termination': " + e.getMessage());
            }
            List<String> listed = agents;
            List<String> strangers =
                    condition.speakers().stream().filter(id -> !listed.contains(id)).toList();
            if (!strangers.isEmpty()) {
                throw new InvalidRequestException(
                        "'termination': speaker(...) names "
                                + strangers
                                + ", not listed in 'agents' "
                                + agents);
            }
        }
        if (maxTokens != null && maxTokens > Integer.MAX_VALUE) {
            throw new InvalidRequestException(
                    "'max_tokens' must be a positive integer up to " + Integer.MAX_VALUE);
        }
    }

    /** The id the caller chose, or null when the system is to choose one. */
    public String requestedId() {
        return conversationId == null || conversationId.isBlank() ? null : conversationId;
    }

    /** The event that starts the conversation this request describes. */
    public ConversationRequested toEvent() {
        return ConversationRequested.newBuilder()
                .setParticipants(agents)
                .setTopic(topic)
                .setMaxTurns(numTurns.intValue())
                .setSpeakerPolicy(policy(speakerPolicy))
                .setSpeakerOrder(speakerOrder)
                .setGeneration(
                        GenerationParameters.newBuilder()
                                .setProvider(provider)
                                .setModel(model)
                                .setTemperature(temperature)
                                .setTopP(topP)
                                .setMaxTokens(maxTokens == null ? null : maxTokens.intValue())
                                .build())
                .setSeed(seed)
                .setTermination(
                        Termination.newBuilder()
                                .setStopPhrases(stopPhrases)
                                .setTokenBudget(tokenBudget)
                                .setTimeoutMillis(timeoutMs)
                                .setExpression(termination)
                                .build())
                .setSessionId(sessionId)
                .setHumanParticipants(humanParticipants)
                .setHumanTurns(humanTurns == null ? null : humanTurns.toEvent())
                .build();
    }

    private static SpeakerPolicy policy(String name) {
        try {
            return SpeakerPolicy.valueOf(
                    (name == null ? "round_robin" : name).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException(
                    "'speaker_policy' must be one of round_robin, random, explicit, model_selected, handoff");
        }
    }

    private static List<String> strings(List<String> values, String field) {
        if (values == null) {
            return List.of();
        }
        for (String value : values) {
            if (value == null || value.isBlank()) {
                throw new InvalidRequestException(
                        "'" + field + "' must contain only non-blank strings");
            }
        }
        return List.copyOf(values);
    }

    private static void positive(Long value, String field) {
        if (value != null && value < 1) {
            throw new InvalidRequestException("'" + field + "' must be a positive integer");
        }
    }
}
