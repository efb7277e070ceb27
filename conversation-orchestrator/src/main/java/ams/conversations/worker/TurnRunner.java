package ams.conversations.worker;

import ams.conversations.AgentDirectory;
import ams.conversations.AgentProfile;
import ams.conversations.ConversationConfig;
import ams.conversations.KnowledgeSearch;
import ams.conversations.llm.AgentModels;
import ams.conversations.llm.ChatProvider;
import ams.conversations.llm.ModelEndpoint;
import ams.conversations.llm.ModelEndpoints;
import ams.conversations.llm.Prompt;
import ams.conversations.llm.PromptBuilder;
import ams.conversations.llm.Providers;
import ams.conversations.llm.TokenSink;
import ams.conversations.media.AudioTranscripts;
import ams.conversations.media.SpeechToText;
import ams.conversations.media.VisionPrompts;
import ams.conversations.retrieval.ConversationMemory;
import ams.conversations.retrieval.TurnRetrieval;
import ams.conversations.statemachine.ConversationStateMachine;
import ams.conversations.statemachine.SpeakerSelection;
import ams.conversations.stream.TurnStreams;
import ams.events.GenerationParameters;
import ams.events.TokenUsage;
import ams.events.conversation.MessageAppended;
import ams.events.conversation.MessageRole;
import ams.events.conversation.TurnFailed;
import ams.events.conversation.TurnRequested;
import ams.service.failure.FailureClassifier.Verdict;
import ams.service.media.MediaConfig;
import ams.service.media.MediaStore;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Runs one requested turn off the stream threads: chooses the speaker when the model selects it,
 * fetches the speaker's config, retrieves for it ({@link TurnRetrieval}), builds the prompt, calls
 * the provider with bounded concurrency, and retries 429/5xx/timeouts with exponential backoff and
 * jitter. Returns the events to publish: a TurnFailed per failed attempt, then the MessageAppended
 * or a final non-retriable TurnFailed. The model is the speaker's own ({@link AgentModels}); when
 * its primary instance fails past the retries, the next instance (the backup) gets the turn, and
 * the message says so.
 */
public final class TurnRunner {

    private final ObjectMapper json = new ObjectMapper();
    private final AgentDirectory agents;
    private final TurnRetrieval retrieval;
    private final Providers providers;
    private final PromptBuilder prompts;
    private final int maxAttempts;
    private final long backoffInitialMs;
    private final long backoffMaxMs;
    private final long dependencyWaitMs;
    private volatile TurnStreams streams;
    private volatile VisionPrompts vision = VisionPrompts.none();

    public TurnRunner(
            AgentDirectory agents,
            KnowledgeSearch knowledge,
            Providers providers,
            PromptBuilder prompts,
            int knowledgeTopK,
            int maxAttempts,
            long backoffInitialMs,
            long backoffMaxMs) {
        this(
                agents,
                knowledge,
                providers,
                prompts,
                knowledgeTopK,
                maxAttempts,
                backoffInitialMs,
                backoffMaxMs,
                0);
    }

    /**
     * @param dependencyWaitMs how long the agent directory and the knowledge search may stay
     *     unavailable (a restarting agent-processor or knowledge-indexer) before an attempt fails
     */
    public TurnRunner(
            AgentDirectory agents,
            KnowledgeSearch knowledge,
            Providers providers,
            PromptBuilder prompts,
            int knowledgeTopK,
            int maxAttempts,
            long backoffInitialMs,
            long backoffMaxMs,
            long dependencyWaitMs) {
        this(
                agents,
                new TurnRetrieval(
                        knowledge,
                        ConversationMemory.none(),
                        TurnRetrieval.Settings.defaults(knowledgeTopK)),
                providers,
                prompts,
                maxAttempts,
                backoffInitialMs,
                backoffMaxMs,
                dependencyWaitMs);
    }

    /**
     * @param retrieval what a turn retrieves: knowledge for the recent dialogue, linked documents,
     *     earlier conversations
     */
    public TurnRunner(
            AgentDirectory agents,
            TurnRetrieval retrieval,
            Providers providers,
            PromptBuilder prompts,
            int maxAttempts,
            long backoffInitialMs,
            long backoffMaxMs,
            long dependencyWaitMs) {
        this.dependencyWaitMs = dependencyWaitMs;
        this.agents = agents;
        this.retrieval = retrieval;
        this.providers = providers;
        this.prompts = prompts;
        this.maxAttempts = maxAttempts;
        this.backoffInitialMs = backoffInitialMs;
        this.backoffMaxMs = backoffMaxMs;
    }

    public static TurnRunner fromConfig(
            ConversationConfig config,
            AgentDirectory agents,
            KnowledgeSearch knowledge,
            Providers providers) {
        return fromConfig(config, agents, knowledge, ConversationMemory.none(), providers);
    }

    public static TurnRunner fromConfig(
            ConversationConfig config,
            AgentDirectory agents,
            KnowledgeSearch knowledge,
            ConversationMemory memory,
            Providers providers) {
        return new TurnRunner(
                        agents,
                        new TurnRetrieval(
                                knowledge, memory, TurnRetrieval.Settings.fromConfig(config)),
                        providers,
                        new PromptBuilder(
                                config.getInt(ConversationConfig.PROMPT_HISTORY_MAX_TURNS),
                                config.getInt(ConversationConfig.PROMPT_HISTORY_MAX_TOKENS)),
                        config.getInt(ConversationConfig.LLM_MAX_ATTEMPTS),
                        config.getLong(ConversationConfig.LLM_BACKOFF_INITIAL_MS),
                        config.getLong(ConversationConfig.LLM_BACKOFF_MAX_MS),
                        config.getLong(ConversationConfig.DEPENDENCY_WAIT_MS))
                .seeImagesWith(visionOf(config));
    }

    /** Images and audio of the history, read from this process's media store. */
    private static VisionPrompts visionOf(ConversationConfig config) {
        MediaStore store = MediaConfig.reader(config);
        return new VisionPrompts(
                Optional.of(store),
                SpeechToText.fromConfig(config).map(stt -> new AudioTranscripts(store, stt)));
    }

    /** What a turn does with the images in its history (vision models, or a note why not). */
    public TurnRunner seeImagesWith(VisionPrompts vision) {
        this.vision = vision;
        return this;
    }

    /**
     * Streams each reply's tokens to {@code streams} as the model writes them (the live view of
     * {@code GET /conversations/{id}/stream}); without it replies are still streamed from the model
     * but seen by nobody. Each attempt is a run there: a failed or abandoned attempt resets it.
     */
    public TurnRunner streamTo(TurnStreams streams) {
        this.streams = streams;
        return this;
    }

    /**
     * Runs one requested turn and returns the events that record its outcome.
     *
     * @return the payloads to publish, or null when interrupted (the worker is closing; the turn
     *     will be redone)
     */
    public List<Object> run(ConversationSnapshot conversation, TurnRequested request) {
        List<Object> out = new ArrayList<>();
        GenerationParameters generation =
                conversation.generation() == null
                        ? GenerationParameters.newBuilder().build()
                        : conversation.generation();
        ModelEndpoint moderator;
        try {
            moderator = providers.forRequest(generation);
        } catch (IllegalArgumentException e) {
            out.add(failed(request, request.getSpeakerAgentId(), 1, e.getMessage(), false));
            return out;
        }
        Map<String, String> names = new HashMap<>();
        // Which of the speaker's models is being tried (0 = its primary), how many attempts it has
        // had, and the instances given up on: a retriable failure past the retry budget moves on to
        // the next instance (the backup) instead of failing the turn.
        int instance = 0;
        int onInstance = 0;
        List<String> failedOver = new ArrayList<>();
        for (int attempt = 1; ; attempt++) {
            onInstance++;
            String speaker = request.getSpeakerAgentId();
            int instances = 1;
            String label = ModelEndpoints.PRIMARY;
            TurnStreams.Run stream = null;
            try {
                boolean selected = SpeakerSelection.MODEL_SELECTED.equals(speaker);
                if (selected) {
                    speaker =
                            selectSpeaker(
                                    conversation,
                                    moderator,
                                    generation,
                                    request.getTurnNumber(),
                                    names);
                }
                String chosen = speaker;
                Optional<AgentProfile> profile = available(() -> agents.find(chosen));
                if (profile.isEmpty()) {
                    out.add(
                            failed(
                                    request,
                                    speaker,
                                    attempt,
                                    "unknown agent '" + speaker + "'",
                                    false));
                    return out;
                }
                Optional<String> inactive = profile.get().inactiveReason();
                SkippedSpeaker skipped = null;
                if (inactive.isPresent()) {
                    // Deactivated since the conversation started: its turn goes to a stand-in.
                    Optional<AgentProfile> standIn = standIn(conversation, speaker);
                    if (standIn.isEmpty()) {
                        out.add(
                                failed(
                                        request,
                                        speaker,
                                        attempt,
                                        "agent "
                                                + inactive.get()
                                                + " since the conversation started, and no other"
                                                + " active participant that did not speak last can"
                                                + " take its turn; then resume the conversation"
                                                + " (POST /conversations/"
                                                + conversation.conversationId()
                                                + "/resume)",
                                        false));
                        return out;
                    }
                    skipped = new SkippedSpeaker(speaker, inactive.get());
                    profile = standIn;
                    speaker = standIn.get().agentId();
                }
                List<AgentModels.Candidate> candidates;
                try {
                    candidates = providers.models().candidates(profile.get(), generation);
                } catch (IllegalArgumentException e) {
                    out.add(failed(request, speaker, attempt, e.getMessage(), false));
                    return out;
                }
                instances = candidates.size();
                AgentModels.Candidate model = candidates.get(Math.min(instance, instances - 1));
                label = model.instance();
                ChatProvider provider = providers.get(model.endpoint());
                AgentProfile who = profile.get();
                TurnRetrieval.Result retrieved =
                        available(() -> retrieval.retrieve(who, conversation));
                VisionPrompts.Result seen =
                        vision.apply(
                                prompts.build(
                                        who,
                                        id -> nameOf(id, names),
                                        conversation,
                                        retrieved.hits(),
                                        retrieved.earlier(),
                                        request.getTurnNumber()),
                                who,
                                provider.name());
                Prompt prompt = seen.prompt();
                Integer maxTokens = model.settings().getMaxTokens();
                long estimate =
                        (long) prompt.estimatedTokens() + (maxTokens == null ? 0L : maxTokens);
                TurnStreams live = streams;
                if (live != null) {
                    stream =
                            live.begin(
                                    conversation.conversationId(),
                                    request.getTurnNumber(),
                                    speaker);
                }
                TokenSink tokens = stream == null ? TokenSink.NONE : stream::token;
                long started = System.nanoTime();
                ChatProvider.Reply reply =
                        providers.call(
                                model.endpoint(),
                                estimate,
                                () -> provider.reply(prompt, model.settings(), tokens),
                                ChatProvider.Reply::totalTokens);
                long latencyMs = (System.nanoTime() - started) / 1_000_000;
                if (stream != null) {
                    stream.finish();
                }
                out.add(
                        message(
                                conversation,
                                request,
                                speaker,
                                prompt,
                                reply,
                                new Served(
                                        provider,
                                        model,
                                        profile.get().version(),
                                        List.copyOf(failedOver),
                                        retrieved),
                                latencyMs,
                                attempt,
                                selected,
                                skipped,
                                seen));
                return out;
            } catch (InterruptedException e) {
                if (stream != null) {
                    stream.reset("the worker stopped; the turn will be run again");
                }
                Thread.currentThread().interrupt();
                return null;
            } catch (RuntimeException e) {
                if (Thread.currentThread().isInterrupted()) {
                    // The worker is stopping and cut the call short: not the model's failure; the
                    // turn's next owner runs it again.
                    if (stream != null) {
                        stream.reset("the worker stopped; the turn will be run again");
                    }
                    return null;
                }
                Verdict failure = Failures.classify(e);
                boolean spent = onInstance >= maxAttempts;
                boolean failover = failure.retriable() && spent && instance + 1 < instances;
                boolean last = !failure.retriable() || (spent && !failover);
                String reason =
                        instances > 1
                                ? failure.reason() + " (instance " + label + ")"
                                : failure.reason();
                out.add(failed(request, speaker, attempt, reason, !last));
                if (stream != null) {
                    stream.reset(reason);
                }
                if (last) {
                    return out;
                }
                if (failover) {
                    failedOver.add(label);
                    instance++;
                    onInstance = 0;
                    continue;
                }
                try {
                    Thread.sleep(backoffMillis(onInstance));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    return null;
                }
            }
        }
    }

    /**
     * Which model served a turn: the client, the candidate (instance, endpoint, settings), the
     * speaker's config version, and the instances that failed before it.
     */
    private record Served(
            ChatProvider provider,
            AgentModels.Candidate model,
            long agentVersion,
            List<String> failedOver,
            TurnRetrieval.Result retrieved) {}

    /** The speaker the policy chose, skipped because it is no longer active, and why. */
    private record SkippedSpeaker(String agentId, String reason) {}

    /**
     * Who speaks in place of {@code skipped}: the first active participant after it in the
     * participant order (wrapping round) that is not {@code skipped} and did not speak last, so a
     * conversation does not become one agent's monologue. Empty when there is none.
     */
    private Optional<AgentProfile> standIn(ConversationSnapshot conversation, String skipped)
            throws InterruptedException {
        List<String> participants = conversation.participants();
        String last = conversation.lastSpeaker();
        int from = participants.indexOf(skipped);
        for (int i = 1; i <= participants.size(); i++) {
            String candidate = participants.get(Math.floorMod(from + i, participants.size()));
            if (candidate.equals(skipped) || candidate.equals(last)) {
                continue;
            }
            Optional<AgentProfile> profile = available(() -> agents.find(candidate));
            if (profile.isPresent() && profile.get().inactiveReason().isEmpty()) {
                return profile;
            }
        }
        return Optional.empty();
    }

    /**
     * Asks another processor, waiting out its unavailability (connection refused, 5xx while it
     * restarts or rebalances) for up to {@code dependencyWaitMs}: an outage of our own services is
     * not a failed model call, so it must not use up the turn's attempts and fail the conversation.
     */
    private <T> T available(java.util.function.Supplier<T> lookup) throws InterruptedException {
        long deadline = System.nanoTime() + dependencyWaitMs * 1_000_000;
        for (int wait = 1; ; wait++) {
            try {
                return lookup.get();
            } catch (java.io.UncheckedIOException e) {
                if (System.nanoTime() >= deadline) {
                    throw e;
                }
                Thread.sleep(backoffMillis(Math.min(wait, 5)));
            }
        }
    }

    /**
     * Exponential backoff with jitter: half the capped delay fixed, half random, so retries of many
     * turns spread out.
     */
    long backoffMillis(int attempt) {
        long capped = Math.min(backoffMaxMs, backoffInitialMs << Math.min(attempt - 1, 20));
        return capped / 2 + ThreadLocalRandom.current().nextLong(capped / 2 + 1);
    }

    private String selectSpeaker(
            ConversationSnapshot c,
            ModelEndpoint endpoint,
            GenerationParameters generation,
            int turn,
            Map<String, String> names)
            throws InterruptedException {
        String last = c.lastSpeaker();
        List<String> candidates = c.participants().stream().filter(p -> !p.equals(last)).toList();
        StringBuilder list = new StringBuilder();
        for (String p : candidates) {
            list.append("\n- ").append(p).append(" (").append(nameOf(p, names)).append(')');
        }
        List<Prompt.Line> history =
                c.history().stream()
                        .map(
                                m ->
                                        new Prompt.Line(
                                                m.agentId(),
                                                "assistant".equals(m.role())
                                                        ? nameOf(m.agentId(), names)
                                                        : m.agentId(),
                                                m.role(),
                                                m.content(),
                                                false))
                        .toList();
        int from = Math.max(0, history.size() - 20);
        Prompt prompt =
                new Prompt(
                        "You moderate a conversation about: "
                                + c.topic()
                                + ". Choose who should speak next so the conversation moves forward.",
                        history.subList(from, history.size()),
                        "Who should speak next? Answer with exactly one agent id from this list:"
                                + list,
                        "moderator",
                        "moderator",
                        "moderator",
                        c.topic(),
                        List.of(),
                        c.seed(),
                        turn);
        ChatProvider provider = providers.get(endpoint);
        String answer =
                providers
                        .call(
                                endpoint,
                                prompt.estimatedTokens(),
                                () -> provider.selectSpeaker(prompt, generation),
                                text -> prompt.estimatedTokens() + text.length() / 4)
                        .toLowerCase(Locale.ROOT);
        for (String p : candidates) {
            if (answer.contains(p.toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        for (String p : candidates) {
            if (answer.contains(nameOf(p, names).toLowerCase(Locale.ROOT))) {
                return p;
            }
        }
        // The model named nobody we know (or there is no model): a seeded choice keeps the
        // conversation going.
        return SpeakerSelection.fallback(c.participants(), c.seed(), turn, last);
    }

    private String nameOf(String agentId, Map<String, String> names) {
        return names.computeIfAbsent(
                agentId,
                id -> {
                    try {
                        return agents.find(id).map(AgentProfile::name).orElse(id);
                    } catch (RuntimeException e) {
                        return id;
                    }
                });
    }

    private MessageAppended message(
            ConversationSnapshot c,
            TurnRequested request,
            String speaker,
            Prompt prompt,
            ChatProvider.Reply reply,
            Served served,
            long latencyMs,
            int attempt,
            boolean selectedByModel,
            SkippedSpeaker skipped,
            VisionPrompts.Result seen) {
        ObjectNode metadata = json.createObjectNode();
        metadata.put("speaker_name", prompt.speakerName());
        if (skipped != null) {
            metadata.put(ConversationStateMachine.STANDS_IN_FOR, skipped.agentId());
            metadata.put("skipped_because", skipped.reason());
        }
        metadata.put("provider", served.provider().name());
        // Provenance of the model (docs/ARCHITECTURE.md): which instance of the speaker's models
        // served the turn, on which endpoint, chosen by whom, after which instances failed, and
        // the version of the speaker's config the turn was written with.
        AgentModels.Candidate model = served.model();
        metadata.put("model_instance", model.instance());
        metadata.put(
                "model_endpoint",
                model.endpoint().baseUrl().isEmpty()
                        ? model.endpoint().provider()
                        : model.endpoint().baseUrl());
        metadata.put("model_source", model.source().name().toLowerCase(Locale.ROOT));
        if (!served.failedOver().isEmpty()) {
            var from = metadata.putArray("failed_over_from");
            served.failedOver().forEach(from::add);
        }
        if (served.agentVersion() > 0) {
            metadata.put("agent_config_version", served.agentVersion());
        }
        metadata.put("attempts", attempt);
        metadata.put("speaker_selected_by", selectedByModel ? "model" : "policy");
        metadata.put("history_messages", prompt.history().size());
        metadata.put("prompt_tokens_estimated", prompt.estimatedTokens());
        served.retrieved().describe(metadata, prompt.earlierConversations());
        seen.describe(metadata);
        return MessageAppended.newBuilder()
                .setTurnNumber(request.getTurnNumber())
                .setMessageId(UUID.randomUUID().toString())
                .setAgentId(speaker)
                .setRole(MessageRole.ASSISTANT)
                .setContent(reply.content())
                .setMetadataJson(metadata.toString())
                .setSessionId(c.sessionId())
                .setModel(reply.model())
                .setGeneration(
                        GenerationParameters.newBuilder(model.settings())
                                .setProvider(served.provider().name())
                                .setModel(reply.model())
                                .build())
                .setUsage(
                        TokenUsage.newBuilder()
                                .setPromptTokens(reply.promptTokens())
                                .setCompletionTokens(reply.completionTokens())
                                .setTotalTokens(reply.totalTokens())
                                .setEstimated(reply.estimated())
                                .build())
                .setLatencyMillis(latencyMs)
                .setKnowledgeIds(
                        prompt.knowledge().stream().map(KnowledgeSearch.Hit::documentId).toList())
                .build();
    }

    static TurnFailed failed(
            TurnRequested request, String speaker, int attempt, String reason, boolean retriable) {
        return TurnFailed.newBuilder()
                .setTurnNumber(request.getTurnNumber())
                .setSpeakerAgentId(speaker)
                .setAttempt(attempt)
                .setReason(reason)
                .setRetriable(retriable)
                .build();
    }
}
